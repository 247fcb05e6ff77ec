#pragma once
// The Vulkan loader, opened at run time (never a link dependency). One per process.
#include "loaders/vulkan_compat.hpp"

#include <string>

#include "core/error.hpp"
#include "loaders/dynlib.hpp"

namespace xpu {

struct vulkan_api {
  dynlib library;
  PFN_vkGetInstanceProcAddr get_instance_proc_addr = nullptr;
  PFN_vkEnumerateInstanceVersion enumerate_instance_version = nullptr;  // null on a 1.0 loader
  PFN_vkCreateInstance create_instance = nullptr;
};

// A zeroed Vulkan structure with its sType set.
template <class S>
S vk_struct(VkStructureType type) {
  S s{};
  s.sType = type;
  return s;
}

// Loads libvulkan.so.1 (or $XPUBENCH_VULKAN_LIBRARY) once; later calls return the same result.
const result<vulkan_api>& vulkan_api_load();

// "VK_ERROR_INCOMPATIBLE_DRIVER (-9)"
std::string vulkan_result_name(VkResult code);

// 4206817 -> "1.3.230"
std::string vulkan_version_string(std::uint32_t version);

}  // namespace xpu

#define XPU_CHECK_VK(expr)                                                                        \
  do {                                                                                            \
    const VkResult xpu_vk_rc_ = (expr);                                                           \
    if (xpu_vk_rc_ != VK_SUCCESS)                                                                 \
      return ::xpu::fail(::xpu::status::failed, "{} failed: {}", #expr, ::xpu::vulkan_result_name(xpu_vk_rc_)); \
  } while (0)
