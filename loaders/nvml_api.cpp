#include "loaders/nvml_api.hpp"

#include <map>
#include <mutex>

#include <fmt/format.h>

namespace xpu {

const result<nvml_api>& nvml_api_load(const std::string& library) {
  static std::mutex lock;
  static std::map<std::string, result<nvml_api>> loaded;
  std::lock_guard guard(lock);
  if (auto it = loaded.find(library); it != loaded.end()) return it->second;
  auto make = [&]() -> result<nvml_api> {
    auto lib = dynlib::open(library, "XPUBENCH_NVML_LIBRARY");
    if (!lib) return fail(status::unsupported, "NVML not available ({}): no NVIDIA driver on this machine", lib.error().message);
    nvml_api a{std::move(*lib)};
    a.init = a.library.symbol<decltype(a.init)>("nvmlInit_v2");
    a.shutdown = a.library.symbol<decltype(a.shutdown)>("nvmlShutdown");
    a.device_count = a.library.symbol<decltype(a.device_count)>("nvmlDeviceGetCount_v2");
    a.device_by_index = a.library.symbol<decltype(a.device_by_index)>("nvmlDeviceGetHandleByIndex_v2");
    a.device_name = a.library.symbol<decltype(a.device_name)>("nvmlDeviceGetName");
    a.device_pci = a.library.symbol<decltype(a.device_pci)>("nvmlDeviceGetPciInfo_v3");
    a.total_energy_mj = a.library.symbol<decltype(a.total_energy_mj)>("nvmlDeviceGetTotalEnergyConsumption");
    a.power_mw = a.library.symbol<decltype(a.power_mw)>("nvmlDeviceGetPowerUsage");
    if (!a.init || !a.shutdown || !a.device_count || !a.device_by_index)
      return fail(status::unsupported, "{} lacks nvmlInit_v2/nvmlDeviceGetCount_v2/nvmlDeviceGetHandleByIndex_v2", a.library.path());
    if (const int rc = a.init(); rc != 0)
      return fail(status::unsupported, "nvmlInit_v2 failed with NVML error {} (driver not loaded, or no permission)", rc);
    return a;
  };
  return loaded.emplace(library, make()).first->second;
}

}  // namespace xpu
