#include "ops/gemm/reference.hpp"

namespace xpu::reference {

std::vector<double> gemm(const gemm_shape& g, const host_buffer& a, const host_buffer& b, std::span<const std::size_t> at) {
  std::vector<double> out;
  out.reserve(at.size());
  for (std::size_t idx : at) {
    const auto i = static_cast<std::int64_t>(idx) / g.n, j = static_cast<std::int64_t>(idx) % g.n;
    double sum = 0;
    for (std::int64_t p = 0; p < g.k; ++p) {
      const auto ai = static_cast<std::size_t>(g.trans_a ? p * g.m + i : i * g.k + p);
      const auto bi = static_cast<std::size_t>(g.trans_b ? j * g.k + p : p * g.n + j);
      sum += a.at(ai) * b.at(bi);
    }
    out.push_back(sum);
  }
  return out;
}

}  // namespace xpu::reference
