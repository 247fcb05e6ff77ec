// Attention on OpenCL (attention.cl): flash-style, a work-group per block of queries, keys and
// values staged in local memory.
#include "kernels/opencl/device.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

result<std::unique_ptr<prepared>> cl_device::prepare_attention(const problem& pr, const host_buffers& in) {
  const auto& a = std::get<attention_shape>(pr.dims);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.head_dim)));
  const int v[] = {static_cast<int>(a.heads), static_cast<int>(a.kv_heads), static_cast<int>(a.seq_q), static_cast<int>(a.seq_kv), a.causal ? 1 : 0};
  const auto set_args = [&](cl_kernel k, const cl_prepared& p) -> result<void> {
    for (cl_uint i = 0; i < 5; ++i)
      if (auto r = arg(k, i, v[i]); !r) return r;
    if (auto r = arg(k, 5, scale); !r) return r;
    for (cl_uint i = 0; i < 4; ++i)
      if (auto r = arg(k, 6 + i, p.buffers[i].get()); !r) return r;
    return {};
  };
  if (const int vec = a.head_dim % 16 == 0 ? 16 : a.head_dim % 8 == 0 ? 8 : a.head_dim % 4 == 0 ? 4 : 0; m_info.type == "cpu" && vec > 0) {
    constexpr int bk = 16;
    auto prog = program("attention", fmt::format("{} -DD={} -DVEC={} -DBK={} -DBQ=1", type_define(pr.type), a.head_dim, vec, bk), true);
    if (!prog) return std::unexpected(prog.error());
    auto p = with_buffers(in, in.inputs[0].bytes.size(),
                          fmt::format("flash-style for CPU devices: one query row per work-item in {}-wide vectors, online softmax per {} keys",
                                      vec, bk));
    if (!p) return std::unexpected(p.error());
    auto k = kernel(*prog, "attention_rows");
    if (!k) return std::unexpected(k.error());
    if (auto r = set_args(k->get(), **p); !r) return std::unexpected(r.error());
    (*p)->m_launches.push_back({std::move(*k), {static_cast<std::size_t>(a.batch * a.heads * a.seq_q)}, {}});
    return std::unique_ptr<prepared>(std::move(*p));
  }
  constexpr std::uint64_t bq = 32;
  if (m_info.opencl->max_work_group_size < bq)
    return fail(status::unsupported, "the attention kernel needs work-groups of {} (this device allows {})", bq, m_info.opencl->max_work_group_size);
  // Keys per staged block: K and V blocks in at most half the local memory, 32 at most.
  std::uint64_t bk = 32;
  const std::uint64_t local = m_info.opencl->local_memory_bytes;
  while (bk > 1 && 2 * bk * static_cast<std::uint64_t>(a.head_dim) * 4 > local / 2) bk /= 2;
  if (2 * bk * static_cast<std::uint64_t>(a.head_dim) * 4 > local)
    return fail(status::unsupported, "one key and value row of head_dim {} does not fit this device's {} bytes of local memory", a.head_dim, local);
  auto prog = program("attention", fmt::format("{} -DD={} -DBQ={} -DBK={}", type_define(pr.type), a.head_dim, bq, bk), true);
  if (!prog) return std::unexpected(prog.error());
  auto p = with_buffers(in, in.inputs[0].bytes.size(),
                        fmt::format("flash-style: {} queries per work-group (one per work-item), keys and values staged {} at a time in local "
                                    "memory, online softmax",
                                    bq, bk));
  if (!p) return std::unexpected(p.error());
  auto k = kernel(*prog, "attention");
  if (!k) return std::unexpected(k.error());
  if (auto r = set_args(k->get(), **p); !r) return std::unexpected(r.error());
  const std::uint64_t groups = static_cast<std::uint64_t>(a.batch * a.heads) * ((static_cast<std::uint64_t>(a.seq_q) + bq - 1) / bq);
  (*p)->m_launches.push_back({std::move(*k), {groups * bq}, {bq}});
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(cl_device, attention){
    kernel_kind::attention, [](const cl_device& d, const problem& p) { return d.rows_support(p); },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_attention(p, in); }};

}  // namespace opencl_backend
}  // namespace xpu
