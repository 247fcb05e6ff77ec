#include "ops/qgemm/reference.hpp"

#include "ops/qgemm/blocks.hpp"

namespace xpu::reference {
namespace {

// Activation row i of X (fp32, or Q8_0 blocks) . one weight row (its k / 32 blocks in format f), in float64.
double row_dot(quant_format f, precision activations, std::int64_t k, const host_buffer& x, std::size_t i, const std::uint8_t* wrow) {
  const std::size_t blocks = static_cast<std::size_t>(k) / quant::block_weights, xrow = quant_row_bytes(k, quant_format::q8_0);
  const auto* xb = reinterpret_cast<const std::uint8_t*>(x.bytes.data());
  double sum = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::uint8_t* wblock = wrow + b * quant::block_bytes(f);
    const double dw = quant::scale(wblock);
    for (int t = 0; t < quant::block_weights; ++t) {
      const double wv = dw * quant::value(f, wblock, t);
      double xv;
      if (activations == precision::int8) {
        const std::uint8_t* xblock = xb + i * xrow + b * quant::block_bytes(quant_format::q8_0);
        xv = static_cast<double>(quant::scale(xblock)) * quant::value(quant_format::q8_0, xblock, t);
      } else {
        xv = x.at(i * static_cast<std::size_t>(k) + b * quant::block_weights + static_cast<std::size_t>(t));
      }
      sum += xv * wv;
    }
  }
  return sum;
}

}  // namespace

std::vector<double> qgemm(const qgemm_shape& s, precision activations, const host_buffer& x, const host_buffer& w, std::span<const std::size_t> at) {
  const auto m = static_cast<std::size_t>(s.m), n = static_cast<std::size_t>(s.n);
  const std::size_t wrow = quant_row_bytes(s.k, s.weights);
  const auto* wb = reinterpret_cast<const std::uint8_t*>(w.bytes.data());
  std::vector<double> out;
  out.reserve(at.size());
  for (std::size_t idx : at) {
    const std::size_t c = idx / (m * n), i = idx % (m * n) / n, j = idx % n;  // copy c's output (i, j): copy c's weights
    out.push_back(row_dot(s.weights, activations, s.k, x, i, wb + (c * n + j) * wrow));
  }
  return out;
}

std::vector<double> moe(const moe_shape& s, precision activations, const host_buffer& x, const host_buffer& w, const host_buffer& ids,
                        std::span<const std::size_t> at) {
  const auto n = static_cast<std::size_t>(s.n), used = static_cast<std::size_t>(s.used);
  const std::size_t wrow = quant_row_bytes(s.k, s.weights);
  const auto* wb = reinterpret_cast<const std::uint8_t*>(w.bytes.data());
  std::vector<double> out;
  out.reserve(at.size());
  const std::size_t pairs = ids.count(), experts = static_cast<std::size_t>(s.experts);
  for (std::size_t idx : at) {
    const std::size_t c = idx / (pairs * n), pair = idx % (pairs * n) / n, j = idx % n, token = pair / used;  // copy c's expert ids[pair]
    const std::size_t expert = c * experts + static_cast<std::size_t>(ids.at(pair));
    out.push_back(row_dot(s.weights, activations, s.k, x, token, wb + (expert * n + j) * wrow));
  }
  return out;
}

}  // namespace xpu::reference
