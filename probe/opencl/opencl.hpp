#pragma once
// The OpenCL backend's probe (every platform and device through the ICD loader: clinfo's facts that matter for ML), the
// precisions its devices run and the memory a benchmark may use on them. The probe is built where
// XPUBENCH_WITH_OPENCL is on; the precisions and budget always (an inventory read from a child's JSON uses them).
#include <cstdint>
#include <optional>
#include <vector>

#include "probe/backends.hpp"

namespace xpu {

backend_probe opencl_probe();
// Precisions with their level and reason; host_cpu: the CPU device's entries, for CPU-type devices.
std::vector<precision_support> opencl_precisions(const device_info& d, const device_info* host_cpu);
// Global memory; nullopt for CPU-type devices, which share the host's memory.
std::optional<std::uint64_t> opencl_memory_budget(const device_info& d);

}  // namespace xpu
