#include "ops/silu/reference.hpp"

#include <cmath>

namespace xpu::reference {

std::vector<double> silu(const host_buffer& x, std::span<const std::size_t> at) {
  std::vector<double> out;
  out.reserve(at.size());
  for (std::size_t i : at) {
    const double v = x.at(i);
    out.push_back(v / (1.0 + std::exp(-v)));
  }
  return out;
}

}  // namespace xpu::reference
