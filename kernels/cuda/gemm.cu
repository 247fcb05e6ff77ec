// GEMM on CUDA (ops/gemm: C[m x n] = op(A) op(B), row-major; A stored k x m when trans_a, B stored
// n x k when trans_b). fp32 on the CUDA cores (64 x 64 tiles, 4 x 4 outputs per thread); fp16 and
// bf16 (fp32 sums) and int8 (u8 x s8, int32 sums) on the Tensor Cores with mma.sync: 128 x 128
// block tiles, 8 warps of 64 x 32, tiles staged through shared memory stored k-contiguous for both
// operands (the layout mma's row.col fragments read as 32-bit words). Any size: loads outside the
// matrices read 0, stores outside are skipped.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "common.cuh"

namespace {

// Element (row, col) of op(X) for X stored rows x cols (or transposed), 0 outside.
template <class T>
__device__ __forceinline__ T at(const T* x, long long rows, long long cols, long long r, long long c, bool trans) {
  if (r >= rows || c >= cols) return T(0);
  return trans ? x[c * rows + r] : x[r * cols + c];
}

constexpr int fp32_tile = 64, fp32_k = 16;

template <bool TransA, bool TransB>
__device__ void gemm_fp32(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c, int m, int n, int k) {
  __shared__ float as[fp32_k][fp32_tile + 4], bs[fp32_k][fp32_tile + 4];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;  // 256 threads
  const long long m0 = static_cast<long long>(blockIdx.y) * fp32_tile, n0 = static_cast<long long>(blockIdx.x) * fp32_tile;
  float acc[4][4] = {};
  for (long long k0 = 0; k0 < k; k0 += fp32_k) {  // 64-bit: k may come within a stage of INT32_MAX
    for (int e = threadIdx.x; e < fp32_k * fp32_tile; e += 256) {
      // Consecutive threads take consecutive elements along each operand's contiguous dimension.
      const int kk_a = TransA ? e / fp32_tile : e % fp32_k, mm = TransA ? e % fp32_tile : e / fp32_k;
      as[kk_a][mm] = at(a, m, k, m0 + mm, k0 + kk_a, TransA);
      const int kk_b = TransB ? e % fp32_k : e / fp32_tile, nn = TransB ? e / fp32_k : e % fp32_tile;
      bs[kk_b][nn] = at(b, k, n, k0 + kk_b, n0 + nn, TransB);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < fp32_k; ++kk) {
      float av[4], bv[4];
      for (int i = 0; i < 4; ++i) av[i] = as[kk][ty + 16 * i], bv[i] = bs[kk][tx + 16 * i];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();
  }
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const long long r = m0 + ty + 16 * i, col = n0 + tx + 16 * j;
      if (r < m && col < n) c[r * n + col] = acc[i][j];
    }
}

// Tensor Core GEMM. Kind: 0 fp16, 1 bf16, 2 int8 (u8 x s8).
constexpr int tile = 128;
template <int Kind>
struct mma_traits {
  using in_a = std::conditional_t<Kind == 0, __half, std::conditional_t<Kind == 1, __nv_bfloat16, unsigned char>>;
  using in_b = std::conditional_t<Kind == 0, __half, std::conditional_t<Kind == 1, __nv_bfloat16, signed char>>;
  using acc = std::conditional_t<Kind == 2, int, float>;
  static constexpr int k_step = Kind == 2 ? 32 : 16;  // k of one mma
  static constexpr int tile_k = 2 * k_step;           // k of one shared-memory stage: 64 bytes per row
  static constexpr int pad = 16 / sizeof(in_a);       // 16 bytes per row against bank conflicts
};

template <int Kind, bool TransA, bool TransB>
__device__ void gemm_mma(const void* av, const void* bv, void* cv, int m, int n, int k) {
  using tr = mma_traits<Kind>;
  using ta = typename tr::in_a;
  using tb = typename tr::in_b;
  using acc_t = typename tr::acc;
  constexpr int tk = tr::tile_k, row = tk + tr::pad;
  __shared__ __align__(16) ta as[tile][row];  // as[m][k]
  __shared__ __align__(16) tb bs[tile][row];  // bs[n][k]
  const ta* a = static_cast<const ta*>(av);
  const tb* b = static_cast<const tb*>(bv);
  const xpu_cuda::lane_id l;
  const int warp = threadIdx.x / 32;  // 8 warps: 2 along m (64 rows each) x 4 along n (32 columns each)
  const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;
  const long long m0 = static_cast<long long>(blockIdx.y) * tile, n0 = static_cast<long long>(blockIdx.x) * tile;
  acc_t acc[4][4][4] = {};
  // Fast loads: a row of 16 bytes along k at once, where the operand is k-contiguous, aligned and inside.
  constexpr int vec = 16 / sizeof(ta);
  for (long long k0 = 0; k0 < k; k0 += tk) {
    const bool inside = k0 + tk <= k && m0 + tile <= m && n0 + tile <= n && k % vec == 0;
    if (!TransA && inside) {
      for (int e = threadIdx.x; e < tile * tk / vec; e += 256) {
        const int r = e / (tk / vec), kk = (e % (tk / vec)) * vec;
        *reinterpret_cast<uint4*>(&as[r][kk]) = *reinterpret_cast<const uint4*>(&a[(m0 + r) * k + k0 + kk]);
      }
    } else {
      for (int e = threadIdx.x; e < tile * tk; e += 256) {
        const int r = TransA ? e % tile : e / tk, kk = TransA ? e / tile : e % tk;
        as[r][kk] = at(a, m, k, m0 + r, k0 + kk, TransA);
      }
    }
    if (TransB && inside) {
      for (int e = threadIdx.x; e < tile * tk / vec; e += 256) {
        const int r = e / (tk / vec), kk = (e % (tk / vec)) * vec;
        *reinterpret_cast<uint4*>(&bs[r][kk]) = *reinterpret_cast<const uint4*>(&b[(n0 + r) * k + k0 + kk]);
      }
    } else {
      for (int e = threadIdx.x; e < tile * tk; e += 256) {
        const int r = TransB ? e / tk : e % tile, kk = TransB ? e % tk : e / tile;  // r: the column of op(B)
        bs[r][kk] = at(b, k, n, k0 + kk, n0 + r, TransB);
      }
    }
    __syncthreads();
#pragma unroll
    for (int ks = 0; ks < tk; ks += tr::k_step) {
      // Fragments as 32-bit words: 2 elements (fp16/bf16) or 4 (int8) along k per register.
      constexpr int per = 4 / sizeof(ta);
      std::uint32_t fa[4][4], fb[4][2];
      for (int i = 0; i < 4; ++i) {
        const int r = wm + 16 * i + l.g;
        const int kk = ks + per * l.t;
        fa[i][0] = *reinterpret_cast<const std::uint32_t*>(&as[r][kk]);
        fa[i][1] = *reinterpret_cast<const std::uint32_t*>(&as[r + 8][kk]);
        fa[i][2] = *reinterpret_cast<const std::uint32_t*>(&as[r][kk + tr::k_step / 2]);
        fa[i][3] = *reinterpret_cast<const std::uint32_t*>(&as[r + 8][kk + tr::k_step / 2]);
      }
      for (int j = 0; j < 4; ++j) {
        const int c = wn + 8 * j + l.g;
        const int kk = ks + per * l.t;
        fb[j][0] = *reinterpret_cast<const std::uint32_t*>(&bs[c][kk]);
        fb[j][1] = *reinterpret_cast<const std::uint32_t*>(&bs[c][kk + tr::k_step / 2]);
      }
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          if constexpr (Kind == 2) xpu_cuda::mma_16832<true>(acc[i][j], fa[i], fb[j]);
          else xpu_cuda::mma_16816<Kind == 1>(acc[i][j], fa[i], fb[j]);
        }
    }
    __syncthreads();
  }
  acc_t* c = static_cast<acc_t*>(cv);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      for (int e = 0; e < 4; ++e) {
        const long long r = m0 + wm + 16 * i + l.g + 8 * (e / 2), col = n0 + wn + 8 * j + 2 * l.t + e % 2;
        if (r < m && col < n) c[r * n + col] = acc[i][j][e];
      }
}

}  // namespace

// Grids: x over n tiles, y over m tiles; 256 threads per block.
#define XPU_GEMM(suffix, ta, tb)                                                                                     \
  XPU_KERNEL void gemm_fp32_##suffix(const float* a, const float* b, float* c, int m, int n, int k) { gemm_fp32<ta, tb>(a, b, c, m, n, k); } \
  XPU_KERNEL void gemm_fp16_##suffix(const __half* a, const __half* b, float* c, int m, int n, int k) { gemm_mma<0, ta, tb>(a, b, c, m, n, k); } \
  XPU_KERNEL void gemm_bf16_##suffix(const __nv_bfloat16* a, const __nv_bfloat16* b, float* c, int m, int n, int k) {                    \
    gemm_mma<1, ta, tb>(a, b, c, m, n, k);                                                                           \
  }                                                                                                                  \
  XPU_KERNEL void gemm_int8_##suffix(const unsigned char* a, const signed char* b, int* c, int m, int n, int k) { gemm_mma<2, ta, tb>(a, b, c, m, n, k); }
XPU_GEMM(nn, false, false)
XPU_GEMM(nt, false, true)
XPU_GEMM(tn, true, false)
XPU_GEMM(tt, true, true)
