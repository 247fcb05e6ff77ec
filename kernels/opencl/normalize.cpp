// Softmax, RMSNorm and LayerNorm on OpenCL (normalize.cl): one work-group per row.
#include "kernels/opencl/device.hpp"
#include "ops/rows.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

result<std::unique_ptr<prepared>> cl_device::prepare_rows(const problem& pr, const host_buffers& in) {
  const bool softmax = pr.kind() == kernel_kind::softmax;
  const auto [rows, cols] = ops::rows_and_cols(pr);
  // GPUs: a work-group per row (a power of two, at most 256 and the device's limit). CPU devices:
  // a row per work-item in vectors, where cols allows.
  std::uint64_t wg = 256;
  while (wg > std::max<std::uint64_t>(1, m_info.opencl->max_work_group_size)) wg /= 2;
  const int vec = m_info.type != "cpu" ? 0 : cols % 16 == 0 ? 16 : cols % 8 == 0 ? 8 : cols % 4 == 0 ? 4 : 0;
  auto prog = program("normalize", fmt::format("{} -DWG={}{}", type_define(pr.type), wg, vec ? fmt::format(" -DVEC={}", vec) : ""), true);
  if (!prog) return std::unexpected(prog.error());
  auto p = with_buffers(in, in.inputs[0].bytes.size(),
                        vec ? fmt::format("one row per work-item in {}-wide vectors", vec)
                            : fmt::format("one work-group of {} per row, reductions in local memory", wg));
  if (!p) return std::unexpected(p.error());
  auto k = kernel(*prog, fmt::format("{}{}", to_string(pr.kind()), vec ? "_rows" : "").c_str());
  if (!k) return std::unexpected(k.error());
  cl_uint next = 0;
  if (auto r = arg(k->get(), next++, static_cast<int>(cols)); !r) return std::unexpected(r.error());
  if (!softmax)
    if (auto r = arg(k->get(), next++, static_cast<float>(pr.kind() == kernel_kind::layernorm ? layernorm_eps : rmsnorm_eps)); !r)
      return std::unexpected(r.error());
  for (const auto& b : (*p)->buffers)
    if (auto r = arg(k->get(), next++, b.get()); !r) return std::unexpected(r.error());
  if (vec) (*p)->m_launches.push_back({std::move(*k), {static_cast<std::size_t>(rows)}, {}});
  else (*p)->m_launches.push_back({std::move(*k), {static_cast<std::size_t>(rows) * wg}, {wg}});
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(cl_device, softmax){
    kernel_kind::softmax, [](const cl_device& d, const problem& p) { return d.rows_support(p); },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_rows(p, in); }};
XPU_OP_ROW(cl_device, rmsnorm){kernel_kind::rmsnorm, rows::softmax.supports, rows::softmax.prepare};
XPU_OP_ROW(cl_device, layernorm){kernel_kind::layernorm, rows::softmax.supports, rows::softmax.prepare};

}  // namespace opencl_backend
}  // namespace xpu
