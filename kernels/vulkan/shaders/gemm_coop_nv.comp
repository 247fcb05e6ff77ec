#version 450
// Cooperative-matrix GEMM through VK_NV_cooperative_matrix (tensor cores): C = A x B with A
// (M x K) and B (K x N) row-major fp16, C fp32. fp16 only: GL_NV_integer_cooperative_matrix
// multiplies operands of one signedness, and the suite's int8 GEMM is u8 x s8 (the KHR shader
// takes it). One subgroup per work-group computes a (TM*MS) x (TN*NS) block of C, MS x NS x KS being a
// shape the device lists (specialization constants); M, N and K are multiples of the shape (the
// host checks). Loads and stores go straight to global memory: the matrix units do the work.
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#if defined(XPU_FP16)
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define A_T float16_t
#define B_T float16_t
#define C_T float
#define MAT_A fcoopmatNV<16, gl_ScopeSubgroup, MS, KS>
#define MAT_B fcoopmatNV<16, gl_ScopeSubgroup, KS, NS>
#define MAT_C fcoopmatNV<32, gl_ScopeSubgroup, MS, NS>
#else
#error "define XPU_FP16"
#endif

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
    for (uint i = 0; i < TM; ++i) coopMatLoadNV(ma[i], a, (row0 + i * MS) * pc.K + k, pc.K, false);
    for (uint j = 0; j < TN; ++j) coopMatLoadNV(mb[j], b, k * pc.N + col0 + j * NS, pc.N, false);
    for (uint i = 0; i < TM; ++i)
      for (uint j = 0; j < TN; ++j) acc[i * TN + j] = coopMatMulAddNV(ma[i], mb[j], acc[i * TN + j]);
  }
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) coopMatStoreNV(acc[i * TN + j], c, (row0 + i * MS) * pc.N + col0 + j * NS, pc.N, false);
}
