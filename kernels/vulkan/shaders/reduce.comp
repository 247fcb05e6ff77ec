#version 450
// Two-stage reduction. Stage one (SECOND = false): each work-group strides over its binding of
// the input (at most maxStorageBufferRange bytes; larger inputs are split into one dispatch per
// binding) and writes one partial to parts[base + group]. Stage two (SECOND = true): one
// work-group reduces the n partials into y[0]. With -DSUBGROUP the work-group step uses subgroup
// arithmetic, otherwise a tree in shared memory. Defines: the type (types.glsl; int8 reads
// int8_t), SUBGROUP. Specialization: work-group size (id 0, a power of two), SECOND, OP_MAX.
#extension GL_GOOGLE_include_directive : require
#if defined(XPU_INT8)
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#define IN_T int8_t
#define ACC_T int
#define LOWEST (-2147483647 - 1)
#else
#include "types.glsl"
#define IN_T A_T
#define LOWEST (-1.0 / 0.0)
#endif
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool SECOND = false;
layout(constant_id = 2) const bool OP_MAX = false;

layout(std430, binding = 0) readonly buffer X { IN_T x[]; };
layout(std430, binding = 1) buffer Parts { ACC_T parts[]; };
layout(std430, binding = 2) writeonly buffer Y { ACC_T y[]; };
layout(push_constant) uniform Params { uint n, base; } pc;

#ifdef SUBGROUP
shared ACC_T scratch[gl_WorkGroupSize.x];  // one per subgroup is enough; sized for the smallest subgroup
#else
shared ACC_T scratch[gl_WorkGroupSize.x];
#endif

ACC_T combine(ACC_T u, ACC_T v) { return OP_MAX ? max(u, v) : u + v; }
ACC_T identity() { return OP_MAX ? ACC_T(LOWEST) : ACC_T(0); }

void main() {
  const uint lid = gl_LocalInvocationID.x;
  ACC_T acc = identity();
  if (SECOND) {
    for (uint i = lid; i < pc.n; i += gl_WorkGroupSize.x) acc = combine(acc, parts[i]);
  } else {
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) acc = combine(acc, ACC_T(x[i]));
  }
#ifdef SUBGROUP
  acc = OP_MAX ? subgroupMax(acc) : subgroupAdd(acc);
  if (subgroupElect()) scratch[gl_SubgroupID] = acc;
  barrier();
  if (lid == 0) {
    acc = identity();
    for (uint s = 0; s < gl_NumSubgroups; ++s) acc = combine(acc, scratch[s]);
  }
#else
  scratch[lid] = acc;
  barrier();
  for (uint half_size = gl_WorkGroupSize.x / 2; half_size > 0; half_size /= 2) {
    if (lid < half_size) scratch[lid] = combine(scratch[lid], scratch[lid + half_size]);
    barrier();
  }
  acc = scratch[0];
#endif
  if (lid == 0) {
    if (SECOND) y[0] = acc;
    else parts[pc.base + gl_WorkGroupID.x] = acc;
  }
}
