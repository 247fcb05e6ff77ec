#pragma once
// Everything the probe knows about a machine. A missing driver, device or sensor is data (a
// backend_status or a power_source with its reason), never an error.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "probe/cpu.hpp"
#include "probe/device.hpp"
#include "probe/power.hpp"

namespace xpu {

struct host_info {
  std::string hostname;
  std::string os;          // PRETTY_NAME from /etc/os-release
  std::string kernel;      // uname -sr
  std::string machine;     // uname -m
};

struct inventory {
  std::string probed_at;   // ISO 8601, UTC
  double probe_ms = 0;
  host_info host;
  cpu_info cpu;
  std::vector<device_info> devices;     // cpu0 first, then OpenCL, then Vulkan
  power_inventory power;
  std::vector<backend_status> backends; // cpu, opencl, vulkan

  const device_info* find_device(std::string_view id) const;
};

struct probe_options {
  std::optional<std::filesystem::path> topology_xml;  // probe a saved topology instead of the live one
  std::filesystem::path root = "/";                   // procfs and sysfs root (tests use fake trees)
  bool opencl = true;
  bool vulkan = true;
  std::string nvml_library = "libnvidia-ml.so.1";
};

// Fails only on bad input (an unreadable topology file); every backend problem is data.
result<inventory> probe_machine(const probe_options& options);

// The CPU as a device (cpu0), with its precision support and peak estimates.
device_info cpu_device(const cpu_info& cpu);

}  // namespace xpu
