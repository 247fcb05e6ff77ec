// Softmax, RMSNorm and LayerNorm on CUDA (rows.cu): one block of 256 threads per row.
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"
#include "ops/rows.hpp"

namespace xpu::cuda_backend {

result<std::unique_ptr<prepared>> cu_device::prepare_rows(const problem& p, const host_buffers& in) {
  const bool softmax = p.kind() == kernel_kind::softmax;
  const auto [rows, cols] = ops::rows_and_cols(p);
  if (rows > 0x7fffffff) return fail(status::unsupported, "{} rows: more than a CUDA grid's 2^31 - 1 blocks", rows);
  const std::string name = fmt::format("{}_{}", to_string(p.kind()), to_string(p.type));
  auto f = function("rows", name.c_str());
  if (!f) return std::unexpected(f.error());
  auto prep = with_buffers(in, "xpubench", fmt::format("one block of 256 threads per row, {} storage, fp32 arithmetic", to_string(p.type)));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  kernel_args args;
  for (const auto& m : q.memory) args.add(m.get());  // X (and G, B), then Y
  args.add(static_cast<long long>(cols));
  if (!softmax) args.add(static_cast<float>(p.kind() == kernel_kind::layernorm ? layernorm_eps : rmsnorm_eps));
  q.launch(*f, {static_cast<unsigned>(rows)}, {256}, std::move(args));
  return std::unique_ptr<prepared>(std::move(*prep));
}

XPU_OP_ROW(cu_device, softmax){
    kernel_kind::softmax,
    [](const cu_device&, const problem& p) { return cu_device::stored_float_support(p, "one block per row"); },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_rows(p, in); }};
XPU_OP_ROW(cu_device, rmsnorm){kernel_kind::rmsnorm, rows::softmax.supports, rows::softmax.prepare};
XPU_OP_ROW(cu_device, layernorm){kernel_kind::layernorm, rows::softmax.supports, rows::softmax.prepare};

}  // namespace xpu::cuda_backend
