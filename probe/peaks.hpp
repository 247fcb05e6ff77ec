#pragma once
// Precision support (native / emulated / unsupported, with the reason) and theoretical peaks for
// every device. A peak here is always an estimate derived from published per-cycle throughput;
// the suite's micro-benchmarks measure the real one.
#include <cstdint>
#include <optional>
#include <vector>

#include "probe/cpu.hpp"
#include "inventory/device.hpp"

namespace xpu {

std::vector<precision_support> cpu_precisions(const cpu_info& cpu);

// For a CPU-type device of a driver backend (PoCL, lavapipe), the hardware peak is the host CPU's
// (host_cpu: the CPU device's own entries; same cores); other devices get the reason there is none.
void borrow_cpu_peak(precision_support& s, const device_info& d, const device_info* host_cpu);

}  // namespace xpu
