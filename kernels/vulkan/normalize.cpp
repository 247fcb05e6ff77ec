// Softmax, RMSNorm and LayerNorm on Vulkan (normalize.comp): one work-group per row.
#include "kernels/vulkan/device.hpp"
#include "ops/rows.hpp"

#include <array>
#include <bit>

#include <fmt/format.h>

namespace xpu::vulkan_backend {

result<std::unique_ptr<prepared>> vk_device::prepare_rows(const problem& pr, const host_buffers& in) {
  const std::uint32_t mode = pr.kind() == kernel_kind::layernorm ? 2 : pr.kind() == kernel_kind::rmsnorm ? 1 : 0;
  const auto [rows, cols] = ops::rows_and_cols(pr);
  if (auto too_many = group_count_error(static_cast<std::uint64_t>(rows), "rows")) return std::unexpected(*too_many);
  std::uint32_t wg = 256;
  while (wg > std::max<std::uint32_t>(1, m_info.vulkan->max_workgroup_invocations)) wg /= 2;
  const bool subgroups = has(m_info.vulkan->subgroup_operations, "arithmetic");
  auto pipe = m_c->pipeline_for(fmt::format("normalize_{}{}", to_string(pr.type), subgroups ? "_subgroup" : ""),
                                std::array<std::uint32_t, 2>{wg, mode}, "ssss", 8);
  if (!pipe) return std::unexpected(pipe.error());
  auto p = with_buffers(in, in.inputs[0].bytes.size(), "xpubench",
                        fmt::format("one work-group of {} per row; reductions with {}", wg, subgroups ? "subgroup arithmetic" : "a shared-memory tree"));
  if (!p) return std::unexpected(p.error());
  step s;
  s.pipe = *pipe;
  s.push[0] = static_cast<std::uint32_t>(cols);
  s.push[1] = std::bit_cast<std::uint32_t>(static_cast<float>(mode == 2 ? layernorm_eps : rmsnorm_eps));
  s.groups = {static_cast<std::uint32_t>(rows), 1, 1};
  (*p)->steps.push_back(s);
  // X, G, B, Y: softmax binds X in G's and B's place, RMSNorm G in B's
  std::vector<binding> bindings = whole(**p);
  while (bindings.size() < 4) {
    const binding again = bindings[bindings.size() - 2];
    bindings.insert(bindings.end() - 1, again);
  }
  if (auto r = (*p)->describe({{&(*p)->steps.back(), bindings}}); !r) return std::unexpected(r.error());
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(vk_device, softmax){
    kernel_kind::softmax, vk_device::rows_support,
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_rows(p, in); }};
XPU_OP_ROW(vk_device, rmsnorm){kernel_kind::rmsnorm, rows::softmax.supports, rows::softmax.prepare};
XPU_OP_ROW(vk_device, layernorm){kernel_kind::layernorm, rows::softmax.supports, rows::softmax.prepare};

}  // namespace xpu::vulkan_backend
