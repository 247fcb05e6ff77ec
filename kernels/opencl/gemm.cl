// C[M x N] = op(A)[M x K] . op(B)[K x N], row-major; A stored K x M when TRANS_A, B N x K when
// TRANS_B. Each work-item computes an RM x RN block held in registers; a work-group of
// WG_M x WG_N work-items stages TK-deep slices of A and B in local memory.
// Build defines: the type (types.cl), WG_M, WG_N, RM, RN, TK, and optionally TRANS_A / TRANS_B.
// -DDIRECT: no local memory and no barrier (for CPU drivers, which run a work-group as a loop over
// its work-items, vectorized across them, and keep across a barrier every private variable in
// memory): a work-item's RN columns are WG_N apart, so neighbouring work-items read neighbouring
// elements of B (one vector load across them) and the same elements of A (a broadcast).
// Out-of-range rows and columns read a clamped index and are not stored: no branch in the loop.
#define TM (WG_M * RM)
#define TN (WG_N * RN)

#if defined(DIRECT) && defined(VEC)
// -DDIRECT -DVEC=n: a work-item computes RM rows x VEC contiguous columns as RM vectors (an
// explicit SIMD micro-kernel: per depth step one vector load of B, RM broadcasts of A, RM vector
// multiply-adds). Needs N >= VEC and B not transposed (the host checks); where N % VEC != 0 the
// last work-item of a row computes the last VEC columns and stores only those past its neighbour's.
__kernel __attribute__((reqd_work_group_size(WG_N, WG_M, 1)))
void gemm(const int M, const int N, const int K, __global const a_t* A, __global const b_t* B, __global acc_t* C) {
  const int row0 = get_group_id(1) * TM + get_local_id(1) * RM;
  const int col = (get_group_id(0) * WG_N + get_local_id(0)) * VEC, colc = min(col, N - VEC);
  int rows[RM];
  for (int i = 0; i < RM; ++i) rows[i] = min(row0 + i, M - 1);
  accv_t acc[RM];
  for (int i = 0; i < RM; ++i) acc[i] = 0;
  for (int k = 0; k < K; ++k) {
    const accv_t b = LOAD_BV(B, k * N + colc);
    for (int i = 0; i < RM; ++i) {
#ifdef TRANS_A
      acc[i] += (acc_t)LOAD_A(A, k * M + rows[i]) * b;
#else
      acc[i] += (acc_t)LOAD_A(A, rows[i] * K + k) * b;
#endif
    }
  }
  if (col >= N) return;
  for (int i = 0; i < RM; ++i) {
    if (row0 + i >= M) continue;
    if (col == colc) {
      XCAT(vstore, VEC)(acc[i], 0, C + (row0 + i) * N + col);
    } else {  // the edge: columns colc .. N-1 computed, col .. N-1 ours
      acc_t lanes[VEC];
      XCAT(vstore, VEC)(acc[i], 0, lanes);
      for (int e = col - colc; e < VEC; ++e) C[(row0 + i) * N + colc + e] = lanes[e];
    }
  }
}
#elif defined(DIRECT)
__kernel __attribute__((reqd_work_group_size(WG_N, WG_M, 1)))
void gemm(const int M, const int N, const int K, __global const a_t* A, __global const b_t* B, __global acc_t* C) {
  const int tx = get_local_id(0), ty = get_local_id(1);
  const int row0 = get_group_id(1) * TM + ty * RM, col0 = get_group_id(0) * TN + tx;
  int rows[RM], cols[RN];
  for (int i = 0; i < RM; ++i) rows[i] = min(row0 + i, M - 1);
  for (int j = 0; j < RN; ++j) cols[j] = min(col0 + j * WG_N, N - 1);
  acc_t acc[RM][RN];
  for (int i = 0; i < RM; ++i)
    for (int j = 0; j < RN; ++j) acc[i][j] = 0;
#ifdef DOT4
  // -DDOT4 (int8): four depth steps per packed dot product (DOT4_ACC, types.cl). A is row-major and
  // K % 4 == 0 (a row's uchar4 at k / 4); the host repacks B as [K/4][N] x 4, the four depth steps
  // of one column together, so neighbouring work-items read neighbouring char4s.
  for (int k4 = 0; k4 < K / 4; ++k4) {
    uchar4 a[RM];
    char4 b[RN];
    for (int i = 0; i < RM; ++i) a[i] = vload4(k4, A + rows[i] * K);
    for (int j = 0; j < RN; ++j) b[j] = vload4(k4 * N + cols[j], B);
    for (int i = 0; i < RM; ++i)
      for (int j = 0; j < RN; ++j) acc[i][j] = DOT4_ACC(a[i], b[j], acc[i][j]);
  }
#else
  for (int k = 0; k < K; ++k) {
    acc_t a[RM], b[RN];
    for (int i = 0; i < RM; ++i) {
#ifdef TRANS_A
      a[i] = (acc_t)LOAD_A(A, k * M + rows[i]);
#else
      a[i] = (acc_t)LOAD_A(A, rows[i] * K + k);
#endif
    }
    for (int j = 0; j < RN; ++j) {
#ifdef TRANS_B
      b[j] = (acc_t)LOAD_B(B, cols[j] * K + k);
#else
      b[j] = (acc_t)LOAD_B(B, k * N + cols[j]);
#endif
    }
    for (int i = 0; i < RM; ++i)
      for (int j = 0; j < RN; ++j) acc[i][j] += a[i] * b[j];
  }
#endif
  for (int i = 0; i < RM; ++i)
    for (int j = 0; j < RN; ++j)
      if (row0 + i < M && col0 + j * WG_N < N) C[(row0 + i) * N + col0 + j * WG_N] = acc[i][j];
}
#else

__kernel __attribute__((reqd_work_group_size(WG_N, WG_M, 1)))
void gemm(const int M, const int N, const int K, __global const a_t* A, __global const b_t* B, __global acc_t* C) {
  __local acc_t As[TK][TM];
  __local acc_t Bs[TK][TN];
  const int tx = get_local_id(0), ty = get_local_id(1);
  const int row0 = get_group_id(1) * TM, col0 = get_group_id(0) * TN;
  const int lid = ty * WG_N + tx, threads = WG_M * WG_N;
  acc_t acc[RM][RN];
  for (int i = 0; i < RM; ++i)
    for (int j = 0; j < RN; ++j) acc[i][j] = 0;

  for (int k0 = 0; k0 < K; k0 += TK) {
    for (int e = lid; e < TK * TM; e += threads) {
      const int kk = e / TM, r = e % TM, gr = row0 + r, gk = k0 + kk;
#ifdef TRANS_A
      As[kk][r] = (gr < M && gk < K) ? (acc_t)LOAD_A(A, gk * M + gr) : 0;
#else
      As[kk][r] = (gr < M && gk < K) ? (acc_t)LOAD_A(A, gr * K + gk) : 0;
#endif
    }
    for (int e = lid; e < TK * TN; e += threads) {
      const int kk = e / TN, c = e % TN, gc = col0 + c, gk = k0 + kk;
#ifdef TRANS_B
      Bs[kk][c] = (gc < N && gk < K) ? (acc_t)LOAD_B(B, gc * K + gk) : 0;
#else
      Bs[kk][c] = (gc < N && gk < K) ? (acc_t)LOAD_B(B, gk * N + gc) : 0;
#endif
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int kk = 0; kk < TK; ++kk) {
      acc_t a[RM], b[RN];
      for (int i = 0; i < RM; ++i) a[i] = As[kk][ty * RM + i];
      for (int j = 0; j < RN; ++j) b[j] = Bs[kk][tx * RN + j];
      for (int i = 0; i < RM; ++i)
        for (int j = 0; j < RN; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int i = 0; i < RM; ++i) {
    const int r = row0 + ty * RM + i;
    if (r >= M) continue;
    for (int j = 0; j < RN; ++j) {
      const int c = col0 + tx * RN + j;
      if (c < N) C[r * N + c] = acc[i][j];
    }
  }
}
#endif
