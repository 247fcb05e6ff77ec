#include "ops/peak/reference.hpp"

namespace xpu::reference {

std::vector<double> peak(precision p, std::int64_t iterations, const host_buffers& in, std::span<const std::size_t> at) {
  // Every step adds the per-chain product term: fp32 x = x*1 + a*b (FMA with a unit multiplier
  // folded into the product), int8 x += dot4(a, b), bf16/fp16 x += a0*b0 + a1*b1, fp64 and int32
  // x += a*b.
  std::vector<double> out;
  const auto& x0 = in.inputs[0];
  const auto& a = in.inputs[1];
  const auto& b = in.inputs[2];
  const std::size_t lanes = p == precision::int8 ? 4 : p == precision::fp16 || p == precision::bf16 ? 2 : 1;
  for (std::size_t idx : at) {
    double step = 0;
    for (std::size_t l = 0; l < lanes; ++l) step += a.at(idx * lanes + l) * b.at(idx * lanes + l);
    out.push_back(x0.at(idx) + static_cast<double>(iterations) * step);
  }
  return out;
}

}  // namespace xpu::reference
