// Peak compute: independent multiply-accumulate chains, CH vectors of VEC per work-item, so that CPU
// drivers that do not vectorize across work-items (PoCL) still fill their SIMD lanes, and have CH
// independent vector chains in flight to cover the multiply-add latency (one chain per work-item
// is latency-bound: an FMA every 4 cycles).
// fp32: x += a * b per step (fma); int8: x += dot4(a_u8, b_s8) per step; ITERS steps; the final
// values are checked exactly by the host. An integer chain with loop-invariant operands would be
// folded by the compiler into one multiply, so the int8 operands pass through `x & zero` each step
// (zero is a kernel argument, 0 at run time): two extra bit operations per step, not counted as work.
// Build defines: XPU_FP32, XPU_FP16 (half arithmetic, cl_khr_fp16), XPU_INT8, XPU_FP64 (cl_khr_fp64)
// or XPU_INT32; VEC, CH, ITERS.
#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)

// One body for the element-wise chains: CH vectors of VEC chains per work-item, x = STEP(x, a, b).
#define PEAK_KERNEL(scalar_t, STEP)                                                                                  \
  __kernel void peak(__global const scalar_t* x0, __global const scalar_t* a, __global const scalar_t* b,           \
                     __global scalar_t* y) {                                                                        \
    const int i = get_global_id(0) * CH;                                                                            \
    XCAT(scalar_t, VEC) x[CH], av[CH], bv[CH];                                                                      \
    for (int c = 0; c < CH; ++c)                                                                                    \
      x[c] = XCAT(vload, VEC)(i + c, x0), av[c] = XCAT(vload, VEC)(i + c, a), bv[c] = XCAT(vload, VEC)(i + c, b);   \
    for (int it = 0; it < ITERS; ++it)                                                                              \
      for (int c = 0; c < CH; ++c) x[c] = STEP(x[c], av[c], bv[c]);                                                 \
    for (int c = 0; c < CH; ++c) XCAT(vstore, VEC)(x[c], i + c, y);                                                 \
  }
#define FMA_STEP(x, a, b) fma((a), (b), (x))
#define MUL_ADD_STEP(x, a, b) ((x) * (a) + (b))

#if defined(XPU_FP32)
PEAK_KERNEL(float, FMA_STEP)
#elif defined(XPU_FP64)
// fp64 (cl_khr_fp64; only built for devices that list it): as fp32, on doubles.
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
PEAK_KERNEL(double, FMA_STEP)
#elif defined(XPU_INT32)
// int32: x = x * a + b (clpeak's integer figure), 2 OP per step; a multiply of the chain value
// itself, so no compiler can fold the loop (a = 1 at run time keeps the sums exact).
PEAK_KERNEL(int, MUL_ADD_STEP)
#elif defined(XPU_FP16)
// Half arithmetic (cl_khr_fp16; only built for devices that list it). Chain j: x0[j] (fp32) and the
// lanes a[2j], a[2j+1], b[2j], b[2j+1] (fp16); one halfVEC holds VEC/2 chains. h = fma(a, b, h) in
// half restarts from zero every BLOCK steps and is added to the fp32 chain value, so the half sums
// stay exact (at most 1024 products of 2^-11 or less) and the host checks them exactly (the scheme
// of kernels/vulkan/shaders/peak.comp). Defines: CHV = VEC / 2.
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define BLOCK 1024
typedef XCAT(half, VEC) hvec_t;
typedef XCAT(float, VEC) fvec_t;
typedef XCAT(float, CHV) xvec_t;
__kernel void peak(__global const float* x0, __global const half* a, __global const half* b, __global float* y) {
  const int i = get_global_id(0) * CH;
  xvec_t x[CH];
  hvec_t av[CH], bv[CH], h[CH];
  for (int c = 0; c < CH; ++c) x[c] = XCAT(vload, CHV)(i + c, x0), av[c] = XCAT(vload, VEC)(i + c, a), bv[c] = XCAT(vload, VEC)(i + c, b);
  for (int done = 0; done < ITERS; done += BLOCK) {
    const int steps = min(BLOCK, ITERS - done);
    for (int c = 0; c < CH; ++c) h[c] = (hvec_t)(0.0h);
    for (int it = 0; it < steps; ++it)
      for (int c = 0; c < CH; ++c) h[c] = fma(av[c], bv[c], h[c]);
    for (int c = 0; c < CH; ++c) {
      const fvec_t f = XCAT(convert_float, VEC)(h[c]);
      x[c] += f.even + f.odd;
    }
  }
  for (int c = 0; c < CH; ++c) XCAT(vstore, CHV)(x[c], i + c, y);
}
#elif defined(XPU_INT8)
typedef XCAT(int, VEC) vec_t;
typedef XCAT(uchar, VEC) uvec_t;
typedef XCAT(char, VEC) svec_t;
// Chain j's operands are a[4j .. 4j+3] and b[4j .. 4j+3]; lane l of vector q holds element q of
// chain l, gathered once before the loop.
__kernel void peak(__global const int* x0, __global const uchar* a, __global const char* b, __global int* y, const int zero) {
  const int i = get_global_id(0) * CH;
  vec_t x[CH], av[CH][4], bv[CH][4];
  for (int c = 0; c < CH; ++c) {
    x[c] = XCAT(vload, VEC)(i + c, x0);
    for (int l = 0; l < VEC; ++l)
      for (int q = 0; q < 4; ++q) {
        ((int*)&av[c][q])[l] = a[((i + c) * VEC + l) * 4 + q];
        ((int*)&bv[c][q])[l] = b[((i + c) * VEC + l) * 4 + q];
      }
  }
  for (int it = 0; it < ITERS; ++it)
    for (int c = 0; c < CH; ++c) {
      const vec_t opaque = x[c] & zero;  // 0, but the compiler cannot know it
      x[c] += (av[c][0] | opaque) * bv[c][0] + (av[c][1] | opaque) * bv[c][1] + (av[c][2] | opaque) * bv[c][2] + (av[c][3] | opaque) * bv[c][3];
    }
  for (int c = 0; c < CH; ++c) XCAT(vstore, VEC)(x[c], i + c, y);
}
#endif
