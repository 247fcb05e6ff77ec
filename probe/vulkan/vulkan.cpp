// Vulkan physical devices through the loader: properties, limits, memory, subgroups, the 8/16-bit
// features, integer dot product and cooperative-matrix shapes. An extension structure is chained
// only where the device's API version or its extension list says it is valid.
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "loaders/vulkan_api.hpp"
#include "probe/vulkan/vulkan.hpp"
#include "probe/pci_vendors.hpp"

namespace xpu {
namespace {

struct instance_fns {
  PFN_vkDestroyInstance destroy_instance = nullptr;
  PFN_vkEnumeratePhysicalDevices enumerate_physical_devices = nullptr;
  PFN_vkGetPhysicalDeviceProperties get_properties = nullptr;
  PFN_vkGetPhysicalDeviceProperties2 get_properties2 = nullptr;
  PFN_vkGetPhysicalDeviceFeatures get_features = nullptr;
  PFN_vkGetPhysicalDeviceFeatures2 get_features2 = nullptr;
  PFN_vkGetPhysicalDeviceMemoryProperties get_memory_properties = nullptr;
  PFN_vkGetPhysicalDeviceQueueFamilyProperties get_queue_families = nullptr;
  PFN_vkEnumerateDeviceExtensionProperties enumerate_extensions = nullptr;
  PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV coop_nv = nullptr;
  PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR coop_khr = nullptr;
};

template <class Fn>
void load(const vulkan_api& vk, VkInstance instance, Fn& fn, const char* name) {
  fn = reinterpret_cast<Fn>(vk.get_instance_proc_addr(instance, name));
}

std::string device_type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated_gpu";
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete_gpu";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual_gpu";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

std::string vendor_name(std::uint32_t id) {
  const std::string_view name = pci_vendor_name(id);
  return name.empty() ? fmt::format("0x{:04x}", id) : std::string(name);
}

// Driver versions are vendor-encoded (NVIDIA 10.8.8.6 bits); others use the API packing.
std::string driver_version_string(std::uint32_t vendor, std::uint32_t v) {
  if (vendor == 0x10DE)
    return fmt::format("{}.{}.{}.{}", (v >> 22) & 0x3ff, (v >> 14) & 0xff, (v >> 6) & 0xff, v & 0x3f);
  return vulkan_version_string(v);
}

std::string component_name(VkComponentTypeNV t) {
  static constexpr const char* names[] = {"float16", "float32", "float64", "sint8", "sint16", "sint32",
                                          "sint64",  "uint8",   "uint16",  "uint32", "uint64"};
  const auto i = static_cast<std::size_t>(t);
  return i < std::size(names) ? names[i] : fmt::format("type{}", i);
}

std::string scope_name(VkScopeNV s) {
  switch (static_cast<int>(s)) {
    case 1: return "device";
    case 2: return "workgroup";
    case 3: return "subgroup";
    case 5: return "queue_family";
    default: return fmt::format("scope{}", static_cast<int>(s));
  }
}

std::vector<std::string> subgroup_operation_names(VkSubgroupFeatureFlags f) {
  static constexpr std::pair<VkSubgroupFeatureFlagBits, const char*> bits[] = {
      {VK_SUBGROUP_FEATURE_BASIC_BIT, "basic"},       {VK_SUBGROUP_FEATURE_VOTE_BIT, "vote"},
      {VK_SUBGROUP_FEATURE_ARITHMETIC_BIT, "arithmetic"}, {VK_SUBGROUP_FEATURE_BALLOT_BIT, "ballot"},
      {VK_SUBGROUP_FEATURE_SHUFFLE_BIT, "shuffle"},   {VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT, "shuffle_relative"},
      {VK_SUBGROUP_FEATURE_CLUSTERED_BIT, "clustered"}, {VK_SUBGROUP_FEATURE_QUAD_BIT, "quad"}};
  std::vector<std::string> out;
  for (auto [bit, name] : bits)
    if (f & bit) out.emplace_back(name);
  return out;
}

bool has(const std::vector<std::string>& v, std::string_view x) { return std::ranges::find(v, x) != v.end(); }

// Appends s to the pNext chain whose last link is *tail.
template <class S>
void chain(void**& tail, S& s) {
  *tail = &s;
  tail = &s.pNext;
}

void read_coop_shapes(const instance_fns& f, VkPhysicalDevice pd, vulkan_details& v) {
  if (v.coop_matrix_nv && f.coop_nv) {
    std::uint32_t n = 0;
    if (f.coop_nv(pd, &n, nullptr) == VK_SUCCESS && n > 0) {
      std::vector props(n, vk_struct<VkCooperativeMatrixPropertiesNV>(VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV));
      if (f.coop_nv(pd, &n, props.data()) == VK_SUCCESS)
        for (const auto& p : props)
          v.coop_matrix_nv_shapes.push_back({p.MSize, p.NSize, p.KSize, component_name(p.AType), component_name(p.BType),
                                             component_name(p.CType), component_name(p.DType), scope_name(p.scope), false});
    }
  }
  if (v.coop_matrix_khr && f.coop_khr) {
    std::uint32_t n = 0;
    if (f.coop_khr(pd, &n, nullptr) == VK_SUCCESS && n > 0) {
      std::vector props(n, vk_struct<VkCooperativeMatrixPropertiesKHR>(VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR));
      if (f.coop_khr(pd, &n, props.data()) == VK_SUCCESS)
        for (const auto& p : props)
          v.coop_matrix_khr_shapes.push_back({p.MSize, p.NSize, p.KSize, component_name(p.AType), component_name(p.BType),
                                              component_name(p.CType), component_name(p.ResultType), scope_name(p.scope),
                                              p.saturatingAccumulation == VK_TRUE});
    }
  }
}

device_info describe(const instance_fns& f, VkPhysicalDevice pd, std::uint32_t instance_version) {
  device_info d;
  d.backend = "vulkan";
  vulkan_details v;

  VkPhysicalDeviceProperties base{};
  f.get_properties(pd, &base);
  const std::uint32_t api = std::min(base.apiVersion, instance_version);
  d.name = base.deviceName;
  d.type = device_type_name(base.deviceType);
  d.vendor = vendor_name(base.vendorID);
  d.driver_version = driver_version_string(base.vendorID, base.driverVersion);
  v.api_version = vulkan_version_string(base.apiVersion);
  v.vendor_id = base.vendorID;
  v.device_id = base.deviceID;
  const VkPhysicalDeviceLimits& lim = base.limits;
  for (int i = 0; i < 3; ++i) {
    v.max_workgroup_size[i] = lim.maxComputeWorkGroupSize[i];
    v.max_workgroup_count[i] = lim.maxComputeWorkGroupCount[i];
  }
  v.max_workgroup_invocations = lim.maxComputeWorkGroupInvocations;
  v.max_shared_memory_bytes = lim.maxComputeSharedMemorySize;
  v.max_storage_buffer_range = lim.maxStorageBufferRange;
  v.timestamp_period_ns = lim.timestampPeriod;

  std::uint32_t n = 0;
  if (f.enumerate_extensions(pd, nullptr, &n, nullptr) == VK_SUCCESS) {
    std::vector<VkExtensionProperties> exts(n);
    if (f.enumerate_extensions(pd, nullptr, &n, exts.data()) == VK_SUCCESS)
      for (const auto& e : exts) v.extensions.emplace_back(e.extensionName);
  }
  std::ranges::sort(v.extensions);
  v.coop_matrix_khr = has(v.extensions, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
  v.coop_matrix_nv = has(v.extensions, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  const bool dot_ext = has(v.extensions, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);

  VkPhysicalDeviceMemoryProperties mem{};
  f.get_memory_properties(pd, &mem);
  for (std::uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    v.heaps.push_back({mem.memoryHeaps[i].size, (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0});

  n = 0;
  f.get_queue_families(pd, &n, nullptr);
  std::vector<VkQueueFamilyProperties> families(n);
  f.get_queue_families(pd, &n, families.data());
  for (const auto& q : families) {
    if (!(q.queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (v.compute_queue_families++ == 0) v.timestamp_valid_bits = q.timestampValidBits;
  }

  VkPhysicalDeviceFeatures features{};
  f.get_features(pd, &features);
  v.shader_int16 = features.shaderInt16;
  v.shader_float64 = features.shaderFloat64;

  if (api < VK_API_VERSION_1_1 || !f.get_properties2 || !f.get_features2) {
    v.errors.push_back("Vulkan 1.0 device or loader: subgroup, 8/16-bit and dot-product queries skipped");
    d.vulkan = std::move(v);
    return d;
  }
  const bool v12 = api >= VK_API_VERSION_1_2, v13 = api >= VK_API_VERSION_1_3;

  auto props2 = vk_struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  void** tail = &props2.pNext;
  auto subgroup = vk_struct<VkPhysicalDeviceSubgroupProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES);
  chain(tail, subgroup);
  auto driver = vk_struct<VkPhysicalDeviceDriverProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES);
  if (v12 || has(v.extensions, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME)) chain(tail, driver);
  auto size_control = vk_struct<VkPhysicalDeviceSubgroupSizeControlProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES);
  if (v13 || has(v.extensions, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME)) chain(tail, size_control);
  auto dot_props = vk_struct<VkPhysicalDeviceShaderIntegerDotProductProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES);
  if (v13 || dot_ext) chain(tail, dot_props);
  auto pci = vk_struct<VkPhysicalDevicePCIBusInfoPropertiesEXT>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT);
  const bool has_pci = has(v.extensions, VK_EXT_PCI_BUS_INFO_EXTENSION_NAME);
  if (has_pci) chain(tail, pci);
  f.get_properties2(pd, &props2);
  if (has_pci)
    d.pci_bus_id = fmt::format("{:04x}:{:02x}:{:02x}.{:x}", pci.pciDomain, pci.pciBus, pci.pciDevice, pci.pciFunction);

  v.subgroup_size = subgroup.subgroupSize;
  v.subgroup_operations = subgroup_operation_names(subgroup.supportedOperations);
  v.driver_name = driver.driverName;
  v.driver_info = driver.driverInfo;
  v.min_subgroup_size = size_control.minSubgroupSize;
  v.max_subgroup_size = size_control.maxSubgroupSize;

  auto features2 = vk_struct<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
  tail = &features2.pNext;
  auto storage16 = vk_struct<VkPhysicalDevice16BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES);
  chain(tail, storage16);
  auto storage8 = vk_struct<VkPhysicalDevice8BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES);
  if (v12 || has(v.extensions, VK_KHR_8BIT_STORAGE_EXTENSION_NAME)) chain(tail, storage8);
  auto f16i8 = vk_struct<VkPhysicalDeviceShaderFloat16Int8Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES);
  if (v12 || has(v.extensions, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME)) chain(tail, f16i8);
  auto dot = vk_struct<VkPhysicalDeviceShaderIntegerDotProductFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES);
  if (v13 || dot_ext) chain(tail, dot);
  f.get_features2(pd, &features2);

  v.storage_16bit = storage16.storageBuffer16BitAccess;
  v.storage_8bit = storage8.storageBuffer8BitAccess;
  v.shader_float16 = f16i8.shaderFloat16;
  v.shader_int8 = f16i8.shaderInt8;
  v.integer_dot_product = dot.shaderIntegerDotProduct;
  v.integer_dot_product_8bit_accelerated = dot_props.integerDotProduct4x8BitPackedSignedAccelerated ||
                                           dot_props.integerDotProduct8BitSignedAccelerated;
  read_coop_shapes(f, pd, v);
  if (!driver.driverInfo[0] && !driver.driverName[0]) v.errors.push_back("no VkPhysicalDeviceDriverProperties (Vulkan < 1.2)");
  d.vulkan = std::move(v);
  return d;
}

}  // namespace

backend_probe vulkan_probe() {
  backend_probe out;
  out.status.name = "vulkan";
  const auto& api = vulkan_api_load();
  if (!api) {
    out.status.reason = api.error().message;
    return out;
  }
  const vulkan_api& vk = *api;
  std::uint32_t instance_version = VK_API_VERSION_1_0;
  if (vk.enumerate_instance_version) vk.enumerate_instance_version(&instance_version);
  out.status.version = fmt::format("{} (loader {})", vk.library.path(), vulkan_version_string(instance_version));
  const std::uint32_t wanted = std::min<std::uint32_t>(instance_version, VK_API_VERSION_1_3);

  auto app = vk_struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "xpubench";
  app.apiVersion = wanted;
  auto info = vk_struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  info.pApplicationInfo = &app;
  VkInstance instance = VK_NULL_HANDLE;
  const VkResult rc = vk.create_instance(&info, nullptr, &instance);
  if (rc != VK_SUCCESS) {
    out.status.reason = rc == VK_ERROR_INCOMPATIBLE_DRIVER
                            ? "the Vulkan loader found no driver (VK_ERROR_INCOMPATIBLE_DRIVER): install one "
                              "(Debian: mesa-vulkan-drivers, or the GPU vendor's driver)"
                            : fmt::format("vkCreateInstance failed: {}", vulkan_result_name(rc));
    return out;
  }

  instance_fns f;
  load(vk, instance, f.destroy_instance, "vkDestroyInstance");
  auto destroy = [&](VkInstance i) { f.destroy_instance(i, nullptr); };
  std::unique_ptr<std::remove_pointer_t<VkInstance>, decltype(destroy)> guard(instance, destroy);
  load(vk, instance, f.enumerate_physical_devices, "vkEnumeratePhysicalDevices");
  load(vk, instance, f.get_properties, "vkGetPhysicalDeviceProperties");
  load(vk, instance, f.get_features, "vkGetPhysicalDeviceFeatures");
  load(vk, instance, f.get_memory_properties, "vkGetPhysicalDeviceMemoryProperties");
  load(vk, instance, f.get_queue_families, "vkGetPhysicalDeviceQueueFamilyProperties");
  load(vk, instance, f.enumerate_extensions, "vkEnumerateDeviceExtensionProperties");
  if (wanted >= VK_API_VERSION_1_1) {
    load(vk, instance, f.get_properties2, "vkGetPhysicalDeviceProperties2");
    load(vk, instance, f.get_features2, "vkGetPhysicalDeviceFeatures2");
  }
  load(vk, instance, f.coop_nv, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
  load(vk, instance, f.coop_khr, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");

  std::uint32_t count = 0;
  VkResult erc = f.enumerate_physical_devices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  if (erc == VK_SUCCESS && count) erc = f.enumerate_physical_devices(instance, &count, devices.data());
  if (erc != VK_SUCCESS && erc != VK_INCOMPLETE) {
    out.status.reason = fmt::format("vkEnumeratePhysicalDevices failed: {}", vulkan_result_name(erc));
    return out;
  }
  devices.resize(count);
  for (VkPhysicalDevice pd : devices) {
    device_info d = describe(f, pd, wanted);
    d.id = fmt::format("vulkan{}", out.devices.size());
    out.devices.push_back(std::move(d));
  }
  out.status.available = !out.devices.empty();
  if (!out.status.available) out.status.reason = "the Vulkan loader lists no physical device";
  return out;
}

}  // namespace xpu
