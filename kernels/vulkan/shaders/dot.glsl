// The packed 4 x 8-bit integer dot product (SPV_KHR_integer_dot_product), which glslang 11 has no
// GLSL built-in for: OpSUDotKHR (4452), signed x unsigned, with the capabilities DotProductKHR
// (6019) and DotProductInput4x8BitPackedKHR (6018); the literal 0 = PackedVectorFormat4x8Bit.
// Only for devices with shaderIntegerDotProduct (the host checks).
#extension GL_EXT_spirv_intrinsics : require
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4452)
int sudot4x8(uint s8x4, uint u8x4, spirv_literal int format);
