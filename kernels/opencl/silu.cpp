// SiLU on OpenCL (silu.cl): a grid-stride loop, at most 65536 work-groups' worth of work-items.
#include <algorithm>

#include <fmt/format.h>

#include "kernels/opencl/device.hpp"

namespace xpu::opencl_backend {

XPU_OP_ROW(cl_device, silu){
    kernel_kind::silu, [](const cl_device& d, const problem& p) { return d.rows_support(p); },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) -> result<std::unique_ptr<prepared>> {
      const std::size_t n = in.inputs[0].count();
      auto prog = d.program("silu", type_define(p.type), true);
      if (!prog) return std::unexpected(prog.error());
      constexpr std::size_t wg = 256;
      const std::size_t global = std::clamp<std::size_t>((n + wg - 1) / wg, 1, 65536) * wg;
      auto ready = d.with_buffers(in, in.inputs[0].bytes.size(), fmt::format("one element per work-item, {} work-items", global));
      if (!ready) return std::unexpected(ready.error());
      auto k = d.kernel(*prog, "silu");
      if (!k) return std::unexpected(k.error());
      if (auto r = d.arg(k->get(), 0, static_cast<int>(n)); !r) return std::unexpected(r.error());
      for (cl_uint i = 0; i < 2; ++i)
        if (auto r = d.arg(k->get(), i + 1, (*ready)->buffers[i].get()); !r) return std::unexpected(r.error());
      (*ready)->m_launches.push_back({std::move(*k), {global}, {}});
      return std::unique_ptr<prepared>(std::move(*ready));
    }};

}  // namespace xpu::opencl_backend
