// SiLU on Vulkan (silu.comp): a grid-stride loop over at most 65535 work-groups of 256.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "kernels/vulkan/device.hpp"

namespace xpu::vulkan_backend {

XPU_OP_ROW(vk_device, silu){
    kernel_kind::silu, vk_device::rows_support,
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) -> result<std::unique_ptr<prepared>> {
      const std::uint64_t n = in.inputs[0].count();
      std::uint32_t wg = 256;
      while (wg > std::max<std::uint32_t>(1, d.info().vulkan->max_workgroup_invocations)) wg /= 2;
      const std::uint32_t groups = groups_for(n, wg, std::min<std::uint32_t>(65535, d.runtime().props.limits.maxComputeWorkGroupCount[0]));
      auto pipe = d.runtime().pipeline_for(fmt::format("silu_{}", to_string(p.type)), std::array<std::uint32_t, 1>{wg}, "ss", 4);
      if (!pipe) return std::unexpected(pipe.error());
      auto ready = d.with_buffers(in, in.inputs[0].bytes.size(), "xpubench", fmt::format("{} work-groups of {}, one element per invocation step", groups, wg));
      if (!ready) return std::unexpected(ready.error());
      step s;
      s.pipe = *pipe;
      s.push[0] = static_cast<std::uint32_t>(n);
      s.groups = {groups, 1, 1};
      (*ready)->steps.push_back(s);
      if (auto r = (*ready)->describe({{&(*ready)->steps.back(), vk_device::whole(**ready)}}); !r) return std::unexpected(r.error());
      return std::unique_ptr<prepared>(std::move(*ready));
    }};

}  // namespace xpu::vulkan_backend
