#pragma once
// Linux compute accelerators (the accel subsystem, Linux 6.2+: /sys/class/accel/accelN and
// /dev/accel/accelN): NPUs and AI accelerators such as intel_vpu, amdxdna, qaic, habanalabs.
// Probed only, from sysfs: no driver library is loaded.
#include <filesystem>

#include "probe/backends.hpp"

namespace xpu {

// The accel devices under `root` ("/", or a fake tree in tests). Never throws.
backend_probe accel_probe_at(const std::filesystem::path& root);

}  // namespace xpu
