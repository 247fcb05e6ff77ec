// The Vulkan backend's operations: one name per row, each row defined in its host file
// (kernels/vulkan/<name>.cpp, or the file its comment names).
#include "kernels/vulkan/device.hpp"

namespace xpu::vulkan_backend {

// conv2d: gemm.cpp (implicit GEMM); moe: qgemm.cpp; softmax, rmsnorm and layernorm: normalize.cpp
#define XPU_VULKAN_OPS(X) X(gemm) X(conv2d) X(reduction) X(bandwidth) X(peak) X(latency) X(softmax) X(rmsnorm) X(attention) X(qgemm) X(silu) X(layernorm) X(moe)
XPU_OP_TABLE(vk_device, XPU_VULKAN_OPS)

}  // namespace xpu::vulkan_backend
