// The CUDA backend's operations: one name per row, each row defined in its host file
// (kernels/cuda/<name>.cpp, or the file its comment names).
#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {

// latency: bandwidth.cpp (bandwidth.cu's empty kernel); softmax, rmsnorm and layernorm: normalize.cpp; moe: qgemm.cpp
#define XPU_CUDA_OPS(X) X(peak) X(gemm) X(reduction) X(bandwidth) X(latency) X(softmax) X(rmsnorm) X(attention) X(conv2d) X(qgemm) X(silu) X(layernorm) X(moe)
XPU_OP_TABLE(cu_device, XPU_CUDA_OPS)

}  // namespace xpu::cuda_backend
