// Direct convolution, one output element per work-item (global size: the output's element count).
// Input N x C x H x W (NCHW) or N x H x W x C (NHWC); filter K x C x R x S or K x R x S x C; output
// N x K x P x Q or N x P x Q x K. Build defines: the type (types.cl) and optionally NHWC.
__kernel void conv2d(const int N, const int C, const int H, const int W, const int K, const int R, const int S,
                     const int stride_h, const int stride_w, const int pad_top, const int pad_left, const int dilation_h,
                     const int dilation_w, const int P, const int Q,
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
    const int h = p * stride_h - pad_top + r * dilation_h;
    if (h < 0 || h >= H) continue;
    for (int s = 0; s < S; ++s) {
      const int w = q * stride_w - pad_left + s * dilation_w;
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

#ifdef VEC
// Implicit GEMM for CPU devices (-DVEC=n): rows = output pixels, columns = output channels, depth =
// C x R x S (NCHW) or R x S x C (NHWC). The filter is repacked once at preparation as FT[depth][K]
// (K contiguous), so a work-item computes RM pixels x VEC channels as RM vectors: per depth step one
// vector load of FT and RM input elements broadcast (the GEMM micro-kernel of gemm.cl). The pixels'
// coordinates are decomposed once, not per depth step. Needs K % VEC == 0 (the host checks).
__kernel void conv2d_gemm(const int N, const int C, const int H, const int W, const int K, const int R, const int S,
                          const int stride_h, const int stride_w, const int pad_top, const int pad_left, const int dilation_h,
                     const int dilation_w, const int P, const int Q,
                          __global const a_t* X, __global const b_t* FT, __global acc_t* Y) {
  const int pixels = N * P * Q;
  const int pix0 = get_global_id(1) * RM, k0 = get_global_id(0) * VEC;
  int base[RM], h0[RM], w0[RM];
  for (int i = 0; i < RM; ++i) {
    const int px = min(pix0 + i, pixels - 1), n = px / (P * Q), p = (px / Q) % P, q = px % Q;
#ifdef NHWC
    base[i] = n * H * W * C;
#else
    base[i] = n * C * H * W;
#endif
    h0[i] = p * stride_h - pad_top;
    w0[i] = q * stride_w - pad_left;
  }
  accv_t acc[RM];
  for (int i = 0; i < RM; ++i) acc[i] = 0;
  int d = 0;
#ifdef NHWC
  for (int r = 0; r < R; ++r)
    for (int s = 0; s < S; ++s)
      for (int c = 0; c < C; ++c, ++d) {
#else
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r)
      for (int s = 0; s < S; ++s, ++d) {
#endif
        const accv_t f = LOAD_BV(FT, d * K + k0);
        for (int i = 0; i < RM; ++i) {
          const int h = h0[i] + r * dilation_h, w = w0[i] + s * dilation_w;
          const bool inside = h >= 0 && h < H && w >= 0 && w < W;
#ifdef NHWC
          const int at = base[i] + (h * W + w) * C + c;
#else
          const int at = base[i] + (c * H + h) * W + w;
#endif
          const acc_t x = inside ? (acc_t)LOAD_A(X, inside ? at : 0) : 0;
          acc[i] += x * f;
        }
      }
  for (int i = 0; i < RM; ++i) {
    const int px = pix0 + i;
    if (px >= pixels) break;
#ifdef NHWC
    XCAT(vstore, VEC)(acc[i], 0, Y + px * K + k0);
#else
    acc_t lanes[VEC];
    XCAT(vstore, VEC)(acc[i], 0, lanes);
    const int n = px / (P * Q), pq = px % (P * Q);
    for (int e = 0; e < VEC; ++e) Y[(n * K + k0 + e) * P * Q + pq] = lanes[e];
#endif
  }
}
#endif
