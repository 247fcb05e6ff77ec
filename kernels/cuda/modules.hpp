#pragma once
// The CUDA kernels compiled by nvcc at build time (kernels/cuda/*.cu -> fat binaries with machine
// code per architecture and PTX), embedded in the binary by cmake/cuda.cmake.
#include <cstddef>
#include <span>
#include <string_view>

namespace xpu {

struct embedded_module {
  std::string_view name;  // the source's stem: "gemm", "peak", "bandwidth"
  std::span<const std::byte> bytes;
};

std::span<const embedded_module> cuda_module_table();

}  // namespace xpu
