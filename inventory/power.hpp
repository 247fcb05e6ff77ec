#pragma once
// Power and energy sensors the probe found: RAPL domains (powercap), hwmon energy/power inputs,
// NVML; each with whether it can be read and why not. Plain data of the inventory model.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xpu {

struct power_sensor {
  std::string id;          // stable: "rapl:intel-rapl:0", "hwmon:amdgpu:power1_average", "nvml:0"
  std::string source;      // "rapl", "hwmon", "nvml"
  std::string kind;        // "energy" (a cumulative counter) or "power" (an instantaneous reading)
  std::string unit;        // "uJ", "uW", "mJ", "mW"
  std::string name;        // what the driver calls it: "package-0", "PPT", "NVIDIA H100"
  std::string path;        // the file it is read from, or "nvml device N"
  std::string covers;      // what it measures: "cpu package 0", "dram", "pci 0000:01:00.0", ...
  bool readable = false;
  std::string reason;      // why it cannot be read
  std::optional<std::uint64_t> max_energy_range_uj;  // RAPL counter wrap-around point
};

struct power_source {
  std::string name;        // "rapl", "hwmon", "nvml"
  bool available = false;  // at least one readable sensor
  std::string reason;      // why not, and how to enable it where we know
};

struct power_inventory {
  std::vector<power_source> sources;
  std::vector<power_sensor> sensors;
};

}  // namespace xpu
