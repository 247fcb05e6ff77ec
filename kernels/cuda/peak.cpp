// Peak chains on CUDA (peak.cu): fp32, fp64 and int32 chains on the CUDA cores, one per thread;
// fp16, bf16 and int8 on the Tensor Cores, one block of 4 warps per 128 chains.
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {

result<std::unique_ptr<prepared>> cu_device::prepare_peak(const problem& p, const host_buffers& in) {
  const auto iterations = static_cast<int>(std::get<peak_shape>(p.dims).iterations);  // at most 2^30 (ops/peak)
  const bool tensor = p.type == precision::fp16 || p.type == precision::bf16 || p.type == precision::int8;
  const std::string name = fmt::format("peak_{}{}", tensor ? "mma_" : "", to_string(p.type));
  auto f = function("peak", name.c_str());
  if (!f) return std::unexpected(f.error());
  auto prep = with_buffers(in, "xpubench",
                           tensor ? fmt::format("mma.sync tiles of 128 chains (8 iterations per mma), 4 warps x 4 accumulators per tile")
                                  : fmt::format("one {} chain per thread, 256 threads per block", to_string(p.type)));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  kernel_args args;
  for (const auto& m : q.memory) args.add(m.get());
  constexpr int chains = static_cast<int>(peak_chains);
  if (tensor) {
    static_assert(peak_chains % 128 == 0);
    args.add(iterations);
    q.launch(*f, {chains / 128}, {128}, std::move(args));
  } else {
    args.add(chains).add(iterations);
    q.launch(*f, {(chains + 255) / 256}, {256}, std::move(args));
  }
  return std::unique_ptr<prepared>(std::move(*prep));
}

XPU_OP_ROW(cu_device, peak){
    kernel_kind::peak,
    [](const cu_device&, const problem& p) {
      const std::vector<std::string> ours{"xpubench"};
      switch (p.type) {
        case precision::fp32: return support{support_level::native, "one fp32 FMA chain per thread (CUDA cores)", ours};
        case precision::fp64: return support{support_level::native, "one fp64 FMA chain per thread", ours};
        case precision::int32: return support{support_level::native, "one int32 x = x * a + b chain per thread (IMAD)", ours};
        case precision::fp16:
        case precision::bf16:
          return support{support_level::native,
                         fmt::format("Tensor Cores: mma.sync m16n8k16 {}, fp32 sums, 4 warps x 4 accumulators per 128 chains", to_string(p.type)), ours};
        case precision::int8:
          return support{support_level::native, "Tensor Cores: mma.sync m16n8k32 s8, int32 sums, 4 warps x 4 accumulators per 128 chains", ours};
        default: return cu_device::no_kernel(p);
      }
    },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_peak(p, in); }};

}  // namespace xpu::cuda_backend
