// Attention on CUDA (attention.cu): one warp per query row, an online softmax over the keys.
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {

result<std::unique_ptr<prepared>> cu_device::prepare_attention(const problem& p, const host_buffers& in) {
  const auto& a = std::get<attention_shape>(p.dims);  // sizes checked by ops/attention: 32-bit, head_dim <= 256
  const std::int64_t rows = a.batch * a.heads * a.seq_q;
  const std::int64_t blocks = (rows + 3) / 4;
  if (blocks > 0x7fffffff) return fail(status::unsupported, "{} query rows: more than a CUDA grid holds at 4 per block", rows);
  const std::string name = fmt::format("attention_{}", to_string(p.type));
  auto f = function("attention", name.c_str());
  if (!f) return std::unexpected(f.error());
  auto prep = with_buffers(in, "xpubench",
                           fmt::format("one warp per query row, online softmax over the keys, {} storage, fp32 arithmetic", to_string(p.type)));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  kernel_args args;
  for (const auto& m : q.memory) args.add(m.get());  // Q, K, V, then O
  for (const std::int64_t v : {a.heads, a.kv_heads, a.seq_q, a.seq_kv, a.head_dim}) args.add(static_cast<int>(v));
  args.add(a.causal ? 1 : 0).add(static_cast<long long>(rows));
  q.launch(*f, {static_cast<unsigned>(blocks)}, {128}, std::move(args));
  return std::unique_ptr<prepared>(std::move(*prep));
}

XPU_OP_ROW(cu_device, attention){
    kernel_kind::attention,
    [](const cu_device&, const problem& p) { return cu_device::stored_float_support(p, "one warp per query row"); },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_attention(p, in); }};

}  // namespace xpu::cuda_backend
