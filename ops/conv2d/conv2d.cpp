// conv2d: input N x C x H x W, filter K x C x R x S, output N x K x P x Q, in nchw or nhwc
// (core/problem.hpp: conv_shape); int8 is u8 x s8 summed in int32.
#include <random>

#include "ops/conv2d/reference.hpp"
#include "ops/operation.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

class conv_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    return 2.0 * static_cast<double>(c.n * c.k * c.c * c.r * c.s) * static_cast<double>(c.p() * c.q());
  }
  double min_bytes(const problem& p) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    return static_cast<double>(c.n * c.c * c.h * c.w * size_of(input_type(p.type, 0)) + c.k * c.c * c.r * c.s * size_of(input_type(p.type, 1)) +
                               c.n * c.k * c.p() * c.q() * size_of(accumulated_output_type(p.type)));
  }
  std::string_view ops_unit(const problem& p) const override { return p.type == precision::int8 ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(input_type(p.type, 0), static_cast<std::size_t>(c.n * c.c * c.h * c.w));
    b.inputs.emplace_back(input_type(p.type, 1), static_cast<std::size_t>(c.k * c.c * c.r * c.s));
    for (auto& in : b.inputs) ops::fill(in, rng);
    b.outputs.push_back(ops::output(accumulated_output_type(p.type), static_cast<std::size_t>(c.n * c.k * c.p() * c.q())));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision acc) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    const double terms = static_cast<double>(c.c * c.r * c.s);
    const auto at = ops::sample(b.outputs[0].count(), terms, seed);
    return ops::compare(b.outputs[0], at, reference::conv2d(c, b.inputs[0], b.inputs[1], at), ops::tolerance_for(p.type, acc, terms));
  }
};

const workload& work() {
  static const conv_workload w;
  return w;
}

// `key` = one integer for every field, or an array of one per field (stride and dilation: h, w;
// pad: top, left, bottom, right, ONNX's order), each at least `least`.
result<void> per_axis(const suite_reader& r, const toml::table& t, const char* key, std::initializer_list<std::int64_t*> fields,
                      std::int64_t least) {
  const toml::node* v = t.get(key);
  if (!v) return {};
  const std::string_view axes = fields.size() == 2 ? "[h, w]" : "[top, left, bottom, right]";
  const auto bad = [&](const toml::node& at) {
    return r.error_at(at, "'{}' must be an integer {} or an array of {} such integers {}, found {}", key,
                      least == 0 ? ">= 0" : ">= 1", fields.size(), axes, suite_reader::type_name(at));
  };
  const auto take = [&](const toml::node& n, std::int64_t* dst) -> result<void> {
    if (!n.is_integer() || *n.value<std::int64_t>() < least) return bad(n);
    *dst = *n.value<std::int64_t>();
    return {};
  };
  if (const toml::array* a = v->as_array()) {
    if (a->size() != fields.size()) return bad(*v);
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (auto ok = take(*a->get(i), fields.begin()[i]); !ok) return ok;
    return {};
  }
  for (std::int64_t* f : fields)
    if (auto ok = take(*v, f); !ok) return ok;
  return {};
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[conv2d]]", {"precisions", "shapes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "[[conv2d]] needs 'shapes', an array of {{n, c, h, w, k, r, s}} tables");
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each conv2d shape must be a table like {{n = 1, c = 64, h = 56, w = 56, k = 64, r = 3, s = 3, pad = 1}}");
    if (auto ok = c.r.only_keys(*st, "a conv2d shape", {"n", "c", "h", "w", "k", "r", "s", "stride", "pad", "dilation", "layout"}); !ok) return ok;
    conv_shape cs;
    if (auto ok = c.r.positive_fields(*st, s, "conv2d shape",
                                      {{"n", &cs.n}, {"c", &cs.c}, {"h", &cs.h}, {"w", &cs.w}, {"k", &cs.k}, {"r", &cs.r}, {"s", &cs.s}}, true);
        !ok)
      return ok;
    if (auto ok = per_axis(c.r, *st, "stride", {&cs.stride_h, &cs.stride_w}, 1); !ok) return ok;
    if (auto ok = per_axis(c.r, *st, "dilation", {&cs.dilation_h, &cs.dilation_w}, 1); !ok) return ok;
    if (auto ok = per_axis(c.r, *st, "pad", {&cs.pad_top, &cs.pad_left, &cs.pad_bottom, &cs.pad_right}, 0); !ok) return ok;
    if (const toml::node* v = st->get("layout")) {
      const auto l = v->value<std::string>();
      if (!l || (*l != "nchw" && *l != "nhwc")) return c.r.error_at(*v, "'layout' must be \"nchw\" or \"nhwc\"");
      cs.layout = *l == "nchw" ? conv_layout::nchw : conv_layout::nhwc;
    }
    for (precision p : *precs)
      if (auto ok = c.add(s, {cs, p}); !ok) return ok;
  }
  return {};
}

std::optional<std::string> size_error(const problem& p) {
  const auto& c = std::get<conv_shape>(p.dims);
  if (c.n <= 0 || c.c <= 0 || c.h <= 0 || c.w <= 0 || c.k <= 0 || c.r <= 0 || c.s <= 0 || c.stride_h <= 0 || c.stride_w <= 0 ||
      c.dilation_h <= 0 || c.dilation_w <= 0 || std::min({c.pad_top, c.pad_left, c.pad_bottom, c.pad_right}) < 0)
    return fmt::format("{}: every conv2d size, stride and dilation must be positive and every pad non-negative", p.id());
  // In 128 bits so that the test itself cannot wrap: every term is below 2^63.
  const auto fits = [&](std::int64_t in, std::int64_t before, std::int64_t after, std::int64_t dilation, std::int64_t taps) {
    __extension__ using wide = __int128;
    return wide{in} + wide{before} + wide{after} - wide{dilation} * (taps - 1) - 1 >= 0;
  };
  if (!fits(c.h, c.pad_top, c.pad_bottom, c.dilation_h, c.r) || !fits(c.w, c.pad_left, c.pad_right, c.dilation_w, c.s))
    return fmt::format("{}: the filter ({}x{}, dilation {}x{}) does not fit the padded input ({}x{}, pads {},{},{},{})", p.id(), c.r, c.s,
                       c.dilation_h, c.dilation_w, c.h, c.w, c.pad_top, c.pad_left, c.pad_bottom, c.pad_right);
  if (std::max({c.n, c.c, c.h, c.w, c.k, c.r, c.s, c.stride_h, c.stride_w, c.pad_top, c.pad_left, c.pad_bottom, c.pad_right, c.dilation_h,
                c.dilation_w}) > ops::dimension_max)
    return fmt::format("{}: a conv2d size above {} (the libraries and device kernels take 32-bit sizes)", p.id(), ops::dimension_max);
  return std::nullopt;
}

constexpr precision precisions[] = {precision::fp32, precision::fp16, precision::bf16, precision::int8};

// Small verification cases: both layouts, strides, padding, dilation, 1x1 filters, channel counts
// that do and do not fill a tile (tests/kernels run each on every backend, in every precision).
std::vector<problem> cases() {
  std::vector<problem> out;
  using sq = conv_shape;
  for (const conv_shape& c : {sq::square(2, 3, 9, 9, 5, 3, 3, 1, 1, 1), sq::square(1, 4, 10, 10, 6, 3, 3, 2, 1, 1, conv_layout::nhwc),
                              sq::square(1, 3, 9, 9, 16, 3, 3, 1, 1, 1),  // K % 16 == 0: OpenCL's implicit GEMM on CPU devices
                              sq::square(2, 5, 7, 8, 32, 3, 3, 2, 1, 1, conv_layout::nhwc),
                              sq::square(1, 3, 11, 11, 16, 3, 3, 1, 2, 2),  // dilation 2, padding 2
                              sq::square(2, 4, 9, 7, 40, 3, 3, 1, 1, 1),    // C*R*S % 4 == 0: Vulkan's shuffled filter rows
                              sq::square(1, 8, 6, 6, 36, 1, 1, 1, 0, 1, conv_layout::nhwc),  // 1x1, more channels than rows per group
                              sq::square(2, 5, 9, 9, 7, 3, 3, 1, 1, 1), sq::square(1, 3, 9, 9, 4, 3, 3, 1, 1, 1),
                              sq::square(2, 5, 7, 8, 6, 3, 3, 2, 1, 1, conv_layout::nhwc),
                              // TF "SAME" with an even filter and stride 2 on 9 x 9: pads 0, 0, 1, 1 (top, left, bottom, right)
                              conv_shape{1, 3, 9, 9, 16, 2, 2, 2, 2, 0, 0, 1, 1, 1, 1, conv_layout::nchw},
                              // uneven stride and dilation where OpenCL runs its implicit GEMM (K % 16 == 0)
                              conv_shape{1, 3, 9, 8, 16, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2, conv_layout::nchw},
                              // anisotropic stride, dilation and padding, both layouts
                              conv_shape{2, 4, 9, 11, 8, 3, 2, 2, 1, 1, 0, 2, 1, 1, 2, conv_layout::nhwc},
                              conv_shape{1, 5, 10, 7, 6, 2, 3, 1, 3, 0, 2, 1, 0, 2, 1, conv_layout::nchw},
                              // 1-D (audio front ends): h = r = 1, stride 2 along w, a dilated one
                              conv_shape{2, 6, 1, 40, 16, 1, 5, 1, 2, 0, 2, 0, 2, 1, 1, conv_layout::nchw},
                              conv_shape{1, 8, 1, 33, 12, 1, 3, 1, 1, 0, 2, 0, 2, 1, 2, conv_layout::nhwc}})
    out.push_back({c, precision::fp32});
  return out;
}

std::string entry(const problem& p) {
  const auto& c = std::get<conv_shape>(p.dims);
  // Each of stride, pad and dilation as one integer where it is the same on every axis and side.
  const auto one_or_all = [](std::initializer_list<std::int64_t> v) {
    return std::ranges::all_of(v, [&](std::int64_t x) { return x == *v.begin(); }) ? fmt::format("{}", *v.begin())
                                                                                      : fmt::format("[{}]", fmt::join(v.begin(), v.end(), ", "));
  };
  return fmt::format("{{ n = {}, c = {}, h = {}, w = {}, k = {}, r = {}, s = {}, stride = {}, pad = {}, dilation = {}{} }}", c.n, c.c, c.h, c.w,
                     c.k, c.r, c.s, one_or_all({c.stride_h, c.stride_w}), one_or_all({c.pad_top, c.pad_left, c.pad_bottom, c.pad_right}),
                     one_or_all({c.dilation_h, c.dilation_w}), c.layout == conv_layout::nhwc ? ", layout = \"nhwc\"" : "");
}

}  // namespace

const operation& conv2d_operation() {
  static const operation op{kernel_kind::conv2d, "conv2d", precisions, true, 3, work,
                            parse, size_error, ops::only_peak_measures_wide_types, cases, measures::work, model_role::matrix, entry};
  return op;
}

}  // namespace xpu
