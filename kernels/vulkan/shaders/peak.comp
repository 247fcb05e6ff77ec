#version 450
// Peak compute: independent multiply-accumulate chains, CHAINS vec4 of them per invocation (the
// invocation's own instruction-level parallelism; GPUs add more across invocations). The host
// checks every chain's final value exactly.
//   XPU_FP32: x = fma(a, b, x), vec4 per chain group; 2 FLOP per lane per step.
//   XPU_FP16: half arithmetic: h = fma(a, b, h) on f16vec4 (two chains of two lanes each); h
//             restarts from zero every BLOCK steps and is added to the fp32 chain value, so the
//             half sums stay exact (at most 1024 products of 2^-11 or less) and the result is checked
//             exactly; one conversion and add per BLOCK steps, not counted as work.
//   XPU_INT8: x += dot(a_u8x4, b_s8x4) (OpSUDotKHR, SPV_KHR_integer_dot_product; -DNO_DOT: four
//             multiplies and adds instead); 8 OP per step. Integer chains with loop-invariant
//             operands would be folded into one multiply, so the operands pass through
//             `| (x & zero)` (zero = 0 at run time, a push constant): two bit operations per step,
//             not counted as work.
//   XPU_FP64: as fp32 on dvec4. XPU_INT32: x = x * a + b on ivec4.
// Specialization: work-group size (id 0), ITERS (id 1).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ITERS = 4096;
const uint CHAINS = 6;  // vec4 chain groups per invocation (lavapipe fp32: 4 -> 131, 6 -> 145, 8 -> 142, 12 -> 101 GFLOP/s)
const uint BLOCK = 1024;

#if defined(XPU_FP32)
layout(std430, binding = 0) readonly buffer X0 { vec4 x0[]; };
layout(std430, binding = 1) readonly buffer A { vec4 a[]; };
layout(std430, binding = 2) readonly buffer B { vec4 b[]; };
layout(std430, binding = 3) writeonly buffer Y { vec4 y[]; };
void main() {
  const uint base = gl_GlobalInvocationID.x * CHAINS;
  vec4 x[CHAINS], av[CHAINS], bv[CHAINS];
  for (uint c = 0; c < CHAINS; ++c) x[c] = x0[base + c], av[c] = a[base + c], bv[c] = b[base + c];
  for (uint it = 0; it < ITERS; ++it)
    for (uint c = 0; c < CHAINS; ++c) x[c] = fma(av[c], bv[c], x[c]);
  for (uint c = 0; c < CHAINS; ++c) y[base + c] = x[c];
}
#elif defined(XPU_FP16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
// Chain j: x0[j] (fp32), lanes a[2j], a[2j+1] and b[2j], b[2j+1] (fp16). One f16vec4 = two chains.
layout(std430, binding = 0) readonly buffer X0 { vec2 x0[]; };
layout(std430, binding = 1) readonly buffer A { f16vec4 a[]; };
layout(std430, binding = 2) readonly buffer B { f16vec4 b[]; };
layout(std430, binding = 3) writeonly buffer Y { vec2 y[]; };
void main() {
  const uint base = gl_GlobalInvocationID.x * CHAINS;
  vec2 x[CHAINS];
  f16vec4 av[CHAINS], bv[CHAINS], h[CHAINS];
  for (uint c = 0; c < CHAINS; ++c) x[c] = x0[base + c], av[c] = a[base + c], bv[c] = b[base + c];
  for (uint done = 0; done < ITERS;) {
    const uint steps = min(BLOCK, ITERS - done);
    for (uint c = 0; c < CHAINS; ++c) h[c] = f16vec4(0.0hf);
    for (uint it = 0; it < steps; ++it)
      for (uint c = 0; c < CHAINS; ++c) h[c] = fma(av[c], bv[c], h[c]);
    for (uint c = 0; c < CHAINS; ++c) x[c] += vec2(float(h[c].x) + float(h[c].y), float(h[c].z) + float(h[c].w));
    done += steps;
  }
  for (uint c = 0; c < CHAINS; ++c) y[base + c] = x[c];
}
#elif defined(XPU_INT8)
#ifndef NO_DOT
#extension GL_GOOGLE_include_directive : require
#include "dot.glsl"
#endif
// Chain j: x0[j] (int32), a[4j..4j+3] (u8) and b[4j..4j+3] (s8), read as one packed uint each.
layout(std430, binding = 0) readonly buffer X0 { ivec4 x0[]; };
layout(std430, binding = 1) readonly buffer A { uvec4 a[]; };
layout(std430, binding = 2) readonly buffer B { uvec4 b[]; };
layout(std430, binding = 3) writeonly buffer Y { ivec4 y[]; };
layout(push_constant) uniform Params { int zero; } pc;
int dot4(uint s8x4, uint u8x4) {
#ifdef NO_DOT
  int sum = 0;
  for (int q = 0; q < 32; q += 8) sum += bitfieldExtract(int(s8x4), q, 8) * int(bitfieldExtract(u8x4, q, 8));
  return sum;
#else
  return sudot4x8(s8x4, u8x4, 0);
#endif
}
void main() {
  const uint base = gl_GlobalInvocationID.x * CHAINS;
  ivec4 x[CHAINS];
  uvec4 av[CHAINS], bv[CHAINS];
  for (uint c = 0; c < CHAINS; ++c) x[c] = x0[base + c], av[c] = a[base + c], bv[c] = b[base + c];
  for (uint it = 0; it < ITERS; ++it)
    for (uint c = 0; c < CHAINS; ++c) {
      const uvec4 opaque = uvec4(x[c] & pc.zero);  // 0, but the compiler cannot know it
      const uvec4 ao = av[c] | opaque;
      x[c] += ivec4(dot4(bv[c].x, ao.x), dot4(bv[c].y, ao.y), dot4(bv[c].z, ao.z), dot4(bv[c].w, ao.w));
    }
  for (uint c = 0; c < CHAINS; ++c) y[base + c] = x[c];
}
#elif defined(XPU_FP64)
// fp64: x = fma(a, b, x) on dvec4, as fp32 (shaderFloat64).
layout(std430, binding = 0) readonly buffer X0 { dvec4 x0[]; };
layout(std430, binding = 1) readonly buffer A { dvec4 a[]; };
layout(std430, binding = 2) readonly buffer B { dvec4 b[]; };
layout(std430, binding = 3) writeonly buffer Y { dvec4 y[]; };
void main() {
  const uint base = gl_GlobalInvocationID.x * CHAINS;
  dvec4 x[CHAINS], av[CHAINS], bv[CHAINS];
  for (uint c = 0; c < CHAINS; ++c) x[c] = x0[base + c], av[c] = a[base + c], bv[c] = b[base + c];
  for (uint it = 0; it < ITERS; ++it)
    for (uint c = 0; c < CHAINS; ++c) x[c] = fma(av[c], bv[c], x[c]);
  for (uint c = 0; c < CHAINS; ++c) y[base + c] = x[c];
}
#elif defined(XPU_INT32)
// int32: x = x * a + b on ivec4 (vkpeak's int32 figure), 2 OP per step; a multiply of the chain
// value itself, so no compiler can fold the loop (a = 1 at run time keeps the sums exact).
layout(std430, binding = 0) readonly buffer X0 { ivec4 x0[]; };
layout(std430, binding = 1) readonly buffer A { ivec4 a[]; };
layout(std430, binding = 2) readonly buffer B { ivec4 b[]; };
layout(std430, binding = 3) writeonly buffer Y { ivec4 y[]; };
void main() {
  const uint base = gl_GlobalInvocationID.x * CHAINS;
  ivec4 x[CHAINS], av[CHAINS], bv[CHAINS];
  for (uint c = 0; c < CHAINS; ++c) x[c] = x0[base + c], av[c] = a[base + c], bv[c] = b[base + c];
  for (uint it = 0; it < ITERS; ++it)
    for (uint c = 0; c < CHAINS; ++c) x[c] = x[c] * av[c] + bv[c];
  for (uint c = 0; c < CHAINS; ++c) y[base + c] = x[c];
}
#else
#error "define XPU_FP32, XPU_FP16, XPU_INT8, XPU_FP64 or XPU_INT32"
#endif
