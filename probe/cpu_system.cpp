// Memory and frequency as the operating system reports them (procfs, sysfs). The root directory
// is a parameter so that tests run on fake trees.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "probe/cpu.hpp"
#include "probe/sysfs.hpp"

namespace xpu {

os_memory os_memory_read(const std::filesystem::path& root) {
  os_memory out;
  const auto path = root / "proc/meminfo";
  std::ifstream in(path);
  if (!in) {
    out.reason = fmt::format("cannot read {}", path.string());
    return out;
  }
  out.source = "/proc/meminfo";
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, unit;
    std::uint64_t value = 0;
    if (!(fields >> key >> value)) continue;
    fields >> unit;
    const std::uint64_t scale = unit == "kB" ? 1024 : 1;
    if (key == "MemTotal:") out.total_bytes = value * scale;
    if (key == "MemAvailable:") out.available_bytes = value * scale;
  }
  if (!out.total_bytes) out.reason = fmt::format("{} has no MemTotal line", path.string());
  else if (!out.available_bytes) out.reason = fmt::format("{} has no MemAvailable line (kernel older than 3.14)", path.string());
  return out;
}

cpu_frequency cpu_frequency_read(const std::filesystem::path& root) {
  cpu_frequency out;
  const auto cpufreq = root / "sys/devices/system/cpu/cpu0/cpufreq";
  auto khz_to_mhz = [](std::uint64_t khz) { return static_cast<double>(khz) / 1000.0; };
  std::vector<std::string> sources;
  if (auto v = sysfs_read_u64(cpufreq / "base_frequency")) out.base_mhz = khz_to_mhz(*v);
  if (auto v = sysfs_read_u64(cpufreq / "cpuinfo_max_freq")) out.max_mhz = khz_to_mhz(*v);
  if (auto v = sysfs_read_u64(cpufreq / "cpuinfo_min_freq")) out.min_mhz = khz_to_mhz(*v);
  if (auto v = sysfs_read_u64(cpufreq / "scaling_cur_freq")) out.current_mhz = khz_to_mhz(*v);
  if (out.base_mhz || out.max_mhz || out.min_mhz || out.current_mhz) sources.push_back("cpufreq");

  if (!out.current_mhz) {
    std::ifstream in(root / "proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("cpu MHz", 0) != 0) continue;
      if (auto colon = line.find(':'); colon != std::string::npos) {
        try {
          out.current_mhz = std::stod(line.substr(colon + 1));
          sources.push_back("/proc/cpuinfo");
        } catch (const std::exception&) {
        }
      }
      break;
    }
  }
  for (std::size_t i = 0; i < sources.size(); ++i) out.source += (i ? "+" : "") + sources[i];
  if (!out.base_mhz && !out.max_mhz)
    out.reason = fmt::format("no cpufreq driver ({} is missing): base and max frequency unknown, common in virtual machines",
                             cpufreq.string());
  return out;
}

}  // namespace xpu
