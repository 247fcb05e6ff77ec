// GEMM on CUDA (ops/gemm: C[m x n] = op(A) op(B), row-major; A stored k x m when trans_a, B stored
// n x k when trans_b). fp32 on the CUDA cores (64 x 64 tiles, 4 x 4 outputs per thread); fp16 and
// bf16 (fp32 sums) and int8 (u8 x s8, int32 sums) on the Tensor Cores with mma.sync: 128 x 128
// block tiles, 8 warps of 64 x 32, double-buffered stages in shared memory stored k-contiguous for
// both operands, fragments read with ldmatrix. Any size: loads outside the matrices read 0, stores
// outside are skipped.
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
constexpr int tile = 128, threads = 256;
template <int Kind>
struct mma_traits {
  using in_a = std::conditional_t<Kind == 0, __half, std::conditional_t<Kind == 1, __nv_bfloat16, unsigned char>>;
  using in_b = std::conditional_t<Kind == 0, __half, std::conditional_t<Kind == 1, __nv_bfloat16, signed char>>;
  using acc = std::conditional_t<Kind == 2, int, float>;
  static constexpr int k_step = Kind == 2 ? 32 : 16;  // k of one mma
  static constexpr int tile_k = 2 * k_step;           // k of one shared-memory stage: 64 bytes per row
  static constexpr int row = tile_k + 16 / static_cast<int>(sizeof(in_a));  // + 16 bytes: ldmatrix rows on distinct banks
};

// One operand's stage: the tile x Tk elements (o, kk) of op(X) at (o0, k0), into shared memory as
// s[o][kk] (k-contiguous, as the fragments want). KContig: X is stored outer x k (A, or B transposed); else k x outer (A
// transposed, or B). Vector stages read 16 bytes along X's contiguous dimension (a whole tile
// inside X, 16-byte aligned rows); the others read element by element, 0 outside X.
template <class T, bool KContig, int Tk, int Row>
struct stage {
  static constexpr int vec = 16 / static_cast<int>(sizeof(T));
  static constexpr int vectors = tile * Tk / vec / threads;  // 2
  static __device__ bool vector_ok(long long outer, long long k, long long o0, long long k0) {
    return o0 + tile <= outer && k0 + Tk <= k && (KContig ? k : outer) % vec == 0;
  }
  // The tile coordinates of vector j (its first element) or element j of this thread.
  // Along k: consecutive lanes take consecutive vectors of a row. Along o (the operand stored k x
  // outer), each vector is scattered down a column of the k-contiguous tile: lanes pair up on 32
  // bytes of one row of X (a whole sector) and the 16 pairs of a warp take 16 consecutive kk, so each
  // store instruction of the warp lands on 8 banks twice (2-way) instead of 16 lanes on one bank
  // (rows 8 vectors apart are 640 bytes apart: the same bank).
  static __device__ void vector_at(int j, int& o, int& kk) {
    const int e = static_cast<int>(threadIdx.x) + threads * j;
    if constexpr (KContig) {
      o = e / (Tk / vec), kk = e % (Tk / vec) * vec;
    } else {
      static_assert(Tk % 16 == 0 && (tile / vec) % 2 == 0);
      constexpr int pairs = tile / vec / 2;  // pairs of vectors along o in one row of X
      const int group = e / 32, lane = e % 32;
      o = ((group % pairs) * 2 + lane % 2) * vec, kk = group / pairs * 16 + lane / 2;
    }
  }
  static __device__ void element_at(int j, int& o, int& kk) {
    const int e = static_cast<int>(threadIdx.x) + threads * j;
    if constexpr (KContig) o = e / Tk, kk = e % Tk;
    else kk = e / tile, o = e % tile;
  }
  // Vector stages: into registers (stored after this stage's mma, so the loads overlap it). Element
  // stages (edge tiles) write the next buffer directly: nobody reads it before the next barrier.
  static __device__ void load(const T* __restrict__ x, long long outer, long long k, long long o0, long long k0, bool vector, uint4 (&r)[vectors],
                              T (*s)[Row]) {
    if (vector) {
#pragma unroll
      for (int j = 0; j < vectors; ++j) {
        int o, kk;
        vector_at(j, o, kk);
        r[j] = *reinterpret_cast<const uint4*>(KContig ? &x[(o0 + o) * k + k0 + kk] : &x[(k0 + kk) * outer + o0 + o]);
      }
    } else {
      for (int j = 0; j < vectors * vec; ++j) {
        int o, kk;
        element_at(j, o, kk);
        const long long go = o0 + o, gk = k0 + kk;
        s[o][kk] = go < outer && gk < k ? x[KContig ? go * k + gk : gk * outer + go] : T(0);
      }
    }
  }
  static __device__ void store(T (*s)[Row], bool vector, const uint4 (&r)[vectors]) {
    if (!vector) return;
#pragma unroll
    for (int j = 0; j < vectors; ++j) {
      int o, kk;
      vector_at(j, o, kk);
      if constexpr (KContig) {
        *reinterpret_cast<uint4*>(&s[o][kk]) = r[j];
      } else {  // vec consecutive o at one kk: a column of the k-contiguous tile
        const T* v = reinterpret_cast<const T*>(&r[j]);
#pragma unroll
        for (int q = 0; q < vec; ++q) s[o + q][kk] = v[q];
      }
    }
  }
};

// Four 8 x 8 matrices of 16-bit elements (or 8 x 16 bytes) from shared memory, one row address per
// lane (lanes 8q..8q+7: matrix q), into the fragment registers of mma (PTX: ldmatrix).
__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], const void* row) {
  const auto at = static_cast<std::uint32_t>(__cvta_generic_to_shared(row));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];" : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(at));
}

// 128 x 128 block tiles, 8 warps of 64 (m) x 32 (n); stages of tile_k along k double-buffered in
// shared memory: the next stage's global loads are in flight while the current one is multiplied.
template <int Kind, bool TransA, bool TransB>
__device__ void gemm_mma(const void* av, const void* bv, void* cv, int m, int n, int k) {
  using tr = mma_traits<Kind>;
  using ta = typename tr::in_a;
  using tb = typename tr::in_b;
  using acc_t = typename tr::acc;
  constexpr int tk = tr::tile_k, row = tr::row;
  using stage_a = stage<ta, !TransA, tk, row>;
  using stage_b = stage<tb, TransB, tk, row>;
  __shared__ __align__(16) ta as[2][tile][row];  // as[buffer][m][k]
  __shared__ __align__(16) tb bs[2][tile][row];  // bs[buffer][n][k]
  const ta* a = static_cast<const ta*>(av);
  const tb* b = static_cast<const tb*>(bv);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;
  const long long m0 = static_cast<long long>(blockIdx.y) * tile, n0 = static_cast<long long>(blockIdx.x) * tile;
  acc_t acc[4][4][4] = {};
  uint4 ra[stage_a::vectors], rb[stage_b::vectors];
  const long long stages = (static_cast<long long>(k) + tk - 1) / tk;
  bool va = stage_a::vector_ok(m, k, m0, 0), vb = stage_b::vector_ok(n, k, n0, 0);
  stage_a::load(a, m, k, m0, 0, va, ra, as[0]);
  stage_b::load(b, n, k, n0, 0, vb, rb, bs[0]);
  stage_a::store(as[0], va, ra);
  stage_b::store(bs[0], vb, rb);
  __syncthreads();
  for (long long s = 0; s < stages; ++s) {
    const int cur = static_cast<int>(s & 1);
    const bool more = s + 1 < stages;
    if (more) {  // the next stage into registers: its loads overlap this stage's mma
      const long long k0 = (s + 1) * tk;
      va = stage_a::vector_ok(m, k, m0, k0), vb = stage_b::vector_ok(n, k, n0, k0);
      stage_a::load(a, m, k, m0, k0, va, ra, as[cur ^ 1]);
      stage_b::load(b, n, k, n0, k0, vb, rb, bs[cur ^ 1]);
    }
#pragma unroll
    for (int ks = 0; ks < tk; ks += tr::k_step) {
      // ldmatrix x4: A's 16 x k_step tile as (rows 0-7, 8-15) x (k low, high) = registers 0..3;
      // B's two 8-column tiles j, j + 1 as (tile) x (k low, high).
      std::uint32_t fa[4][4], fb[4][2];
#pragma unroll
      for (int i = 0; i < 4; ++i) ldmatrix_x4(fa[i], &as[cur][wm + 16 * i + lane % 16][ks + lane / 16 * (tr::k_step / 2)]);
#pragma unroll
      for (int j = 0; j < 4; j += 2) {
        std::uint32_t r[4];
        ldmatrix_x4(r, &bs[cur][wn + 8 * (j + lane / 16) + lane % 8][ks + (lane / 8) % 2 * (tr::k_step / 2)]);
        fb[j][0] = r[0], fb[j][1] = r[1], fb[j + 1][0] = r[2], fb[j + 1][1] = r[3];
      }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          if constexpr (Kind == 2) xpu_cuda::mma_16832<true>(acc[i][j], fa[i], fb[j]);
          else xpu_cuda::mma_16816<Kind == 1>(acc[i][j], fa[i], fb[j]);
        }
    }
    if (more) {  // nobody reads the other buffer now: the barrier at the end of the last stage
      stage_a::store(as[cur ^ 1], va, ra);
      stage_b::store(bs[cur ^ 1], vb, rb);
    }
    __syncthreads();
  }
  const int g = lane >> 2, t = lane & 3;
  acc_t* c = static_cast<acc_t*>(cv);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      for (int e = 0; e < 4; ++e) {
        const long long r = m0 + wm + 16 * i + g + 8 * (e / 2), col = n0 + wn + 8 * j + 2 * t + e % 2;
        if (r < m && col < n) c[r * n + col] = acc[i][j][e];
      }
}

}  // namespace

// Grids: x over n tiles, y over m tiles; 256 threads per block; the Tensor Core kernels held to 128
// registers, so that two blocks (16 warps) share an SM.
#define XPU_GEMM(suffix, ta, tb)                                                                                     \
  XPU_KERNEL void gemm_fp32_##suffix(const float* a, const float* b, float* c, int m, int n, int k) { gemm_fp32<ta, tb>(a, b, c, m, n, k); } \
  XPU_KERNEL void __launch_bounds__(256, 2) gemm_fp16_##suffix(const __half* a, const __half* b, float* c, int m, int n, int k) { gemm_mma<0, ta, tb>(a, b, c, m, n, k); } \
  XPU_KERNEL void __launch_bounds__(256, 2) gemm_bf16_##suffix(const __nv_bfloat16* a, const __nv_bfloat16* b, float* c, int m, int n, int k) {                    \
    gemm_mma<1, ta, tb>(a, b, c, m, n, k);                                                                           \
  }                                                                                                                  \
  XPU_KERNEL void __launch_bounds__(256, 2) gemm_int8_##suffix(const unsigned char* a, const signed char* b, int* c, int m, int n, int k) { gemm_mma<2, ta, tb>(a, b, c, m, n, k); }
XPU_GEMM(nn, false, false)
XPU_GEMM(nt, false, true)
XPU_GEMM(tn, true, false)
XPU_GEMM(tt, true, true)
