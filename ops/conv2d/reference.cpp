#include "ops/conv2d/reference.hpp"

#include <algorithm>

#include "ops/shared.hpp"

namespace xpu::reference {
namespace {

// The first and one-past-last filter taps r (or s) whose input row (column) p * stride_h - pad_top
// + r * dilation_h lies inside [0, extent): the taps that read padding add nothing.
std::pair<std::int64_t, std::int64_t> taps_inside(std::int64_t origin, std::int64_t taps, std::int64_t dilation, std::int64_t extent) {
  std::int64_t first = 0, last = taps;
  while (first < taps && origin + first * dilation < 0) ++first;
  while (last > first && origin + (last - 1) * dilation >= extent) --last;
  return {first, last};
}

}  // namespace

std::vector<double> conv2d(const conv_shape& c, const host_buffer& x, const host_buffer& w, std::span<const std::size_t> at) {
  const std::int64_t P = c.p(), Q = c.q();
  const bool nhwc = c.layout == conv_layout::nhwc;
  // Strides of X (n, ch, h, w) and W (k, ch, r, s) in elements, for either layout.
  const std::int64_t xs_n = c.c * c.h * c.w, xs_c = nhwc ? 1 : c.h * c.w, xs_h = nhwc ? c.w * c.c : c.w, xs_w = nhwc ? c.c : 1;
  const std::int64_t ws_k = c.c * c.r * c.s, ws_c = nhwc ? 1 : c.r * c.s, ws_r = nhwc ? c.s * c.c : c.s, ws_s = nhwc ? c.c : 1;
  // Both tensors widened to float64 once when they are no bigger than the work of the outputs
  // asked for (a whole check); a sample of a big convolution reads them element by element.
  const double terms = static_cast<double>(c.c * c.r * c.s);
  const bool widen = static_cast<double>(x.count() + w.count()) <= static_cast<double>(at.size()) * terms;
  std::vector<double> xd(widen ? x.count() : 0), wd(widen ? w.count() : 0);
  if (widen) x.widen(0, 1, x.count(), xd.data()), w.widen(0, 1, w.count(), wd.data());
  std::vector<double> out(at.size());
  const auto each = [&](std::size_t e, const auto& x_at, const auto& w_at) {
    std::int64_t n, k, p, q, rest = static_cast<std::int64_t>(at[e]);
    if (nhwc) {
      k = rest % c.k, rest /= c.k;
      q = rest % Q, rest /= Q;
      p = rest % P, n = rest / P;
    } else {
      q = rest % Q, rest /= Q;
      p = rest % P, rest /= P;
      k = rest % c.k, n = rest / c.k;
    }
    const std::int64_t h0 = p * c.stride_h - c.pad_top, w0 = q * c.stride_w - c.pad_left;
    const auto [r_first, r_last] = taps_inside(h0, c.r, c.dilation_h, c.h);
    const auto [s_first, s_last] = taps_inside(w0, c.s, c.dilation_w, c.w);
    double sum = 0;
    for (std::int64_t ch = 0; ch < c.c; ++ch)
      for (std::int64_t r = r_first; r < r_last; ++r) {
        const std::int64_t x_row = n * xs_n + ch * xs_c + (h0 + r * c.dilation_h) * xs_h, w_row = k * ws_k + ch * ws_c + r * ws_r;
        for (std::int64_t s = s_first; s < s_last; ++s) sum += x_at(x_row + (w0 + s * c.dilation_w) * xs_w) * w_at(w_row + s * ws_s);
      }
    out[e] = sum;
  };
  const auto from = [](const std::vector<double>& v) { return [&v](std::int64_t i) { return v[static_cast<std::size_t>(i)]; }; };
  const auto read = [](const host_buffer& b) { return [&b](std::int64_t i) { return b.at(static_cast<std::size_t>(i)); }; };
  ops::parallel_for(at.size(), static_cast<double>(at.size()) * terms, [&](std::size_t e) {
    if (widen) each(e, from(xd), from(wd));
    else each(e, read(x), read(w));
  });
  return out;
}

}  // namespace xpu::reference
