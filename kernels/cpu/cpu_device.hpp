#pragma once
// The CPU backend: oneDNN and OpenBLAS for GEMM and convolution, our own vectorized,
// multi-threaded kernels (OpenMP) for reductions, bandwidth, peak compute and launch latency.
#include <memory>

#include "kernels/backend.hpp"
#include "probe/cpu.hpp"

namespace xpu {

struct cpu_options {
  int threads = 0;  // 0: every core
};

std::unique_ptr<device> cpu_device_create(const device_info& info, const cpu_info& cpu, const cpu_options& options);

// The effective core clock under load: a dependent integer-add chain (one add per cycle) run on
// every OpenMP thread at once, after a warm-up of 4 x `seconds`, timed for `seconds`. Returns the
// mean over threads, in Hz.
double cpu_clock_measure(double seconds = 0.01);

// Library versions, for the run's context: "oneDNN 2.6.3 (OpenMP)", "OpenBLAS 0.3.21 ...".
std::string cpu_libraries();

}  // namespace xpu
