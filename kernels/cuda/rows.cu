// Row-wise model layers on CUDA (ops/rows.hpp): softmax, RMSNorm and LayerNorm of a rows x cols matrix stored
// in fp32, fp16 or bf16, written in the same type, computed in fp32. One block of 256 threads per
// row: block-wide reductions (max and sum of exponentials; sum of squares), then the row written.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <type_traits>

#include "common.cuh"

namespace {

using xpu_cuda::narrow;
using xpu_cuda::widen;

// The block's maximum (Max) or sum of v, in every thread (blockDim.x a multiple of 32, at most 1024).
template <bool Max>
__device__ float block_all(float v) {
  __shared__ float warps[32];
  __shared__ float total;
  for (int o = 16; o > 0; o /= 2) {
    const float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = Max ? fmaxf(v, w) : v + w;
  }
  if (threadIdx.x % 32 == 0) warps[threadIdx.x / 32] = v;
  __syncthreads();
  if (threadIdx.x < 32) {
    v = threadIdx.x < blockDim.x / 32 ? warps[threadIdx.x] : (Max ? -INFINITY : 0.f);
    for (int o = 16; o > 0; o /= 2) {
      const float w = __shfl_xor_sync(0xffffffffu, v, o);
      v = Max ? fmaxf(v, w) : v + w;
    }
    if (threadIdx.x == 0) total = v;
  }
  __syncthreads();
  const float out = total;
  __syncthreads();  // `total` and `warps` are free for the next call
  return out;
}

template <class T>
__device__ void softmax(const T* __restrict__ x, T* __restrict__ y, long long cols) {
  const T* row = x + blockIdx.x * cols;
  T* out = y + blockIdx.x * cols;
  float m = -INFINITY;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, widen(row[c]));
  m = block_all<true>(m);
  float s = 0;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) s += expf(widen(row[c]) - m);
  const float inv = 1.f / block_all<false>(s);
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) out[c] = narrow<T>(expf(widen(row[c]) - m) * inv);
}

template <class T>
__device__ void rmsnorm(const T* __restrict__ x, const T* __restrict__ g, T* __restrict__ y, long long cols, float eps) {
  const T* row = x + blockIdx.x * cols;
  T* out = y + blockIdx.x * cols;
  float s = 0;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) {
    const float v = widen(row[c]);
    s = fmaf(v, v, s);
  }
  const float scale = rsqrtf(block_all<false>(s) / static_cast<float>(cols) + eps);
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) out[c] = narrow<T>(widen(row[c]) * scale * widen(g[c]));
}

template <class T>
__device__ void layernorm(const T* __restrict__ x, const T* __restrict__ g, const T* __restrict__ b, T* __restrict__ y, long long cols, float eps) {
  const T* row = x + blockIdx.x * cols;
  T* out = y + blockIdx.x * cols;
  float s = 0;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) s += widen(row[c]);
  const float mean = block_all<false>(s) / static_cast<float>(cols);
  float q = 0;  // about the mean
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) {
    const float d = widen(row[c]) - mean;
    q = fmaf(d, d, q);
  }
  const float scale = rsqrtf(block_all<false>(q) / static_cast<float>(cols) + eps);
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) out[c] = narrow<T>((widen(row[c]) - mean) * scale * widen(g[c]) + widen(b[c]));
}

}  // namespace

// Grids: one block of 256 threads per row.
#define XPU_ROWS(suffix, T)                                                                                   \
  XPU_KERNEL void softmax_##suffix(const T* x, T* y, long long cols) { softmax(x, y, cols); }                 \
  XPU_KERNEL void rmsnorm_##suffix(const T* x, const T* g, T* y, long long cols, float eps) { rmsnorm(x, g, y, cols, eps); } \
  XPU_KERNEL void layernorm_##suffix(const T* x, const T* g, const T* b, T* y, long long cols, float eps) { layernorm(x, g, b, y, cols, eps); }
XPU_ROWS(fp32, float)
XPU_ROWS(fp16, __half)
XPU_ROWS(bf16, __nv_bfloat16)
