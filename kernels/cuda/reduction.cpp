// Reductions on CUDA (bandwidth.cu): one launch, blocks combining grid-stride shares into partials and
// the last block to finish combining those in block order (deterministic for a given grid).
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {

result<std::unique_ptr<prepared>> cu_device::prepare_reduction(const problem& p, const host_buffers& in) {
  const auto& r = std::get<reduction_shape>(p.dims);
  const std::string name = fmt::format("reduce_{}_{}", to_string(r.op), to_string(p.type));
  auto f = function("bandwidth", name.c_str());
  if (!f) return std::unexpected(f.error());
  const std::size_t n = in.inputs.at(0).count();
  const std::size_t per_vector = 16 / size_of(in.inputs[0].type);
  const unsigned blocks = static_cast<unsigned>(std::clamp<std::size_t>((n / per_vector + 255) / 256, 1, static_cast<std::size_t>(std::max(m_sms, 1)) * 8));
  auto prep = with_buffers(in, "xpubench", fmt::format("{} blocks of 256 threads, 16-byte loads, the last block combines the partials", blocks));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  auto partials = upload(nullptr, blocks * 4);
  if (!partials) return std::unexpected(partials.error());
  const unsigned zero = 0;
  auto counter = upload(&zero, sizeof zero);
  if (!counter) return std::unexpected(counter.error());
  kernel_args args;
  args.add(q.memory[0].get()).add(static_cast<long long>(n)).add(partials->get()).add(counter->get()).add(q.output);
  q.memory.push_back(std::move(*partials));
  q.memory.push_back(std::move(*counter));
  q.launch(*f, {blocks}, {256}, std::move(args));
  return std::unique_ptr<prepared>(std::move(*prep));
}

XPU_OP_ROW(cu_device, reduction){
    kernel_kind::reduction,
    [](const cu_device&, const problem& p) {
      if (p.type == precision::fp32 || p.type == precision::fp16 || p.type == precision::int8)
        return support{support_level::native, p.type == precision::int8 ? "int32 sums" : "fp32 sums", {"xpubench"}, {{"xpubench", precision::fp32}}};
      return cu_device::no_kernel(p);
    },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_reduction(p, in); }};

}  // namespace xpu::cuda_backend
