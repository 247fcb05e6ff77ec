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
    if (auto ok = c.r.positive_fields(*st, s, "conv2d shape", {{"stride", &cs.stride}, {"dilation", &cs.dilation}}, false); !ok) return ok;
    if (const toml::node* v = st->get("pad")) {
      if (!v->is_integer() || *v->value<std::int64_t>() < 0)
        return c.r.error_at(*v, "'pad' must be a non-negative integer, found {}", suite_reader::type_name(*v));
      cs.pad = *v->value<std::int64_t>();
    }
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
  if (c.n <= 0 || c.c <= 0 || c.h <= 0 || c.w <= 0 || c.k <= 0 || c.r <= 0 || c.s <= 0 || c.stride <= 0 || c.dilation <= 0 || c.pad < 0)
    return fmt::format("{}: every conv2d size, stride and dilation must be positive and pad non-negative", p.id());
  // In 128 bits so that the test itself cannot wrap: every term is below 2^63.
  const auto fits = [&](std::int64_t in, std::int64_t taps) {
    __extension__ using wide = __int128;
    return wide{in} + 2 * wide{c.pad} - wide{c.dilation} * (taps - 1) - 1 >= 0;
  };
  if (!fits(c.h, c.r) || !fits(c.w, c.s))
    return fmt::format("{}: the filter ({}x{}, dilation {}) does not fit the padded input ({}x{} + pad {})", p.id(), c.r, c.s, c.dilation, c.h, c.w,
                       c.pad);
  if (std::max({c.n, c.c, c.h, c.w, c.k, c.r, c.s, c.stride, c.pad, c.dilation}) > ops::dimension_max)
    return fmt::format("{}: a conv2d size above {} (the libraries and device kernels take 32-bit sizes)", p.id(), ops::dimension_max);
  return std::nullopt;
}

constexpr precision precisions[] = {precision::fp32, precision::fp16, precision::bf16, precision::int8};

// Small verification cases: both layouts, strides, padding, dilation, 1x1 filters, channel counts
// that do and do not fill a tile (tests/kernels run each on every backend, in every precision).
std::vector<problem> cases() {
  std::vector<problem> out;
  for (const conv_shape& c : {conv_shape{2, 3, 9, 9, 5, 3, 3, 1, 1, 1, conv_layout::nchw}, conv_shape{1, 4, 10, 10, 6, 3, 3, 2, 1, 1, conv_layout::nhwc},
                              conv_shape{1, 3, 9, 9, 16, 3, 3, 1, 1, 1, conv_layout::nchw},   // K % 16 == 0: OpenCL's implicit GEMM on CPU devices
                              conv_shape{2, 5, 7, 8, 32, 3, 3, 2, 1, 1, conv_layout::nhwc},
                              conv_shape{1, 3, 11, 11, 16, 3, 3, 1, 2, 2, conv_layout::nchw},  // dilation 2, padding 2
                              conv_shape{2, 4, 9, 7, 40, 3, 3, 1, 1, 1, conv_layout::nchw},   // C*R*S % 4 == 0: Vulkan's shuffled filter rows
                              conv_shape{1, 8, 6, 6, 36, 1, 1, 1, 0, 1, conv_layout::nhwc},   // 1x1, more channels than rows per group
                              conv_shape{2, 5, 9, 9, 7, 3, 3, 1, 1, 1, conv_layout::nchw}, conv_shape{1, 3, 9, 9, 4, 3, 3, 1, 1, 1, conv_layout::nchw},
                              conv_shape{2, 5, 7, 8, 6, 3, 3, 2, 1, 1, conv_layout::nhwc}})
    out.push_back({c, precision::fp32});
  return out;
}

std::string entry(const problem& p) {
  const auto& c = std::get<conv_shape>(p.dims);
  return fmt::format("{{ n = {}, c = {}, h = {}, w = {}, k = {}, r = {}, s = {}, stride = {}, pad = {}, dilation = {}{} }}", c.n, c.c, c.h, c.w,
                     c.k, c.r, c.s, c.stride, c.pad, c.dilation, c.layout == conv_layout::nhwc ? ", layout = \"nhwc\"" : "");
}

}  // namespace

const operation& conv2d_operation() {
  static const operation op{kernel_kind::conv2d, "conv2d", precisions, true, 3, work,
                            parse, size_error, ops::only_peak_measures_wide_types, cases, measures::work, model_role::matrix, entry};
  return op;
}

}  // namespace xpu
