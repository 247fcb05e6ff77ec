#include "core/problem.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/checked.hpp"

namespace xpu {

namespace {
constexpr std::array<std::pair<kernel_kind, std::string_view>, 6> kind_names{{{kernel_kind::gemm, "gemm"},
                                                                            {kernel_kind::conv2d, "conv2d"},
                                                                            {kernel_kind::reduction, "reduction"},
                                                                            {kernel_kind::peak, "peak"},
                                                                            {kernel_kind::bandwidth, "bandwidth"},
                                                                            {kernel_kind::latency, "latency"}}};
}  // namespace

std::string_view to_string(kernel_kind k) {
  for (auto [kind, name] : kind_names)
    if (kind == k) return name;
  return "gemm";
}

std::string_view to_string(conv_layout l) { return l == conv_layout::nchw ? "nchw" : "nhwc"; }
std::string_view to_string(reduce_op o) { return o == reduce_op::sum ? "sum" : "max"; }
std::string_view to_string(bandwidth_op o) {
  switch (o) {
    case bandwidth_op::read: return "read";
    case bandwidth_op::copy: return "copy";
    case bandwidth_op::triad: return "triad";
    case bandwidth_op::upload: return "upload";
    case bandwidth_op::download: return "download";
  }
  return "triad";
}

namespace {
// One output extent of a convolution, checked: (in + 2 pad - dilation (taps - 1) - 1) / stride + 1.
std::optional<std::int64_t> conv_extent(std::int64_t in, std::int64_t taps, std::int64_t pad, std::int64_t dilation, std::int64_t stride) {
  const auto padded = checked_add(in, checked_mul(2, pad).value_or(-1));
  const auto span = checked_mul(dilation, taps - 1);
  if (!padded || !span || pad < 0 || stride <= 0 || *padded < 0) return std::nullopt;
  const std::int64_t room = *padded - *span - 1;  // both are non-negative: no overflow
  if (room < 0) return std::nullopt;
  return room / stride + 1;
}

std::optional<std::int64_t> max_of(std::initializer_list<std::optional<std::int64_t>> counts) {
  std::int64_t m = 0;
  for (const auto& c : counts) {
    if (!c) return std::nullopt;
    m = std::max(m, *c);
  }
  return m;
}
}  // namespace

std::optional<std::int64_t> largest_tensor_elements(const problem& p) {
  struct visitor {
    std::optional<std::int64_t> operator()(const gemm_shape& g) const {
      return max_of({checked_mul(g.m, g.k), checked_mul(g.k, g.n), checked_mul(g.m, g.n)});
    }
    std::optional<std::int64_t> operator()(const conv_shape& c) const {
      const auto p = conv_extent(c.h, c.r, c.pad, c.dilation, c.stride), q = conv_extent(c.w, c.s, c.pad, c.dilation, c.stride);
      if (!p || !q) return std::nullopt;
      return max_of({checked_product({c.n, c.c, c.h, c.w}), checked_product({c.k, c.c, c.r, c.s}), checked_product({c.n, c.k, *p, *q})});
    }
    std::optional<std::int64_t> operator()(const reduction_shape& r) const { return r.n < 0 ? std::nullopt : std::optional(r.n); }
    std::optional<std::int64_t> operator()(const peak_shape&) const { return static_cast<std::int64_t>(peak_chains * 4); }
    std::optional<std::int64_t> operator()(const bandwidth_shape& b) const { return b.bytes < 0 ? std::nullopt : std::optional(b.bytes / 4); }
    std::optional<std::int64_t> operator()(const latency_shape&) const { return 0; }
  };
  return std::visit(visitor{}, p.dims);
}

kernel_kind problem::kind() const {
  return std::visit([](const auto& s) { return s.kind; }, dims);
}

std::string problem::id() const {
  const std::string_view p = to_string(type);
  struct visitor {
    std::string_view p;
    std::string operator()(const gemm_shape& g) const {
      return fmt::format("gemm/{}/m{}n{}k{}{}{}", p, g.m, g.n, g.k, g.trans_a ? "ta" : "", g.trans_b ? "tb" : "");
    }
    std::string operator()(const conv_shape& c) const {
      return fmt::format("conv2d/{}/n{}c{}h{}w{}k{}r{}s{}u{}p{}d{}{}", p, c.n, c.c, c.h, c.w, c.k, c.r, c.s, c.stride, c.pad,
                         c.dilation, to_string(c.layout));
    }
    std::string operator()(const reduction_shape& r) const { return fmt::format("reduction/{}/{}/n{}", p, to_string(r.op), r.n); }
    std::string operator()(const peak_shape&) const { return fmt::format("peak/{}", p); }
    std::string operator()(const bandwidth_shape& b) const { return fmt::format("bandwidth/{}/b{}", to_string(b.op), b.bytes); }
    std::string operator()(const latency_shape&) const { return "latency/empty"; }
  };
  return std::visit(visitor{p}, dims);
}

}  // namespace xpu
