#version 450
// Tiled, register-blocked GEMM C = A x B (row-major, M x N, K deep), staged through shared
// memory; with -DCONV the same kernel is an implicit-GEMM convolution (rows = output pixels,
// columns = output channels, depth = C x R x S; A is gathered from the input on the fly).
// A work-group of WG_N x WG_M invocations computes a (WG_M*TM) x (WG_N*TN) tile of C; each
// invocation holds TM x TN accumulators. Tile sizes and transposes are specialization constants.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#if defined(XPU_INT8) && defined(DOT)
// -DDOT (int8): the tiles hold four depth steps packed per uint (u8 for A, s8 for B) and the inner
// loop is one packed 4 x 8-bit dot product per output (DP4A-style), TK a multiple of 4.
#include "dot.glsl"
#endif

layout(local_size_x_id = 0, local_size_y_id = 1) in;  // WG_N, WG_M
layout(constant_id = 2) const uint TM = 4;
layout(constant_id = 3) const uint TN = 4;
layout(constant_id = 4) const uint TK = 16;
layout(constant_id = 5) const bool TRANS_A = false;
layout(constant_id = 6) const bool TRANS_B = false;
layout(constant_id = 7) const bool NHWC = false;  // CONV: NHWC input / KRSC filter / NPQK output

layout(std430, binding = 0) readonly buffer BufA { A_T a[]; };
layout(std430, binding = 1) readonly buffer BufB { B_T b[]; };
layout(std430, binding = 2) writeonly buffer BufC { ACC_T c[]; };

layout(push_constant) uniform Params {
  uint M, N, K;
  // CONV only: input C x H x W, filter R x S, output P x Q
  uint C, H, W, R, S, P, Q, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
} pc;

const uint WG_N = gl_WorkGroupSize.x, WG_M = gl_WorkGroupSize.y;
const uint BM = WG_M * TM, BN = WG_N * TN;
#if defined(XPU_INT8) && defined(DOT)
shared uint As[TK / 4 * BM];  // [k/4][m], four depth steps of A per uint
shared uint Bs[TK / 4 * BN];  // [k/4][n]
#else
shared ACC_T As[TK * BM];  // [k][m]
shared ACC_T Bs[TK * BN];  // [k][n]
#endif

ACC_T load_a(uint row, uint col) {
  if (row >= pc.M || col >= pc.K) return ACC_T(0);
#ifdef CONV
  const uint pq = pc.P * pc.Q, n = row / pq, p = (row % pq) / pc.Q, q = row % pc.Q;
  uint ch, r, s;
  if (NHWC) {
    r = col / (pc.S * pc.C); s = (col / pc.C) % pc.S; ch = col % pc.C;
  } else {
    ch = col / (pc.R * pc.S); r = (col / pc.S) % pc.R; s = col % pc.S;
  }
  const int h = int(p * pc.stride_h + r * pc.dilation_h) - int(pc.pad_top);
  const int w = int(q * pc.stride_w + s * pc.dilation_w) - int(pc.pad_left);
  if (h < 0 || w < 0 || h >= int(pc.H) || w >= int(pc.W)) return ACC_T(0);
  const uint at = NHWC ? ((n * pc.H + uint(h)) * pc.W + uint(w)) * pc.C + ch : ((n * pc.C + ch) * pc.H + uint(h)) * pc.W + uint(w);
  return LOAD_A(a, at);
#else
  return LOAD_A(a, TRANS_A ? col * pc.M + row : row * pc.K + col);
#endif
}

ACC_T load_b(uint row, uint col) {  // row: depth index, col: output column
  if (row >= pc.K || col >= pc.N) return ACC_T(0);
#ifdef CONV
  return LOAD_B(b, col * pc.K + row);  // filter K x (C R S) or K x (R S C): depth contiguous per output channel
#else
  return LOAD_B(b, TRANS_B ? col * pc.K + row : row * pc.N + col);
#endif
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
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint tid = ty * WG_N + tx, threads = WG_M * WG_N;
  const uint row0 = gl_WorkGroupID.y * BM, col0 = gl_WorkGroupID.x * BN;
#ifdef CONV
  const bool a_m_fastest = !NHWC;  // NCHW: neighbouring pixels are neighbours in memory
  const bool b_n_fastest = false;
#else
  const bool a_m_fastest = TRANS_A;
  const bool b_n_fastest = !TRANS_B;
#endif
  ACC_T acc[TM * TN];
  for (uint i = 0; i < TM * TN; ++i) acc[i] = ACC_T(0);
  ACC_T av[TM];
  ACC_T bv[TN];

#if defined(XPU_INT8) && defined(DOT)
  for (uint k0 = 0; k0 < pc.K; k0 += TK) {
    for (uint i = tid; i < TK / 4 * BM; i += threads) {
      const uint mm = a_m_fastest ? i % BM : i / (TK / 4), kq = a_m_fastest ? i / BM : i % (TK / 4);
      uint packed = 0;
      for (uint q = 0; q < 4; ++q) packed |= (uint(load_a(row0 + mm, k0 + 4 * kq + q)) & 0xffu) << (8 * q);
      As[kq * BM + mm] = packed;
    }
    for (uint i = tid; i < TK / 4 * BN; i += threads) {
      const uint nn = b_n_fastest ? i % BN : i / (TK / 4), kq = b_n_fastest ? i / BN : i % (TK / 4);
      uint packed = 0;
      for (uint q = 0; q < 4; ++q) packed |= (uint(load_b(k0 + 4 * kq + q, col0 + nn)) & 0xffu) << (8 * q);
      Bs[kq * BN + nn] = packed;
    }
    barrier();
    for (uint kq = 0; kq < TK / 4; ++kq) {
      uint a4[TM], b4[TN];
      for (uint i = 0; i < TM; ++i) a4[i] = As[kq * BM + ty + i * WG_M];
      for (uint j = 0; j < TN; ++j) b4[j] = Bs[kq * BN + tx + j * WG_N];
      for (uint i = 0; i < TM; ++i)
        for (uint j = 0; j < TN; ++j) acc[i * TN + j] += sudot4x8(b4[j], a4[i], 0);
    }
    barrier();
  }
#else
  for (uint k0 = 0; k0 < pc.K; k0 += TK) {
    // Stage the A and B tiles, walking memory in its contiguous direction.
    for (uint i = tid; i < TK * BM; i += threads) {
      const uint mm = a_m_fastest ? i % BM : i / TK, kk = a_m_fastest ? i / BM : i % TK;
      As[kk * BM + mm] = load_a(row0 + mm, k0 + kk);
    }
    for (uint i = tid; i < TK * BN; i += threads) {
      const uint nn = b_n_fastest ? i % BN : i / TK, kk = b_n_fastest ? i / BN : i % TK;
      Bs[kk * BN + nn] = load_b(k0 + kk, col0 + nn);
    }
    barrier();
    for (uint kk = 0; kk < TK; ++kk) {
      for (uint i = 0; i < TM; ++i) av[i] = As[kk * BM + ty + i * WG_M];
      for (uint j = 0; j < TN; ++j) bv[j] = Bs[kk * BN + tx + j * WG_N];
      for (uint i = 0; i < TM; ++i)
        for (uint j = 0; j < TN; ++j) acc[i * TN + j] = MAD(acc[i * TN + j], av[i], bv[j]);
    }
    barrier();
  }
#endif
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) store_c(row0 + ty + i * WG_M, col0 + tx + j * WG_N, acc[i * TN + j]);
}
