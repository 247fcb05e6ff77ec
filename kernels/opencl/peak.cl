// Peak compute: independent multiply-accumulate chains, VEC of them per work-item in one vector so
// that CPU drivers that do not vectorize across work-items (PoCL) still fill their SIMD lanes.
// fp32: x += a * b per step (fma), ITERS steps; the final values are checked exactly by the host.
// (No int8 kernel yet: an integer x += dot(a, b) with loop-invariant a, b is folded by the compiler
// into one multiply, so it needs operands the compiler cannot see through.)
// Build defines: XPU_FP32, VEC, ITERS.
#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)

#if defined(XPU_FP32)
typedef XCAT(float, VEC) vec_t;
__kernel void peak(__global const float* x0, __global const float* a, __global const float* b, __global float* y) {
  const int i = get_global_id(0);
  vec_t x = XCAT(vload, VEC)(i, x0);
  const vec_t av = XCAT(vload, VEC)(i, a), bv = XCAT(vload, VEC)(i, b);
  for (int it = 0; it < ITERS; ++it) x = fma(av, bv, x);
  XCAT(vstore, VEC)(x, i, y);
}
#endif
