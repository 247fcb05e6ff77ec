#pragma once
// NVIDIA GPUs through the CUDA driver API (libcuda.so.1, opened at run time: loaders/cuda_api.hpp).
// Details travel as facts; the precisions and their peak estimates come from a table of dense
// per-SM, per-clock rates by architecture (cuda_arch_find), always labelled as estimates.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/backends.hpp"

namespace xpu {

backend_probe cuda_probe();
// The device memory a benchmark may use: the driver's total (the "memory bytes" fact).
std::optional<std::uint64_t> cuda_memory_budget(const device_info& d);

// Dense rates of one architecture, in operations per clock per SM (an FMA counts 2); 0 where
// the hardware has no such path.
struct cuda_arch {
  int major = 0, minor = 0;       // compute capability
  std::string_view name;          // "Hopper"
  std::string_view tensor_cores;  // "4th generation (wgmma)"
  double fp64 = 0, fp32 = 0, fp16 = 0, bf16 = 0, tf32 = 0, int8 = 0, fp8 = 0, int32 = 0;
  std::string_view note;          // what the per-clock figures assume
};

// The table row of a compute capability: the exact one, else the closest older minor of the same
// major; nullopt for majors the table does not know (older than 7 or newer than 12).
std::optional<cuda_arch> cuda_arch_find(int major, int minor);

// "8.9" -> {8, 9}; nullopt unless two small non-negative integers with a dot.
std::optional<std::pair<int, int>> cuda_compute_capability_parse(std::string_view text);

// The precisions of a device of this compute capability with `sms` multiprocessors at `clock_mhz`
// (the driver's maximum clock): support levels with reasons and peak estimates (SMs x clock x
// ops/clock/SM; the factors kept so a run can redo the product at the clock it measures).
std::vector<precision_support> cuda_precisions(int major, int minor, int sms, double clock_mhz);

// The CUDA version this xpubench was built against (cuda.h's CUDA_VERSION, 13000 for 13.0) and
// why a driver of `driver_version` cannot run its kernels (older major), or nullopt.
int cuda_build_version();
std::optional<std::string> cuda_driver_too_old(int driver_version);

}  // namespace xpu
