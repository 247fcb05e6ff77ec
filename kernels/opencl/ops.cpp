// The OpenCL backend's operations: one name per row, each row defined in its host file
// (kernels/opencl/<name>.cpp, or the file its comment names).
#include "kernels/opencl/device.hpp"

namespace xpu::opencl_backend {

// softmax, rmsnorm and layernorm: normalize.cpp; moe: qgemm.cpp
#define XPU_OPENCL_OPS(X) X(gemm) X(conv2d) X(reduction) X(bandwidth) X(peak) X(latency) X(softmax) X(rmsnorm) X(attention) X(qgemm) X(silu) X(layernorm) X(moe)
XPU_OP_TABLE(cl_device, XPU_OPENCL_OPS)

}  // namespace xpu::opencl_backend
