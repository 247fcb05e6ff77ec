#pragma once
// Probing this machine: the CPU (topology, ISA, memory, frequencies), every device backend of the
// registry (probe/registry.cpp) and the power sensors, into an inventory.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inventory/inventory.hpp"

namespace xpu {

struct probe_options {
  std::optional<std::filesystem::path> topology_xml;  // probe a saved topology instead of the live one
  std::filesystem::path root = "/";                   // procfs and sysfs root (tests use fake trees)
  std::vector<std::string> skip;                      // device backends not probed (their status says so)
  std::string nvml_library = "libnvidia-ml.so.1";

  bool probes(std::string_view backend) const;
};

// Fails only on bad input (an unreadable topology file); every backend problem is data.
result<inventory> probe_machine(const probe_options& options);

// The CPU as a device (cpu0), with its precision support and peak estimates.
device_info cpu_device(const cpu_info& cpu);

}  // namespace xpu
