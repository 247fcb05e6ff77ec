// Attention on Vulkan, flash-style (online softmax): a subgroup per query (attention_rows.comp) on
// CPU devices and for decoding (fewer than 32 queries), where the device has one fixed subgroup size
// that divides head_dim in vec4s; else a work-group per block of 32 queries with keys and values
// staged in shared memory (attention.comp).
#include "kernels/vulkan/device.hpp"

#include <array>
#include <bit>
#include <cmath>

#include <fmt/format.h>

namespace xpu::vulkan_backend {

result<std::unique_ptr<prepared>> vk_device::prepare_attention(const problem& pr, const host_buffers& in) {
  const auto& a = std::get<attention_shape>(pr.dims);
  if (a.head_dim % 4 != 0) return fail(status::unsupported, "the attention shader reads head_dim in vec4s: {} is not a multiple of 4", a.head_dim);
  const vulkan_details& v = *m_info.vulkan;
  const std::uint64_t d = static_cast<std::uint64_t>(a.head_dim);
  // Measured on lavapipe (8 lanes), 32 heads / 8 KV heads of 128, causal: against attention.comp,
  // prefill at 512 2.8 -> 3.2 GFLOP/s, decode over 512 keys 58.6 -> 3.3 ms (storage buffers, one
  // query per subgroup); with texel buffers and four queries per subgroup, prefill 17-24 GFLOP/s.
  const std::uint32_t sg = v.subgroup_size;
  // One size, as subgroup size control reports it (without it, subgroupSize need not be the size
  // compute shaders run at: Intel reports 32 and runs 8 or 16).
  const bool fixed = v.min_subgroup_size > 0 && v.min_subgroup_size == v.max_subgroup_size && v.min_subgroup_size == sg;
  // A GPU keeps the shared-memory form for prompts: there its staged keys serve 32 queries at once.
  const bool suits = m_info.type == "cpu" || a.seq_q < 32;
  if (suits && sg > 0 && fixed && has(v.subgroup_operations, "arithmetic") && d % (4 * sg) == 0 && 64 % sg == 0 && v.max_workgroup_invocations >= 64) {
    // Prompts: four consecutive queries per subgroup, so that each key and value fetch serves four
    // (lavapipe, 8 heads / 2 KV heads of 128 at 512, causal, fp32: 16 GFLOP/s with one, 23 with
    // two, 24 with four, 18-23 with eight, whose registers spill).
    const std::uint32_t qs = a.seq_q >= 32 ? 4 : 1;
    const std::uint32_t wg = 64, per_group = wg / sg * qs;
    const std::uint64_t groups = static_cast<std::uint64_t>(a.batch * a.heads) * ((static_cast<std::uint64_t>(a.seq_q) + per_group - 1) / per_group);
    if (auto too_many = group_count_error(groups, "block of queries")) return std::unexpected(*too_many);
    // CPU devices read Q, K and V through RGBA texel views (vector gathers on lavapipe, where a
    // storage-buffer load is one scalar load per lane): 4.4 -> 11.2 GFLOP/s with one query per
    // subgroup. (Tried and slower there: a 16-query tile staged in shared memory, 1.6; a key per
    // invocation with storage-buffer loads, 0.6.)
    const texel_formats tf = texel_formats_for(pr.type);
    const bool texel = use_texels() && m_c->texel_ok(tf.a4) && inputs_fit_texels(in, 4 * tf.bytes);
    auto pipe = m_c->pipeline_for(fmt::format("attention_rows_{}{}", to_string(pr.type), texel ? "_texel" : ""),
                                  std::array<std::uint32_t, 4>{wg, static_cast<std::uint32_t>(d), sg, qs}, texel ? "ttts" : "ssss", 24);
    if (!pipe) return std::unexpected(pipe.error());
    const std::array<VkFormat, 3> views{tf.a4, tf.a4, tf.a4};
    return attention_steps(a, in, *pipe, groups,
                           fmt::format("a subgroup of {} lanes per {} ({} queries per work-group), keys and values read as vec4 rows{}, "
                                       "subgroup sums, online softmax per block of 8 keys",
                                       sg, qs == 1 ? std::string("query") : fmt::format("{} consecutive queries", qs), per_group,
                                       texel ? " through texel buffers" : ""),
                           texel ? std::span<const VkFormat>(views) : std::span<const VkFormat>());
  }
  constexpr std::uint32_t bq = 32;
  if (m_info.vulkan->max_workgroup_invocations < bq)
    return fail(status::unsupported, "the attention shader needs work-groups of {} (this device allows {})", bq, m_info.vulkan->max_workgroup_invocations);
  // Keys per staged block: K and V blocks in at most half the shared memory, 16 at most.
  std::uint32_t bk = 16;
  const std::uint64_t shared = m_info.vulkan->max_shared_memory_bytes;
  while (bk > 1 && 2 * bk * d * 4 > shared / 2) bk /= 2;
  if (2 * bk * d * 4 > shared)
    return fail(status::unsupported, "one key and value row of head_dim {} does not fit this device's {} bytes of shared memory", a.head_dim, shared);
  const std::uint64_t groups = static_cast<std::uint64_t>(a.batch * a.heads) * ((static_cast<std::uint64_t>(a.seq_q) + bq - 1) / bq);
  if (auto too_many = group_count_error(groups, "block of queries")) return std::unexpected(*too_many);
  auto pipe = m_c->pipeline_for(fmt::format("attention_{}", to_string(pr.type)), std::array<std::uint32_t, 3>{bq, static_cast<std::uint32_t>(d), bk},
                                "ssss", 24);
  if (!pipe) return std::unexpected(pipe.error());
  return attention_steps(a, in, *pipe, groups,
                         fmt::format("flash-style: {} queries per work-group (one per invocation), keys and values staged {} at a time in shared "
                                     "memory as vec4s, online softmax",
                                     bq, bk));
}

result<std::unique_ptr<prepared>> vk_device::attention_steps(const attention_shape& a, const host_buffers& in, const pipeline* pipe,
                                                             std::uint64_t groups, std::string notes, std::span<const VkFormat> views) {
  auto p = with_buffers(in, in.inputs[0].bytes.size(), "xpubench", std::move(notes));
  if (!p) return std::unexpected(p.error());
  step s;
  s.pipe = pipe;
  s.push = {static_cast<std::uint32_t>(a.heads), static_cast<std::uint32_t>(a.kv_heads), static_cast<std::uint32_t>(a.seq_q),
            static_cast<std::uint32_t>(a.seq_kv), a.causal ? 1u : 0u,
            std::bit_cast<std::uint32_t>(static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.head_dim))))};
  s.groups = {static_cast<std::uint32_t>(groups), 1, 1};
  (*p)->steps.push_back(s);
  std::vector<binding> b = whole(**p);
  for (std::size_t i = 0; i < views.size() && i < b.size(); ++i) b[i].texel = views[i];
  if (auto r = (*p)->describe({{&(*p)->steps.back(), std::move(b)}}); !r) return std::unexpected(r.error());
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(vk_device, attention){
    kernel_kind::attention, vk_device::rows_support,
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_attention(p, in); }};

}  // namespace xpu::vulkan_backend
