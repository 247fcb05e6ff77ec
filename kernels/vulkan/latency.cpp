// Launch latency on Vulkan: empty dispatches (bandwidth.comp -DEMPTY) of one invocation, back to back.
#include "kernels/vulkan/device.hpp"

#include <array>

namespace xpu::vulkan_backend {

result<std::unique_ptr<prepared>> vk_device::prepare_latency() {
  auto pipe = m_c->pipeline_for("empty", std::array<std::uint32_t, 1>{1}, "", 0);
  if (!pipe) return std::unexpected(pipe.error());
  auto p = std::make_unique<vk_prepared>(m_c, "xpubench", "empty dispatches of one invocation back to back (no barrier); device time between timestamps");
  step s;
  s.pipe = *pipe;
  s.barrier_after = false;  // it touches no memory; a barrier would double the time between dispatches on lavapipe
  p->steps.push_back(s);
  return std::unique_ptr<prepared>(std::move(p));
}

XPU_OP_ROW(vk_device, latency){
    kernel_kind::latency, [](const vk_device&, const problem&) { return support{support_level::native, "an empty dispatch", {"xpubench"}}; },
    [](vk_device& d, const problem&, const host_buffers&, std::string_view) { return d.prepare_latency(); }};

}  // namespace xpu::vulkan_backend
