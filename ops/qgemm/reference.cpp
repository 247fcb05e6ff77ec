#include "ops/qgemm/reference.hpp"

#include "ops/qgemm/blocks.hpp"

namespace xpu::reference {

std::vector<double> qgemm(const qgemm_shape& s, precision activations, const host_buffer& x, const host_buffer& w, std::span<const std::size_t> at) {
  const auto m = static_cast<std::size_t>(s.m), n = static_cast<std::size_t>(s.n), k = static_cast<std::size_t>(s.k), blocks = k / quant::block_weights;
  const std::size_t wrow = blocks * quant::block_bytes(s.weights), xrow = blocks * quant::block_bytes(quant_format::q8_0);
  const auto* wb = reinterpret_cast<const std::uint8_t*>(w.bytes.data());
  const auto* xb = reinterpret_cast<const std::uint8_t*>(x.bytes.data());
  std::vector<double> out;
  out.reserve(at.size());
  for (std::size_t idx : at) {
    const std::size_t c = idx / (m * n), i = idx % (m * n) / n, j = idx % n;  // copy c's output (i, j): copy c's weights
    double sum = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::uint8_t* wblock = wb + (c * n + j) * wrow + b * quant::block_bytes(s.weights);
      const double dw = quant::scale(wblock);
      for (int t = 0; t < quant::block_weights; ++t) {
        const double wv = dw * quant::value(s.weights, wblock, t);
        double xv;
        if (activations == precision::int8) {
          const std::uint8_t* xblock = xb + i * xrow + b * quant::block_bytes(quant_format::q8_0);
          xv = static_cast<double>(quant::scale(xblock)) * quant::value(quant_format::q8_0, xblock, t);
        } else {
          xv = x.at(i * k + b * quant::block_weights + static_cast<std::size_t>(t));
        }
        sum += xv * wv;
      }
    }
    out.push_back(sum);
  }
  return out;
}

}  // namespace xpu::reference
