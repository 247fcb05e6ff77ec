#include "ops/conv2d/reference.hpp"

namespace xpu::reference {

std::vector<double> conv2d(const conv_shape& c, const host_buffer& x, const host_buffer& w, std::span<const std::size_t> at) {
  const std::int64_t P = c.p(), Q = c.q();
  const bool nhwc = c.layout == conv_layout::nhwc;
  auto x_index = [&](std::int64_t n, std::int64_t ch, std::int64_t h, std::int64_t wi) {
    return static_cast<std::size_t>(nhwc ? ((n * c.h + h) * c.w + wi) * c.c + ch : ((n * c.c + ch) * c.h + h) * c.w + wi);
  };
  auto w_index = [&](std::int64_t k, std::int64_t ch, std::int64_t r, std::int64_t s) {
    return static_cast<std::size_t>(nhwc ? ((k * c.r + r) * c.s + s) * c.c + ch : ((k * c.c + ch) * c.r + r) * c.s + s);
  };
  std::vector<double> out;
  out.reserve(at.size());
  for (std::size_t idx : at) {
    std::int64_t n, k, p, q, rest = static_cast<std::int64_t>(idx);
    if (nhwc) {
      k = rest % c.k, rest /= c.k;
      q = rest % Q, rest /= Q;
      p = rest % P, n = rest / P;
    } else {
      q = rest % Q, rest /= Q;
      p = rest % P, rest /= P;
      k = rest % c.k, n = rest / c.k;
    }
    double sum = 0;
    for (std::int64_t ch = 0; ch < c.c; ++ch)
      for (std::int64_t r = 0; r < c.r; ++r)
        for (std::int64_t s = 0; s < c.s; ++s) {
          const std::int64_t h = p * c.stride - c.pad + r * c.dilation, wi = q * c.stride - c.pad + s * c.dilation;
          if (h < 0 || h >= c.h || wi < 0 || wi >= c.w) continue;
          sum += x.at(x_index(n, ch, h, wi)) * w.at(w_index(k, ch, r, s));
        }
    out.push_back(sum);
  }
  return out;
}

}  // namespace xpu::reference
