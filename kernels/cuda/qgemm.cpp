// Q8_0 and Q4_0 weights on CUDA (qgemm.cu): one warp per output, the row's blocks across its lanes.
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {

result<std::unique_ptr<prepared>> cu_device::prepare_qgemm(const problem& p, const host_buffers& in) {
  const auto& s = std::get<qgemm_shape>(p.dims);  // k a multiple of 32, sizes within 32 bits (ops/qgemm)
  const std::int64_t blocks = (s.m * s.n + 3) / 4;
  if (blocks > 0x7fffffff) return fail(status::unsupported, "{} outputs: more than a CUDA grid holds at 4 per block", s.m * s.n);
  const std::string name = fmt::format("qgemm_{}_{}", to_string(s.weights), p.type == precision::int8 ? "int8" : "fp32");
  auto f = function("qgemm", name.c_str());
  if (!f) return std::unexpected(f.error());
  auto prep = with_buffers(in, "xpubench",
                           fmt::format("one warp per output, {} blocks read as stored, {}", to_string(s.weights),
                                       p.type == precision::int8 ? "int8 x int8 dot products per block (Q8_0 activations)" : "fp32 activations"));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  // Streamed weights (copies > 1): one launch per copy, on that copy's weights and output.
  const auto copy_bytes = static_cast<CUdeviceptr>(static_cast<std::size_t>(s.n) * quant_row_bytes(s.k, s.weights));
  const auto out_bytes = static_cast<CUdeviceptr>(s.m * s.n * 4);
  for (std::int64_t c = 0; c < s.copies; ++c) {
    kernel_args args;
    args.add(q.memory[0].get()).add(q.memory[1].get() + static_cast<CUdeviceptr>(c) * copy_bytes).add(q.output + static_cast<CUdeviceptr>(c) * out_bytes);
    args.add(static_cast<int>(s.m)).add(static_cast<int>(s.n)).add(static_cast<int>(s.k));
    q.launch(*f, {static_cast<unsigned>(blocks)}, {128}, std::move(args));
  }
  return std::unique_ptr<prepared>(std::move(*prep));
}

// moe (ops/moe/): one launch per copy (layer of experts), one warp per (pair, column) output, each pair's expert read
// from the ids on the device.
result<std::unique_ptr<prepared>> cu_device::prepare_moe(const problem& p, const host_buffers& in) {
  const auto& e = std::get<moe_shape>(p.dims);  // k a multiple of 32, m x used within 32 bits (ops/moe)
  const std::int64_t pairs = e.m * e.used, blocks = (pairs * e.n + 3) / 4;
  if (blocks > 0x7fffffff) return fail(status::unsupported, "{} outputs: more than a CUDA grid holds at 4 per block", pairs * e.n);
  const std::string name = fmt::format("moe_{}_{}", to_string(e.weights), p.type == precision::int8 ? "int8" : "fp32");
  auto f = function("qgemm", name.c_str());
  if (!f) return std::unexpected(f.error());
  auto prep = with_buffers(in, "xpubench",
                           fmt::format("one warp per output, each (token, choice) pair's expert read from the ids on the device, {} blocks read as stored, {}",
                                       to_string(e.weights), p.type == precision::int8 ? "int8 x int8 dot products per block" : "fp32 activations"));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  // Streamed layers (copies > 1): one launch per copy, on that copy's experts and output.
  const auto layer_bytes = static_cast<CUdeviceptr>(static_cast<std::size_t>(e.experts * e.n) * quant_row_bytes(e.k, e.weights));
  const auto out_bytes = static_cast<CUdeviceptr>(pairs * e.n * 4);
  for (std::int64_t c = 0; c < e.copies; ++c) {
    kernel_args args;
    args.add(q.memory[0].get()).add(q.memory[1].get() + static_cast<CUdeviceptr>(c) * layer_bytes).add(q.memory[2].get());
    args.add(q.output + static_cast<CUdeviceptr>(c) * out_bytes);
    args.add(static_cast<int>(pairs)).add(static_cast<int>(e.n)).add(static_cast<int>(e.k)).add(static_cast<int>(e.used));
    q.launch(*f, {static_cast<unsigned>(blocks)}, {128}, std::move(args));
  }
  return std::unique_ptr<prepared>(std::move(*prep));
}

XPU_OP_ROW(cu_device, moe){
    kernel_kind::moe,
    [](const cu_device&, const problem& p) {
      if (p.type == precision::fp32) return support{support_level::native, "fp32 activations, experts chosen on the device", {"xpubench"}};
      if (p.type == precision::int8) return support{support_level::native, "Q8_0 activations, int8 x int8 dot products, experts chosen on the device", {"xpubench"}};
      return cu_device::no_kernel(p);
    },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_moe(p, in); }};

XPU_OP_ROW(cu_device, qgemm){
    kernel_kind::qgemm,
    [](const cu_device&, const problem& p) {
      if (p.type == precision::fp32) return support{support_level::native, "fp32 activations, weights as stored in their blocks", {"xpubench"}};
      if (p.type == precision::int8) return support{support_level::native, "Q8_0 activations, int8 x int8 dot products per block", {"xpubench"}};
      return cu_device::no_kernel(p);
    },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_qgemm(p, in); }};

}  // namespace xpu::cuda_backend
