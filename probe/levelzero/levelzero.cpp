// Level Zero devices (Intel GPUs and NPUs through oneAPI's loader): probed only, through the
// loader opened at run time (libze_loader.so.1 or $XPUBENCH_LEVEL_ZERO_LIBRARY); a missing loader
// or driver is the backend's status. Details travel as facts (probe/device.hpp).
#include <level_zero/ze_api.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/checked.hpp"
#include "core/units.hpp"
#include "loaders/dynlib.hpp"
#include "probe/levelzero/levelzero.hpp"
#include "probe/pci_vendors.hpp"

namespace xpu {
namespace {

struct level_zero_api {
  dynlib library;
  decltype(&::zeInit) init = nullptr;
  decltype(&::zeDriverGet) driver_get = nullptr;
  decltype(&::zeDriverGetApiVersion) driver_api_version = nullptr;
  decltype(&::zeDriverGetProperties) driver_properties = nullptr;
  decltype(&::zeDeviceGet) device_get = nullptr;
  decltype(&::zeDeviceGetProperties) device_properties = nullptr;
  decltype(&::zeDeviceGetComputeProperties) compute_properties = nullptr;
  decltype(&::zeDeviceGetModuleProperties) module_properties = nullptr;
  decltype(&::zeDeviceGetMemoryProperties) memory_properties = nullptr;
};

result<level_zero_api> api_load() {
  auto lib = dynlib::open("libze_loader.so.1", "XPUBENCH_LEVEL_ZERO_LIBRARY");
  if (!lib) return fail(status::unsupported, "no Level Zero loader (Debian: libze1): {}", lib.error().message);
  level_zero_api a{std::move(*lib)};
#define XPU_ZE_LOAD(field, name) a.field = a.library.symbol<decltype(a.field)>(#name)
  XPU_ZE_LOAD(init, zeInit);
  XPU_ZE_LOAD(driver_get, zeDriverGet);
  XPU_ZE_LOAD(driver_api_version, zeDriverGetApiVersion);
  XPU_ZE_LOAD(driver_properties, zeDriverGetProperties);
  XPU_ZE_LOAD(device_get, zeDeviceGet);
  XPU_ZE_LOAD(device_properties, zeDeviceGetProperties);
  XPU_ZE_LOAD(compute_properties, zeDeviceGetComputeProperties);
  XPU_ZE_LOAD(module_properties, zeDeviceGetModuleProperties);
  XPU_ZE_LOAD(memory_properties, zeDeviceGetMemoryProperties);
#undef XPU_ZE_LOAD
  if (!a.init || !a.driver_get || !a.device_get || !a.device_properties)
    return fail(status::unsupported, "{} lacks the Level Zero 1.0 driver/device query functions", a.library.path());
  return a;
}

std::string result_name(ze_result_t r) {
  switch (r) {
    case ZE_RESULT_SUCCESS: return "ZE_RESULT_SUCCESS";
    case ZE_RESULT_ERROR_UNINITIALIZED: return "ZE_RESULT_ERROR_UNINITIALIZED";
    case ZE_RESULT_ERROR_DEVICE_LOST: return "ZE_RESULT_ERROR_DEVICE_LOST";
    case ZE_RESULT_ERROR_OUT_OF_HOST_MEMORY: return "ZE_RESULT_ERROR_OUT_OF_HOST_MEMORY";
    case ZE_RESULT_ERROR_INSUFFICIENT_PERMISSIONS: return "ZE_RESULT_ERROR_INSUFFICIENT_PERMISSIONS";
    case ZE_RESULT_ERROR_UNSUPPORTED_VERSION: return "ZE_RESULT_ERROR_UNSUPPORTED_VERSION";
    case ZE_RESULT_ERROR_INVALID_ARGUMENT: return "ZE_RESULT_ERROR_INVALID_ARGUMENT";
    default: return fmt::format("ze_result_t 0x{:x}", static_cast<unsigned>(r));
  }
}

std::string_view type_name(ze_device_type_t t, bool integrated) {
  switch (t) {
    case ZE_DEVICE_TYPE_GPU: return integrated ? "integrated_gpu" : "discrete_gpu";
    case ZE_DEVICE_TYPE_CPU: return "cpu";
    case ZE_DEVICE_TYPE_VPU: return "accelerator";  // Intel's NPU reports itself as a VPU
    case ZE_DEVICE_TYPE_FPGA:
    case ZE_DEVICE_TYPE_MCA: return "accelerator";
    default: return "other";
  }
}

std::string_view type_word(ze_device_type_t t) {
  switch (t) {
    case ZE_DEVICE_TYPE_GPU: return "GPU";
    case ZE_DEVICE_TYPE_CPU: return "CPU";
    case ZE_DEVICE_TYPE_VPU: return "VPU/NPU";
    case ZE_DEVICE_TYPE_FPGA: return "FPGA";
    case ZE_DEVICE_TYPE_MCA: return "memory copy accelerator";
    default: return "other";
  }
}


// Sizes a driver reports are range-checked: a count beyond this is a driver bug, not a device.
constexpr std::uint32_t max_listed = 256;

device_info device_read(const level_zero_api& a, ze_device_handle_t dev, std::uint32_t index, const std::string& driver_version) {
  device_info d;
  d.id = fmt::format("levelzero{}", index);
  d.backend = "levelzero";
  d.driver_version = driver_version;
  ze_device_properties_t p{};
  p.stype = ZE_STRUCTURE_TYPE_DEVICE_PROPERTIES;
  if (const ze_result_t r = a.device_properties(dev, &p); r != ZE_RESULT_SUCCESS) {
    d.name = "Level Zero device";
    d.type = "other";
    d.facts.push_back({"error", fmt::format("zeDeviceGetProperties failed: {}", result_name(r))});
    return d;
  }
  d.name = std::string(p.name, strnlen(p.name, sizeof p.name));
  const std::string_view vendor = pci_vendor_name(p.vendorId);
  d.vendor = vendor.empty() ? fmt::format("0x{:04x}", p.vendorId) : std::string(vendor);
  d.type = type_name(p.type, (p.flags & ZE_DEVICE_PROPERTY_FLAG_INTEGRATED) != 0);
  d.facts.push_back({"device type", std::string(type_word(p.type))});
  d.facts.push_back({"PCI ids", fmt::format("0x{:04x}:0x{:04x}", p.vendorId, p.deviceId)});
  if (p.coreClockRate) d.facts.push_back({"core clock", fmt::format("{} MHz", p.coreClockRate)});
  if (p.numSlices) {  // three 32-bit factors: the product fits 96 bits, checked into 64
    const auto eus = checked_product({p.numSlices, p.numSubslicesPerSlice, p.numEUsPerSubslice});
    if (eus) d.facts.push_back({"execution units", fmt::format("{} ({} slices x {} sub-slices x {} EUs, SIMD {}, {} threads/EU)", *eus, p.numSlices,
                                                      p.numSubslicesPerSlice, p.numEUsPerSubslice, p.physicalEUSimdWidth, p.numThreadsPerEU)});
  }
  d.facts.push_back({"max allocation", format_bytes(p.maxMemAllocSize)});
  if (a.memory_properties) {
    std::uint32_t n = 0;
    if (a.memory_properties(dev, &n, nullptr) == ZE_RESULT_SUCCESS && n > 0 && n <= max_listed) {
      std::vector<ze_device_memory_properties_t> mem(n);
      for (auto& m : mem) m.stype = ZE_STRUCTURE_TYPE_DEVICE_MEMORY_PROPERTIES;
      if (a.memory_properties(dev, &n, mem.data()) == ZE_RESULT_SUCCESS) {
        std::optional<std::int64_t> total = 0;
        for (std::uint32_t i = 0; i < std::min<std::uint32_t>(n, static_cast<std::uint32_t>(mem.size())); ++i)
          total = total && mem[i].totalSize <= INT64_MAX ? checked_add(*total, static_cast<std::int64_t>(mem[i].totalSize)) : std::nullopt;
        d.facts.push_back({"memory", total ? format_bytes(static_cast<std::uint64_t>(*total)) : std::string("not plausible (the driver's sizes overflow 64 bits)")});
      }
    }
  }
  if (a.compute_properties) {
    ze_device_compute_properties_t c{};
    c.stype = ZE_STRUCTURE_TYPE_DEVICE_COMPUTE_PROPERTIES;
    if (a.compute_properties(dev, &c) == ZE_RESULT_SUCCESS)
      d.facts.push_back({"work-group", fmt::format("max {} work-items, {} shared local memory", c.maxTotalGroupSize, format_bytes(c.maxSharedLocalMemory))});
  }
  if (a.module_properties) {
    ze_device_module_properties_t m{};
    m.stype = ZE_STRUCTURE_TYPE_DEVICE_MODULE_PROPERTIES;
    if (a.module_properties(dev, &m) == ZE_RESULT_SUCCESS) {
      if (m.flags & ZE_DEVICE_MODULE_FLAG_FP16) d.extensions.emplace_back("fp16");
      if (m.flags & ZE_DEVICE_MODULE_FLAG_FP64) d.extensions.emplace_back("fp64");
      if (m.flags & ZE_DEVICE_MODULE_FLAG_DP4A) d.extensions.emplace_back("dp4a");
      if (m.flags & ZE_DEVICE_MODULE_FLAG_INT64_ATOMICS) d.extensions.emplace_back("int64_atomics");
      d.facts.push_back({"SPIR-V", fmt::format("{}.{}", ZE_MAJOR_VERSION(m.spirvVersionSupported), ZE_MINOR_VERSION(m.spirvVersionSupported))});
    }
  }
  d.facts.push_back({"measured", "no: xpubench has no Level Zero kernels yet (the device is listed, not benchmarked)"});
  return d;
}

}  // namespace

backend_probe levelzero_probe() {
  backend_probe out;
  out.status.name = "levelzero";
  auto api = api_load();
  if (!api) {
    out.status.reason = api.error().message;
    return out;
  }
  const level_zero_api& a = *api;
  if (const ze_result_t r = a.init(0); r != ZE_RESULT_SUCCESS) {
    out.status.reason = fmt::format("zeInit failed: {} (the loader {} found no Level Zero driver: Intel's compute runtime or NPU driver provides one)",
                                    result_name(r), a.library.path());
    return out;
  }
  std::uint32_t n = 0;
  if (const ze_result_t r = a.driver_get(&n, nullptr); r != ZE_RESULT_SUCCESS || n == 0 || n > max_listed) {
    out.status.reason = r != ZE_RESULT_SUCCESS ? fmt::format("zeDriverGet failed: {}", result_name(r))
                                               : fmt::format("the loader lists {} drivers (xpubench reads 1 to {})", n, max_listed);
    return out;
  }
  std::vector<ze_driver_handle_t> drivers(n);
  if (const ze_result_t r = a.driver_get(&n, drivers.data()); r != ZE_RESULT_SUCCESS) {
    out.status.reason = fmt::format("zeDriverGet failed: {}", result_name(r));
    return out;
  }
  drivers.resize(std::min<std::size_t>(n, drivers.size()));
  std::uint32_t index = 0;
  for (ze_driver_handle_t driver : drivers) {
    std::string version;
    if (a.driver_properties) {
      ze_driver_properties_t p{};
      p.stype = ZE_STRUCTURE_TYPE_DRIVER_PROPERTIES;
      if (a.driver_properties(driver, &p) == ZE_RESULT_SUCCESS) version = std::to_string(p.driverVersion);
    }
    if (a.driver_api_version && out.status.version.empty()) {
      ze_api_version_t v{};
      if (a.driver_api_version(driver, &v) == ZE_RESULT_SUCCESS)
        out.status.version = fmt::format("Level Zero {}.{}", ZE_MAJOR_VERSION(v), ZE_MINOR_VERSION(v));
    }
    std::uint32_t count = 0;
    if (a.device_get(driver, &count, nullptr) != ZE_RESULT_SUCCESS || count == 0 || count > max_listed) continue;
    std::vector<ze_device_handle_t> devices(count);
    if (a.device_get(driver, &count, devices.data()) != ZE_RESULT_SUCCESS) continue;
    devices.resize(std::min<std::size_t>(count, devices.size()));
    for (ze_device_handle_t dev : devices) out.devices.push_back(device_read(a, dev, index++, version));
  }
  out.status.available = !out.devices.empty();
  if (out.devices.empty()) out.status.reason = "the Level Zero drivers list no device";
  return out;
}

}  // namespace xpu
