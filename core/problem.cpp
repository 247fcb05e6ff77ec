#include "core/problem.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "core/checked.hpp"

namespace xpu {

namespace {
constexpr std::array<std::pair<kernel_kind, std::string_view>, 13> kind_names{{{kernel_kind::gemm, "gemm"},
                                                                            {kernel_kind::conv2d, "conv2d"},
                                                                            {kernel_kind::reduction, "reduction"},
                                                                            {kernel_kind::peak, "peak"},
                                                                            {kernel_kind::bandwidth, "bandwidth"},
                                                                            {kernel_kind::latency, "latency"},
                                                                            {kernel_kind::softmax, "softmax"},
                                                                            {kernel_kind::rmsnorm, "rmsnorm"},
                                                                            {kernel_kind::layernorm, "layernorm"},
                                                                            {kernel_kind::attention, "attention"},
                                                                            {kernel_kind::qgemm, "qgemm"},
                                                                            {kernel_kind::silu, "silu"},
                                                                            {kernel_kind::moe, "moe"}}};
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
std::optional<std::int64_t> conv_extent(std::int64_t in, std::int64_t taps, std::int64_t pad_before, std::int64_t pad_after, std::int64_t dilation,
                                        std::int64_t stride) {
  if (pad_before < 0 || pad_after < 0 || stride <= 0) return std::nullopt;
  const auto pads = checked_add(pad_before, pad_after);
  const auto padded = pads ? checked_add(in, *pads) : std::nullopt;
  const auto span = checked_mul(dilation, taps - 1);
  if (!padded || !span || *padded < 0) return std::nullopt;
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
      const auto p = conv_extent(c.h, c.r, c.pad_top, c.pad_bottom, c.dilation_h, c.stride_h);
      const auto q = conv_extent(c.w, c.s, c.pad_left, c.pad_right, c.dilation_w, c.stride_w);
      if (!p || !q) return std::nullopt;
      return max_of({checked_product({c.n, c.c, c.h, c.w}), checked_product({c.k, c.c, c.r, c.s}), checked_product({c.n, c.k, *p, *q})});
    }
    std::optional<std::int64_t> operator()(const reduction_shape& r) const { return r.n < 0 ? std::nullopt : std::optional(r.n); }
    std::optional<std::int64_t> operator()(const peak_shape&) const { return static_cast<std::int64_t>(peak_chains * 4); }
    std::optional<std::int64_t> operator()(const bandwidth_shape& b) const { return b.bytes < 0 ? std::nullopt : std::optional(b.bytes / 4); }
    std::optional<std::int64_t> operator()(const latency_shape&) const { return 0; }
    std::optional<std::int64_t> operator()(const softmax_shape& s) const { return checked_mul(s.rows, s.cols); }
    std::optional<std::int64_t> operator()(const rmsnorm_shape& s) const { return checked_mul(s.rows, s.cols); }
    std::optional<std::int64_t> operator()(const layernorm_shape& s) const { return checked_mul(s.rows, s.cols); }
    std::optional<std::int64_t> operator()(const silu_shape& s) const { return checked_mul(s.rows, s.cols); }
    std::optional<std::int64_t> operator()(const attention_shape& a) const {
      return max_of({checked_product({a.batch, a.heads, a.seq_q, a.head_dim}), checked_product({a.batch, a.kv_heads, a.seq_kv, a.head_dim})});
    }
    std::optional<std::int64_t> operator()(const moe_shape& e) const {
      return max_of({checked_mul(e.m, e.k), checked_product({e.copies, e.experts, e.n, e.k}), checked_product({e.copies, e.m, e.used, e.n})});
    }
    std::optional<std::int64_t> operator()(const qgemm_shape& q) const {
      return max_of({checked_mul(q.m, q.k), checked_product({q.copies, q.n, q.k}), checked_product({q.copies, q.m, q.n})});
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
      // Each of stride, pad and dilation as one number where it is the same both ways (every side),
      // else all of its values joined by 'x' (pads: top, left, bottom, right).
      const auto one_or_all = [](std::initializer_list<std::int64_t> v) {
        return std::ranges::all_of(v, [&](std::int64_t x) { return x == *v.begin(); }) ? fmt::format("{}", *v.begin())
                                                                                          : fmt::format("{}", fmt::join(v.begin(), v.end(), "x"));
      };
      return fmt::format("conv2d/{}/n{}c{}h{}w{}k{}r{}s{}u{}p{}d{}{}", p, c.n, c.c, c.h, c.w, c.k, c.r, c.s, one_or_all({c.stride_h, c.stride_w}),
                         one_or_all({c.pad_top, c.pad_left, c.pad_bottom, c.pad_right}), one_or_all({c.dilation_h, c.dilation_w}),
                         to_string(c.layout));
    }
    std::string operator()(const reduction_shape& r) const { return fmt::format("reduction/{}/{}/n{}", p, to_string(r.op), r.n); }
    std::string operator()(const peak_shape&) const { return fmt::format("peak/{}", p); }
    std::string operator()(const bandwidth_shape& b) const { return fmt::format("bandwidth/{}/b{}", to_string(b.op), b.bytes); }
    std::string operator()(const latency_shape&) const { return "latency/empty"; }
    std::string operator()(const softmax_shape& s) const { return fmt::format("softmax/{}/r{}c{}", p, s.rows, s.cols); }
    std::string operator()(const rmsnorm_shape& s) const { return fmt::format("rmsnorm/{}/r{}c{}", p, s.rows, s.cols); }
    std::string operator()(const layernorm_shape& s) const { return fmt::format("layernorm/{}/r{}c{}", p, s.rows, s.cols); }
    std::string operator()(const silu_shape& s) const { return fmt::format("silu/{}/r{}c{}", p, s.rows, s.cols); }
    std::string operator()(const attention_shape& a) const {
      return fmt::format("attention/{}/b{}h{}kv{}q{}s{}d{}{}", p, a.batch, a.heads, a.kv_heads, a.seq_q, a.seq_kv, a.head_dim, a.causal ? "c" : "");
    }
    std::string operator()(const moe_shape& e) const {
      return fmt::format("moe/{}/{}/m{}n{}k{}e{}u{}{}", p, to_string(e.weights), e.m, e.n, e.k, e.experts, e.used,
                         e.copies != 1 ? fmt::format("x{}", e.copies) : "");
    }
    std::string operator()(const qgemm_shape& q) const {
      return fmt::format("qgemm/{}/{}/m{}n{}k{}{}", p, to_string(q.weights), q.m, q.n, q.k, q.copies != 1 ? fmt::format("x{}", q.copies) : "");
    }
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

namespace {

// Takes `tag` and the decimal number after it from the front of s ("m1024..." with tag "m").
bool take_number(std::string_view& s, std::string_view tag, std::int64_t& v) {
  if (!s.starts_with(tag)) return false;
  s.remove_prefix(tag.size());
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end == s.data() || v < 0) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return true;
}

// One number for every field (the same both ways), or one per field joined by 'x'.
bool take_numbers(std::string_view& s, std::string_view tag, std::initializer_list<std::int64_t*> fields) {
  if (!take_number(s, tag, **fields.begin())) return false;
  const std::int64_t first = **fields.begin();
  if (!s.starts_with('x')) {
    for (std::int64_t* f : fields) *f = first;
    return true;
  }
  for (auto f = fields.begin() + 1; f != fields.end(); ++f)
    if (!take_number(s, "x", **f)) return false;
  return true;
}

bool take_word(std::string_view& s, std::string_view word) {
  if (!s.starts_with(word)) return false;
  s.remove_prefix(word.size());
  return true;
}

template <class E, std::size_t N>
std::optional<E> word_of(std::string_view s, const E (&values)[N]) {
  for (E e : values)
    if (to_string(e) == s) return e;
  return std::nullopt;
}

// The parts after the kind (and the precision, where the id has one): "m8n8k8tb", or "q4_0", "m1n8k32".
std::optional<shape> shape_of(kernel_kind kind, std::span<const std::string_view> parts) {
  const auto one = [&]() -> std::optional<std::string_view> { return parts.size() == 1 ? std::optional(parts[0]) : std::nullopt; };
  const auto rows_cols = [&](auto made) -> std::optional<shape> {
    auto s = one();
    if (!s || !take_number(*s, "r", made.rows) || !take_number(*s, "c", made.cols) || !s->empty()) return std::nullopt;
    return made;
  };
  switch (kind) {
    case kernel_kind::gemm: {
      gemm_shape g;
      auto s = one();
      if (!s || !take_number(*s, "m", g.m) || !take_number(*s, "n", g.n) || !take_number(*s, "k", g.k)) return std::nullopt;
      g.trans_a = take_word(*s, "ta");
      g.trans_b = take_word(*s, "tb");
      return s->empty() ? std::optional<shape>(g) : std::nullopt;
    }
    case kernel_kind::conv2d: {
      conv_shape c;
      auto s = one();
      if (!s || !take_number(*s, "n", c.n) || !take_number(*s, "c", c.c) || !take_number(*s, "h", c.h) || !take_number(*s, "w", c.w) ||
          !take_number(*s, "k", c.k) || !take_number(*s, "r", c.r) || !take_number(*s, "s", c.s) ||
          !take_numbers(*s, "u", {&c.stride_h, &c.stride_w}) || !take_numbers(*s, "p", {&c.pad_top, &c.pad_left, &c.pad_bottom, &c.pad_right}) ||
          !take_numbers(*s, "d", {&c.dilation_h, &c.dilation_w}))
        return std::nullopt;
      const auto layout = word_of(*s, {conv_layout::nchw, conv_layout::nhwc});
      if (!layout) return std::nullopt;
      c.layout = *layout;
      return c;
    }
    case kernel_kind::reduction: {
      reduction_shape r;
      const auto op = parts.size() == 2 ? word_of(parts[0], {reduce_op::sum, reduce_op::max}) : std::nullopt;
      std::string_view s = parts.size() == 2 ? parts[1] : "";
      if (!op || !take_number(s, "n", r.n) || !s.empty()) return std::nullopt;
      r.op = *op;
      return r;
    }
    case kernel_kind::peak: return parts.empty() ? std::optional<shape>(peak_shape{}) : std::nullopt;
    case kernel_kind::bandwidth: {
      bandwidth_shape b;
      const auto op = parts.size() == 2 ? word_of(parts[0], all_bandwidth_ops) : std::nullopt;
      std::string_view s = parts.size() == 2 ? parts[1] : "";
      if (!op || !take_number(s, "b", b.bytes) || !s.empty()) return std::nullopt;
      b.op = *op;
      return b;
    }
    case kernel_kind::latency: return one() == "empty" ? std::optional<shape>(latency_shape{}) : std::nullopt;
    case kernel_kind::softmax: return rows_cols(softmax_shape{});
    case kernel_kind::rmsnorm: return rows_cols(rmsnorm_shape{});
    case kernel_kind::layernorm: return rows_cols(layernorm_shape{});
    case kernel_kind::silu: return rows_cols(silu_shape{});
    case kernel_kind::attention: {
      attention_shape a;
      auto s = one();
      if (!s || !take_number(*s, "b", a.batch) || !take_number(*s, "h", a.heads) || !take_number(*s, "kv", a.kv_heads) ||
          !take_number(*s, "q", a.seq_q) || !take_number(*s, "s", a.seq_kv) || !take_number(*s, "d", a.head_dim))
        return std::nullopt;
      a.causal = take_word(*s, "c");
      return s->empty() ? std::optional<shape>(a) : std::nullopt;
    }
    case kernel_kind::qgemm: {
      qgemm_shape q;
      const auto weights = parts.size() == 2 ? quant_format_parse(parts[0]) : std::nullopt;
      std::string_view s = parts.size() == 2 ? parts[1] : "";
      if (!weights || !take_number(s, "m", q.m) || !take_number(s, "n", q.n) || !take_number(s, "k", q.k)) return std::nullopt;
      if (!s.empty() && (!take_number(s, "x", q.copies) || q.copies < 2)) return std::nullopt;  // one copy is written without x
      if (!s.empty()) return std::nullopt;
      q.weights = *weights;
      return q;
    }
    case kernel_kind::moe: {
      moe_shape e;
      const auto weights = parts.size() == 2 ? quant_format_parse(parts[0]) : std::nullopt;
      std::string_view s = parts.size() == 2 ? parts[1] : "";
      if (!weights || !take_number(s, "m", e.m) || !take_number(s, "n", e.n) || !take_number(s, "k", e.k) || !take_number(s, "e", e.experts) ||
          !take_number(s, "u", e.used))
        return std::nullopt;
      if (!s.empty() && (!take_number(s, "x", e.copies) || e.copies < 2)) return std::nullopt;  // one copy is written without x
      if (!s.empty()) return std::nullopt;
      e.weights = *weights;
      return e;
    }
  }
  return std::nullopt;
}

// with_precision: the id has its precision part (problem::id()), else it is a shape id.
std::optional<problem> parse_id(std::string_view id, bool with_precision, precision given) {
  std::vector<std::string_view> parts;
  for (std::size_t at = 0;;) {
    const auto slash = id.find('/', at);
    parts.push_back(id.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  const auto named = std::ranges::find(kind_names, parts[0], &std::pair<kernel_kind, std::string_view>::second);
  if (named == kind_names.end()) return std::nullopt;
  problem p;
  p.type = given;
  std::span<const std::string_view> rest(parts.begin() + 1, parts.end());
  const bool typed = named->first != kernel_kind::bandwidth && named->first != kernel_kind::latency;  // what id() writes
  // A shape id keeps the precision where nothing follows it ("peak/fp32": shape_id() removes "/fp32/" only).
  if (typed && (with_precision || (named->first == kernel_kind::peak && rest.size() == 1))) {
    const auto type = rest.empty() ? std::nullopt : precision_parse(rest[0]);
    if (!type) return std::nullopt;
    p.type = *type;
    rest = rest.subspan(1);
  }
  auto dims = shape_of(named->first, rest);
  if (!dims) return std::nullopt;
  p.dims = *dims;
  // The canonical spelling only (no leading zeros, no "+"): the id read is the id written.
  if ((with_precision ? p.id() : p.shape_id()) != id) return std::nullopt;
  return p;
}

}  // namespace

std::optional<problem> problem_from_id(std::string_view id) { return parse_id(id, true, precision::fp32); }

std::optional<problem> problem_from_shape_id(std::string_view shape_id, precision p) { return parse_id(shape_id, false, p); }

std::optional<quant_format> quantized_weights(std::string_view id) {
  const auto p = problem_from_id(id);
  if (const auto* q = p ? std::get_if<qgemm_shape>(&p->dims) : nullptr) return q->weights;
  if (const auto* e = p ? std::get_if<moe_shape>(&p->dims) : nullptr) return e->weights;
  return std::nullopt;
}

}  // namespace xpu
