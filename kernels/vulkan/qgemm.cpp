// Quantized GEMM on Vulkan (qgemm.comp): one output per invocation, blocks read from 32-bit words.
#include "kernels/vulkan/device.hpp"

#include <array>

#include <fmt/format.h>

namespace xpu::vulkan_backend {

result<std::unique_ptr<prepared>> vk_device::prepare_qgemm(const problem& pr, const host_buffers& in) {
  const auto& q = std::get<qgemm_shape>(pr.dims);
  const bool x8 = pr.type == precision::int8;
  constexpr std::uint32_t wg = 64;
  if (static_cast<std::uint64_t>(q.m) > m_c->props.limits.maxComputeWorkGroupCount[1])
    return fail(status::skipped, "m = {} rows exceed maxComputeWorkGroupCount[1] ({})", q.m, m_c->props.limits.maxComputeWorkGroupCount[1]);
  if (auto too_many = group_count_error((static_cast<std::uint64_t>(q.n) + wg - 1) / wg, "64 columns")) return std::unexpected(*too_many);
  // The shader addresses bytes in 32 bits: every copy of the weights below 4 GiB.
  const double w_bytes = static_cast<double>(in.inputs.at(1).bytes.size());
  if (w_bytes >= 4294967296.0)
    return fail(status::unsupported, "{:.0f} bytes of weights ({} copies): the shader addresses them in 32 bits (below 4 GiB)", w_bytes, q.copies);
  auto pipe = m_c->pipeline_for(fmt::format("qgemm_{}_{}", to_string(q.weights), x8 ? "q8" : "fp32"), std::array<std::uint32_t, 1>{wg}, "sss", 16);
  if (!pipe) return std::unexpected(pipe.error());
  // The shader reads the blocks as 32-bit words: byte buffers are padded to whole words.
  host_buffers padded{in.inputs, {}};
  for (auto& b : padded.inputs) b.bytes.resize((b.bytes.size() + 3) / 4 * 4);
  auto p = with_buffers(padded, static_cast<std::size_t>(q.copies * q.m * q.n) * 4, "xpubench",
                        fmt::format("one output per invocation; {} blocks read from 32-bit words{}", to_string(q.weights),
                                    x8 ? ", int32 dot products with Q8_0 activations" : ", fp32 activations"));
  if (!p) return std::unexpected(p.error());
  step s;
  s.pipe = *pipe;
  s.push[0] = static_cast<std::uint32_t>(q.m), s.push[1] = static_cast<std::uint32_t>(q.n), s.push[2] = static_cast<std::uint32_t>(q.k);
  s.groups = {static_cast<std::uint32_t>((q.n + wg - 1) / wg), static_cast<std::uint32_t>(q.m), 1};
  (*p)->steps.push_back(s);
  if (auto r = (*p)->describe({{&(*p)->steps.back(), whole(**p)}}); !r) return std::unexpected(r.error());
  // Streamed weights: one dispatch per copy, the same descriptor set, push constant 3 the copy.
  for (std::int64_t c = 1; c < q.copies; ++c) {
    step next = (*p)->steps.front();
    next.push[3] = static_cast<std::uint32_t>(c);
    (*p)->steps.push_back(next);
  }
  return std::unique_ptr<prepared>(std::move(*p));
}

// moe (ops/moe/): the same shader with -DIDS, one invocation per (token, choice) pair and column, the
// pair's expert read from the ids buffer on the device.
result<std::unique_ptr<prepared>> vk_device::prepare_moe(const problem& pr, const host_buffers& in) {
  const auto& e = std::get<moe_shape>(pr.dims);
  const bool x8 = pr.type == precision::int8;
  constexpr std::uint32_t wg = 64;
  const std::int64_t pairs = e.m * e.used;  // within 32 bits: ops/moe
  if (static_cast<std::uint64_t>(pairs) > m_c->props.limits.maxComputeWorkGroupCount[1])
    return fail(status::skipped, "{} (token, expert) pairs exceed maxComputeWorkGroupCount[1] ({})", pairs, m_c->props.limits.maxComputeWorkGroupCount[1]);
  if (auto too_many = group_count_error((static_cast<std::uint64_t>(e.n) + wg - 1) / wg, "64 columns")) return std::unexpected(*too_many);
  const double w_bytes = static_cast<double>(in.inputs.at(1).bytes.size());
  if (w_bytes >= 4294967296.0)
    return fail(status::unsupported, "{:.0f} bytes of weights ({} x {} experts): the shader addresses them in 32 bits (below 4 GiB)", w_bytes, e.copies,
                e.experts);
  auto pipe = m_c->pipeline_for(fmt::format("moe_{}_{}", to_string(e.weights), x8 ? "q8" : "fp32"), std::array<std::uint32_t, 1>{wg}, "ssss", 24);
  if (!pipe) return std::unexpected(pipe.error());
  host_buffers padded{in.inputs, {}};  // whole 32-bit words, as qgemm
  for (auto& b : padded.inputs) b.bytes.resize((b.bytes.size() + 3) / 4 * 4);
  auto p = with_buffers(padded, static_cast<std::size_t>(e.copies * pairs * e.n) * 4, "xpubench",
                        fmt::format("one output per invocation, each (token, choice) pair's expert read from the ids on the device; {} blocks "
                                    "read from 32-bit words{}",
                                    to_string(e.weights), x8 ? ", int32 dot products with Q8_0 activations" : ", fp32 activations"));
  if (!p) return std::unexpected(p.error());
  step s;
  s.pipe = *pipe;
  s.push[0] = static_cast<std::uint32_t>(pairs), s.push[1] = static_cast<std::uint32_t>(e.n), s.push[2] = static_cast<std::uint32_t>(e.k);
  s.push[3] = static_cast<std::uint32_t>(e.used), s.push[4] = static_cast<std::uint32_t>(e.experts);
  s.groups = {static_cast<std::uint32_t>((e.n + wg - 1) / wg), static_cast<std::uint32_t>(pairs), 1};
  (*p)->steps.push_back(s);
  if (auto r = (*p)->describe({{&(*p)->steps.back(), whole(**p)}}); !r) return std::unexpected(r.error());
  // Streamed layers: one dispatch per copy, the same descriptor set, push constant 5 the copy.
  for (std::int64_t c = 1; c < e.copies; ++c) {
    step next = (*p)->steps.front();
    next.push[5] = static_cast<std::uint32_t>(c);
    (*p)->steps.push_back(next);
  }
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(vk_device, moe){
    kernel_kind::moe,
    [](const vk_device&, const problem& p) {
      return support{support_level::native,
                     p.type == precision::int8 ? "Q8_0 activations, int32 dot products per block, experts chosen on the device"
                                               : "fp32 activations, experts chosen on the device",
                     {"xpubench"}};
    },
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_moe(p, in); }};

XPU_OP_ROW(vk_device, qgemm){
    kernel_kind::qgemm,
    [](const vk_device&, const problem& p) {
      return support{support_level::native, p.type == precision::int8 ? "Q8_0 activations, int32 dot products per block" : "fp32 activations",
                     {"xpubench"}};
    },
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_qgemm(p, in); }};

}  // namespace xpu::vulkan_backend
