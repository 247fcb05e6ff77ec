#include "suites/workload.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "core/checked.hpp"
#include "core/half.hpp"
#include "kernels/reference/reference.hpp"

namespace xpu {

element_type input_type(precision p, int which) {
  switch (p) {
    case precision::fp32: return element_type::f32;
    case precision::fp16: return element_type::f16;
    case precision::bf16: return element_type::bf16;
    case precision::int8: return which == 0 ? element_type::u8 : element_type::s8;  // u8 x s8 (VNNI's form)
    case precision::fp64: return element_type::f64;
    case precision::int32: return element_type::s32;
  }
  return element_type::f32;
}

element_type output_type(kernel_kind kind, precision p) {
  if (p == precision::int8 || p == precision::int32) return element_type::s32;
  if (p == precision::fp64) return element_type::f64;
  (void)kind;
  return element_type::f32;  // fp16/bf16 accumulate and write fp32
}

namespace {

// Arrays in a bandwidth working set; upload/download move their one array once per launch.
int bandwidth_arrays(bandwidth_op op) { return op == bandwidth_op::copy ? 2 : op == bandwidth_op::triad ? 3 : 1; }

constexpr std::byte sentinel{0x7f};  // 0x7f7f7f7f: a large finite float, a large int: never a right answer

// Non-zero values: floats of magnitude [0.125, 1] with random sign, rounded to the storage type;
// u8 in [1, 8], s8 in [-8, 8] without 0 (small integers keep int32 sums exact and in range).
void fill(host_buffer& b, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> mag(0.125f, 1.0f);
  std::bernoulli_distribution neg(0.5);
  std::uniform_int_distribution<int> u8(1, 8), s8(1, 8);
  const std::size_t n = b.count();
  switch (b.type) {
    case element_type::f32:
      for (float& v : b.as<float>()) v = neg(rng) ? -mag(rng) : mag(rng);
      break;
    case element_type::f16:
      for (std::uint16_t& v : b.as<std::uint16_t>()) v = half_from_float(neg(rng) ? -mag(rng) : mag(rng));
      break;
    case element_type::bf16:
      for (std::uint16_t& v : b.as<std::uint16_t>()) v = bf16_from_float(neg(rng) ? -mag(rng) : mag(rng));
      break;
    case element_type::u8:
      for (std::uint8_t& v : b.as<std::uint8_t>()) v = static_cast<std::uint8_t>(u8(rng));
      break;
    case element_type::s8:
      for (std::int8_t& v : b.as<std::int8_t>()) v = static_cast<std::int8_t>(neg(rng) ? -s8(rng) : s8(rng));
      break;
    default:
      XPU_ASSERT(false && "unexpected input type");
  }
  (void)n;
}

host_buffer output(element_type t, std::size_t count) {
  host_buffer b(t, count);
  std::ranges::fill(b.bytes, sentinel);
  return b;
}

// Which output elements to check: all when total * cost_each is small, else a seeded sample.
std::vector<std::size_t> sample(std::size_t total, double cost_each, std::uint64_t seed) {
  std::vector<std::size_t> idx;
  if (static_cast<double>(total) * cost_each <= 1.5e8 || total <= verify_sample) {
    idx.resize(total);
    std::iota(idx.begin(), idx.end(), 0);
    return idx;
  }
  std::mt19937_64 rng(seed ^ 0x5eedu);
  std::uniform_int_distribution<std::size_t> pick(0, total - 1);
  idx = {0, total - 1};  // both corners, then random
  while (idx.size() < verify_sample) idx.push_back(pick(rng));
  return idx;
}

// Float tolerance: fp32 accumulation of `terms` products has a relative error that grows like
// sqrt(terms) unit roundoffs for random signs; 8x margin covers blocked and fused orders.
tolerance float_tolerance(double terms) {
  constexpr double u32 = 5.9604644775390625e-08;  // 2^-24
  const double bound = 8.0 * u32 * std::sqrt(std::max(terms, 1.0)) + 1e-6;
  return {false, bound, fmt::format("8 x 2^-24 x sqrt({:.0f}) + 1e-6 (fp32 accumulation of {:.0f} terms)", terms, terms)};
}

verification compare(const host_buffer& y, std::span<const std::size_t> at, const std::vector<double>& ref, tolerance tol) {
  verification v;
  v.checked = true;
  v.tol = std::move(tol);
  v.elements_checked = at.size();
  v.elements_total = y.count();
  double err2 = 0, ref2 = 0;
  for (std::size_t i = 0; i < at.size(); ++i) {
    const double got = y.at(at[i]);
    const double diff = std::isfinite(got) ? std::fabs(got - ref[i]) : std::numeric_limits<double>::infinity();
    err2 += diff * diff;
    ref2 += ref[i] * ref[i];
    v.max_abs_error = std::max(v.max_abs_error, diff);
    if (v.tol.exact && diff != 0 && v.message.empty())
      v.message = fmt::format("element {}: got {}, expected {}", at[i], got, ref[i]);
  }
  v.rel_l2_error = ref2 > 0 ? std::sqrt(err2 / ref2) : std::sqrt(err2);
  v.passed = v.tol.exact ? v.max_abs_error == 0 : v.rel_l2_error <= v.tol.rel_l2;
  if (!v.passed && v.message.empty())
    v.message = fmt::format("relative L2 error {:.3g} exceeds the tolerance {:.3g} ({})", v.rel_l2_error, v.tol.rel_l2, v.tol.basis);
  return v;
}

// fp16 accumulation (a library's half GEMM): the same growth with the half unit roundoff, plus the
// rounding of the result to half.
tolerance half_tolerance(double terms) {
  constexpr double u16 = 4.8828125e-04;  // 2^-11
  const double bound = 8.0 * u16 * std::sqrt(std::max(terms, 1.0)) + u16;
  return {false, bound, fmt::format("8 x 2^-11 x sqrt({:.0f}) + 2^-11 (fp16 accumulation of {:.0f} terms, fp16 result)", terms, terms)};
}

tolerance tolerance_for(precision p, precision accumulation, double terms) {
  if (p == precision::int8) return {true, 0, "exact: int8 products accumulate in int32"};
  return accumulation == precision::fp16 ? half_tolerance(terms) : float_tolerance(terms);
}

class gemm_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    return 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  }
  double min_bytes(const problem& p) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    return static_cast<double>(g.m * g.k * size_of(input_type(p.type, 0)) + g.k * g.n * size_of(input_type(p.type, 1)) +
                               g.m * g.n * size_of(output_type(kernel_kind::gemm, p.type)));
  }
  std::string_view ops_unit(const problem& p) const override { return p.type == precision::int8 ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(input_type(p.type, 0), static_cast<std::size_t>(g.m * g.k));
    b.inputs.emplace_back(input_type(p.type, 1), static_cast<std::size_t>(g.k * g.n));
    for (auto& in : b.inputs) fill(in, rng);
    b.outputs.push_back(output(output_type(kernel_kind::gemm, p.type), static_cast<std::size_t>(g.m * g.n)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision acc) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    const auto at = sample(b.outputs[0].count(), static_cast<double>(g.k), seed);
    return compare(b.outputs[0], at, reference::gemm(g, b.inputs[0], b.inputs[1], at), tolerance_for(p.type, acc, static_cast<double>(g.k)));
  }
};

class conv_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    return 2.0 * static_cast<double>(c.n * c.k * c.c * c.r * c.s) * static_cast<double>(c.p() * c.q());
  }
  double min_bytes(const problem& p) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    return static_cast<double>(c.n * c.c * c.h * c.w * size_of(input_type(p.type, 0)) + c.k * c.c * c.r * c.s * size_of(input_type(p.type, 1)) +
                               c.n * c.k * c.p() * c.q() * size_of(output_type(kernel_kind::conv2d, p.type)));
  }
  std::string_view ops_unit(const problem& p) const override { return p.type == precision::int8 ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(input_type(p.type, 0), static_cast<std::size_t>(c.n * c.c * c.h * c.w));
    b.inputs.emplace_back(input_type(p.type, 1), static_cast<std::size_t>(c.k * c.c * c.r * c.s));
    for (auto& in : b.inputs) fill(in, rng);
    b.outputs.push_back(output(output_type(kernel_kind::conv2d, p.type), static_cast<std::size_t>(c.n * c.k * c.p() * c.q())));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision acc) const override {
    const auto& c = std::get<conv_shape>(p.dims);
    const double terms = static_cast<double>(c.c * c.r * c.s);
    const auto at = sample(b.outputs[0].count(), terms, seed);
    return compare(b.outputs[0], at, reference::conv2d(c, b.inputs[0], b.inputs[1], at), tolerance_for(p.type, acc, terms));
  }
};

class reduction_workload final : public workload {
 public:
  double ops(const problem& p) const override { return static_cast<double>(std::get<reduction_shape>(p.dims).n); }
  double min_bytes(const problem& p) const override {
    return static_cast<double>(std::get<reduction_shape>(p.dims).n * size_of(input_type(p.type, 1)));
  }
  std::string_view ops_unit(const problem&) const override { return "element"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& r = std::get<reduction_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    // int8 reductions read signed bytes (s8) and produce int32.
    b.inputs.emplace_back(p.type == precision::int8 ? element_type::s8 : input_type(p.type), static_cast<std::size_t>(r.n));
    fill(b.inputs[0], rng);
    b.outputs.push_back(output(output_type(kernel_kind::reduction, p.type), 1));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t, precision acc) const override {
    const auto& r = std::get<reduction_shape>(p.dims);
    const std::size_t at[] = {0};
    tolerance tol = r.op == reduce_op::max ? tolerance{true, 0, "exact: max selects an input"} : tolerance_for(p.type, acc, static_cast<double>(r.n));
    return compare(b.outputs[0], at, {reference::reduce(r.op, b.inputs[0])}, tol);
  }
};

class bandwidth_workload final : public workload {
 public:
  static int arrays(bandwidth_op op) { return bandwidth_arrays(op); }
  static std::size_t elements(const bandwidth_shape& s) { return static_cast<std::size_t>(s.bytes / (4 * arrays(s.op))); }
  double ops(const problem& p) const override { return min_bytes(p); }
  double min_bytes(const problem& p) const override {
    const auto& s = std::get<bandwidth_shape>(p.dims);
    return static_cast<double>(elements(s) * 4 * arrays(s.op));
  }
  std::string_view ops_unit(const problem&) const override { return "B"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& s = std::get<bandwidth_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(element_type::f32, elements(s));
    if (s.op == bandwidth_op::triad) b.inputs.emplace_back(element_type::f32, elements(s));
    for (auto& in : b.inputs) fill(in, rng);
    b.outputs.push_back(output(element_type::f32, s.op == bandwidth_op::read ? 1 : elements(s)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto& s = std::get<bandwidth_shape>(p.dims);
    const auto at = sample(b.outputs[0].count(), 1, seed);
    tolerance tol = s.op == bandwidth_op::read ? float_tolerance(static_cast<double>(elements(s)))
                                               : tolerance{false, 1e-7, "one fp32 rounding per element"};
    return compare(b.outputs[0], at, reference::bandwidth(s.op, b, at), tol);
  }
};

// Peak chains: every element runs `peak_iterations` dependent multiply-accumulate steps.
class peak_workload final : public workload {
 public:
  static constexpr std::size_t chains = peak_chains;
  static std::int64_t iterations(const problem& p) { return std::get<peak_shape>(p.dims).iterations; }
  static std::size_t lanes(precision p) { return p == precision::int8 ? 4 : p == precision::fp16 || p == precision::bf16 ? 2 : 1; }
  static bool integer(precision p) { return p == precision::int8 || p == precision::int32; }
  double ops(const problem& p) const override { return 2.0 * static_cast<double>(chains * lanes(p.type)) * static_cast<double>(iterations(p)); }
  double min_bytes(const problem&) const override { return 0; }
  std::string_view ops_unit(const problem& p) const override { return integer(p.type) ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    // Exact by construction: products are powers of two (floats) or small integers, so every
    // partial sum is representable and the reference is exact.
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> e(-14, -11), small(1, 4);
    const element_type chain_type = integer(p.type) ? element_type::s32 : p.type == precision::fp64 ? element_type::f64 : element_type::f32;
    host_buffers b;
    b.inputs.emplace_back(chain_type, chains);
    const element_type op_a = p.type == precision::fp32 ? element_type::f32 : input_type(p.type);
    const element_type op_b = p.type == precision::int8 ? element_type::s8 : op_a;
    b.inputs.emplace_back(op_a, chains * lanes(p.type));
    b.inputs.emplace_back(op_b, chains * lanes(p.type));
    for (std::size_t i = 0; i < chains; ++i) {
      if (integer(p.type)) b.inputs[0].as<std::int32_t>()[i] = small(rng);
      else if (p.type == precision::fp64) b.inputs[0].as<double>()[i] = small(rng);
      else b.inputs[0].as<float>()[i] = static_cast<float>(small(rng));
    }
    for (std::size_t i = 0; i < chains * lanes(p.type); ++i) {
      const float a = std::ldexp(1.0f, e(rng)), bv = 1.0f;
      switch (p.type) {
        case precision::fp32: b.inputs[1].as<float>()[i] = a, b.inputs[2].as<float>()[i] = bv; break;
        case precision::fp16: b.inputs[1].as<std::uint16_t>()[i] = half_from_float(a), b.inputs[2].as<std::uint16_t>()[i] = half_from_float(bv); break;
        case precision::bf16: b.inputs[1].as<std::uint16_t>()[i] = bf16_from_float(a), b.inputs[2].as<std::uint16_t>()[i] = bf16_from_float(bv); break;
        case precision::fp64: b.inputs[1].as<double>()[i] = a, b.inputs[2].as<double>()[i] = bv; break;
        case precision::int8:
          b.inputs[1].as<std::uint8_t>()[i] = static_cast<std::uint8_t>(small(rng));
          b.inputs[2].as<std::int8_t>()[i] = static_cast<std::int8_t>(small(rng) - 5);  // -4..-1
          break;
        case precision::int32:  // kernels compute x = x * a + b, which no compiler can fold; a = 1 keeps it exact
          b.inputs[1].as<std::int32_t>()[i] = 1;
          b.inputs[2].as<std::int32_t>()[i] = small(rng) - 5;  // -4..-1
          break;
      }
    }
    b.outputs.push_back(output(chain_type, chains));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto at = sample(chains, 1, seed);
    return compare(b.outputs[0], at, reference::peak(p.type, iterations(p), b, at), {true, 0, "exact: powers of two and small integers"});
  }
};

class latency_workload final : public workload {
 public:
  double ops(const problem&) const override { return 1; }
  double min_bytes(const problem&) const override { return 0; }
  std::string_view ops_unit(const problem&) const override { return "launch"; }
  host_buffers make_buffers(const problem&, std::uint64_t) const override { return {}; }
  verification verify(const problem&, const host_buffers&, std::uint64_t, precision) const override {
    verification v;
    v.message = "n/a: an empty task has no output";
    v.passed = true;
    return v;
  }
};

}  // namespace

std::optional<std::string> problem_size_error(const problem& p) {
  if (const auto* c = std::get_if<conv_shape>(&p.dims)) {
    if (c->n <= 0 || c->c <= 0 || c->h <= 0 || c->w <= 0 || c->k <= 0 || c->r <= 0 || c->s <= 0 || c->stride <= 0 || c->dilation <= 0 || c->pad < 0)
      return fmt::format("{}: every conv2d size, stride and dilation must be positive and pad non-negative", p.id());
    // In 128 bits so that the test itself cannot wrap: every term is below 2^63.
    const auto fits = [&](std::int64_t in, std::int64_t taps) {
      __extension__ using wide = __int128;
      return wide{in} + 2 * wide{c->pad} - wide{c->dilation} * (taps - 1) - 1 >= 0;
    };
    if (!fits(c->h, c->r) || !fits(c->w, c->s))
      return fmt::format("{}: the filter ({}x{}, dilation {}) does not fit the padded input ({}x{} + pad {})", p.id(), c->r, c->s, c->dilation, c->h,
                         c->w, c->pad);
  }
  constexpr std::int64_t dim_max = std::numeric_limits<std::int32_t>::max();  // BLAS, oneDNN and the device kernels take int dimensions
  if (const auto* g = std::get_if<gemm_shape>(&p.dims); g && std::max({g->m, g->n, g->k}) > dim_max)
    return fmt::format("{}: a GEMM dimension above {} (BLAS and the device kernels take 32-bit dimensions)", p.id(), dim_max);
  if (const auto* c = std::get_if<conv_shape>(&p.dims); c && std::max({c->n, c->c, c->h, c->w, c->k, c->r, c->s, c->stride, c->pad, c->dilation}) > dim_max)
    return fmt::format("{}: a conv2d size above {} (the libraries and device kernels take 32-bit sizes)", p.id(), dim_max);
  const auto largest = largest_tensor_elements(p);
  if (!largest)
    return fmt::format("{}: the sizes multiply beyond 64-bit arithmetic; no device holds such a tensor (at most 2^46 elements)", p.id());
  if (*largest > max_tensor_elements)
    return fmt::format("{}: a tensor of {} elements is beyond any device (at most 2^46 = {} elements)", p.id(), *largest, max_tensor_elements);
  if (const auto* b = std::get_if<bandwidth_shape>(&p.dims)) {
    const std::int64_t least = 4 * bandwidth_arrays(b->op);
    if (b->bytes < least)
      return fmt::format("{}: a {} working set of {} bytes holds no fp32 element; use at least {} bytes", p.id(), to_string(b->op), b->bytes, least);
  }
  if (const auto* k = std::get_if<peak_shape>(&p.dims); k && (k->iterations <= 0 || k->iterations > max_peak_iterations))
    return fmt::format("{}: peak iterations must be 1 to {}, found {}", p.id(), max_peak_iterations, k->iterations);
  return std::nullopt;
}

const workload& workload_for(kernel_kind kind) {
  static const gemm_workload gemm;
  static const conv_workload conv;
  static const reduction_workload reduction;
  static const peak_workload peak;
  static const bandwidth_workload bandwidth;
  static const latency_workload latency;
  switch (kind) {
    case kernel_kind::gemm: return gemm;
    case kernel_kind::conv2d: return conv;
    case kernel_kind::reduction: return reduction;
    case kernel_kind::peak: return peak;
    case kernel_kind::bandwidth: return bandwidth;
    case kernel_kind::latency: return latency;
  }
  return gemm;
}

}  // namespace xpu
