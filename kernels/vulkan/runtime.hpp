#pragma once
// The Vulkan backend's runtime, shared by its files: entry points, the per-device context (device,
// queue, pipelines), buffers, one-time submissions, and the prepared problem that records
// dispatches between two timestamps. Internal to kernels/vulkan (namespace xpu::vk).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kernels/backend.hpp"
#include "loaders/vulkan_api.hpp"

namespace xpu::vk {

// Entry points, loaded through vkGetInstanceProcAddr / vkGetDeviceProcAddr.
#define XPU_VK_INSTANCE_FNS(X)                                                                              \
  X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties)                      \
  X(vkGetPhysicalDeviceMemoryProperties) X(vkGetPhysicalDeviceQueueFamilyProperties) X(vkCreateDevice)     \
  X(vkGetPhysicalDeviceFormatProperties)                                                                   \
  X(vkGetDeviceProcAddr)
#define XPU_VK_DEVICE_FNS(X)                                                                                \
  X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkCreateBuffer) X(vkDestroyBuffer)                              \
  X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory) X(vkMapMemory) \
  X(vkUnmapMemory) X(vkCreateShaderModule) X(vkDestroyShaderModule) X(vkCreateDescriptorSetLayout)         \
  X(vkDestroyDescriptorSetLayout) X(vkCreatePipelineLayout) X(vkDestroyPipelineLayout)                     \
  X(vkCreateComputePipelines) X(vkDestroyPipeline) X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool)    \
  X(vkAllocateDescriptorSets) X(vkUpdateDescriptorSets) X(vkCreateCommandPool) X(vkDestroyCommandPool)     \
  X(vkAllocateCommandBuffers) X(vkFreeCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer)        \
  X(vkResetCommandBuffer) X(vkCmdBindPipeline) X(vkCmdBindDescriptorSets) X(vkCmdPushConstants)            \
  X(vkCmdDispatch) X(vkCmdPipelineBarrier) X(vkCmdWriteTimestamp) X(vkCmdResetQueryPool) X(vkCmdCopyBuffer) \
  X(vkCmdFillBuffer) X(vkCreateQueryPool) X(vkDestroyQueryPool) X(vkGetQueryPoolResults) X(vkCreateFence)   \
  X(vkDestroyFence) X(vkCreateBufferView) X(vkDestroyBufferView) X(vkWaitForFences) X(vkResetFences) X(vkQueueSubmit) X(vkDeviceWaitIdle)

#define XPU_VK_DECLARE(name) PFN_##name name = nullptr;
struct vk_fns {
  XPU_VK_INSTANCE_FNS(XPU_VK_DECLARE)
  XPU_VK_DEVICE_FNS(XPU_VK_DECLARE)
  PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT = nullptr;
  PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT = nullptr;
};
#undef XPU_VK_DECLARE

inline constexpr std::uint64_t fence_timeout_ns = 600'000'000'000;  // 10 minutes: a hung device is an error, not a hang

// Out-of-memory and a lost device skip the workload (the run goes on); anything else fails it.
inline status status_of(VkResult rc) {
  return rc == VK_ERROR_OUT_OF_DEVICE_MEMORY || rc == VK_ERROR_OUT_OF_HOST_MEMORY || rc == VK_ERROR_DEVICE_LOST ? status::skipped
                                                                                                                 : status::failed;
}

#define XPU_VK_TRY(expr)                                                                                  \
  do {                                                                                                    \
    const VkResult xpu_rc_ = (expr);                                                                      \
    if (xpu_rc_ != VK_SUCCESS) return ::xpu::fail(status_of(xpu_rc_), "{} failed: {}", #expr, vulkan_result_name(xpu_rc_)); \
  } while (0)

// A compute pipeline and its layouts, built once per shader variant and specialization.
struct pipeline {
  VkShaderModule module = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline handle = VK_NULL_HANDLE;
  std::uint32_t push_bytes = 0;

  void destroy(const vk_fns& f, VkDevice device) const {
    if (handle) f.vkDestroyPipeline(device, handle, nullptr);
    if (layout) f.vkDestroyPipelineLayout(device, layout, nullptr);
    if (set_layout) f.vkDestroyDescriptorSetLayout(device, set_layout, nullptr);
    if (module) f.vkDestroyShaderModule(device, module, nullptr);
  }
};

// Everything a device and its prepared problems share; the last owner destroys it.
struct context {
  vk_fns f;
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  std::uint32_t queue_family = 0;
  std::uint32_t timestamp_bits = 0;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props{};
  VkPhysicalDeviceMemoryProperties memory{};
  bool unified = false;  // CPU or integrated device: storage buffers live in host-visible memory
  std::uint64_t binding_cap = 0;  // vulkan_options::max_binding_bytes
  bool gpu_kernels = false;       // vulkan_options::gpu_kernels
  std::map<std::string, pipeline> pipelines;

  context() = default;
  context(const context&) = delete;
  context& operator=(const context&) = delete;
  ~context() {
    if (device) {
      f.vkDeviceWaitIdle(device);
      for (const auto& [key, p] : pipelines) p.destroy(f, device);
      if (pool) f.vkDestroyCommandPool(device, pool, nullptr);
      f.vkDestroyDevice(device, nullptr);
    }
    if (messenger) f.vkDestroyDebugUtilsMessengerEXT(instance, messenger, nullptr);
    if (instance) f.vkDestroyInstance(instance, nullptr);
  }

  // Whether `format` can back a uniform texel buffer on this device.
  bool texel_ok(VkFormat format) const {
    VkFormatProperties fp{};
    f.vkGetPhysicalDeviceFormatProperties(physical, format, &fp);
    return (fp.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT) != 0;
  }

  std::uint64_t max_binding() const {
    const std::uint64_t range = props.limits.maxStorageBufferRange;
    return binding_cap ? std::min(binding_cap, range) : range;
  }

  // A memory type with all of `want`; the first listed wins (drivers list the best first).
  std::optional<std::uint32_t> memory_type(std::uint32_t allowed, VkMemoryPropertyFlags want) const {
    for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i)
      if ((allowed & (1u << i)) && (memory.memoryTypes[i].propertyFlags & want) == want) return i;
    return std::nullopt;
  }

  // `kinds`: one letter per binding, 's' storage buffer, 't' uniform texel buffer.
  result<const pipeline*> pipeline_for(std::string_view shader, std::span<const std::uint32_t> spec, std::string_view kinds,
                                       std::uint32_t push_bytes);
};

// One buffer and its own allocation; host-visible buffers stay mapped.
class buffer {
 public:
  buffer(std::shared_ptr<context> c) : m_c(std::move(c)) {}
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  ~buffer() {
    if (m_mapped) m_c->f.vkUnmapMemory(m_c->device, m_memory);
    if (m_buffer) m_c->f.vkDestroyBuffer(m_c->device, m_buffer, nullptr);
    if (m_memory) m_c->f.vkFreeMemory(m_c->device, m_memory, nullptr);
  }

  static result<std::unique_ptr<buffer>> create(std::shared_ptr<context> c, std::size_t bytes, bool host_visible);

  VkBuffer get() const { return m_buffer; }
  std::size_t bytes() const { return m_bytes; }
  std::byte* mapped() const { return static_cast<std::byte*>(m_mapped); }

 private:
  std::shared_ptr<context> m_c;
  VkBuffer m_buffer = VK_NULL_HANDLE;
  VkDeviceMemory m_memory = VK_NULL_HANDLE;
  std::size_t m_bytes = 0;
  void* m_mapped = nullptr;
};

// A one-time command buffer: records with `fill`, submits, waits.
template <class Fill>
result<void> submit_once(context& c, Fill fill) {
  auto info = vk_struct<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
  info.commandPool = c.pool;
  info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  info.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  XPU_VK_TRY(c.f.vkAllocateCommandBuffers(c.device, &info, &cmd));
  auto done = [&](void*) { c.f.vkFreeCommandBuffers(c.device, c.pool, 1, &cmd); };
  std::unique_ptr<void, decltype(done)> guard(&cmd, done);
  auto begin = vk_struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  XPU_VK_TRY(c.f.vkBeginCommandBuffer(cmd, &begin));
  fill(cmd);
  XPU_VK_TRY(c.f.vkEndCommandBuffer(cmd));
  auto fence_info = vk_struct<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
  VkFence fence = VK_NULL_HANDLE;
  XPU_VK_TRY(c.f.vkCreateFence(c.device, &fence_info, nullptr, &fence));
  auto submit = vk_struct<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  VkResult rc = c.f.vkQueueSubmit(c.queue, 1, &submit, fence);
  if (rc == VK_SUCCESS) rc = c.f.vkWaitForFences(c.device, 1, &fence, VK_TRUE, fence_timeout_ns);
  c.f.vkDestroyFence(c.device, fence, nullptr);
  if (rc != VK_SUCCESS) return fail(status_of(rc), "vkQueueSubmit/vkWaitForFences failed: {}", vulkan_result_name(rc));
  return {};
}

void barrier(const context& c, VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags src_access, VkPipelineStageFlags dst,
             VkAccessFlags dst_access);

inline constexpr VkPipelineStageFlags any_work = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
inline constexpr VkAccessFlags any_access = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;

// Copies `bytes` from one buffer to another now (a one-time submission), visible to host reads after.
result<void> copy_now(context& c, const buffer& from, const buffer& to, std::size_t bytes);

// Copies host bytes into a buffer: directly where it is mapped, through a staging buffer otherwise.
result<void> upload(const std::shared_ptr<context>& c, buffer& dst, std::span<const std::byte> bytes);

result<void> download(const std::shared_ptr<context>& c, const buffer& src, std::span<std::byte> bytes);


// One command of a prepared problem: a dispatch (pipeline, descriptor set, push constants,
// group counts) or a buffer copy.
struct step {
  const pipeline* pipe = nullptr;
  VkDescriptorSet set = VK_NULL_HANDLE;
  std::array<std::uint32_t, 16> push{};
  std::array<std::uint32_t, 3> groups{1, 1, 1};
  VkBuffer copy_src = VK_NULL_HANDLE, copy_dst = VK_NULL_HANDLE;
  VkDeviceSize copy_bytes = 0;
  bool barrier_after = true;  // false only where a step touches no memory (the empty dispatch)
};

// A binding of part of a buffer: the whole of it, or one range of a split.
struct binding {
  const buffer* buf = nullptr;
  VkDeviceSize offset = 0, range = VK_WHOLE_SIZE;
  VkFormat texel = VK_FORMAT_UNDEFINED;  // set: bound as a uniform texel buffer of this format
};

// A prepared problem: buffers, descriptor sets, and the steps one launch records. A launch's
// steps are separated by a compute/transfer barrier; the launches of one run_seconds() call go
// into one command buffer between two timestamps.
class vk_prepared final : public prepared {
 public:
  vk_prepared(std::shared_ptr<context> c, std::string impl, std::string notes) : m_c(std::move(c)), m_impl(std::move(impl)), m_notes(std::move(notes)) {}
  vk_prepared(const vk_prepared&) = delete;
  vk_prepared& operator=(const vk_prepared&) = delete;
  ~vk_prepared() override {
    const auto& f = m_c->f;
    if (m_cmd) f.vkFreeCommandBuffers(m_c->device, m_c->pool, 1, &m_cmd);
    if (m_fence) f.vkDestroyFence(m_c->device, m_fence, nullptr);
    if (m_queries) f.vkDestroyQueryPool(m_c->device, m_queries, nullptr);
    if (m_sets) f.vkDestroyDescriptorPool(m_c->device, m_sets, nullptr);
    for (VkBufferView v : m_views) f.vkDestroyBufferView(m_c->device, v, nullptr);
  }

  std::string_view implementation() const override { return m_impl; }
  std::string notes() const override { return m_notes; }

  buffer& add(std::unique_ptr<buffer> b) {
    buffers.push_back(std::move(b));
    return *buffers.back();
  }

  // Allocates the descriptor sets: one per dispatch, each binding the given buffer ranges.
  result<void> describe(std::vector<std::pair<step*, std::vector<binding>>> sets);

  result<double> run_seconds(int launches) override;

  result<void> read_back(host_buffers& out) override;

  std::vector<std::unique_ptr<buffer>> buffers;
  std::vector<step> steps;
  const buffer* output = nullptr;

 private:
  std::shared_ptr<context> m_c;
  std::string m_impl, m_notes;
  VkDescriptorPool m_sets = VK_NULL_HANDLE;
  std::deque<VkBufferView> m_views;  // stable addresses: the descriptor writes point at them
  VkQueryPool m_queries = VK_NULL_HANDLE;
  VkFence m_fence = VK_NULL_HANDLE;
  VkCommandBuffer m_cmd = VK_NULL_HANDLE;
  int m_recorded = -1;
};

// Records what the validation layer reports (devices opened with vulkan_options::validation).
VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
                                                     const VkDebugUtilsMessengerCallbackDataEXT* data, void*);

}  // namespace xpu::vk
