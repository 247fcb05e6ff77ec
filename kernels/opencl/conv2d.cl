// Direct convolution, one output element per work-item (global size: the output's element count).
// Input N x C x H x W (NCHW) or N x H x W x C (NHWC); filter K x C x R x S or K x R x S x C; output
// N x K x P x Q or N x P x Q x K. Build defines: the type (types.cl) and optionally NHWC.
__kernel void conv2d(const int N, const int C, const int H, const int W, const int K, const int R, const int S,
                     const int stride, const int pad, const int dilation, const int P, const int Q,
                     __global const a_t* X, __global const b_t* F, __global acc_t* Y) {
  const int idx = get_global_id(0);
  if (idx >= N * K * P * Q) return;
#ifdef NHWC
  const int k = idx % K, q = (idx / K) % Q, p = (idx / (K * Q)) % P, n = idx / (K * Q * P);
#else
  const int q = idx % Q, p = (idx / Q) % P, k = (idx / (Q * P)) % K, n = idx / (Q * P * K);
#endif
  acc_t acc = 0;
  for (int r = 0; r < R; ++r) {
    const int h = p * stride - pad + r * dilation;
    if (h < 0 || h >= H) continue;
    for (int s = 0; s < S; ++s) {
      const int w = q * stride - pad + s * dilation;
      if (w < 0 || w >= W) continue;
      for (int c = 0; c < C; ++c) {
#ifdef NHWC
        acc += (acc_t)LOAD_A(X, ((n * H + h) * W + w) * C + c) * (acc_t)LOAD_B(F, ((k * R + r) * S + s) * C + c);
#else
        acc += (acc_t)LOAD_A(X, ((n * C + c) * H + h) * W + w) * (acc_t)LOAD_B(F, ((k * C + c) * R + r) * S + s);
#endif
      }
    }
  }
  Y[idx] = acc;
}
