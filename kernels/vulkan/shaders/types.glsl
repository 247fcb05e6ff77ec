// Element types shared by the compute shaders, chosen by -D at build time (glslc):
//   XPU_FP32  float storage and arithmetic
//   XPU_FP16  float16_t storage (16-bit storage), fp32 accumulation
//   XPU_INT8  A as uint8_t, B as int8_t (8-bit storage), int accumulation (u8 x s8, as DP4A/VNNI take them)
// LOAD_A/LOAD_B widen an element to the accumulation type ACC_T.
#if defined(XPU_FP32)
#define A_T float
#define B_T float
#define ACC_T float
#define MAD(acc, a, b) fma((a), (b), (acc))
#elif defined(XPU_FP16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define A_T float16_t
#define B_T float16_t
#define ACC_T float
#define MAD(acc, a, b) fma((a), (b), (acc))
#elif defined(XPU_INT8)
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#define A_T uint8_t
#define B_T int8_t
#define ACC_T int
#define MAD(acc, a, b) ((acc) + (a) * (b))
#else
#error "define XPU_FP32, XPU_FP16 or XPU_INT8"
#endif
#define LOAD_A(buf, i) ACC_T(buf[i])
#define LOAD_B(buf, i) ACC_T(buf[i])
