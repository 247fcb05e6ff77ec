#pragma once
// Everything the probe knows about a machine, as plain data (results/ and reporters/ read it and
// link no probing code: probe/machine.hpp probes). A missing driver, device or sensor is data (a
// backend_status or a power_source with its reason), never an error.
#include <string>
#include <vector>

#include "inventory/cpu.hpp"
#include "inventory/device.hpp"
#include "inventory/power.hpp"

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
  std::vector<device_info> devices;     // cpu0 first, then each device backend's in the registry's order
  power_inventory power;
  std::vector<backend_status> backends; // cpu, then every device backend (probe/registry.cpp)

  const device_info* find_device(std::string_view id) const;
};

}  // namespace xpu
