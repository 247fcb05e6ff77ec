#include "core/problem.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/checked.hpp"

namespace xpu {

namespace {
constexpr std::array<std::pair<kernel_kind, std::string_view>, 11> kind_names{{{kernel_kind::gemm, "gemm"},
                                                                            {kernel_kind::conv2d, "conv2d"},
                                                                            {kernel_kind::reduction, "reduction"},
                                                                            {kernel_kind::peak, "peak"},
                                                                            {kernel_kind::bandwidth, "bandwidth"},
                                                                            {kernel_kind::latency, "latency"},
                                                                            {kernel_kind::softmax, "softmax"},
                                                                            {kernel_kind::rmsnorm, "rmsnorm"},
                                                                            {kernel_kind::attention, "attention"},
                                                                            {kernel_kind::qgemm, "qgemm"},
                                                                            {kernel_kind::silu, "silu"}}};
}  // namespace

std::string_view to_string(kernel_kind k) {
  for (auto [kind, name] : kind_names)
    if (kind == k) return name;
  return "gemm";
}

std::string_view to_string(conv_layout l) { return l == conv_layout::nchw ? "nchw" : "nhwc"; }
std::string_view to_string(reduce_op o) { return o == reduce_op::sum ? "sum" : "max"; }
std::string_view to_string(quant_format f) { return f == quant_format::q8_0 ? "q8_0" : "q4_0"; }
std::optional<quant_format> quant_format_parse(std::string_view name) {
  if (name == "q8_0") return quant_format::q8_0;
  if (name == "q4_0") return quant_format::q4_0;
  return std::nullopt;
}

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
    std::optional<std::int64_t> operator()(const softmax_shape& s) const { return checked_mul(s.rows, s.cols); }
    std::optional<std::int64_t> operator()(const rmsnorm_shape& s) const { return checked_mul(s.rows, s.cols); }
    std::optional<std::int64_t> operator()(const silu_shape& s) const { return checked_mul(s.rows, s.cols); }
    std::optional<std::int64_t> operator()(const attention_shape& a) const {
      return max_of({checked_product({a.batch, a.heads, a.seq_q, a.head_dim}), checked_product({a.batch, a.kv_heads, a.seq_kv, a.head_dim})});
    }
    std::optional<std::int64_t> operator()(const qgemm_shape& q) const {
      return max_of({checked_mul(q.m, q.k), checked_mul(q.n, q.k), checked_mul(q.m, q.n)});
    }
  };
  return std::visit(visitor{}, p.dims);
}

double attention_shape::pairs() const {
  const double heads_total = static_cast<double>(batch) * static_cast<double>(heads);
  if (!causal) return heads_total * static_cast<double>(seq_q) * static_cast<double>(seq_kv);
  // query i sees min(seq_kv, i + 1 + seq_kv - seq_q) keys: a trapezoid when seq_kv >= seq_q
  const double q = static_cast<double>(seq_q), offset = static_cast<double>(seq_kv - seq_q);
  return heads_total * (q * (q + 1) / 2 + q * offset);
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
    std::string operator()(const softmax_shape& s) const { return fmt::format("softmax/{}/r{}c{}", p, s.rows, s.cols); }
    std::string operator()(const rmsnorm_shape& s) const { return fmt::format("rmsnorm/{}/r{}c{}", p, s.rows, s.cols); }
    std::string operator()(const silu_shape& s) const { return fmt::format("silu/{}/r{}c{}", p, s.rows, s.cols); }
    std::string operator()(const attention_shape& a) const {
      return fmt::format("attention/{}/b{}h{}kv{}q{}s{}d{}{}", p, a.batch, a.heads, a.kv_heads, a.seq_q, a.seq_kv, a.head_dim, a.causal ? "c" : "");
    }
    std::string operator()(const qgemm_shape& q) const { return fmt::format("qgemm/{}/{}/m{}n{}k{}", p, to_string(q.weights), q.m, q.n, q.k); }
  };
  return std::visit(visitor{p}, dims);
}

std::string shape_id(std::string_view id, std::string_view precision) {
  std::string full(id);
  const std::string middle = fmt::format("/{}/", precision);
  if (const auto at = full.find(middle); at != std::string::npos) full.erase(at, middle.size() - 1);
  return full;
}

std::string problem::shape_id() const { return xpu::shape_id(id(), to_string(type)); }

}  // namespace xpu
