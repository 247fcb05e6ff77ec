#version 450
// Cooperative-matrix GEMM through VK_KHR_cooperative_matrix (NVIDIA, AMD RADV, Intel ANV): C = A x B
// with A (M x K) and B (K x N) row-major; -DXPU_FP16: fp16 x fp16 -> fp32; -DXPU_INT8: u8 x s8 ->
// int32 (the component types carry the signedness). One subgroup per work-group computes a
// (TM*MS) x (TN*NS) block of C, MS x NS x KS being a shape the device lists (specialization
// constants); the host checks that M, N and K are multiples of it. Built only when glslc knows
// GL_KHR_cooperative_matrix (glslang 13 or later; a configure-time check).
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#if defined(XPU_FP16)
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define A_T float16_t
#define B_T float16_t
#define C_T float
#elif defined(XPU_INT8)
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int32 : require
#define A_T uint8_t
#define B_T int8_t
#define C_T int32_t
#else
#error "define XPU_FP16 or XPU_INT8"
#endif
#define MAT_A coopmat<A_T, gl_ScopeSubgroup, MS, KS, gl_MatrixUseA>
#define MAT_B coopmat<B_T, gl_ScopeSubgroup, KS, NS, gl_MatrixUseB>
#define MAT_C coopmat<C_T, gl_ScopeSubgroup, MS, NS, gl_MatrixUseAccumulator>

layout(local_size_x_id = 0) in;  // the subgroup size
layout(constant_id = 1) const uint MS = 16;
layout(constant_id = 2) const uint NS = 16;
layout(constant_id = 3) const uint KS = 16;
const uint TM = 2, TN = 2;  // shape tiles per subgroup

layout(std430, binding = 0) readonly buffer BufA { A_T a[]; };
layout(std430, binding = 1) readonly buffer BufB { B_T b[]; };
layout(std430, binding = 2) writeonly buffer BufC { C_T c[]; };
layout(push_constant) uniform Params { uint M, N, K; } pc;

void main() {
  const uint row0 = gl_WorkGroupID.y * TM * MS, col0 = gl_WorkGroupID.x * TN * NS;
  MAT_C acc[TM * TN];
  for (uint i = 0; i < TM * TN; ++i) acc[i] = MAT_C(0);
  for (uint k = 0; k < pc.K; k += KS) {
    MAT_A ma[TM];
    MAT_B mb[TN];
    for (uint i = 0; i < TM; ++i) coopMatLoad(ma[i], a, (row0 + i * MS) * pc.K + k, pc.K, gl_CooperativeMatrixLayoutRowMajor);
    for (uint j = 0; j < TN; ++j) coopMatLoad(mb[j], b, k * pc.N + col0 + j * NS, pc.N, gl_CooperativeMatrixLayoutRowMajor);
    for (uint i = 0; i < TM; ++i)
      for (uint j = 0; j < TN; ++j) acc[i * TN + j] = coopMatMulAdd(ma[i], mb[j], acc[i * TN + j]);
  }
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j)
      coopMatStore(acc[i * TN + j], c, (row0 + i * MS) * pc.N + col0 + j * NS, pc.N, gl_CooperativeMatrixLayoutRowMajor);
}
