#include "kernels/vulkan/runtime.hpp"

#include <mutex>

#include "kernels/vulkan/vulkan_device.hpp"

namespace xpu {

std::span<const embedded_spirv> vulkan_spirv_table();  // generated from kernels/vulkan/shaders (cmake/spirv.cmake)

namespace vk {
namespace {

std::mutex validation_mutex;
std::vector<std::string> validation_log;

}  // namespace

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
                                                     const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
  const char* level = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning";
  std::lock_guard lock(validation_mutex);
  validation_log.push_back(fmt::format("{}: {}", level, data && data->pMessage ? data->pMessage : "(no message)"));
  return VK_FALSE;
}

result<const pipeline*> context::pipeline_for(std::string_view shader, std::span<const std::uint32_t> spec, std::string_view kinds,
                                              std::uint32_t push_bytes) {
  std::string key = fmt::format("{}/{}", shader, kinds);
  for (auto v : spec) key += fmt::format(":{}", v);
  if (auto it = pipelines.find(key); it != pipelines.end()) return &it->second;
  const embedded_spirv* code = nullptr;
  for (const auto& e : vulkan_spirv_table())
    if (e.name == shader) code = &e;
  if (!code) return fail(status::unsupported, "shader '{}' is not built into this binary", shader);

  pipeline p;
  const auto bindings = static_cast<std::uint32_t>(kinds.size());
  p.push_bytes = push_bytes;
  auto built = [&]() -> result<void> {
    auto module_info = vk_struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    module_info.codeSize = code->words.size_bytes();
    module_info.pCode = code->words.data();
    XPU_VK_TRY(f.vkCreateShaderModule(device, &module_info, nullptr, &p.module));
    std::vector<VkDescriptorSetLayoutBinding> slots(bindings);
    for (std::uint32_t i = 0; i < bindings; ++i)
      slots[i] = {i, kinds[i] == 't' ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    auto set_info = vk_struct<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
    set_info.bindingCount = bindings;
    set_info.pBindings = slots.data();
    XPU_VK_TRY(f.vkCreateDescriptorSetLayout(device, &set_info, nullptr, &p.set_layout));
    const VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
    auto layout_info = vk_struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
    layout_info.setLayoutCount = 1;
    layout_info.pSetLayouts = &p.set_layout;
    layout_info.pushConstantRangeCount = push_bytes ? 1 : 0;
    layout_info.pPushConstantRanges = &range;
    XPU_VK_TRY(f.vkCreatePipelineLayout(device, &layout_info, nullptr, &p.layout));
    std::vector<VkSpecializationMapEntry> entries(spec.size());
    for (std::uint32_t i = 0; i < spec.size(); ++i) entries[i] = {i, i * 4, 4};
    VkSpecializationInfo spec_info{static_cast<std::uint32_t>(entries.size()), entries.data(), spec.size_bytes(), spec.data()};
    auto info = vk_struct<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
    info.stage = vk_struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = p.module;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = &spec_info;
    info.layout = p.layout;
    const VkResult rc = f.vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &info, nullptr, &p.handle);
    if (rc != VK_SUCCESS)
      return fail(rc == VK_ERROR_OUT_OF_HOST_MEMORY || rc == VK_ERROR_OUT_OF_DEVICE_MEMORY ? status::skipped : status::unsupported,
                  "the driver could not build pipeline {}: vkCreateComputePipelines returned {}", key, vulkan_result_name(rc));
    return {};
  }();
  if (!built) {
    p.destroy(f, device);
    return std::unexpected(built.error());
  }
  return &pipelines.emplace(key, p).first->second;
}

}  // namespace vk

std::vector<std::string> vulkan_validation_messages() {
  std::lock_guard lock(vk::validation_mutex);
  return vk::validation_log;
}

}  // namespace xpu
