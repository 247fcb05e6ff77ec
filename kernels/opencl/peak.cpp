// Peak chains on OpenCL (peak.cl): independent vector FMA / dot4 chains per work-item.
#include "kernels/opencl/device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

result<std::unique_ptr<prepared>> cl_device::prepare_peak(const peak_shape& s, const host_buffers& in, precision type) {
  constexpr int vec = 16;
  constexpr int ch = 16;  // independent vector chains per work-item (PoCL here: 1 -> 67, 8 -> 113, 16 -> 145, 24 -> 154 GFLOP/s)
  const bool int8 = type == precision::int8;
  const bool fp16 = type == precision::fp16;  // VEC halves = VEC/2 chains of two lanes
  const bool wide = type == precision::fp64;   // 8-byte chains
  auto prog = program("peak", fmt::format("{} -DVEC={} -DCHV={} -DCH={} -DITERS={}", type_define(type), vec, vec / 2, ch, s.iterations), false);
  if (!prog) return std::unexpected(prog.error());
  const char* element = int8 || type == precision::int32 ? "int" : fp16 ? "half" : wide ? "double" : "float";
  const char* op = int8 ? " (dot4 u8 x s8)" : type == precision::int32 ? " (multiply-add)" : fp16 ? " (half FMA, fp32 sums every 1024 steps)" : " (FMA)";
  auto p = with_buffers(in, peak_chains * (wide ? 8 : 4), fmt::format("{} independent {}{} chains per work-item{}", ch, element, vec, op));
  if (!p) return std::unexpected(p.error());
  auto k = kernel(*prog, "peak");
  if (!k) return std::unexpected(k.error());
  for (cl_uint i = 0; i < 4; ++i)
    if (auto r = arg(k->get(), i, (*p)->buffers[i].get()); !r) return std::unexpected(r.error());
  if (int8)
    if (auto r = arg(k->get(), 4, 0); !r) return std::unexpected(r.error());
  (*p)->m_launches.push_back({std::move(*k), {peak_chains / ((fp16 ? vec / 2 : vec) * ch)}, {}});
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(cl_device, peak){
    kernel_kind::peak,
    [](const cl_device& d, const problem& p) {
      const std::vector<std::string> impl{"xpubench"};
      const opencl_details& cl = *d.info().opencl;
      if (p.type == precision::fp64 && !cl.fp64) return support{support_level::unsupported, "no cl_khr_fp64 on this device", {}};
      if (p.type == precision::fp64) return support{support_level::native, "double16 FMA chains per work-item (cl_khr_fp64)", impl};
      if (p.type == precision::int32) return support{support_level::native, "int16 x = x * a + b chains per work-item", impl};
      if (p.type == precision::fp32) return support{support_level::native, "float16 FMA chains per work-item", impl};
      if (p.type == precision::int8) return support{support_level::native, "int16 dot4 (u8 x s8) chains per work-item", impl};
      if (cl.fp16) return support{support_level::native, "half16 FMA chains per work-item (half arithmetic, cl_khr_fp16)", impl};
      return support{support_level::unsupported, "no cl_khr_fp16 on this device: half arithmetic unavailable", {}};
    },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) {
      return d.prepare_peak(std::get<peak_shape>(p.dims), in, p.type);
    }};

}  // namespace opencl_backend
}  // namespace xpu
