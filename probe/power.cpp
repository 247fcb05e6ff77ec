#include "probe/power.hpp"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "loaders/nvml_api.hpp"
#include "probe/sysfs.hpp"

namespace xpu {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  std::ranges::sort(out);
  return out;
}

std::string rapl_covers(const std::string& name) {
  if (name.rfind("package-", 0) == 0) return "cpu package " + name.substr(8);
  if (name == "core") return "cpu cores";
  if (name == "uncore") return "uncore (integrated gpu)";
  if (name == "dram") return "dram";
  if (name == "psys") return "platform";
  return name;
}

// Tries to read a counter once: a sensor is readable only if a read succeeds now.
void check_readable(power_sensor& s, const fs::path& file, std::string_view hint) {
  auto value = sysfs_parse_u64(file);
  s.readable = value.has_value();
  if (!value) {
    s.reason = value.error().message;
    if (s.reason.find("permission denied") != std::string::npos && !hint.empty()) s.reason += fmt::format(" ({})", hint);
  }
}

void summarize(power_source& src, const std::vector<power_sensor>& sensors, std::size_t first) {
  std::size_t total = 0, readable = 0;
  for (std::size_t i = first; i < sensors.size(); ++i) {
    ++total;
    readable += sensors[i].readable;
  }
  src.available = readable > 0;
  if (total > 0 && readable == 0)
    src.reason = fmt::format("{} sensor(s) found, none readable: {}", total, sensors[first].reason);
}

}  // namespace

power_source rapl_probe(const fs::path& powercap, std::vector<power_sensor>& out) {
  power_source src{"rapl", false, ""};
  const std::size_t first = out.size();
  static const std::regex zone(R"((intel-rapl|amd-rapl)(-mmio)?(:\d+)+)");
  for (const fs::path& dir : sorted_entries(powercap)) {
    const std::string base = dir.filename().string();
    if (!std::regex_match(base, zone)) continue;
    power_sensor s;
    s.id = "rapl:" + base;
    s.source = "rapl";
    s.kind = "energy";
    s.unit = "uJ";
    s.name = sysfs_read_line(dir / "name").value_or(base);
    s.path = (dir / "energy_uj").string();
    s.covers = rapl_covers(s.name);
    s.max_energy_range_uj = sysfs_read_u64(dir / "max_energy_range_uj");
    check_readable(s, dir / "energy_uj",
                   "RAPL energy counters are root-only since Linux 5.10 (CVE-2020-8694): run as root, or grant read "
                   "access with `sudo chmod o+r /sys/class/powercap/*/energy_uj`");
    out.push_back(std::move(s));
  }
  if (out.size() == first) {
    std::error_code ec;
    src.reason = fs::exists(powercap, ec)
                     ? fmt::format("{} has no RAPL zones (no intel_rapl/amd RAPL driver loaded, or not exposed by the hypervisor)",
                                   powercap.string())
                     : fmt::format("{} does not exist (kernel without powercap, or a virtual machine)", powercap.string());
    return src;
  }
  summarize(src, out, first);
  return src;
}

power_source hwmon_probe(const fs::path& hwmon, std::vector<power_sensor>& out) {
  power_source src{"hwmon", false, ""};
  const std::size_t first = out.size();
  static const std::regex input(R"((energy|power)(\d+)_(input|average))");
  bool any_chip = false;
  for (const fs::path& chip : sorted_entries(hwmon)) {
    any_chip = true;
    const std::string driver = sysfs_read_line(chip / "name").value_or(chip.filename().string());
    std::string covers;
    std::error_code ec;
    const fs::path device = fs::canonical(chip / "device", ec);
    static const std::regex pci(R"([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])");
    if (!ec && std::regex_match(device.filename().string(), pci)) covers = "pci " + device.filename().string();
    else if (driver == "amd_energy" || driver == "zenpower" || driver == "intel_rapl" || driver == "k10temp") covers = "cpu";
    for (const fs::path& file : sorted_entries(chip)) {
      std::smatch m;
      const std::string base = file.filename().string();
      if (!std::regex_match(base, m, input)) continue;
      power_sensor s;
      s.id = fmt::format("hwmon:{}:{}", driver, base);
      s.source = "hwmon";
      s.kind = m[1].str();
      s.unit = s.kind == "energy" ? "uJ" : "uW";
      const std::string label = sysfs_read_line(chip / fmt::format("{}{}_label", m[1].str(), m[2].str())).value_or("");
      s.name = label.empty() ? fmt::format("{} {}{}", driver, m[1].str(), m[2].str()) : fmt::format("{} {}", driver, label);
      s.path = file.string();
      s.covers = covers.empty() ? driver : covers;
      check_readable(s, file, "hwmon energy/power files may be root-only: run as root or adjust their mode");
      out.push_back(std::move(s));
    }
  }
  if (out.size() == first) {
    src.reason = any_chip ? fmt::format("no hwmon driver under {} exposes energy or power inputs", hwmon.string())
                          : fmt::format("{} lists no hwmon device", hwmon.string());
    return src;
  }
  summarize(src, out, first);
  return src;
}

power_source nvml_probe(const std::string& library, std::vector<power_sensor>& out) {
  power_source src{"nvml", false, ""};
  const auto& api = nvml_api_load(library);
  if (!api) {
    src.reason = api.error().message;
    return src;
  }
  const nvml_api& nv = *api;
  unsigned count = 0;
  if (const int rc = nv.device_count(&count); rc != 0) src.reason = fmt::format("nvmlDeviceGetCount_v2 failed with NVML error {}", rc);
  const std::size_t first = out.size();
  for (unsigned i = 0; i < count; ++i) {
    nvml_api::device dev = nullptr;
    if (nv.device_by_index(i, &dev) != 0) continue;
    power_sensor s;
    s.id = fmt::format("nvml:{}", i);
    s.source = "nvml";
    s.path = fmt::format("nvml device {}", i);
    char name[96] = {};
    s.name = nv.device_name && nv.device_name(dev, name, sizeof name) == 0 ? name : fmt::format("NVIDIA GPU {}", i);
    nvml_api::pci_info pci{};
    if (nv.device_pci && nv.device_pci(dev, &pci) == 0) {
      std::string bus = pci.bus_id;
      std::ranges::transform(bus, bus.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      // NVML writes an 8-digit domain ("00000000:01:00.0"); sysfs and OpenCL/Vulkan use 4.
      if (bus.size() == 16) bus = bus.substr(4);
      s.covers = "pci " + bus;
    }
    unsigned long long mj = 0;
    unsigned mw = 0;
    if (nv.total_energy_mj && nv.total_energy_mj(dev, &mj) == 0) {
      s.kind = "energy", s.unit = "mJ", s.readable = true;
    } else if (nv.power_mw && nv.power_mw(dev, &mw) == 0) {
      s.kind = "power", s.unit = "mW", s.readable = true;
    } else {
      s.kind = "energy", s.unit = "mJ";
      s.reason = "nvmlDeviceGetTotalEnergyConsumption and nvmlDeviceGetPowerUsage both failed (not supported on this GPU?)";
    }
    out.push_back(std::move(s));
  }
  if (out.size() == first && src.reason.empty()) src.reason = "NVML lists no GPU";
  if (out.size() > first) summarize(src, out, first);
  return src;
}

power_inventory power_probe(const power_probe_options& options) {
  power_inventory inv;
  inv.sources.push_back(rapl_probe(options.root / "sys/class/powercap", inv.sensors));
  inv.sources.push_back(hwmon_probe(options.root / "sys/class/hwmon", inv.sensors));
  inv.sources.push_back(nvml_probe(options.nvml_library, inv.sensors));
  return inv;
}

}  // namespace xpu
