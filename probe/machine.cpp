// probe_machine: the backends are independent, so each device backend is probed on its own
// thread while this one reads the topology, the ISA and the sensors.
#include "probe/machine.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "probe/peaks.hpp"
#include "probe/power.hpp"
#include "probe/registry.hpp"

namespace xpu {
namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

backend_probe timed(backend_probe (*fn)(const std::filesystem::path&), const std::filesystem::path& root) {
  const auto start = clock_type::now();
  backend_probe p = fn(root);
  p.status.probe_ms = ms_since(start);
  return p;
}

backend_probe without_devices(std::string_view name, std::string reason) {
  backend_probe p;
  p.status = {std::string(name), false, "", std::move(reason), 0, ""};
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

bool probe_options::probes(std::string_view backend) const { return std::ranges::find(skip, backend) == skip.end(); }

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

  // The topology first, before any other thread runs: a saved topology is checked in a forked
  // child (topology_load), and a child forked while another thread holds a lock (an allocator's)
  // can wait on it forever (seen under ASan with the backends probing side by side).
  const auto cpu_start = clock_type::now();
  auto topology = topology_load(options.topology_xml);
  if (!topology) return std::unexpected(topology.error());

  std::vector<std::future<backend_probe>> probing;
  for (const device_backend& b : device_backends())
    probing.push_back(std::async(std::launch::async, [&options, &b] {
      if (!options.probes(b.name)) return without_devices(b.name, "not probed (disabled by option)");
      if (!b.probe)
        return without_devices(b.name, b.missing_reason.empty() ? fmt::format("not built into this xpubench: configure with -D{}=ON", b.build_option)
                                                                : fmt::format("not built into this xpubench: {}", b.missing_reason));
      return timed(b.probe, options.root);
    }));

  inv.cpu.topology = std::move(*topology);
  inv.cpu.memory = os_memory_read(options.root);
  inv.cpu.frequency = cpu_frequency_read(options.root);
  inv.cpu.isa = isa_detect();
  inv.host = host_read(options.root);
  inv.devices.push_back(cpu_device(inv.cpu));
  inv.backends.push_back({"cpu", true, topology_library_version(), inv.cpu.topology.source, ms_since(cpu_start), ""});
  inv.power = power_probe({options.root, options.nvml_library});

  const device_info host_cpu = inv.devices.front();
  for (std::size_t i = 0; i < probing.size(); ++i) {
    backend_probe p = probing[i].get();
    for (device_info& d : p.devices) {
      if (device_backends()[i].precisions) d.precisions = device_backends()[i].precisions(d, &host_cpu);
      inv.devices.push_back(std::move(d));
    }
    inv.backends.push_back(std::move(p.status));
  }
  for (auto& s : inv.backends) s.title = backend_title(s.name);
  inv.probe_ms = ms_since(start);
  return inv;
}

}  // namespace xpu
