#pragma once
// The CUDA backend: NVIDIA GPUs through the driver API (loaded at run time), our kernels compiled by
// nvcc at build time (kernels/cuda/*.cu) and cuBLASLt's GEMM beside them (opened at run time).
// Timing comes from CUDA events around back-to-back launches on one stream (device time).
#include <memory>

#include "kernels/backend.hpp"

namespace xpu {

// Opens the GPU the probe listed as `info` ("cuda0": the driver's device 0).
result<std::unique_ptr<device>> cuda_device_open(const device_info& info);

}  // namespace xpu
