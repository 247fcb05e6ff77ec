// conv2d on CUDA (ops/conv2d: input N x C x H x W, filter K x C x R x S, or N x H x W x C and
// K x R x S x C in NHWC; output N x K x P x Q, or N x P x Q x K), direct: one thread per output
// element (grid-stride), its C x R x S products summed in fp32 (fp32, fp16, bf16 inputs) or int32
// (u8 input x s8 filter). A plain kernel for every shape the operation allows; not tiled yet.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common.cuh"

namespace {

using xpu_cuda::widen;

struct conv_dims {
  int n, c, h, w, k, r, s, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w, p, q, nhwc;
};
static_assert(sizeof(conv_dims) == 16 * sizeof(int), "conv.cu, conv2d.cpp and the fake driver pass the same 16 ints");

template <class TX, class TW, class Acc>
__device__ void conv(const TX* __restrict__ x, const TW* __restrict__ f, Acc* __restrict__ y, conv_dims d, long long outputs) {
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long idx = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; idx < outputs; idx += stride) {
    long long rest = idx, n, k, p, q;
    if (d.nhwc) k = rest % d.k, rest /= d.k, q = rest % d.q, rest /= d.q, p = rest % d.p, n = rest / d.p;
    else q = rest % d.q, rest /= d.q, p = rest % d.p, rest /= d.p, k = rest % d.k, n = rest / d.k;
    Acc sum = 0;
    for (int r = 0; r < d.r; ++r) {
      const long long hi = p * d.stride_h - d.pad_top + static_cast<long long>(r) * d.dilation_h;
      if (hi < 0 || hi >= d.h) continue;
      for (int s = 0; s < d.s; ++s) {
        const long long wi = q * d.stride_w - d.pad_left + static_cast<long long>(s) * d.dilation_w;
        if (wi < 0 || wi >= d.w) continue;
        for (int ch = 0; ch < d.c; ++ch) {
          const long long xi = d.nhwc ? ((n * d.h + hi) * d.w + wi) * d.c + ch : ((n * d.c + ch) * d.h + hi) * d.w + wi;
          const long long fi = d.nhwc ? ((k * d.r + r) * d.s + s) * d.c + ch : ((k * d.c + ch) * d.r + r) * d.s + s;
          sum += widen(x[xi]) * widen(f[fi]);
        }
      }
    }
    y[idx] = sum;
  }
}

}  // namespace

// Grids: 256 threads per block, as many blocks as the host chooses (grid-stride over the outputs).
#define XPU_CONV(suffix, TX, TW, Acc) \
  XPU_KERNEL void conv2d_##suffix(const TX* x, const TW* f, Acc* y, conv_dims d, long long outputs) { conv(x, f, y, d, outputs); }
XPU_CONV(fp32, float, float, float)
XPU_CONV(fp16, __half, __half, float)
XPU_CONV(bf16, __nv_bfloat16, __nv_bfloat16, float)
XPU_CONV(int8, unsigned char, signed char, int)
