#version 450
// GEMM C = A x B for CPU Vulkan devices (lavapipe, SwiftShader). These run a work-group's
// invocations as the lanes of SIMD registers; a load whose address differs between lanes becomes
// one scalar load per lane (Mesa 22's llvmpipe loops over the lanes, with a bounds check each),
// and every barrier a coroutine switch. So: no shared memory and no barriers; a work-group owns
// TM rows of C, whose A elements are the same for every lane (uniform), and each invocation owns
// TN4 vec4 column groups read from B, spaced so that neighbouring lanes read neighbouring vec4s.
// Work-group x runs along the rows, y along the column panels, so that consecutive work-groups
// (the order the driver hands them to its threads) reuse the same panel of B from cache.
// With -DCONV it is an implicit-GEMM convolution (see gemm.comp for the index mapping).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint TN4 = 1;
layout(constant_id = 3) const bool TRANS_A = false;
layout(constant_id = 4) const bool TRANS_B = false;
layout(constant_id = 5) const bool NHWC = false;
layout(constant_id = 6) const bool VEC_B = true;  // B rows are whole vec4s (N % 4 == 0, B not transposed, not CONV)

#if defined(XPU_FP32)
#define B4_T vec4
#define ACC4_T vec4
#elif defined(XPU_FP16)
#define B4_T f16vec4
#define ACC4_T vec4
#elif defined(XPU_INT8)
#define B4_T i8vec4
#define ACC4_T ivec4
#endif

layout(std430, binding = 0) readonly buffer BufA { A_T a[]; };
layout(std430, binding = 1) readonly buffer BufB { B4_T b4[]; };  // buffers are padded to 16 bytes
layout(std430, binding = 2) writeonly buffer BufC { ACC_T c[]; };

layout(push_constant) uniform Params {
  uint M, N, K;
  uint C, H, W, R, S, P, Q, stride, pad, dilation;
} pc;

ACC_T load_a(uint row, uint col) {
  if (row >= pc.M) return ACC_T(0);
#ifdef CONV
  const uint pq = pc.P * pc.Q, n = row / pq, p = (row % pq) / pc.Q, q = row % pc.Q;
  uint ch, r, s;
  if (NHWC) {
    r = col / (pc.S * pc.C); s = (col / pc.C) % pc.S; ch = col % pc.C;
  } else {
    ch = col / (pc.R * pc.S); r = (col / pc.S) % pc.R; s = col % pc.S;
  }
  const int h = int(p * pc.stride + r * pc.dilation) - int(pc.pad);
  const int w = int(q * pc.stride + s * pc.dilation) - int(pc.pad);
  if (h < 0 || w < 0 || h >= int(pc.H) || w >= int(pc.W)) return ACC_T(0);
  return LOAD_A(a, NHWC ? ((n * pc.H + uint(h)) * pc.W + uint(w)) * pc.C + ch : ((n * pc.C + ch) * pc.H + uint(h)) * pc.W + uint(w));
#else
  return LOAD_A(a, TRANS_A ? col * pc.M + row : row * pc.K + col);
#endif
}

ACC_T load_b(uint row, uint col) {  // one element: row = depth, col = output column
  if (col >= pc.N) return ACC_T(0);
#ifdef CONV
  const uint at = col * pc.K + row;
#else
  const uint at = TRANS_B ? col * pc.K + row : row * pc.N + col;
#endif
  return ACC_T(b4[at / 4][at % 4]);
}

ACC4_T load_b4(uint row, uint col) {  // columns col .. col + 3
  if (VEC_B) return col < pc.N ? ACC4_T(b4[(row * pc.N + col) / 4]) : ACC4_T(0);
  return ACC4_T(load_b(row, col), load_b(row, col + 1), load_b(row, col + 2), load_b(row, col + 3));
}

void store_c(uint row, uint col, ACC_T v) {
  if (row >= pc.M || col >= pc.N) return;
#ifdef CONV
  const uint pq = pc.P * pc.Q;
  c[NHWC ? row * pc.N + col : ((row / pq) * pc.N + col) * pq + row % pq] = v;
#else
  c[row * pc.N + col] = v;
#endif
}

void main() {
  const uint row0 = gl_WorkGroupID.x * TM;
  const uint lanes = gl_WorkGroupSize.x;
  const uint col0 = gl_WorkGroupID.y * lanes * TN4 * 4 + gl_LocalInvocationID.x * 4;
  ACC4_T acc[TM * TN4];
  for (uint i = 0; i < TM * TN4; ++i) acc[i] = ACC4_T(0);
  for (uint k = 0; k < pc.K; ++k) {
    ACC4_T bv[TN4];
    for (uint j = 0; j < TN4; ++j) bv[j] = load_b4(k, col0 + j * lanes * 4);
    for (uint i = 0; i < TM; ++i) {
      const ACC_T av = load_a(row0 + i, k);
      for (uint j = 0; j < TN4; ++j) acc[i * TN4 + j] = MAD(acc[i * TN4 + j], ACC4_T(av), bv[j]);
    }
  }
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN4; ++j)
      for (uint q = 0; q < 4; ++q) store_c(row0 + i, col0 + j * lanes * 4 + q, acc[i * TN4 + j][q]);
}
