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

result<std::unique_ptr<buffer>> buffer::create(std::shared_ptr<context> c, std::size_t bytes, bool host_visible) {
  auto b = std::make_unique<buffer>(c);
  b->m_bytes = (std::max<std::size_t>(bytes, 16) + 15) / 16 * 16;  // whole vec4s: shaders may read the padding
  auto info = vk_struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  info.size = b->m_bytes;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  XPU_VK_TRY(c->f.vkCreateBuffer(c->device, &info, nullptr, &b->m_buffer));
  VkMemoryRequirements req{};
  c->f.vkGetBufferMemoryRequirements(c->device, b->m_buffer, &req);
  const VkMemoryPropertyFlags coherent = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  std::optional<std::uint32_t> type;
  if (host_visible) {
    type = c->memory_type(req.memoryTypeBits, coherent | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    if (!type) type = c->memory_type(req.memoryTypeBits, coherent);
  } else {
    if (c->unified) type = c->memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | coherent);
    if (!type) type = c->memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (!type) type = c->memory_type(req.memoryTypeBits, 0);
  }
  if (!type) return fail(status::unsupported, "no memory type for a {}{} buffer", bytes, host_visible ? "-byte host-visible" : "-byte");
  auto alloc = vk_struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = *type;
  XPU_VK_TRY(c->f.vkAllocateMemory(c->device, &alloc, nullptr, &b->m_memory));
  XPU_VK_TRY(c->f.vkBindBufferMemory(c->device, b->m_buffer, b->m_memory, 0));
  if (c->memory.memoryTypes[*type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
    XPU_VK_TRY(c->f.vkMapMemory(c->device, b->m_memory, 0, VK_WHOLE_SIZE, 0, &b->m_mapped));
  return b;
}

// Allocates the descriptor sets: one per dispatch, each binding the given buffer ranges.
result<void> vk_prepared::describe(std::vector<std::pair<step*, std::vector<binding>>> sets) {
  std::uint32_t storage = 0, texel = 0;
  for (const auto& [s, bs] : sets)
    for (const auto& b : bs) ++(b.texel ? texel : storage);
  const VkDescriptorPoolSize sizes[] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max<std::uint32_t>(storage, 1)},
                                        {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, std::max<std::uint32_t>(texel, 1)}};
  auto info = vk_struct<VkDescriptorPoolCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
  info.maxSets = static_cast<std::uint32_t>(std::max<std::size_t>(sets.size(), 1));
  info.poolSizeCount = 2;
  info.pPoolSizes = sizes;
  XPU_VK_TRY(m_c->f.vkCreateDescriptorPool(m_c->device, &info, nullptr, &m_sets));
  for (auto& [s, bindings] : sets) {
    auto alloc = vk_struct<VkDescriptorSetAllocateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
    alloc.descriptorPool = m_sets;
    alloc.descriptorSetCount = 1;
    alloc.pSetLayouts = &s->pipe->set_layout;
    XPU_VK_TRY(m_c->f.vkAllocateDescriptorSets(m_c->device, &alloc, &s->set));
    std::vector<VkDescriptorBufferInfo> infos(bindings.size());
    std::vector<VkWriteDescriptorSet> writes;
    for (std::uint32_t i = 0; i < bindings.size(); ++i) {
      const binding& b = bindings[i];
      auto w = vk_struct<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
      w.dstSet = s->set;
      w.dstBinding = i;
      w.descriptorCount = 1;
      if (b.texel) {
        auto view_info = vk_struct<VkBufferViewCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO);
        view_info.buffer = b.buf->get();
        view_info.format = b.texel;
        view_info.offset = b.offset;
        view_info.range = b.range;
        VkBufferView view = VK_NULL_HANDLE;
        XPU_VK_TRY(m_c->f.vkCreateBufferView(m_c->device, &view_info, nullptr, &view));
        m_views.push_back(view);
        w.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
        w.pTexelBufferView = &m_views.back();
      } else {
        infos[i] = {b.buf->get(), b.offset, b.range};
        w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w.pBufferInfo = &infos[i];
      }
      writes.push_back(w);
    }
    m_c->f.vkUpdateDescriptorSets(m_c->device, static_cast<std::uint32_t>(writes.size()), writes.data(), 0, nullptr);
  }
  return {};
}

result<double> vk_prepared::run_seconds(int launches) {
  const auto& f = m_c->f;
  if (!m_fence) {
    auto fence_info = vk_struct<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
    XPU_VK_TRY(f.vkCreateFence(m_c->device, &fence_info, nullptr, &m_fence));
    if (m_c->timestamp_bits) {
      auto q = vk_struct<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
      q.queryType = VK_QUERY_TYPE_TIMESTAMP;
      q.queryCount = 2;
      XPU_VK_TRY(f.vkCreateQueryPool(m_c->device, &q, nullptr, &m_queries));
    }
    auto info = vk_struct<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
    info.commandPool = m_c->pool;
    info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    info.commandBufferCount = 1;
    XPU_VK_TRY(f.vkAllocateCommandBuffers(m_c->device, &info, &m_cmd));
  }
  if (launches != m_recorded) {  // re-record only when the launch count changes
    XPU_VK_TRY(f.vkResetCommandBuffer(m_cmd, 0));
    auto begin = vk_struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
    XPU_VK_TRY(f.vkBeginCommandBuffer(m_cmd, &begin));
    if (m_queries) {
      f.vkCmdResetQueryPool(m_cmd, m_queries, 0, 2);
      f.vkCmdWriteTimestamp(m_cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, m_queries, 0);
    }
    for (int i = 0; i < launches; ++i)
      for (const step& s : steps) {
        if (s.pipe) {
          f.vkCmdBindPipeline(m_cmd, VK_PIPELINE_BIND_POINT_COMPUTE, s.pipe->handle);
          if (s.set) f.vkCmdBindDescriptorSets(m_cmd, VK_PIPELINE_BIND_POINT_COMPUTE, s.pipe->layout, 0, 1, &s.set, 0, nullptr);
          if (s.pipe->push_bytes) f.vkCmdPushConstants(m_cmd, s.pipe->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, s.pipe->push_bytes, s.push.data());
          f.vkCmdDispatch(m_cmd, s.groups[0], s.groups[1], s.groups[2]);
        } else {
          const VkBufferCopy region{0, 0, s.copy_bytes};
          f.vkCmdCopyBuffer(m_cmd, s.copy_src, s.copy_dst, 1, &region);
        }
        if (s.barrier_after) barrier(*m_c, m_cmd, any_work, any_access, any_work, any_access);
      }
    if (m_queries) f.vkCmdWriteTimestamp(m_cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, m_queries, 1);
    barrier(*m_c, m_cmd, any_work, any_access, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    XPU_VK_TRY(f.vkEndCommandBuffer(m_cmd));
    m_recorded = launches;
  }
  XPU_VK_TRY(f.vkResetFences(m_c->device, 1, &m_fence));
  auto submit = vk_struct<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &m_cmd;
  const auto start = std::chrono::steady_clock::now();
  XPU_VK_TRY(f.vkQueueSubmit(m_c->queue, 1, &submit, m_fence));
  XPU_VK_TRY(f.vkWaitForFences(m_c->device, 1, &m_fence, VK_TRUE, fence_timeout_ns));
  const double host_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!m_queries) return host_s;
  std::array<std::uint64_t, 2> t{};
  XPU_VK_TRY(f.vkGetQueryPoolResults(m_c->device, m_queries, 0, 2, sizeof t, t.data(), sizeof t[0],
                                     VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  const std::uint64_t mask = m_c->timestamp_bits >= 64 ? ~0ull : (1ull << m_c->timestamp_bits) - 1;
  const std::uint64_t ticks = (t[1] - t[0]) & mask;  // modular: a counter that wrapped once still gives the difference
  if (ticks == 0) return fail(status::failed, "timestamp queries give a zero duration for {} launch(es)", launches);
  return static_cast<double>(ticks) * static_cast<double>(m_c->props.limits.timestampPeriod) * 1e-9;
}

result<void> vk_prepared::read_back(host_buffers& out) {
  if (!output) return {};
  host_buffer& y = out.outputs.at(0);
  return download(m_c, *output, std::span(y.bytes.data(), y.bytes.size()));
}

result<void> copy_now(context& c, const buffer& from, const buffer& to, std::size_t bytes) {
  return submit_once(c, [&](VkCommandBuffer cmd) {
    const VkBufferCopy region{0, 0, bytes};
    c.f.vkCmdCopyBuffer(cmd, from.get(), to.get(), 1, &region);
    barrier(c, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  });
}

result<void> upload(const std::shared_ptr<context>& c, buffer& dst, std::span<const std::byte> bytes) {
  if (dst.mapped()) {
    std::memcpy(dst.mapped(), bytes.data(), bytes.size());
    return {};
  }
  auto staging = buffer::create(c, bytes.size(), true);
  if (!staging) return std::unexpected(staging.error());
  std::memcpy((*staging)->mapped(), bytes.data(), bytes.size());
  return copy_now(*c, **staging, dst, bytes.size());
}

result<void> download(const std::shared_ptr<context>& c, const buffer& src, std::span<std::byte> bytes) {
  if (src.mapped()) {
    std::memcpy(bytes.data(), src.mapped(), bytes.size());
    return {};
  }
  auto staging = buffer::create(c, bytes.size(), true);
  if (!staging) return std::unexpected(staging.error());
  if (auto copied = copy_now(*c, src, **staging, bytes.size()); !copied) return copied;
  std::memcpy(bytes.data(), (*staging)->mapped(), bytes.size());
  return {};
}

void barrier(const context& c, VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags src_access, VkPipelineStageFlags dst,
             VkAccessFlags dst_access) {
  auto b = vk_struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  b.srcAccessMask = src_access;
  b.dstAccessMask = dst_access;
  c.f.vkCmdPipelineBarrier(cmd, src, dst, 0, 1, &b, 0, nullptr, 0, nullptr);
}

}  // namespace vk

std::vector<std::string> vulkan_validation_messages() {
  std::lock_guard lock(vk::validation_mutex);
  return vk::validation_log;
}

}  // namespace xpu
