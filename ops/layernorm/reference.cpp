#include "ops/layernorm/reference.hpp"

#include <cmath>
#include <limits>

namespace xpu::reference {

std::vector<double> layernorm(const layernorm_shape& s, const host_buffer& x, const host_buffer& g, const host_buffer& b, std::span<const std::size_t> at) {
  const auto cols = static_cast<std::size_t>(s.cols);
  std::vector<double> out;
  out.reserve(at.size());
  std::size_t current = std::numeric_limits<std::size_t>::max();
  double mean = 0, scale = 0;
  for (std::size_t i : at) {
    if (const std::size_t r = i / cols; r != current) {  // two passes: the mean, then the variance about it
      current = r;
      double sum = 0, squares = 0;
      for (std::size_t c = 0; c < cols; ++c) sum += x.at(r * cols + c);
      mean = sum / static_cast<double>(cols);
      for (std::size_t c = 0; c < cols; ++c) squares += (x.at(r * cols + c) - mean) * (x.at(r * cols + c) - mean);
      scale = 1.0 / std::sqrt(squares / static_cast<double>(cols) + layernorm_eps);
    }
    out.push_back((x.at(i) - mean) * scale * g.at(i % cols) + b.at(i % cols));
  }
  return out;
}

}  // namespace xpu::reference
