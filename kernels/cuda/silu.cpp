// SiLU on CUDA (silu.cu): a grid-stride loop, 8 blocks of 256 threads per SM.
#include <algorithm>

#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {

XPU_OP_ROW(cu_device, silu){
    kernel_kind::silu,
    [](const cu_device&, const problem& p) { return cu_device::stored_float_support(p, "a grid-stride loop"); },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) -> result<std::unique_ptr<prepared>> {
      const auto n = static_cast<long long>(in.inputs[0].count());
      const std::string name = fmt::format("silu_{}", to_string(p.type));
      auto f = d.function("silu", name.c_str());
      if (!f) return std::unexpected(f.error());
      const auto blocks = static_cast<unsigned>(std::clamp<long long>((n + 255) / 256, 1, 8LL * std::max(1, d.multiprocessors())));
      auto prep = d.with_buffers(in, "xpubench", fmt::format("{} blocks of 256 threads, a grid-stride loop, {} storage, fp32 arithmetic", blocks, to_string(p.type)));
      if (!prep) return std::unexpected(prep.error());
      auto& q = **prep;
      kernel_args args;
      for (const auto& m : q.memory) args.add(m.get());  // X, then Y
      args.add(n);
      q.launch(*f, {blocks}, {256}, std::move(args));
      return std::unique_ptr<prepared>(std::move(*prep));
    }};

}  // namespace xpu::cuda_backend
