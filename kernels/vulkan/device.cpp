// The Vulkan device: support rules, the dispatch to each operation, buffers; opening a device.
#include "kernels/vulkan/device.hpp"

#include <array>
#include <numeric>

#include <fmt/format.h>

namespace xpu {
namespace vulkan_backend {

texel_formats texel_formats_for(precision p) {
  switch (p) {
    case precision::fp16:
      return {VK_FORMAT_R16_SFLOAT, VK_FORMAT_R16G16B16A16_SFLOAT, VK_FORMAT_R16_SFLOAT, VK_FORMAT_R16G16B16A16_SFLOAT, VK_FORMAT_R16G16B16A16_SFLOAT, 2};
    case precision::int8:
      return {VK_FORMAT_R8_UINT, VK_FORMAT_R8G8B8A8_UINT, VK_FORMAT_R8_SINT, VK_FORMAT_R8G8B8A8_SINT, VK_FORMAT_R8G8B8A8_SINT, 1};
    default:
      return {VK_FORMAT_R32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, 4};
  }
}

std::uint32_t groups_for(std::uint64_t items, std::uint64_t per_group, std::uint32_t limit) {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>((items + per_group - 1) / per_group, 1, limit));
}

std::optional<support> vk_device::common_support(const problem& p) const {
  const vulkan_details& v = *m_info.vulkan;
  if (auto too_big = beyond_32bit_indexing(p)) return *too_big;
  if (p.kind() == kernel_kind::qgemm || p.kind() == kernel_kind::moe) return std::nullopt;  // blocks read from 32-bit words: no 8- or 16-bit storage needed
  const precision_support* ps = m_info.support_for(p.type);
  if (is_fp8(p.type)) return support{support_level::unsupported, fmt::format("xpubench has no fp8 kernels ({})", ps ? ps->reason : "no fp8"), {}};
  if (p.type == precision::bf16) return support{support_level::unsupported, ps ? ps->reason : "no bf16 in Vulkan 1.3 core", {}};
  if (p.type == precision::fp64 || p.type == precision::int32) return std::nullopt;  // the peak chains only (the operations' shared rule)
  if (p.type == precision::fp16 && !v.storage_16bit) return support{support_level::unsupported, "no storageBuffer16BitAccess on this device", {}};
  if (p.type == precision::int8 && (!v.storage_8bit || !v.shader_int8))
    return support{support_level::unsupported, "int8 needs shaderInt8 and storageBuffer8BitAccess; this device lacks one", {}};
  return std::nullopt;
}

const char* vk_device::storage(precision p) {
  return p == precision::fp16 ? "fp16 storage (16-bit storage), fp32 multiply-accumulate"
         : p == precision::int8 ? "u8 x s8 (8-bit storage), int32 multiply-accumulate"
                                : "float arithmetic";
}

// Our fp16 GEMM, conv and model-layer kernels multiply-accumulate in fp32 (exact products of fp16 inputs).
std::vector<std::pair<std::string, precision>> vk_device::fp32_math(precision p) {
  if (p == precision::fp16) return {{"xpubench", precision::fp32}};
  return {};
}

support vk_device::rows_support(const vk_device&, const problem& p) {
  return {support_level::native, p.type == precision::fp16 ? "fp16 storage (16-bit storage), fp32 arithmetic" : storage(p.type), {"xpubench"},
          fp32_math(p.type)};
}

result<void> vk_device::prepare_check(const problem&, const host_buffers& in) {
  std::uint64_t total = 0;
  for (const auto& b : in.inputs) total += b.bytes.size();
  for (const auto& h : m_info.vulkan->heaps)
    if (h.device_local && total > h.size_bytes)
      return fail(status::skipped, "the inputs ({} bytes) exceed the device-local heap ({} bytes)", total, h.size_bytes);
  return {};
}

// Uploads every input and allocates the output (`output_bytes`); the bindings are checked
// against maxStorageBufferRange first (kernels that split their arrays do not call this).
result<std::unique_ptr<vk_prepared>> vk_device::with_buffers(const host_buffers& in, std::size_t output_bytes, std::string impl, std::string notes) {
  for (const auto& b : in.inputs)
    if (b.bytes.size() > m_c->max_binding())
      return fail(status::skipped, "a {}-byte input exceeds maxStorageBufferRange ({} bytes)", b.bytes.size(), m_c->max_binding());
  if (output_bytes > m_c->max_binding())
    return fail(status::skipped, "the {}-byte output exceeds maxStorageBufferRange ({} bytes)", output_bytes, m_c->max_binding());
  auto p = std::make_unique<vk_prepared>(m_c, std::move(impl), std::move(notes));
  for (const auto& b : in.inputs) {
    auto buf = device_buffer(b.bytes.size());
    if (!buf) return std::unexpected(buf.error());
    if (auto r = upload(m_c, **buf, b.bytes); !r) return std::unexpected(r.error());
    p->add(std::move(*buf));
  }
  auto out = device_buffer(output_bytes);
  if (!out) return std::unexpected(out.error());
  p->output = &p->add(std::move(*out));
  return p;
}

std::optional<error> vk_device::group_count_error(std::uint64_t groups, std::string_view what) const {
  const std::uint32_t limit = m_c->props.limits.maxComputeWorkGroupCount[0];
  if (groups <= limit) return std::nullopt;
  return error{status::skipped, fmt::format("{} work-groups (one per {}) exceed this device's maxComputeWorkGroupCount[0] ({})", groups, what, limit)};
}

std::uint64_t vk_device::split_bytes() const {
  const auto& limits = m_c->props.limits;
  const std::uint64_t align = std::lcm(std::lcm<std::uint64_t>(std::max<std::uint64_t>(limits.minStorageBufferOffsetAlignment, 1), 16),
                                       std::max<std::uint64_t>(limits.minTexelBufferOffsetAlignment, 1));
  const std::uint64_t texel_limit = use_texels() ? std::uint64_t{limits.maxTexelBufferElements} * 4 : m_c->max_binding();  // RGBA8: 4 bytes a texel
  return std::min(m_c->max_binding(), texel_limit) / align * align;
}

}  // namespace vulkan_backend

using vulkan_backend::has;
using vulkan_backend::vk_device;
using namespace vk;

result<std::unique_ptr<device>> vulkan_device_open(const device_info& info, const vulkan_options& options) {
  if (!info.vulkan) return fail(status::invalid, "'{}' is not a Vulkan device", info.id);
  const vulkan_details& v = *info.vulkan;
  int wanted = -1;
  if (std::sscanf(info.id.c_str(), "vulkan%d", &wanted) != 1) return fail(status::invalid, "'{}' is not a Vulkan device id", info.id);
  unsigned major = 0, minor = 0;
  if (std::sscanf(v.api_version.c_str(), "%u.%u", &major, &minor) != 2 || (major == 1 && minor < 1))
    return fail(status::unsupported, "{} reports Vulkan {}; the shaders need Vulkan 1.1 (SPIR-V 1.3, subgroups)", info.id, v.api_version);
  const bool v12 = major > 1 || minor >= 2, v13 = major > 1 || minor >= 3;
  const auto& loaded = vulkan_api_load();
  if (!loaded) return std::unexpected(loaded.error());
  const vulkan_api& vk = *loaded;
  auto c = std::make_shared<context>();

  std::uint32_t loader_version = VK_API_VERSION_1_0;
  if (vk.enumerate_instance_version) vk.enumerate_instance_version(&loader_version);
  auto app = vk_struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "xpubench";
  app.apiVersion = std::min<std::uint32_t>(loader_version, VK_API_VERSION_1_3);
  std::vector<const char*> layers, extensions;
  if (options.validation) {
    auto enumerate = reinterpret_cast<PFN_vkEnumerateInstanceLayerProperties>(vk.get_instance_proc_addr(nullptr, "vkEnumerateInstanceLayerProperties"));
    std::uint32_t n = 0;
    if (enumerate) enumerate(&n, nullptr);
    std::vector<VkLayerProperties> found(n);
    if (enumerate && n) enumerate(&n, found.data());
    if (std::ranges::none_of(found, [](const VkLayerProperties& l) { return std::string_view(l.layerName) == "VK_LAYER_KHRONOS_validation"; }))
      return fail(status::unsupported, "validation requested, but VK_LAYER_KHRONOS_validation is not installed (Debian: apt-get install vulkan-validationlayers)");
    layers.push_back("VK_LAYER_KHRONOS_validation");
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  auto create = vk_struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  create.pApplicationInfo = &app;
  create.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  create.ppEnabledLayerNames = layers.data();
  create.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  create.ppEnabledExtensionNames = extensions.data();
  XPU_CHECK_VK(vk.create_instance(&create, nullptr, &c->instance));
#define XPU_VK_LOAD_INSTANCE(name)                                                                  \
  c->f.name = reinterpret_cast<PFN_##name>(vk.get_instance_proc_addr(c->instance, #name));        \
  if (!c->f.name) return fail(status::unsupported, "the Vulkan loader has no {}", #name);
  XPU_VK_INSTANCE_FNS(XPU_VK_LOAD_INSTANCE)
#undef XPU_VK_LOAD_INSTANCE
  if (options.validation) {
    c->f.vkCreateDebugUtilsMessengerEXT =
        reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(vk.get_instance_proc_addr(c->instance, "vkCreateDebugUtilsMessengerEXT"));
    c->f.vkDestroyDebugUtilsMessengerEXT =
        reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(vk.get_instance_proc_addr(c->instance, "vkDestroyDebugUtilsMessengerEXT"));
    if (!c->f.vkCreateDebugUtilsMessengerEXT || !c->f.vkDestroyDebugUtilsMessengerEXT)
      return fail(status::unsupported, "validation requested, but VK_EXT_debug_utils is missing");
    auto m = vk_struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
    m.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    m.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
    m.pfnUserCallback = on_validation_message;
    XPU_CHECK_VK(c->f.vkCreateDebugUtilsMessengerEXT(c->instance, &m, nullptr, &c->messenger));
  }

  std::uint32_t count = 0;
  XPU_CHECK_VK(c->f.vkEnumeratePhysicalDevices(c->instance, &count, nullptr));
  std::vector<VkPhysicalDevice> devices(count);
  if (count) XPU_CHECK_VK(c->f.vkEnumeratePhysicalDevices(c->instance, &count, devices.data()));
  if (wanted < 0 || static_cast<std::uint32_t>(wanted) >= count)
    return fail(status::failed, "Vulkan device {} is no longer listed by the loader ({} device(s))", info.id, count);
  c->physical = devices[static_cast<std::size_t>(wanted)];
  c->f.vkGetPhysicalDeviceProperties(c->physical, &c->props);
  if (info.name != c->props.deviceName)
    return fail(status::failed, "Vulkan device {} is now '{}', not '{}' as probed: run again", info.id, c->props.deviceName, info.name);
  c->f.vkGetPhysicalDeviceMemoryProperties(c->physical, &c->memory);
  c->binding_cap = options.max_binding_bytes;
  c->gpu_kernels = options.gpu_kernels;
  c->unified = c->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU || c->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
  std::uint32_t families = 0;
  c->f.vkGetPhysicalDeviceQueueFamilyProperties(c->physical, &families, nullptr);
  std::vector<VkQueueFamilyProperties> family(families);
  c->f.vkGetPhysicalDeviceQueueFamilyProperties(c->physical, &families, family.data());
  const auto compute = std::ranges::find_if(family, [](const VkQueueFamilyProperties& q) { return (q.queueFlags & VK_QUEUE_COMPUTE_BIT) != 0; });
  if (compute == family.end()) return fail(status::unsupported, "{} has no queue family with compute", info.id);
  c->queue_family = static_cast<std::uint32_t>(compute - family.begin());
  c->timestamp_bits = compute->timestampValidBits;

  // Features the shaders use, enabled only where the probe found them.
  void* chain = nullptr;
  auto link = [&chain](auto& s) {
    s.pNext = chain;
    chain = &s;
  };
  auto storage16 = vk_struct<VkPhysicalDevice16BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES);
  storage16.storageBuffer16BitAccess = v.storage_16bit;
  link(storage16);
  auto storage8 = vk_struct<VkPhysicalDevice8BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES);
  storage8.storageBuffer8BitAccess = v.storage_8bit;
  auto f16i8 = vk_struct<VkPhysicalDeviceShaderFloat16Int8Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES);
  f16i8.shaderFloat16 = v.shader_float16;
  f16i8.shaderInt8 = v.shader_int8;
  auto dot = vk_struct<VkPhysicalDeviceShaderIntegerDotProductFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES);
  dot.shaderIntegerDotProduct = v.integer_dot_product;
  auto coop_nv = vk_struct<VkPhysicalDeviceCooperativeMatrixFeaturesNV>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV);
  coop_nv.cooperativeMatrix = VK_TRUE;
  auto coop_khr = vk_struct<VkPhysicalDeviceCooperativeMatrixFeaturesKHR>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR);
  coop_khr.cooperativeMatrix = VK_TRUE;
  std::vector<const char*> device_extensions;
  auto want_extension = [&](const char* name, bool core) {
    if (core) return true;
    if (!has(v.extensions, name)) return false;
    device_extensions.push_back(name);
    return true;
  };
  if ((v.storage_8bit) && want_extension(VK_KHR_8BIT_STORAGE_EXTENSION_NAME, v12)) link(storage8);
  if ((v.shader_float16 || v.shader_int8) && want_extension(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME, v12)) link(f16i8);
  if (v.integer_dot_product && want_extension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME, v13)) link(dot);
  if (v.coop_matrix_nv && want_extension(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME, false)) link(coop_nv);
  if (v.coop_matrix_khr && want_extension(VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME, false)) link(coop_khr);

  const float priority = 1.0f;
  auto queue_info = vk_struct<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  queue_info.queueFamilyIndex = c->queue_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  auto device_info_vk = vk_struct<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  device_info_vk.pNext = chain;
  device_info_vk.queueCreateInfoCount = 1;
  device_info_vk.pQueueCreateInfos = &queue_info;
  VkPhysicalDeviceFeatures core{};
  core.shaderFloat64 = v.shader_float64;  // the fp64 peak
  device_info_vk.pEnabledFeatures = &core;
  device_info_vk.enabledExtensionCount = static_cast<std::uint32_t>(device_extensions.size());
  device_info_vk.ppEnabledExtensionNames = device_extensions.data();
  XPU_CHECK_VK(c->f.vkCreateDevice(c->physical, &device_info_vk, nullptr, &c->device));
#define XPU_VK_LOAD_DEVICE(name)                                                                          \
  c->f.name = reinterpret_cast<PFN_##name>(c->f.vkGetDeviceProcAddr(c->device, #name));                   \
  if (!c->f.name) return fail(status::unsupported, "the Vulkan driver has no {}", #name);
  XPU_VK_DEVICE_FNS(XPU_VK_LOAD_DEVICE)
#undef XPU_VK_LOAD_DEVICE
  c->f.vkGetDeviceQueue(c->device, c->queue_family, 0, &c->queue);
  auto pool = vk_struct<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool.queueFamilyIndex = c->queue_family;
  XPU_CHECK_VK(c->f.vkCreateCommandPool(c->device, &pool, nullptr, &c->pool));
  return std::unique_ptr<device>(std::make_unique<vk_device>(std::move(c), info));
}

}  // namespace xpu
