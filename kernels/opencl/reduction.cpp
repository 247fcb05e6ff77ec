// Reductions on OpenCL (reduction.cl): two passes, sub-group sums where the device has them.
#include "kernels/opencl/device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

// lanes: fp32 elements per load on CPU devices (16; the bandwidth benchmark's narrower rows 4 and 1).
result<std::unique_ptr<prepared>> cl_device::prepare_reduction(precision type, reduce_op op, const host_buffer& x, int lanes,
                                                    std::string_view impl) {
  constexpr int wg = 256;
  const std::size_t groups = std::min<std::size_t>(256, std::max<std::size_t>(1, x.count() / (wg * 16)));
  std::string opts = fmt::format("{} -DWG={}{}{} -DLANES={}", type_define(type), wg, op == reduce_op::max ? " -DOP_MAX" : "",
                                 m_info.type == "cpu" ? " -DCHUNKED" : "", lanes);
  std::string last_stage = "a tree in local memory";
  if (m_info.opencl->subgroups) {  // sub-group operations where the device has them and they build
    const std::string with = opts + " -DSUBGROUP" + cl_std_option(m_info.opencl->c_version);
    auto s1 = program("reduction", with, true);
    auto s2 = s1 ? program("reduction", with + " -DPARTIALS", true) : s1;
    if (s2)
      opts = with, last_stage = "sub-group reductions";
    else
      last_stage += fmt::format(" (the sub-group kernel did not build: {})", s2.error().message.substr(0, 200));
  }
  auto stage1 = program("reduction", opts, true);
  if (!stage1) return std::unexpected(stage1.error());
  auto stage2 = program("reduction", opts + " -DPARTIALS", true);
  if (!stage2) return std::unexpected(stage2.error());
  const host_buffer* input = &x;
  auto p = with_buffers(std::span(&input, 1), 4, fmt::format("two stages: {} work-groups of {}, then one; within a work-group, {}", groups, wg, last_stage));
  if (!p) return std::unexpected(p.error());
  auto partials = buffer(nullptr, groups * 4);
  if (!partials) return std::unexpected(partials.error());
  cl_mem parts = partials->get();
  (*p)->buffers.push_back(std::move(*partials));
  auto k1 = kernel(*stage1, "reduce");
  auto k2 = kernel(*stage2, "reduce");
  if (!k1) return std::unexpected(k1.error());
  if (!k2) return std::unexpected(k2.error());
  const int n = static_cast<int>(x.count()), g = static_cast<int>(groups);
  for (auto r : {arg(k1->get(), 0, n), arg(k1->get(), 1, (*p)->buffers[0].get()), arg(k1->get(), 2, parts), arg(k2->get(), 0, g),
                 arg(k2->get(), 1, parts), arg(k2->get(), 2, (*p)->m_output)})
    if (!r) return std::unexpected(r.error());
  (*p)->m_launches.push_back({std::move(*k1), {groups * wg}, {wg}});
  (*p)->m_launches.push_back({std::move(*k2), {wg}, {wg}});
  (*p)->impl = impl;
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(cl_device, reduction){
    kernel_kind::reduction, [](const cl_device& d, const problem& p) { return d.storage_support(p); },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) {
      return d.prepare_reduction(p.type, std::get<reduction_shape>(p.dims).op, in.inputs[0]);
    }};

}  // namespace opencl_backend
}  // namespace xpu
