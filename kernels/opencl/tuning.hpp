#pragma once
// GEMM tuning for OpenCL devices: a handful of tile shapes is timed once per device, driver
// version and precision, and the winner is cached in $XDG_CACHE_HOME/xpubench (else
// ~/.cache/xpubench), so later runs reuse it. A new driver version is a new key: the old entry is
// dropped and the device is tuned again.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/files.hpp"

namespace xpu {

struct gemm_params {
  int wg_m = 8, wg_n = 8, rm = 4, rn = 4, tk = 16;
  bool direct = false;  // no local memory, no barrier (gemm.cl's DIRECT kernel)
  int vec = 0;          // DIRECT with rn = vec contiguous columns as one vector (N >= vec, B not transposed)
  bool dot4 = false;    // DIRECT int8 with packed 4 x 8-bit dot products (A not transposed, K % 4 == 0; B repacked)
  std::string defines() const;   // "-DWG_M=8 -DWG_N=8 -DRM=4 -DRN=4 -DTK=16"
  std::string describe() const;  // "tile 32x32x16, 4x4 per work-item"
  bool operator==(const gemm_params&) const = default;
};

// The candidates the tuner times (the first is the default when tuning is off).
// Candidates for CPU devices add the DIRECT kernel's shapes; int8_dot (int8 on a device with
// cl_khr_integer_dot_product) adds the packed-dot kernel's.
std::vector<gemm_params> gemm_candidates(bool cpu_device = false, bool int8_dot = false);


struct tuning_key {
  std::string device;          // device name
  std::string driver_version;
  std::string precision;
  std::string kernels = {};    // the xpubench version and a hash of the GEMM kernel source: new kernels, new tuning
  std::string text() const { return device + " | " + driver_version + " | " + precision + (kernels.empty() ? "" : " | " + kernels); }
};

// FNV-1a of the text: the kernel-source part of a tuning key.
std::uint64_t text_hash(std::string_view text);

// The cached winner for key, if any and if it is one of `allowed` (the candidates the tuner would
// time): a damaged or planted entry is not used, the device is tuned again.
std::optional<gemm_params> tuning_lookup(const std::filesystem::path& dir, const tuning_key& key, const std::vector<gemm_params>& allowed);
// Stores the winner (0600, through a temporary and a rename, in a folder created 0700; a folder
// that is a symlink or belongs to another user is refused); entries for the same device and
// precision under another driver version or kernel source go.
result<void> tuning_store(const std::filesystem::path& dir, const tuning_key& key, const gemm_params& p, double ops_per_s);

}  // namespace xpu
