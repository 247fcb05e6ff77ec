// Scaled dot-product attention on CUDA (ops/attention: O = softmax(Q K^T / sqrt(d)) V per batch and
// query head; grouped-query heads; causal: query i sees keys j <= i + seq_kv - seq_q), stored in
// fp32, fp16 or bf16, computed in fp32. One warp per query row, flash-style: the keys in one pass
// with an online softmax (running maximum and sum, the output rescaled as the maximum grows), each
// lane holding head_dim / 32 of the query and of the output (head_dim at most 256). A plain kernel,
// correct for every shape the operation allows; no shared-memory tiling of K and V yet.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <type_traits>

#include "common.cuh"

namespace {

using xpu_cuda::narrow;
using xpu_cuda::widen;

constexpr int max_per_lane = 256 / 32;

template <class T>
__device__ void attention(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, T* __restrict__ o, int heads, int kv_heads,
                          int seq_q, int seq_kv, int d, int causal, long long rows) {
  const long long row = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;  // (b * heads + h) * seq_q + i
  if (row >= rows) return;  // a whole warp leaves together: rows are per warp
  const int lane = threadIdx.x % 32;
  const long long i = row % seq_q, bh = row / seq_q, b = bh / heads, h = bh % heads;
  const long long kv_base = (b * kv_heads + h / (heads / kv_heads)) * static_cast<long long>(seq_kv) * d;
  const long long keys = causal ? min(static_cast<long long>(seq_kv), i + 1 + (seq_kv - seq_q)) : seq_kv;
  const float scale = rsqrtf(static_cast<float>(d));
  float qv[max_per_lane], acc[max_per_lane];
#pragma unroll
  for (int e = 0; e < max_per_lane; ++e) {
    const int c = lane + 32 * e;
    qv[e] = c < d ? widen(q[row * d + c]) * scale : 0.f;
    acc[e] = 0.f;
  }
  float top = -INFINITY, sum = 0.f;
  for (long long j = 0; j < keys; ++j) {
    const T* kj = k + kv_base + j * d;
    float s = 0.f;
#pragma unroll
    for (int e = 0; e < max_per_lane; ++e)
      if (const int c = lane + 32 * e; c < d) s = fmaf(qv[e], widen(kj[c]), s);
    for (int off = 16; off > 0; off /= 2) s += __shfl_xor_sync(0xffffffffu, s, off);
    const float next = fmaxf(top, s);
    const float shrink = expf(top - next), p = expf(s - next);  // exp(-inf) = 0 on the first key
    sum = sum * shrink + p;
    const T* vj = v + kv_base + j * d;
#pragma unroll
    for (int e = 0; e < max_per_lane; ++e)
      if (const int c = lane + 32 * e; c < d) acc[e] = fmaf(p, widen(vj[c]), acc[e] * shrink);
    top = next;
  }
  const float inv = 1.f / sum;
#pragma unroll
  for (int e = 0; e < max_per_lane; ++e)
    if (const int c = lane + 32 * e; c < d) o[row * d + c] = narrow<T>(acc[e] * inv);
}

}  // namespace

// Grids: one warp per query row, 4 warps (128 threads) per block.
#define XPU_ATTENTION(suffix, T)                                                                                   \
  XPU_KERNEL void attention_##suffix(const T* q, const T* k, const T* v, T* o, int heads, int kv_heads, int seq_q, \
                                     int seq_kv, int d, int causal, long long rows) {                             \
    attention(q, k, v, o, heads, kv_heads, seq_q, seq_kv, d, causal, rows);                                      \
  }
XPU_ATTENTION(fp32, float)
XPU_ATTENTION(fp16, __half)
XPU_ATTENTION(bf16, __nv_bfloat16)
