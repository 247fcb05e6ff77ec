#include "ops/softmax/reference.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace xpu::reference {

std::vector<double> softmax(const softmax_shape& s, const host_buffer& x, std::span<const std::size_t> at) {
  const auto cols = static_cast<std::size_t>(s.cols);
  std::vector<double> out, row(cols);
  out.reserve(at.size());
  std::size_t current = std::numeric_limits<std::size_t>::max();
  for (std::size_t i : at) {
    if (const std::size_t r = i / cols; r != current) {
      current = r;
      double top = -std::numeric_limits<double>::infinity(), sum = 0;
      for (std::size_t c = 0; c < cols; ++c) top = std::max(top, x.at(r * cols + c));
      for (std::size_t c = 0; c < cols; ++c) sum += row[c] = std::exp(x.at(r * cols + c) - top);
      for (double& v : row) v /= sum;
    }
    out.push_back(row[i % cols]);
  }
  return out;
}

}  // namespace xpu::reference
