#pragma once
// Precision support (native / emulated / unsupported, with the reason) and theoretical peaks for
// every device. A peak here is always an estimate derived from published per-cycle throughput;
// the suite's micro-benchmarks measure the real one.
#include <cstdint>
#include <optional>
#include <vector>

#include "probe/cpu.hpp"
#include "probe/device.hpp"

namespace xpu {

std::vector<precision_support> cpu_precisions(const cpu_info& cpu);
// host_cpu: the CPU device's own entries, used for CPU-type OpenCL/Vulkan devices (same cores).
std::vector<precision_support> opencl_precisions(const device_info& d, const device_info* host_cpu);
std::vector<precision_support> vulkan_precisions(const device_info& d, const device_info* host_cpu);

// The device memory a benchmark may use: global memory (OpenCL), the largest device-local heap
// (Vulkan); nullopt for CPU-type devices, which share the host's memory.
std::optional<std::uint64_t> opencl_memory_budget(const device_info& d);
std::optional<std::uint64_t> vulkan_memory_budget(const device_info& d);

}  // namespace xpu
