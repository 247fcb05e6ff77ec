// conv2d on OpenCL (conv2d.cl): direct, or implicit GEMM with the vector micro-kernel on CPU devices.
#include "kernels/opencl/device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

result<std::unique_ptr<prepared>> cl_device::prepare_conv(const problem& pr, const host_buffers& in) {
  const auto& c = std::get<conv_shape>(pr.dims);
  std::string opts = type_define(pr.type);
  if (c.layout == conv_layout::nhwc) opts += " -DNHWC";
  // CPU devices: implicit GEMM with the vector micro-kernel, where the output channels fill whole vectors.
  constexpr int vec = 16, rows = 12;
  const bool gemm_form = m_info.type == "cpu" && c.k % vec == 0;
  if (gemm_form) opts += fmt::format(" -DVEC={} -DRM={}", vec, rows);
  auto prog = program("conv2d", opts, true);
  if (!prog) return std::unexpected(prog.error());
  const std::size_t outs = static_cast<std::size_t>(c.n * c.k * c.p() * c.q());
  host_buffers packed;
  if (gemm_form) {  // the filter as [depth][K], K contiguous: repacked once, like oneDNN's weight reorders
    const host_buffer& f = in.inputs[1];
    const std::size_t kk = static_cast<std::size_t>(c.k), depth = f.count() / kk, size = f.bytes.size() / f.count();
    packed.inputs = {in.inputs[0], host_buffer(f.type, f.count())};
    for (std::size_t k = 0; k < kk; ++k)
      for (std::size_t d = 0; d < depth; ++d)
        std::memcpy(&packed.inputs[1].bytes[(d * kk + k) * size], &f.bytes[(k * depth + d) * size], size);
  }
  auto p = with_buffers(gemm_form ? packed : in, outs * 4,
                        gemm_form ? fmt::format("implicit GEMM, {} pixels x {} channels per work-item (vector micro-kernel); filter repacked "
                                                "once to [C*R*S][K] during preparation", rows, vec)
                                  : std::string("direct, one output per work-item"));
  if (!p) return std::unexpected(p.error());
  auto k = kernel(*prog, gemm_form ? "conv2d_gemm" : "conv2d");
  if (!k) return std::unexpected(k.error());
  const int v[] = {static_cast<int>(c.n), static_cast<int>(c.c), static_cast<int>(c.h), static_cast<int>(c.w),
                   static_cast<int>(c.k), static_cast<int>(c.r), static_cast<int>(c.s), static_cast<int>(c.stride_h),
                   static_cast<int>(c.stride_w), static_cast<int>(c.pad_top), static_cast<int>(c.pad_left), static_cast<int>(c.dilation_h),
                   static_cast<int>(c.dilation_w), static_cast<int>(c.p()), static_cast<int>(c.q())};
  constexpr cl_uint sizes = std::size(v);
  for (cl_uint i = 0; i < sizes; ++i)
    if (auto r = arg(k->get(), i, v[i]); !r) return std::unexpected(r.error());
  for (cl_uint i = 0; i < 3; ++i)
    if (auto r = arg(k->get(), sizes + i, (*p)->buffers[i].get()); !r) return std::unexpected(r.error());
  if (gemm_form) {
    const auto pixels = static_cast<std::size_t>(c.n * c.p() * c.q());
    (*p)->m_launches.push_back({std::move(*k), {static_cast<std::size_t>(c.k) / vec, (pixels + rows - 1) / rows}, {}});
    return std::unique_ptr<prepared>(std::move(*p));
  }
  (*p)->m_launches.push_back({std::move(*k), {(outs + 63) / 64 * 64}, {}});
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(cl_device, conv2d){
    kernel_kind::conv2d, [](const cl_device& d, const problem& p) { return d.storage_support(p); },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_conv(p, in); }};

}  // namespace opencl_backend
}  // namespace xpu
