#pragma once
// What the operations share: the seeded non-zero fill, the sentinel-filled outputs, the sample of
// outputs checked, the comparison with the reference, the tolerance rules (docs/methodology.md)
// and the support rules several operations have. Used by ops/<name>/<name>.cpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <functional>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "ops/workload.hpp"

namespace xpu {
struct section_context;
}

namespace xpu::ops {

// Non-zero values: floats of magnitude [0.125, 1) with random sign, rounded to the storage type;
// u8 in [1, 8], s8 in [-8, 8] without 0 (small integers keep int32 sums exact and in range).
// Element i is a function of one draw of `rng` and i (splitmix64): the same on every platform.
void fill(host_buffer& b, std::mt19937_64& rng);

// An output of `count` elements filled with a sentinel (0x7f7f7f7f: a large finite float, a large
// int: never a right answer).
host_buffer output(element_type t, std::size_t count);
// An output buffer filled with the sentinel again (a kept buffer before its next use).
void reset_output(host_buffer& b);

// Which output elements to check: all when total * cost_each is small, else a seeded sample.
std::vector<std::size_t> sample(std::size_t total, double cost_each, std::uint64_t seed);
// Whether that sample is every element.
bool sample_is_all(std::size_t total, double cost_each);

// The references' two loops. dot: sum of x[e] * y[e] in float64 over four interleaved partial
// sums (e mod 4), added in a fixed order: the same value on every machine and thread count.
double dot(const double* x, const double* y, std::size_t count);
// fn(0) ... fn(count - 1), spread over the OpenMP threads when `work` (multiply-adds, say) is
// enough to pay for them; each index runs on one thread, so results do not depend on the count.
// An exception from fn stops the loop and is thrown again from here.
void parallel_for(std::size_t count, double work, const std::function<void(std::size_t)>& fn);

// fp32 accumulation of `terms` products: 8 x 2^-24 x sqrt(terms) + 1e-6.
tolerance float_tolerance(double terms);
// The tolerance of a float or int8 result summed in `accumulation` (fp16: a library's half GEMM).
tolerance tolerance_for(precision p, precision accumulation, double terms);

// A float result stored in p's type: float_tolerance(terms), plus the fp16 rounding of each result
// (relative for normal values, 2^-25 absolute for subnormal ones: hence the reference values).
tolerance stored_tolerance(precision p, double terms, const std::vector<double>& ref);

// Whole rows to check (indices of their elements, row-major): every row when rows x cost_per_row
// is small, else the first, the last and a seeded sample (at most 256 rows).
std::vector<std::size_t> sample_rows(std::size_t rows, std::size_t row_length, double cost_per_row, std::uint64_t seed);

// y at the indices `at` against ref (one value per index), within tol.
verification compare(const host_buffer& y, std::span<const std::size_t> at, const std::vector<double>& ref, tolerance tol);

// The same over n checked elements given as functions: index_of(i) is the i-th element checked,
// ref(i) its reference value (two passes: the largest |ref| first). For a check of every element
// of a large output, where index and reference vectors would be gigabytes to allocate and fault in
// (the 256 MiB streams: 2-3 s a row on this VM).
template <typename IndexOf, typename Ref>
verification compare_each(const host_buffer& y, std::size_t n, IndexOf index_of, Ref ref, tolerance tol) {
  verification v;
  v.checked = true;
  v.tolerate(std::move(tol));
  v.elements_checked = n;
  v.elements_total = y.count();
  double err2 = 0, ref2 = 0, ref_max = 0;
  for (std::size_t i = 0; i < n; ++i) ref_max = std::max(ref_max, std::fabs(static_cast<double>(ref(i))));
  // Element-wise relative error where it means something: a reference near zero is cancellation,
  // where any rounding is a large relative error (the relative L2 error covers those elements).
  const double rel_floor = ref_max / 1000;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = index_of(i);
    const double got = y.at(at), want = ref(i);
    const double diff = std::isfinite(got) ? std::fabs(got - want) : std::numeric_limits<double>::infinity();
    err2 += diff * diff;
    ref2 += want * want;
    v.max_abs_error = std::max(v.max_abs_error, diff);
    if (std::fabs(want) >= rel_floor && want != 0) v.max_rel_error = std::max(v.max_rel_error, diff / std::fabs(want));
    if (v.exact && diff != 0 && v.message.empty()) v.message = fmt::format("element {}: got {}, expected {}", at, got, want);
  }
  v.rel_l2_error = ref2 > 0 ? std::sqrt(err2 / ref2) : std::sqrt(err2);
  v.passed = v.exact ? v.max_abs_error == 0 : v.rel_l2_error <= v.tolerance;
  if (!v.passed && v.message.empty())
    v.message = fmt::format("relative L2 error {:.3g} exceeds the tolerance {:.3g} ({})", v.rel_l2_error, v.tolerance, v.tolerance_basis);
  return v;
}

// BLAS, oneDNN and the device kernels take int dimensions.
inline constexpr std::int64_t dimension_max = std::numeric_limits<std::int32_t>::max();

// fp64 and int32 run in the peak micro-benchmark only (vkpeak's and clpeak's figures): the reason
// for any other operation, or nullopt.
std::optional<std::string> only_peak_measures_wide_types(const problem& p);
// The model-layer operations (softmax, rmsnorm, attention) run in fp32, fp16 and bf16 (stored in
// that type, computed in fp32) only.
std::optional<std::string> only_float_storage(const problem& p);

// The [[softmax]] and [[rmsnorm]] sections: precisions and shapes = [{rows, cols}].
result<void> parse_row_shapes(const section_context& c, kernel_kind kind, shape (*make)(std::int64_t rows, std::int64_t cols));
// Their size rule: positive, and within the kernels' 32-bit sizes.
std::optional<std::string> row_size_error(const problem& p, std::int64_t rows, std::int64_t cols);

}  // namespace xpu::ops
