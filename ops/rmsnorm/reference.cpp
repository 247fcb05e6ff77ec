#include "ops/rmsnorm/reference.hpp"

#include <cmath>
#include <limits>

namespace xpu::reference {

std::vector<double> rmsnorm(const rmsnorm_shape& s, const host_buffer& x, const host_buffer& g, std::span<const std::size_t> at) {
  const auto cols = static_cast<std::size_t>(s.cols);
  std::vector<double> out;
  out.reserve(at.size());
  std::size_t current = std::numeric_limits<std::size_t>::max();
  double scale = 0;
  for (std::size_t i : at) {
    if (const std::size_t r = i / cols; r != current) {
      current = r;
      double squares = 0;
      for (std::size_t c = 0; c < cols; ++c) squares += x.at(r * cols + c) * x.at(r * cols + c);
      scale = 1.0 / std::sqrt(squares / static_cast<double>(cols) + rmsnorm_eps);
    }
    out.push_back(x.at(i) * scale * g.at(i % cols));
  }
  return out;
}

}  // namespace xpu::reference
