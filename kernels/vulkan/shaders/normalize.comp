#version 450
// Softmax, RMSNorm and LayerNorm, one work-group per row: each pass is a reduction across the
// work-group (subgroup arithmetic where the device has it, then shared memory). The output is written
// in the input's type. Defines: the type (types.glsl: XPU_FP32 or XPU_FP16), SUBGROUP. Specialization:
// work-group size (id 0, a power of two), MODE (id 1: 0 softmax, 1 RMSNorm, 2 LayerNorm). Bindings: X,
// G (the weights), B (LayerNorm's biases), Y; what an operation lacks binds an input again. Push
// constants: cols, eps (float bits).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;

layout(std430, binding = 0) readonly buffer X { A_T x[]; };
layout(std430, binding = 1) readonly buffer G { A_T g[]; };
layout(std430, binding = 2) readonly buffer B { A_T b[]; };
layout(std430, binding = 3) writeonly buffer Y { A_T y[]; };
layout(push_constant) uniform Push { uint cols; uint eps_bits; };

shared float scratch[gl_WorkGroupSize.x];

// The work-group's maximum (is_max) or sum of v, returned to every invocation.
float group_reduce(float v, bool is_max) {
  const uint lid = gl_LocalInvocationID.x;
#ifdef SUBGROUP
  v = is_max ? subgroupMax(v) : subgroupAdd(v);
  barrier();
  if (subgroupElect()) scratch[gl_SubgroupID] = v;
  barrier();
  if (lid == 0) {
    float r = scratch[0];
    for (uint s = 1; s < gl_NumSubgroups; ++s) r = is_max ? max(r, scratch[s]) : r + scratch[s];
    scratch[0] = r;
  }
#else
  barrier();
  scratch[lid] = v;
  for (uint half_size = gl_WorkGroupSize.x / 2; half_size > 0; half_size /= 2) {
    barrier();
    if (lid < half_size) scratch[lid] = is_max ? max(scratch[lid], scratch[lid + half_size]) : scratch[lid] + scratch[lid + half_size];
  }
#endif
  barrier();
  return scratch[0];
}

void main() {
  const uint base = gl_WorkGroupID.x * cols, lid = gl_LocalInvocationID.x, wg = gl_WorkGroupSize.x;
  if (MODE == 2) {
    float sum = 0.0;
    for (uint c = lid; c < cols; c += wg) sum += float(x[base + c]);
    const float mean = group_reduce(sum, false) / float(cols);
    float squares = 0.0;  // about the mean
    for (uint c = lid; c < cols; c += wg) {
      const float d = float(x[base + c]) - mean;
      squares += d * d;
    }
    const float scale = inversesqrt(group_reduce(squares, false) / float(cols) + uintBitsToFloat(eps_bits));
    for (uint c = lid; c < cols; c += wg) y[base + c] = A_T((float(x[base + c]) - mean) * scale * float(g[c]) + float(b[c]));
  } else if (MODE == 1) {
    float squares = 0.0;
    for (uint c = lid; c < cols; c += wg) {
      const float v = float(x[base + c]);
      squares += v * v;
    }
    const float scale = inversesqrt(group_reduce(squares, false) / float(cols) + uintBitsToFloat(eps_bits));
    for (uint c = lid; c < cols; c += wg) y[base + c] = A_T(float(x[base + c]) * scale * float(g[c]));
  } else {
    float top = -1.0 / 0.0;
    for (uint c = lid; c < cols; c += wg) top = max(top, float(x[base + c]));
    top = group_reduce(top, true);
    float sum = 0.0;
    for (uint c = lid; c < cols; c += wg) sum += exp(float(x[base + c]) - top);
    const float inv = 1.0 / group_reduce(sum, false);
    for (uint c = lid; c < cols; c += wg) y[base + c] = A_T(exp(float(x[base + c]) - top) * inv);
  }
}
