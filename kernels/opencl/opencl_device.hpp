#pragma once
// The OpenCL backend: every workload on every OpenCL device, through the same device/prepared
// interface as the CPU backend. Kernel sources (kernels/opencl/*.cl) are embedded at build time
// and compiled per device with -D options; timing comes from profiling events (device time).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/backend.hpp"
#include "kernels/opencl/tuning.hpp"

namespace xpu {

struct opencl_options {
  // Extra build options appended to every program (tests use it to break a kernel on purpose).
  std::string extra_build_options;
  bool tune = true;                       // time the GEMM candidates once per device (false: defaults)
  std::filesystem::path tuning_cache;     // empty: user_cache_dir()
  int tuning_size = 1024;                 // candidates are timed on an n^3 GEMM (tests use a small one)
  std::optional<gemm_params> gemm = std::nullopt;  // these GEMM tiles, no tuning (tests verify every candidate)
  bool tune_exhaustive = false;           // every candidate at tuning_size, not only the coarse pass's finalists; the cache not read
};

// Opens the OpenCL device the probe listed as `info` (matched by platform, name and order).
result<std::unique_ptr<device>> opencl_device_open(const device_info& info, const opencl_options& options = {});

// The kernel part of a GEMM tuning key: this version and a hash of gemm.cl (with its types), and
// the tuning size when it is not the default 1024 (tiles tuned on other sizes are cached apart).
std::string gemm_kernels_key(int tuning_size = 1024);

}  // namespace xpu
