#include "ops/shared.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "core/half.hpp"

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

namespace ops {

void fill(host_buffer& b, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> mag(0.125f, 1.0f);
  std::bernoulli_distribution neg(0.5);
  std::uniform_int_distribution<int> u8(1, 8), s8(1, 8);
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
}

host_buffer output(element_type t, std::size_t count) {
  constexpr std::byte sentinel{0x7f};
  host_buffer b(t, count);
  std::ranges::fill(b.bytes, sentinel);
  return b;
}

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

// fp32 accumulation of `terms` products has a relative error that grows like sqrt(terms) unit
// roundoffs for random signs; 8x margin covers blocked and fused orders.
tolerance float_tolerance(double terms) {
  constexpr double u32 = 5.9604644775390625e-08;  // 2^-24
  const double bound = 8.0 * u32 * std::sqrt(std::max(terms, 1.0)) + 1e-6;
  return {false, bound, fmt::format("8 x 2^-24 x sqrt({:.0f}) + 1e-6 (fp32 accumulation of {:.0f} terms)", terms, terms)};
}

namespace {
// fp16 accumulation (a library's half GEMM): the same growth with the half unit roundoff, plus the
// rounding of the result to half.
tolerance half_tolerance(double terms) {
  constexpr double u16 = 4.8828125e-04;  // 2^-11
  const double bound = 8.0 * u16 * std::sqrt(std::max(terms, 1.0)) + u16;
  return {false, bound, fmt::format("8 x 2^-11 x sqrt({:.0f}) + 2^-11 (fp16 accumulation of {:.0f} terms, fp16 result)", terms, terms)};
}
}  // namespace

tolerance tolerance_for(precision p, precision accumulation, double terms) {
  if (p == precision::int8) return {true, 0, "exact: int8 products accumulate in int32"};
  return accumulation == precision::fp16 ? half_tolerance(terms) : float_tolerance(terms);
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

std::optional<std::string> only_peak_measures_wide_types(const problem& p) {
  if (p.type == precision::fp64 || p.type == precision::int32)
    return fmt::format("{} is measured by the peak micro-benchmark only", to_string(p.type));
  return std::nullopt;
}

}  // namespace ops
}  // namespace xpu
