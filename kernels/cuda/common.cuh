// Shared by the CUDA kernels (kernels/cuda/*.cu): entry points have C names (the host looks them
// up with cuModuleGetFunction), sizes are 64-bit, and the Tensor Core fragments follow the PTX ISA's
// mma.sync layouts ("Matrix Fragments for mma.m16n8k16 / m16n8k32").
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#define XPU_KERNEL extern "C" __global__

namespace xpu_cuda {

// A stored element in the type its sums use: fp32 for the float types, int for 8-bit integers.
__device__ __forceinline__ float widen(float v) { return v; }
__device__ __forceinline__ float widen(__half v) { return __half2float(v); }
__device__ __forceinline__ float widen(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ int widen(unsigned char v) { return v; }
__device__ __forceinline__ int widen(signed char v) { return v; }
// An fp32 result stored as T, rounded to nearest.
template <class T>
__device__ __forceinline__ T narrow(float v) {
  if constexpr (std::is_same_v<T, float>) return v;
  else if constexpr (std::is_same_v<T, __half>) return __float2half_rn(v);
  else return __float2bfloat16_rn(v);
}

// A warp's place in an mma fragment: group (lane / 4) and thread in group (lane % 4).
struct lane_id {
  int g, t;
  __device__ lane_id() : g(static_cast<int>(threadIdx.x % 32) >> 2), t(static_cast<int>(threadIdx.x % 32) & 3) {}
};

// D = A B + C on one 16x8x16 tile, fp16 or bf16 inputs (two per register), fp32 sums.
template <bool Bf16>
__device__ __forceinline__ void mma_16816(float (&d)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2]) {
  if constexpr (Bf16)
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  else
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// D = A B + C on one 16x8x32 tile of 8-bit integers (four per register), int32 sums; A unsigned
// (the GEMM's u8 activations) or signed (the peak's s8 steps), B signed.
template <bool UnsignedA>
__device__ __forceinline__ void mma_16832(int (&d)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2]) {
  if constexpr (UnsignedA)
    asm("mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  else
    asm("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

}  // namespace xpu_cuda
