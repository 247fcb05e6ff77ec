#version 450
// Memory bandwidth: copy y = x and triad y = x + 3 z over vec4 arrays (-DCOPY or -DTRIAD), each
// invocation striding over its binding (arrays beyond maxStorageBufferRange are split into one
// dispatch per binding range). -DEMPTY builds the launch-latency probe: a shader that does nothing.
layout(local_size_x_id = 0) in;
#ifndef EMPTY
layout(std430, binding = 0) readonly buffer X { vec4 x[]; };
#ifdef TRIAD
layout(std430, binding = 1) readonly buffer Z { vec4 z[]; };
layout(std430, binding = 2) writeonly buffer Y { vec4 y[]; };
#else
layout(std430, binding = 1) writeonly buffer Y { vec4 y[]; };
#endif
layout(push_constant) uniform Params { uint n; } pc;  // vec4 elements in this binding
#endif

void main() {
#ifndef EMPTY
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
#ifdef TRIAD
    y[i] = x[i] + 3.0 * z[i];
#else
    y[i] = x[i];
#endif
  }
#endif
}
