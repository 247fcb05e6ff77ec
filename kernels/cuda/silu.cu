// SiLU on CUDA (ops/silu/): y = x / (1 + exp(-x)) for every element, stored in fp32, fp16 or bf16,
// written in the same type, computed in fp32; a grid-stride loop.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common.cuh"

namespace {

using xpu_cuda::narrow;
using xpu_cuda::widen;

template <class T>
__device__ void silu(const T* x, T* y, long long n) {
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const float v = widen(x[i]);
    y[i] = narrow<T>(v / (1.f + __expf(-v)));
  }
}

}  // namespace

// Grids: blocks of 256 threads, a few per SM (the host chooses).
#define XPU_SILU(suffix, T) \
  XPU_KERNEL void silu_##suffix(const T* x, T* y, long long n) { silu(x, y, n); }
XPU_SILU(fp32, float)
XPU_SILU(fp16, __half)
XPU_SILU(bf16, __nv_bfloat16)
