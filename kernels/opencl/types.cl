// Element types shared by the OpenCL kernels, chosen by -D at build time:
//   -DXPU_FP32   float storage, float arithmetic
//   -DXPU_FP16   half storage read with vload_half (core OpenCL), float arithmetic
//   -DXPU_INT8   A as uchar, B as char, int accumulation (u8 x s8, as VNNI and DP4A take them)
#if defined(XPU_FP32)
typedef float a_t;
typedef float b_t;
typedef float acc_t;
#define LOAD_A(p, i) ((p)[i])
#define LOAD_B(p, i) ((p)[i])
#elif defined(XPU_FP16)
typedef half a_t;
typedef half b_t;
typedef float acc_t;
#define LOAD_A(p, i) vload_half((i), (p))
#define LOAD_B(p, i) vload_half((i), (p))
#elif defined(XPU_INT8)
typedef uchar a_t;
typedef char b_t;
typedef int acc_t;
#define LOAD_A(p, i) ((int)(p)[i])
#define LOAD_B(p, i) ((int)(p)[i])
// acc + the dot product of four u8 x s8 pairs: the hardware instruction where the compiler has
// cl_khr_integer_dot_product's 4x8-bit dot (DP4A and its kin), else four multiply-adds.
#if defined(__opencl_c_integer_dot_product_input_4x8bit)
#define DOT4_ACC(a, b, acc) ((acc) + dot((a), (b)))
#else
#define DOT4_ACC(a, b, acc) \
  ((acc) + (int)(a).x * (int)(b).x + (int)(a).y * (int)(b).y + (int)(a).z * (int)(b).z + (int)(a).w * (int)(b).w)
#endif
#else
#error "define XPU_FP32, XPU_FP16 or XPU_INT8"
#endif

// -DVEC=n (the CPU micro-kernels of gemm.cl and conv2d.cl): accv_t holds n accumulators, and
// LOAD_BV(p, i) loads n consecutive B elements from p + i, widened to the accumulation type.
#ifdef VEC
#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)
#if defined(XPU_FP32)
typedef XCAT(float, VEC) accv_t;
#define LOAD_BV(p, i) XCAT(vload, VEC)(0, (p) + (i))
#elif defined(XPU_FP16)
typedef XCAT(float, VEC) accv_t;
#define LOAD_BV(p, i) XCAT(vload_half, VEC)(0, (p) + (i))
#else
typedef XCAT(int, VEC) accv_t;
#define LOAD_BV(p, i) XCAT(convert_int, VEC)(XCAT(vload, VEC)(0, (p) + (i)))
#endif
#endif
