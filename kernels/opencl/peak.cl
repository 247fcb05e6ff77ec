// Peak compute: independent multiply-accumulate chains, VEC of them per work-item in one vector so
// that CPU drivers that do not vectorize across work-items (PoCL) still fill their SIMD lanes.
// fp32: x += a * b per step (fma); int8: x += dot4(a_u8, b_s8) per step; ITERS steps; the final
// values are checked exactly by the host. An integer chain with loop-invariant operands would be
// folded by the compiler into one multiply, so the int8 operands pass through `x & zero` each step
// (zero is a kernel argument, 0 at run time): two extra bit operations per step, not counted as work.
// Build defines: XPU_FP32 or XPU_INT8, VEC, ITERS.
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
#elif defined(XPU_INT8)
typedef XCAT(int, VEC) vec_t;
typedef XCAT(uchar, VEC) uvec_t;
typedef XCAT(char, VEC) svec_t;
// Chain j's operands are a[4j .. 4j+3] and b[4j .. 4j+3]; lane l of vector q holds element q of
// chain l, gathered once before the loop.
__kernel void peak(__global const int* x0, __global const uchar* a, __global const char* b, __global int* y, const int zero) {
  const int i = get_global_id(0);
  vec_t x = XCAT(vload, VEC)(i, x0);
  vec_t a0, a1, a2, a3, b0, b1, b2, b3;
  int* pa[4] = {(int*)&a0, (int*)&a1, (int*)&a2, (int*)&a3};
  int* pb[4] = {(int*)&b0, (int*)&b1, (int*)&b2, (int*)&b3};
  for (int l = 0; l < VEC; ++l)
    for (int q = 0; q < 4; ++q) {
      pa[q][l] = a[(i * VEC + l) * 4 + q];
      pb[q][l] = b[(i * VEC + l) * 4 + q];
    }
  for (int it = 0; it < ITERS; ++it) {
    const vec_t opaque = x & zero;  // 0, but the compiler cannot know it
    x += (a0 | opaque) * b0 + (a1 | opaque) * b1 + (a2 | opaque) * b2 + (a3 | opaque) * b3;
  }
  XCAT(vstore, VEC)(x, i, y);
}
#endif
