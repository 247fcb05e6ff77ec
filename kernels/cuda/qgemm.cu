// GGUF's Q8_0 and Q4_0 weights on CUDA (ops/qgemm: Y[m x n] = X[m x k] W^T, W stored n x k in blocks
// of 32 weights with an fp16 scale: Q8_0 34 bytes, Q4_0 18 bytes, ops/qgemm/blocks.hpp), activations
// fp32 or Q8_0 blocks (the int8 precision). One warp per output: its lanes take every 32nd block of
// the row, each block's integer dot product (int8 x int8 for Q8_0 activations) or fp32 sum scaled
// once, then the lanes' sums added. Blocks are read byte by byte (their 34 or 18-byte strides are
// not word-aligned); not repacked yet.
#include <cuda_fp16.h>

#include "common.cuh"

namespace {

__device__ __forceinline__ float scale_of(const unsigned char* block) {
  const unsigned short bits = static_cast<unsigned short>(block[0] | (block[1] << 8));
  return __half2float(__ushort_as_half(bits));
}

// Weight t (0..31) of a block as an integer: Q8_0's q, Q4_0's q - 8 (low nibbles 0..15, high 16..31).
template <bool Q4>
__device__ __forceinline__ int weight(const unsigned char* block, int t) {
  if constexpr (Q4) {
    const unsigned char b = block[2 + (t & 15)];
    return (t < 16 ? (b & 15) : (b >> 4)) - 8;
  } else {
    return static_cast<signed char>(block[2 + t]);
  }
}

// One warp's output: X row i . the weight row wrow, summed across the warp (lane 0 holds it).
template <bool Q4, bool Q8x>
__device__ float row_dot(const void* xv, const unsigned char* __restrict__ wrow, long long i, int k) {
  constexpr int wbytes = Q4 ? 18 : 34;
  const int lane = threadIdx.x % 32;
  const int blocks = k / 32;
  float sum = 0.f;
  for (int b = lane; b < blocks; b += 32) {
    const unsigned char* wb = wrow + static_cast<long long>(b) * wbytes;
    if constexpr (Q8x) {
      const unsigned char* xb = static_cast<const unsigned char*>(xv) + (i * blocks + b) * 34LL;
      int dot = 0;
      for (int t = 0; t < 32; ++t) dot += static_cast<signed char>(xb[2 + t]) * weight<Q4>(wb, t);
      sum = fmaf(scale_of(xb) * scale_of(wb), static_cast<float>(dot), sum);
    } else {
      const float* xr = static_cast<const float*>(xv) + i * k + b * 32LL;
      float dot = 0.f;
      for (int t = 0; t < 32; ++t) dot = fmaf(xr[t], static_cast<float>(weight<Q4>(wb, t)), dot);
      sum = fmaf(scale_of(wb), dot, sum);
    }
  }
  for (int off = 16; off > 0; off /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, off);
  return sum;
}

template <bool Q4, bool Q8x>
__device__ void qgemm(const void* xv, const unsigned char* __restrict__ w, float* __restrict__ y, int m, int n, int k) {
  const long long out = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (out >= static_cast<long long>(m) * n) return;  // whole warps leave together
  const long long i = out / n, j = out % n;
  const float sum = row_dot<Q4, Q8x>(xv, w + j * (k / 32) * (Q4 ? 18LL : 34LL), i, k);
  if (threadIdx.x % 32 == 0) y[out] = sum;
}

// moe (ops/moe/): output (pair p, column j) = X row p / used . expert ids[p]'s row j; one warp each.
template <bool Q4, bool Q8x>
__device__ void moe(const void* xv, const unsigned char* __restrict__ w, const int* __restrict__ ids, float* __restrict__ y, int pairs, int n, int k,
                    int used) {
  const long long out = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (out >= static_cast<long long>(pairs) * n) return;
  const long long p = out / n, j = out % n, row_bytes = (k / 32) * (Q4 ? 18LL : 34LL);
  const float sum = row_dot<Q4, Q8x>(xv, w + (static_cast<long long>(ids[p]) * n + j) * row_bytes, p / used, k);
  if (threadIdx.x % 32 == 0) y[out] = sum;
}

}  // namespace

// Grids: one warp per output, 4 warps (128 threads) per block.
XPU_KERNEL void qgemm_q8_0_fp32(const float* x, const unsigned char* w, float* y, int m, int n, int k) { qgemm<false, false>(x, w, y, m, n, k); }
XPU_KERNEL void qgemm_q4_0_fp32(const float* x, const unsigned char* w, float* y, int m, int n, int k) { qgemm<true, false>(x, w, y, m, n, k); }
XPU_KERNEL void qgemm_q8_0_int8(const unsigned char* x, const unsigned char* w, float* y, int m, int n, int k) { qgemm<false, true>(x, w, y, m, n, k); }
XPU_KERNEL void qgemm_q4_0_int8(const unsigned char* x, const unsigned char* w, float* y, int m, int n, int k) { qgemm<true, true>(x, w, y, m, n, k); }
XPU_KERNEL void moe_q8_0_fp32(const float* x, const unsigned char* w, const int* ids, float* y, int pairs, int n, int k, int used) {
  moe<false, false>(x, w, ids, y, pairs, n, k, used);
}
XPU_KERNEL void moe_q4_0_fp32(const float* x, const unsigned char* w, const int* ids, float* y, int pairs, int n, int k, int used) {
  moe<true, false>(x, w, ids, y, pairs, n, k, used);
}
XPU_KERNEL void moe_q8_0_int8(const unsigned char* x, const unsigned char* w, const int* ids, float* y, int pairs, int n, int k, int used) {
  moe<false, true>(x, w, ids, y, pairs, n, k, used);
}
XPU_KERNEL void moe_q4_0_int8(const unsigned char* x, const unsigned char* w, const int* ids, float* y, int pairs, int n, int k, int used) {
  moe<true, true>(x, w, ids, y, pairs, n, k, used);
}
