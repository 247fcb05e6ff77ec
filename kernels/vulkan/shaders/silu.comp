#version 450
// SiLU: y = x / (1 + exp(-x)), one element per invocation step of a grid-stride loop; the output
// is written in the input's type. Defines: the type (types.glsl: XPU_FP32 or XPU_FP16).
// Specialization: work-group size (id 0). Bindings: X, Y. Push constants: n.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { A_T x[]; };
layout(std430, binding = 1) writeonly buffer Y { A_T y[]; };
layout(push_constant) uniform Push { uint n; };

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    const float v = float(x[i]);
    y[i] = A_T(v / (1.0 + exp(-v)));
  }
}
