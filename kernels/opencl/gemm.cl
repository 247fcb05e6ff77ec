// C[M x N] = op(A)[M x K] . op(B)[K x N], row-major; A stored K x M when TRANS_A, B N x K when
// TRANS_B. Each work-item computes an RM x RN block held in registers; a work-group of
// WG_M x WG_N work-items stages TK-deep slices of A and B in local memory.
// Build defines: the type (types.cl), WG_M, WG_N, RM, RN, TK, and optionally TRANS_A / TRANS_B.
#define TM (WG_M * RM)
#define TN (WG_N * RN)

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
