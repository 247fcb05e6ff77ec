#version 450
// GEMM C = A x B for CPU Vulkan devices (lavapipe, SwiftShader). These run a work-group's
// invocations as the lanes of SIMD registers. Mesa 22's llvmpipe turns a storage-buffer load
// whose address differs between lanes into one scalar load per lane (a loop over the lanes with
// a bounds check each), and every barrier into a coroutine switch, while a texel fetch is a
// vector gather. So: A and B are read through uniform texel buffers, no shared memory and no
// barriers; a work-group owns TM rows of C, whose A elements are the same for every lane, and
// each invocation owns TN4 vec4 column groups of B (an RGBA view where B rows are whole vec4s,
// VEC_B; else a one-channel view read element by element), neighbouring lanes on neighbouring
// vec4s; A likewise four depth steps per fetch where its rows are whole vec4s (VEC_A). Work-group x runs along the rows, y along the column panels, so that consecutive
// work-groups (the order the driver hands them to its threads) reuse a panel of B from cache.
// With -DCONV it is an implicit-GEMM convolution, output channels as rows (see load_a below).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#ifdef SHUFFLE
// -DSHUFFLE: with VEC_A, the lanes of a subgroup fetch the work-group's TM rows of A (TM a multiple
// of the subgroup size) and every lane takes the values it needs from the others by subgroup
// shuffle: TM / SG texel fetches of A per four depth steps instead of TM.
#extension GL_KHR_shader_subgroup_shuffle : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint TN4 = 1;
layout(constant_id = 3) const bool TRANS_A = false;
layout(constant_id = 4) const bool TRANS_B = false;
layout(constant_id = 5) const bool NHWC = false;
layout(constant_id = 6) const bool VEC_B = true;   // B bound as an RGBA view (N % 4 == 0, B not transposed, not CONV)
layout(constant_id = 7) const bool VEC_A = false;  // A bound as an RGBA view (K % 4 == 0, A not transposed, not CONV)
layout(constant_id = 8) const uint KG = 1;         // SHUFFLE: groups of four depth steps per iteration
layout(constant_id = 9) const uint SG = 1;         // SHUFFLE: the subgroup size (TM and the work-group size its multiples)

// Texel views: fp32 R32/RGBA32 float, fp16 R16/RGBA16 float (fetched as exact floats), int8 A as
// R8 uint and B as R8/RGBA8 sint (fetched as exact ints).
#if defined(XPU_INT8)
#define ACC4_T ivec4
layout(binding = 0) uniform usamplerBuffer a_texels;
layout(binding = 1) uniform isamplerBuffer b_texels;
#else
#define ACC4_T vec4
layout(binding = 0) uniform samplerBuffer a_texels;
layout(binding = 1) uniform samplerBuffer b_texels;
#endif
layout(std430, binding = 2) writeonly buffer BufC { ACC_T c[]; };

layout(push_constant) uniform Params {
  uint M, N, K;
  uint C, H, W, R, S, P, Q, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
} pc;

#ifdef CONV
// The convolution as C' = F x im2col(X)': rows = output channels (the filter's rows, the same
// for every lane), columns = output pixels (one per lane and vec4 component), depth = C x R x S
// (NCHW, filter KCRS) or R x S x C (NHWC, filter KRSC). X stays in binding 0 and F in binding 1
// (their element types), but here F is the uniform operand and X the per-lane one.
ACC_T load_a(uint row, uint col) {  // F[row][col]
  if (row >= pc.M) return ACC_T(0);
  return ACC_T(texelFetch(b_texels, int(row * pc.K + col)).x);
}

// The input element of pixel column j at depth (ch, r, s), or 0 in the padding. The pixel's
// coordinates are decomposed once per invocation (base, h0, w0), not per depth step: integer
// division has no SIMD form on CPUs.
ACC_T load_x(uint base, int h0, int w0, bool inside, uint ch, uint r, uint s) {
  const int h = h0 + int(r * pc.dilation_h), w = w0 + int(s * pc.dilation_w);
  const bool ok = inside && h >= 0 && w >= 0 && h < int(pc.H) && w < int(pc.W);
  const uint at = NHWC ? base + (uint(h) * pc.W + uint(w)) * pc.C + ch : base + (ch * pc.H + uint(h)) * pc.W + uint(w);
  return ok ? ACC_T(texelFetch(a_texels, int(ok ? at : 0)).x) : ACC_T(0);  // no branch around the fetch
}

void store_c(uint row, uint col, ACC_T v) {  // row: output channel, col: pixel
  if (row >= pc.M || col >= pc.N) return;
  const uint pq = pc.P * pc.Q;
  c[NHWC ? col * pc.M + row : ((col / pq) * pc.M + row) * pq + col % pq] = v;
}
#else
ACC_T load_a(uint row, uint col) {
  if (row >= pc.M) return ACC_T(0);
  return ACC_T(texelFetch(a_texels, int(TRANS_A ? col * pc.M + row : row * pc.K + col)).x);
}

ACC_T load_b(uint row, uint col) {  // one element: row = depth, col = output column
  if (col >= pc.N) return ACC_T(0);
  return ACC_T(texelFetch(b_texels, int(TRANS_B ? col * pc.K + row : row * pc.N + col)).x);
}

ACC4_T load_b4(uint row, uint col) {  // columns col .. col + 3
  // Columns past N (the last work-group's) read the last vec4 instead: computed, never stored, and
  // no select after the fetch.
  if (VEC_B) return ACC4_T(texelFetch(b_texels, int((row * pc.N + min(col, pc.N - 4)) / 4)));
  return ACC4_T(load_b(row, col), load_b(row, col + 1), load_b(row, col + 2), load_b(row, col + 3));
}

void store_c(uint row, uint col, ACC_T v) {
  if (row >= pc.M || col >= pc.N) return;
  c[row * pc.N + col] = v;
}
#endif

#ifdef CONV
// Each invocation's TN4 x 4 output pixels: the input offset of their image, their top-left input
// coordinates, and whether they exist (the last work-group's may not).
uint base[TN4 * 4];
int h0[TN4 * 4], w0[TN4 * 4];
bool inside[TN4 * 4];

ACC4_T load_x4(uint j, uint ch, uint r, uint s) {  // pixels 4j .. 4j + 3 at depth (ch, r, s)
  return ACC4_T(load_x(base[4 * j], h0[4 * j], w0[4 * j], inside[4 * j], ch, r, s),
                load_x(base[4 * j + 1], h0[4 * j + 1], w0[4 * j + 1], inside[4 * j + 1], ch, r, s),
                load_x(base[4 * j + 2], h0[4 * j + 2], w0[4 * j + 2], inside[4 * j + 2], ch, r, s),
                load_x(base[4 * j + 3], h0[4 * j + 3], w0[4 * j + 3], inside[4 * j + 3], ch, r, s));
}

void main() {
  const uint row0 = gl_WorkGroupID.x * TM;
  const uint lanes = gl_WorkGroupSize.x;
  const uint col0 = gl_WorkGroupID.y * lanes * TN4 * 4 + gl_LocalInvocationID.x * 4;
  const uint pq = pc.P * pc.Q;
  for (uint j = 0; j < TN4 * 4; ++j) {
    const uint col = col0 + (j / 4) * lanes * 4 + j % 4, n = col / pq, p = (col % pq) / pc.Q, q = col % pc.Q;
    base[j] = n * pc.C * pc.H * pc.W;
    h0[j] = int(p * pc.stride_h) - int(pc.pad_top);
    w0[j] = int(q * pc.stride_w) - int(pc.pad_left);
    inside[j] = col < pc.N;
  }
  ACC4_T acc[TM * TN4];
  for (uint i = 0; i < TM * TN4; ++i) acc[i] = ACC4_T(0);
  // Depth order: (ch, r, s) for NCHW / KCRS, (r, s, ch) for NHWC / KRSC.
  const uint outer = NHWC ? pc.R : pc.C, middle = NHWC ? pc.S : pc.R, inner = NHWC ? pc.C : pc.S;
#ifdef SHUFFLE
  // -DSHUFFLE (depth C x R x S a multiple of 4, the filter bound as an RGBA view): four depth steps
  // per iteration. The lanes fetch the work-group's TM filter rows, four depth steps per fetch, and
  // share them by subgroup shuffles; every fetch comes before the multiply-adds, which go row by row
  // (as in the GEMM below: llvmpipe's texel fetches are calls that spill live vector registers).
  const uint mine = row0 + gl_SubgroupInvocationID;
  uint i0 = 0, i1 = 0, i2 = 0;  // the next depth step's (outer, middle, inner) indices
  for (uint d = 0; d < pc.K; d += 4) {
    ACC4_T own[TM / SG];
    for (uint g = 0; g < TM / SG; ++g) own[g] = ACC4_T(texelFetch(b_texels, int((min(mine + g * SG, pc.M - 1) * pc.K + d) / 4)));
    ACC4_T xv[4 * TN4];
    for (uint kk = 0; kk < 4; ++kk) {
      for (uint j = 0; j < TN4; ++j) xv[kk * TN4 + j] = load_x4(j, NHWC ? i2 : i0, NHWC ? i0 : i1, NHWC ? i1 : i2);
      if (++i2 == inner) {
        i2 = 0;
        if (++i1 == middle) i1 = 0, ++i0;
      }
    }
    for (uint i = 0; i < TM; ++i)
      for (uint kk = 0; kk < 4; ++kk) {
        const ACC_T a_ik = subgroupShuffle(own[i / SG][kk], i % SG);
        for (uint j = 0; j < TN4; ++j) acc[i * TN4 + j] = MAD(acc[i * TN4 + j], ACC4_T(a_ik), xv[kk * TN4 + j]);
      }
  }
#else
  uint d = 0;
  for (uint i0 = 0; i0 < outer; ++i0)
    for (uint i1 = 0; i1 < middle; ++i1)
      for (uint i2 = 0; i2 < inner; ++i2, ++d) {
        const uint ch = NHWC ? i2 : i0, r = NHWC ? i0 : i1, s = NHWC ? i1 : i2;
        ACC4_T bv[TN4];
        for (uint j = 0; j < TN4; ++j) bv[j] = load_x4(j, ch, r, s);
        for (uint i = 0; i < TM; ++i) {
          const ACC_T av = load_a(row0 + i, d);
          for (uint j = 0; j < TN4; ++j) acc[i * TN4 + j] = MAD(acc[i * TN4 + j], ACC4_T(av), bv[j]);
        }
      }
#endif
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN4; ++j)
      for (uint q = 0; q < 4; ++q) store_c(row0 + i, col0 + j * lanes * 4 + q, acc[i * TN4 + j][q]);
}
#else
ACC4_T acc[TM * TN4];  // the invocation's TM x TN4 vec4 block of C

#ifdef SHUFFLE
// 4 x `groups` depth steps from k (groups <= KG; a constant at each call, so the loops unroll).
// Lane l fetches A rows row0 + l, row0 + l + SG, ... (four depth steps per fetch) and every lane
// takes the values it needs from the others by subgroup shuffle. Every B fetch comes before the
// multiply-adds: llvmpipe calls a function per texel fetch, and across a call every vector
// register is caller-saved, so fetches between the multiply-adds spill the accumulators.
void shuffle_steps(uint k, uint groups, uint row0, uint col0) {
  const uint lanes = gl_WorkGroupSize.x, mine = row0 + gl_SubgroupInvocationID;
  ACC4_T own[KG * (TM / SG)];
  for (uint g = 0; g < groups; ++g)
    for (uint r = 0; r < TM / SG; ++r)
      own[g * (TM / SG) + r] = ACC4_T(texelFetch(a_texels, int((min(mine + r * SG, pc.M - 1) * pc.K + k + 4 * g) / 4)));
  ACC4_T bv[4 * KG * TN4];
  for (uint kk = 0; kk < 4 * groups; ++kk)
    for (uint j = 0; j < TN4; ++j) bv[kk * TN4 + j] = load_b4(k + kk, col0 + j * lanes * 4);
  for (uint i = 0; i < TM; ++i)
    for (uint kk = 0; kk < 4 * groups; ++kk) {
      const ACC_T a_ik = subgroupShuffle(own[(kk / 4) * (TM / SG) + i / SG][kk % 4], i % SG);
      for (uint j = 0; j < TN4; ++j) acc[i * TN4 + j] = MAD(acc[i * TN4 + j], ACC4_T(a_ik), bv[kk * TN4 + j]);
    }
}
#endif

void main() {
  const uint row0 = gl_WorkGroupID.x * TM;
  const uint lanes = gl_WorkGroupSize.x;
  const uint col0 = gl_WorkGroupID.y * lanes * TN4 * 4 + gl_LocalInvocationID.x * 4;
  for (uint i = 0; i < TM * TN4; ++i) acc[i] = ACC4_T(0);
  if (VEC_A) {  // four depth steps per fetch of A (A[row][k .. k + 3]): a quarter of the A fetches
#ifdef SHUFFLE
    uint k = 0;
    for (; k + 4 * KG <= pc.K; k += 4 * KG) shuffle_steps(k, KG, row0, col0);
    for (; k < pc.K; k += 4) shuffle_steps(k, 1, row0, col0);
#else
    for (uint k = 0; k < pc.K; k += 4) {
      ACC4_T av[TM];
      for (uint i = 0; i < TM; ++i) av[i] = row0 + i < pc.M ? ACC4_T(texelFetch(a_texels, int(((row0 + i) * pc.K + k) / 4))) : ACC4_T(0);
      for (uint kk = 0; kk < 4; ++kk) {
        ACC4_T bv[TN4];
        for (uint j = 0; j < TN4; ++j) bv[j] = load_b4(k + kk, col0 + j * lanes * 4);
        for (uint i = 0; i < TM; ++i)
          for (uint j = 0; j < TN4; ++j) acc[i * TN4 + j] = MAD(acc[i * TN4 + j], ACC4_T(av[i][kk]), bv[j]);
      }
    }
#endif
  }
  for (uint k = 0; k < (VEC_A ? 0 : pc.K); ++k) {
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
#endif
