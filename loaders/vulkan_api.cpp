#include "loaders/vulkan_api.hpp"

#include <fmt/format.h>

namespace xpu {

const result<vulkan_api>& vulkan_api_load() {
  static const result<vulkan_api> api = []() -> result<vulkan_api> {
    auto lib = dynlib::open("libvulkan.so.1", "XPUBENCH_VULKAN_LIBRARY");
    if (!lib) return fail(status::unsupported, "no Vulkan loader: {}", lib.error().message);
    vulkan_api a{std::move(*lib)};
    a.get_instance_proc_addr = a.library.symbol<PFN_vkGetInstanceProcAddr>("vkGetInstanceProcAddr");
    if (!a.get_instance_proc_addr)
      return fail(status::unsupported, "{} has no vkGetInstanceProcAddr", a.library.path());
    a.enumerate_instance_version = reinterpret_cast<PFN_vkEnumerateInstanceVersion>(
        a.get_instance_proc_addr(nullptr, "vkEnumerateInstanceVersion"));
    a.create_instance = reinterpret_cast<PFN_vkCreateInstance>(a.get_instance_proc_addr(nullptr, "vkCreateInstance"));
    if (!a.create_instance) return fail(status::unsupported, "{} has no vkCreateInstance", a.library.path());
    return a;
  }();
  return api;
}

std::string vulkan_result_name(VkResult code) {
  const char* name = "unknown VkResult";
  switch (code) {
    case VK_SUCCESS: name = "VK_SUCCESS"; break;
    case VK_NOT_READY: name = "VK_NOT_READY"; break;
    case VK_TIMEOUT: name = "VK_TIMEOUT"; break;
    case VK_INCOMPLETE: name = "VK_INCOMPLETE"; break;
    case VK_ERROR_OUT_OF_HOST_MEMORY: name = "VK_ERROR_OUT_OF_HOST_MEMORY"; break;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: name = "VK_ERROR_OUT_OF_DEVICE_MEMORY"; break;
    case VK_ERROR_INITIALIZATION_FAILED: name = "VK_ERROR_INITIALIZATION_FAILED"; break;
    case VK_ERROR_DEVICE_LOST: name = "VK_ERROR_DEVICE_LOST"; break;
    case VK_ERROR_MEMORY_MAP_FAILED: name = "VK_ERROR_MEMORY_MAP_FAILED"; break;
    case VK_ERROR_LAYER_NOT_PRESENT: name = "VK_ERROR_LAYER_NOT_PRESENT"; break;
    case VK_ERROR_EXTENSION_NOT_PRESENT: name = "VK_ERROR_EXTENSION_NOT_PRESENT"; break;
    case VK_ERROR_FEATURE_NOT_PRESENT: name = "VK_ERROR_FEATURE_NOT_PRESENT"; break;
    case VK_ERROR_INCOMPATIBLE_DRIVER: name = "VK_ERROR_INCOMPATIBLE_DRIVER"; break;
    case VK_ERROR_TOO_MANY_OBJECTS: name = "VK_ERROR_TOO_MANY_OBJECTS"; break;
    case VK_ERROR_FORMAT_NOT_SUPPORTED: name = "VK_ERROR_FORMAT_NOT_SUPPORTED"; break;
    case VK_ERROR_FRAGMENTED_POOL: name = "VK_ERROR_FRAGMENTED_POOL"; break;
    case VK_ERROR_UNKNOWN: name = "VK_ERROR_UNKNOWN"; break;
    case VK_ERROR_OUT_OF_POOL_MEMORY: name = "VK_ERROR_OUT_OF_POOL_MEMORY"; break;
    default: break;
  }
  return fmt::format("{} ({})", name, static_cast<int>(code));
}

std::string vulkan_version_string(std::uint32_t v) {
  return fmt::format("{}.{}.{}", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
}

}  // namespace xpu
