#include "core/problem.hpp"

#include <array>

#include <fmt/format.h>

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

std::optional<kernel_kind> kernel_kind_parse(std::string_view name) {
  for (auto [kind, n] : kind_names)
    if (n == name) return kind;
  return std::nullopt;
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

kernel_kind problem::kind() const { return static_cast<kernel_kind>(dims.index()); }

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
