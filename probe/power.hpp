#pragma once
// Finding the power and energy sensors that can be read (inventory/power.hpp): RAPL domains
// (powercap), hwmon energy/power inputs, NVML. Reading them around a measurement is the runner's job.
#include <filesystem>
#include <string>
#include <vector>

#include "inventory/power.hpp"

namespace xpu {

struct power_probe_options {
  std::filesystem::path root = "/";         // sysfs lives under root/sys
  std::string nvml_library = "libnvidia-ml.so.1";  // $XPUBENCH_NVML_LIBRARY overrides
};

power_inventory power_probe(const power_probe_options& options);

// Split out for tests: the sensors under one class directory.
power_source rapl_probe(const std::filesystem::path& powercap, std::vector<power_sensor>& out);
power_source hwmon_probe(const std::filesystem::path& hwmon, std::vector<power_sensor>& out);
power_source nvml_probe(const std::string& library, std::vector<power_sensor>& out);

}  // namespace xpu
