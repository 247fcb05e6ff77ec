#version 450
// Memory bandwidth: copy y = x and triad y = x + 3 z over vec4 arrays (-DCOPY or -DTRIAD), each
// invocation striding over its binding (arrays beyond maxStorageBufferRange are split into one
// dispatch per binding range). -DEMPTY builds the launch-latency probe: a shader that does nothing.
layout(local_size_x_id = 0) in;
#if defined(TEXEL)
// Inputs read through uniform texel buffers (RGBA32F views): CPU drivers fetch texels with
// vector gathers, where a storage-buffer load is one scalar load per lane.
layout(binding = 0) uniform samplerBuffer x_texels;
#define X(i) texelFetch(x_texels, int(i))
#ifdef TRIAD
layout(binding = 1) uniform samplerBuffer z_texels;
#define Z(i) texelFetch(z_texels, int(i))
layout(std430, binding = 2) writeonly buffer Y { vec4 y[]; };
#else
layout(std430, binding = 1) writeonly buffer Y { vec4 y[]; };
#endif
layout(push_constant) uniform Params { uint n; } pc;
#elif !defined(EMPTY)
layout(std430, binding = 0) readonly buffer X { vec4 x[]; };
#define X(i) x[i]
#define Z(i) z[i]
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
    y[i] = X(i) + 3.0 * Z(i);
#else
    y[i] = X(i);
#endif
  }
#endif
}
