#include "ops/attention/reference.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace xpu::reference {

std::vector<double> attention(const attention_shape& a, const host_buffer& q, const host_buffer& k, const host_buffer& v,
                              std::span<const std::size_t> at) {
  const auto d = static_cast<std::size_t>(a.head_dim), sq = static_cast<std::size_t>(a.seq_q), skv = static_cast<std::size_t>(a.seq_kv);
  const auto heads = static_cast<std::size_t>(a.heads), group = static_cast<std::size_t>(a.heads / a.kv_heads);
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<double> out, o(d), w(skv);
  out.reserve(at.size());
  std::size_t current = std::numeric_limits<std::size_t>::max();
  for (std::size_t idx : at) {
    if (const std::size_t row = idx / d; row != current) {  // row = (b * heads + h) * seq_q + i
      current = row;
      const std::size_t i = row % sq, bh = row / sq, b = bh / heads, h = bh % heads;
      const std::size_t kv_base = (b * static_cast<std::size_t>(a.kv_heads) + h / group) * skv * d;
      const std::size_t keys = a.causal ? std::min(skv, i + 1 + (skv - sq)) : skv;
      double top = -std::numeric_limits<double>::infinity(), sum = 0;
      for (std::size_t j = 0; j < keys; ++j) {
        double s = 0;
        for (std::size_t c = 0; c < d; ++c) s += q.at(row * d + c) * k.at(kv_base + j * d + c);
        w[j] = s * scale;
        top = std::max(top, w[j]);
      }
      std::ranges::fill(o, 0.0);
      for (std::size_t j = 0; j < keys; ++j) {
        w[j] = std::exp(w[j] - top);
        sum += w[j];
        for (std::size_t c = 0; c < d; ++c) o[c] += w[j] * v.at(kv_base + j * d + c);
      }
      for (double& x : o) x /= sum;
    }
    out.push_back(o[idx % d]);
  }
  return out;
}

}  // namespace xpu::reference
