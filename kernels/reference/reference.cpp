#include "kernels/reference/reference.hpp"

#include <algorithm>
#include <limits>

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

double reduce(reduce_op op, const host_buffer& x) {
  if (op == reduce_op::sum) {
    double sum = 0;
    for (std::size_t i = 0; i < x.count(); ++i) sum += x.at(i);
    return sum;
  }
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < x.count(); ++i) best = std::max(best, x.at(i));
  return best;
}

std::vector<double> bandwidth(bandwidth_op op, const host_buffers& in, std::span<const std::size_t> at) {
  std::vector<double> out;
  if (op == bandwidth_op::read) {
    for (std::size_t i = 0; i < at.size(); ++i) out.push_back(reduce(reduce_op::sum, in.inputs[0]));
    return out;
  }
  for (std::size_t idx : at)
    out.push_back(op == bandwidth_op::triad ? in.inputs[0].at(idx) + 3.0 * in.inputs[1].at(idx) : in.inputs[0].at(idx));
  return out;
}

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
