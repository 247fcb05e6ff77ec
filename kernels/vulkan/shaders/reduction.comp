#version 450
// Two-stage reduction. Stage one (SECOND = false): each work-group strides over its binding of
// the input (at most maxStorageBufferRange bytes; larger inputs are split into one dispatch per
// binding) and writes one partial to parts[base + group]. Stage two (SECOND = true): one
// work-group reduces the n partials into y[0]. With -DSUBGROUP the work-group step uses subgroup
// arithmetic, otherwise a tree in shared memory. With -DTEXEL the input is read four elements at a
// time through a uniform texel buffer (RGBA view: CPU drivers fetch texels with vector gathers,
// where a storage-buffer load is one scalar load per lane). Defines: the type (types.glsl; int8
// reads int8_t), SUBGROUP, TEXEL. Specialization: work-group size (id 0, a power of two), SECOND,
// OP_MAX.
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

#ifdef TEXEL
#if defined(XPU_INT8)
#define ACC4_T ivec4
layout(binding = 0) uniform isamplerBuffer x_texels;
#else
#define ACC4_T vec4
layout(binding = 0) uniform samplerBuffer x_texels;
#endif
#else
layout(std430, binding = 0) readonly buffer X { IN_T x[]; };
#endif
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
#ifdef TEXEL
    // Four lanes per fetch; elements past n (the view's padding) become the identity.
    const ACC4_T none = ACC4_T(identity());
    ACC4_T acc4 = none;
    for (uint t = gl_GlobalInvocationID.x; t < (pc.n + 3) / 4; t += stride) {
      const ACC4_T v = mix(none, ACC4_T(texelFetch(x_texels, int(t))), lessThan(uvec4(4 * t) + uvec4(0, 1, 2, 3), uvec4(pc.n)));
      acc4 = OP_MAX ? max(acc4, v) : acc4 + v;
    }
    acc = combine(combine(acc4.x, acc4.y), combine(acc4.z, acc4.w));
#else
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) acc = combine(acc, ACC_T(x[i]));
#endif
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
