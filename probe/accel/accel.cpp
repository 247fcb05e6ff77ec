#include "probe/accel/accel.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "probe/pci_vendors.hpp"
#include "probe/sysfs.hpp"

namespace xpu {
namespace {

namespace fs = std::filesystem;

struct known_driver {
  std::string_view driver, vendor, name;
};
// What each upstream accel driver drives (drivers/accel in the kernel tree).
constexpr known_driver known[] = {
    {"intel_vpu", "Intel", "Intel NPU"},
    {"amdxdna", "AMD", "AMD XDNA NPU"},
    {"qaic", "Qualcomm", "Qualcomm Cloud AI 100"},
    {"habanalabs", "Intel Habana", "Habana Gaudi"},
    {"ethosu", "Arm", "Arm Ethos-U NPU"},
    {"rocket", "Rockchip", "Rockchip NPU"},
};

// The vendor of a sysfs vendor file's text ("0x8086"); empty when unknown or not a number.
std::string_view vendor_of_pci(const std::string& id) {
  if (!id.starts_with("0x") || id.size() > 6 || id.size() < 3) return {};
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(id.data() + 2, id.data() + id.size(), value, 16);
  return ec == std::errc{} && end == id.data() + id.size() ? pci_vendor_name(value) : std::string_view{};
}

// The number in "accel12"; -1 for a name that is not accelN.
int accel_index(const std::string& name) {
  if (!name.starts_with("accel") || name.size() == 5 || name.size() > 9) return -1;
  int n = 0;
  for (char c : name.substr(5)) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

device_info accel_device(const fs::path& root, const fs::path& entry, int index) {
  device_info d;
  d.id = fmt::format("accel{}", index);
  d.backend = "accel";
  d.type = "accelerator";
  std::error_code ec;
  const fs::path dev = entry / "device";
  const fs::path driver_link = fs::read_symlink(dev / "driver", ec);
  const std::string driver = ec ? "" : driver_link.filename().string();
  const auto* k = std::ranges::find_if(known, [&](const known_driver& x) { return x.driver == driver; });
  const bool is_known = k != std::end(known);
  const auto vendor_id = sysfs_read_line(dev / "vendor");
  const auto device_id = sysfs_read_line(dev / "device");
  d.name = is_known ? std::string(k->name) : driver.empty() ? "accelerator" : fmt::format("{} accelerator", driver);
  d.vendor = is_known ? std::string(k->vendor) : vendor_id ? std::string(vendor_of_pci(*vendor_id)) : "";
  d.facts.push_back({"driver", driver.empty() ? "unknown (no driver link)" : driver});
  if (vendor_id && device_id) d.facts.push_back({"PCI ids", fmt::format("{}:{}", *vendor_id, *device_id)});
  const fs::path target = fs::canonical(dev, ec);
  if (!ec && target.filename().string().find(':') != std::string::npos && fs::exists(target / "vendor", ec)) d.pci_bus_id = target.filename().string();
  if (auto numa = sysfs_read_line(dev / "numa_node"); numa && *numa != "-1") d.facts.push_back({"NUMA node", *numa});
  if (auto v = sysfs_read_line(dev / "driver" / "module" / "version")) d.driver_version = *v;
  const fs::path node = root / "dev/accel" / entry.filename();
  if (!fs::exists(node, ec)) d.facts.push_back({"device node", fmt::format("/dev/accel/{} is missing", entry.filename().string())});
  else
    d.facts.push_back({"device node", ::access(node.c_str(), R_OK | W_OK) == 0
                                          ? fmt::format("/dev/accel/{} (read-write)", entry.filename().string())
                                          : fmt::format("/dev/accel/{} (no permission: add the user to the device's group, often 'render')",
                                                        entry.filename().string())});
  d.facts.push_back({"measured", "no: the accel interface has no common compute API (each driver has its own user-space runtime)"});
  return d;
}

}  // namespace

backend_probe accel_probe_at(const fs::path& root) {
  backend_probe out;
  out.status.name = "accel";
  const fs::path cls = root / "sys/class/accel";
  std::error_code ec;
  if (!fs::is_directory(cls, ec)) {
    out.status.reason = "no /sys/class/accel: this kernel has no compute-accelerator device (the accel subsystem needs Linux 6.2+ and an NPU driver)";
    return out;
  }
  std::vector<std::pair<int, fs::path>> entries;
  for (fs::directory_iterator it(cls, ec), end; !ec && it != end; it.increment(ec))  // increment(ec): never throws
    if (const int i = accel_index(it->path().filename().string()); i >= 0) entries.emplace_back(i, it->path());
  if (ec) {
    out.status.reason = fmt::format("cannot list {}: {}", cls.string(), ec.message());
    return out;
  }
  std::ranges::sort(entries);
  for (const auto& [i, path] : entries) out.devices.push_back(accel_device(root, path, i));
  out.status.available = !out.devices.empty();
  if (out.devices.empty()) out.status.reason = "/sys/class/accel lists no device";
  else out.status.version = "Linux accel subsystem";
  return out;
}

}  // namespace xpu
