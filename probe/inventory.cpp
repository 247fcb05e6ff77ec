// probe_machine: the backends are independent, so OpenCL and Vulkan are probed on their own
// threads while this one reads the topology, the ISA and the sensors.
#include "probe/inventory.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "probe/backends.hpp"
#include "probe/peaks.hpp"

namespace xpu {
namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

template <class Fn>
backend_probe timed(Fn fn) {
  const auto start = clock_type::now();
  backend_probe p = fn();
  p.status.probe_ms = ms_since(start);
  return p;
}

host_info host_read(const std::filesystem::path& root) {
  host_info h;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) h.hostname = name;
  utsname u{};
  if (uname(&u) == 0) {
    h.kernel = fmt::format("{} {}", u.sysname, u.release);
    h.machine = u.machine;
  }
  std::ifstream in(root / "etc/os-release");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    h.os = line.substr(12);
    if (h.os.size() >= 2 && h.os.front() == '"' && h.os.back() == '"') h.os = h.os.substr(1, h.os.size() - 2);
  }
  return h;
}

std::string cpu_name(const cpu_info& cpu) {
  if (!cpu.topology.model.empty()) return cpu.topology.model;
  return cpu.topology.architecture.empty() ? "CPU" : cpu.topology.architecture + " CPU";
}

}  // namespace

const device_info* inventory::find_device(std::string_view id) const {
  auto it = std::ranges::find(devices, id, &device_info::id);
  return it == devices.end() ? nullptr : &*it;
}

device_info cpu_device(const cpu_info& cpu) {
  device_info d;
  d.id = "cpu0";
  d.backend = "cpu";
  d.name = cpu_name(cpu);
  d.vendor = cpu.topology.vendor;
  d.type = "cpu";
  d.precisions = cpu_precisions(cpu);
  return d;
}

result<inventory> probe_machine(const probe_options& options) {
  const auto start = clock_type::now();
  inventory inv;
  inv.probed_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));

  auto not_requested = [](const char* name) {
    backend_probe p;
    p.status = {name, false, "", "not probed (disabled by option)", 0};
    return p;
  };
  [[maybe_unused]] auto not_built = [](const char* name, const char* option) {
    backend_probe p;
    p.status = {name, false, "", fmt::format("not built into this xpubench: configure with -D{}=ON", option), 0};
    return p;
  };
  auto opencl = std::async(std::launch::async, [&] {
    if (!options.opencl) return not_requested("opencl");
#if XPU_WITH_OPENCL
    return timed(opencl_probe);
#else
    return not_built("opencl", "XPUBENCH_WITH_OPENCL");
#endif
  });
  auto vulkan = std::async(std::launch::async, [&] {
    if (!options.vulkan) return not_requested("vulkan");
#if XPU_WITH_VULKAN
    return timed(vulkan_probe);
#else
    return not_built("vulkan", "XPUBENCH_WITH_VULKAN");
#endif
  });

  const auto cpu_start = clock_type::now();
  auto topology = topology_load(options.topology_xml);
  if (!topology) return std::unexpected(topology.error());  // the futures join on destruction
  inv.cpu.topology = std::move(*topology);
  inv.cpu.memory = os_memory_read(options.root);
  inv.cpu.frequency = cpu_frequency_read(options.root);
  inv.cpu.isa = isa_detect();
  inv.host = host_read(options.root);
  inv.devices.push_back(cpu_device(inv.cpu));
  inv.backends.push_back({"cpu", true, topology_library_version(), inv.cpu.topology.source, ms_since(cpu_start)});
  inv.power = power_probe({options.root, options.nvml_library});

  const device_info host_cpu = inv.devices.front();
  for (auto* future : {&opencl, &vulkan}) {
    backend_probe p = future->get();
    for (device_info& d : p.devices) {
      d.precisions = d.backend == "opencl" ? opencl_precisions(d, &host_cpu) : vulkan_precisions(d, &host_cpu);
      inv.devices.push_back(std::move(d));
    }
    inv.backends.push_back(std::move(p.status));
  }
  inv.probe_ms = ms_since(start);
  return inv;
}

}  // namespace xpu
