// Reductions on Vulkan (reduction.comp): two passes, subgroup arithmetic and texel reads where they help.
#include "kernels/vulkan/device.hpp"

#include <array>
#include <numeric>

#include <fmt/format.h>

namespace xpu {
namespace vulkan_backend {

result<std::unique_ptr<prepared>> vk_device::prepare_reduction(precision type, reduce_op op, const host_buffer& x) {
  constexpr std::uint32_t wg = 256;
  const bool subgroups = has(m_info.vulkan->subgroup_operations, "arithmetic");
  const VkFormat x4 = texel_formats_for(type).x4;
  const bool texel = use_texels() && m_c->texel_ok(x4);
  const std::string shader = fmt::format("reduce_{}{}{}", to_string(type), subgroups ? "_subgroup" : "", texel ? "_texel" : "");
  const char* kinds = texel ? "tss" : "sss";
  const bool is_max = op == reduce_op::max;
  auto first = m_c->pipeline_for(shader, std::array<std::uint32_t, 3>{wg, 0, is_max}, kinds, 8);
  auto second = m_c->pipeline_for(shader, std::array<std::uint32_t, 3>{wg, 1, is_max}, kinds, 8);
  if (!first) return std::unexpected(first.error());
  if (!second) return std::unexpected(second.error());
  const std::size_t elem = x.bytes.size() / std::max<std::size_t>(x.count(), 1);
  const std::uint64_t chunk_bytes = split_bytes();
  const std::uint64_t per_chunk = chunk_bytes / elem;
  const std::uint64_t n = x.count(), chunks = (n + per_chunk - 1) / per_chunk;
  auto p = std::make_unique<vk_prepared>(
      m_c, "xpubench",
      fmt::format("two stages: {} dispatch(es) of work-groups of {} ({}{}; bindings of at most {} bytes), then one", chunks, wg,
                  subgroups ? "subgroup arithmetic" : "shared-memory tree", texel ? ", texel-buffer reads" : "", chunk_bytes));
  auto input = device_buffer(x.bytes.size());
  if (!input) return std::unexpected(input.error());
  if (auto r = upload(m_c, **input, x.bytes); !r) return std::unexpected(r.error());
  const buffer& xb = p->add(std::move(*input));
  std::vector<std::uint32_t> groups;
  std::uint32_t partials = 0;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const std::uint64_t count = std::min(per_chunk, n - c * per_chunk);
    groups.push_back(groups_for(count, wg * 16ull, 1024));
    partials += groups.back();
  }
  auto parts = device_buffer(partials * 4ull);
  auto out = device_buffer(4);
  if (!parts) return std::unexpected(parts.error());
  if (!out) return std::unexpected(out.error());
  const buffer& pb = p->add(std::move(*parts));
  p->output = &p->add(std::move(*out));
  std::vector<std::pair<step*, std::vector<binding>>> sets;
  p->steps.reserve(chunks + 1);
  std::uint32_t base = 0;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const std::uint64_t count = std::min(per_chunk, n - c * per_chunk);
    step s;
    s.pipe = *first;
    s.push[0] = static_cast<std::uint32_t>(count), s.push[1] = base;
    s.groups = {groups[c], 1, 1};
    base += groups[c];
    p->steps.push_back(s);
    const VkDeviceSize offset = c * per_chunk * elem, range = (count * elem + 15) / 16 * 16;
    sets.push_back({&p->steps.back(), {{&xb, offset, std::min<VkDeviceSize>(range, xb.bytes() - offset), texel ? x4 : VK_FORMAT_UNDEFINED}, {&pb}, {p->output}}});
  }
  step last;
  last.pipe = *second;
  last.push[0] = partials;
  p->steps.push_back(last);
  sets.push_back({&p->steps.back(), {{&xb, 0, std::min<VkDeviceSize>(xb.bytes(), chunk_bytes), texel ? x4 : VK_FORMAT_UNDEFINED}, {&pb}, {p->output}}});
  if (auto r = p->describe(std::move(sets)); !r) return std::unexpected(r.error());
  return std::unique_ptr<prepared>(std::move(p));
}

XPU_OP_ROW(vk_device, reduction){
    kernel_kind::reduction, [](const vk_device&, const problem& p) { return support{support_level::native, vk_device::storage(p.type), {"xpubench"}}; },
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) {
      return d.prepare_reduction(p.type, std::get<reduction_shape>(p.dims).op, in.inputs[0]);
    }};

}  // namespace vulkan_backend
}  // namespace xpu
