// Memory-bound kernels on CUDA: reductions (sum, max; the `read` bandwidth row is an fp32 sum),
// STREAM copy and triad, and the empty kernel of the launch-latency row. Inputs are read 16 bytes
// per thread per load (cuMemAlloc aligns to 256 bytes); the tail that does not fill 16 bytes is read
// element by element.
#include <cuda_fp16.h>

#include <cstdint>

#include "common.cuh"

namespace {

using xpu_cuda::widen;

template <class T, class Acc, bool Max>
__device__ __forceinline__ Acc combine(Acc s, T v) {
  if constexpr (Max) return s > static_cast<Acc>(v) ? s : static_cast<Acc>(v);
  else return s + static_cast<Acc>(v);
}

template <class Acc, bool Max>
__device__ __forceinline__ Acc warp_combine(Acc s) {
  for (int o = 16; o > 0; o /= 2) {
    const Acc other = __shfl_down_sync(0xffffffffu, s, o);
    s = Max ? (s > other ? s : other) : s + other;
  }
  return s;
}

// The block's combined value in thread 0 (blockDim.x a multiple of 32, at most 1024).
template <class Acc, bool Max>
__device__ Acc block_combine(Acc s, Acc identity) {
  __shared__ Acc warps[32];
  s = warp_combine<Acc, Max>(s);
  if (threadIdx.x % 32 == 0) warps[threadIdx.x / 32] = s;
  __syncthreads();
  s = threadIdx.x < blockDim.x / 32 ? warps[threadIdx.x] : identity;
  if (threadIdx.x < 32) s = warp_combine<Acc, Max>(s);
  return s;
}

// One pass: each block combines its grid-stride share into partials[block]; the last block to
// finish (a counter, reset by it for the next launch) combines the partials in block order.
template <class T, class Acc, bool Max>
__device__ void reduce(const T* __restrict__ x, long long n, Acc* partials, unsigned* counter, Acc* y, Acc identity) {
  constexpr int per = 16 / sizeof(T);
  Acc s = identity;
  const long long vectors = n / per;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  const uint4* xv = reinterpret_cast<const uint4*>(x);
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < vectors; i += stride) {
    const uint4 v = xv[i];
    const T* e = reinterpret_cast<const T*>(&v);
#pragma unroll
    for (int j = 0; j < per; ++j) s = combine<decltype(widen(e[j])), Acc, Max>(s, widen(e[j]));
  }
  for (long long i = vectors * per + blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n; i += stride)
    s = combine<decltype(widen(x[i])), Acc, Max>(s, widen(x[i]));
  s = block_combine<Acc, Max>(s, identity);
  __shared__ bool last;
  if (threadIdx.x == 0) {
    partials[blockIdx.x] = s;
    __threadfence();
    last = atomicInc(counter, gridDim.x - 1) == gridDim.x - 1;  // wraps to 0: ready for the next launch
  }
  __syncthreads();
  if (!last) return;
  __threadfence();
  Acc t = identity;
  for (unsigned i = threadIdx.x; i < gridDim.x; i += blockDim.x) t = Max ? (t > partials[i] ? t : partials[i]) : t + partials[i];
  t = block_combine<Acc, Max>(t, identity);
  if (threadIdx.x == 0) *y = t;
}

}  // namespace

#define XPU_REDUCE(name, T, Acc, Max, identity)                                                                       \
  XPU_KERNEL void name(const T* x, long long n, Acc* partials, unsigned* counter, Acc* y) {                           \
    reduce<T, Acc, Max>(x, n, partials, counter, y, identity);                                                        \
  }
XPU_REDUCE(reduce_sum_fp32, float, float, false, 0.f)
XPU_REDUCE(reduce_max_fp32, float, float, true, -__int_as_float(0x7f800000))
XPU_REDUCE(reduce_sum_fp16, __half, float, false, 0.f)
XPU_REDUCE(reduce_max_fp16, __half, float, true, -__int_as_float(0x7f800000))
XPU_REDUCE(reduce_sum_int8, signed char, int, false, 0)
XPU_REDUCE(reduce_max_int8, signed char, int, true, -128)

// y = x (float4 per thread, then the tail).
XPU_KERNEL void stream_copy(const float* __restrict__ x, float* __restrict__ y, long long n) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i < n / 4) reinterpret_cast<float4*>(y)[i] = reinterpret_cast<const float4*>(x)[i];
  if (const long long t = n / 4 * 4 + i; i < n % 4) y[t] = x[t];
}

// y = a + 3 b, one rounding per element (the reference's a + 3.0 b rounded once).
XPU_KERNEL void stream_triad(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ y, long long n) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i < n / 4) {
    const float4 av = reinterpret_cast<const float4*>(a)[i], bv = reinterpret_cast<const float4*>(b)[i];
    reinterpret_cast<float4*>(y)[i] = make_float4(fmaf(3.f, bv.x, av.x), fmaf(3.f, bv.y, av.y), fmaf(3.f, bv.z, av.z), fmaf(3.f, bv.w, av.w));
  }
  if (const long long t = n / 4 * 4 + i; i < n % 4) y[t] = fmaf(3.f, b[t], a[t]);
}

XPU_KERNEL void empty() {}
