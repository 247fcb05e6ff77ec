#include "ops/shared.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "core/half.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {

element_type input_type(precision p, int which) {
  switch (p) {
    case precision::fp32: return element_type::f32;
    case precision::fp16: return element_type::f16;
    case precision::bf16: return element_type::bf16;
    case precision::int8: return which == 0 ? element_type::u8 : element_type::s8;  // u8 x s8 (VNNI's form)
    case precision::fp64: return element_type::f64;
    case precision::int32: return element_type::s32;
    case precision::fp8_e4m3:
    case precision::fp8_e5m2: return element_type::u8;  // fp8 bytes (no kernel takes them yet: every device refuses fp8 first)
  }
  return element_type::f32;
}

element_type accumulated_output_type(precision p) {
  if (p == precision::int8 || p == precision::int32) return element_type::s32;
  if (p == precision::fp64) return element_type::f64;
  return element_type::f32;
}

element_type stored_output_type(precision p) {
  if (p == precision::fp16) return element_type::f16;
  if (p == precision::bf16) return element_type::bf16;
  return accumulated_output_type(p);
}

namespace ops {

namespace {

// splitmix64's output function (Steele, Lea and Flood, OOPSLA 2014): element i of a fill is a
// function of the fill's seed and i alone, the same on every platform (std's distributions are
// implementation-defined) and about twenty times faster than a Mersenne Twister through them,
// which mattered: filling the 256 MiB streams was most of the quick suite's time.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

// A float of magnitude [0.125, 1) (24 random bits) with a random sign (the top bit).
float signed_magnitude(std::uint64_t r) {
  const float mag = 0.125f + 0.875f * static_cast<float>(r & 0xffffffu) * 0x1p-24f;
  return (r >> 63) != 0 ? -mag : mag;
}

template <typename T, typename F>
void fill_with(host_buffer& b, std::uint64_t seed, F value) {
  std::span<T> v = b.as<T>();
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = value(mix(seed + (i + 1) * 0x9e3779b97f4a7c15u));
}

}  // namespace

void fill(host_buffer& b, std::mt19937_64& rng) {
  const std::uint64_t seed = rng();
  switch (b.type) {
    case element_type::f32:
      fill_with<float>(b, seed, signed_magnitude);
      break;
    case element_type::f16:
      fill_with<std::uint16_t>(b, seed, [](std::uint64_t r) { return half_from_float(signed_magnitude(r)); });
      break;
    case element_type::bf16:
      fill_with<std::uint16_t>(b, seed, [](std::uint64_t r) { return bf16_from_float(signed_magnitude(r)); });
      break;
    case element_type::u8:
      fill_with<std::uint8_t>(b, seed, [](std::uint64_t r) { return static_cast<std::uint8_t>(1 + (r & 7u)); });
      break;
    case element_type::s8:
      fill_with<std::int8_t>(b, seed, [](std::uint64_t r) {
        const int v = 1 + static_cast<int>(r & 7u);
        return static_cast<std::int8_t>((r >> 63) != 0 ? -v : v);
      });
      break;
    default:
      XPU_ASSERT(false && "unexpected input type");
  }
}

void reset_output(host_buffer& b) {
  constexpr std::byte sentinel{0x7f};
  std::ranges::fill(b.bytes, sentinel);
}

host_buffer output(element_type t, std::size_t count) {
  host_buffer b(t, count);
  reset_output(b);
  return b;
}

double dot(const double* x, const double* y, std::size_t count) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t e = 0;
  for (; e + 4 <= count; e += 4) {
    s0 += x[e] * y[e];
    s1 += x[e + 1] * y[e + 1];
    s2 += x[e + 2] * y[e + 2];
    s3 += x[e + 3] * y[e + 3];
  }
  for (; e < count; ++e) s0 += x[e] * y[e];
  return (s0 + s1) + (s2 + s3);
}

void parallel_for(std::size_t count, double work, const std::function<void(std::size_t)>& fn) {
  const auto n = static_cast<std::int64_t>(count);
  // An exception may not leave an OpenMP region (it would end the process): the first one is kept,
  // the remaining indices skipped, and it is thrown again after the loop (std::bad_alloc becomes
  // the row's "out of host memory", as it would without threads).
  std::exception_ptr failed;
  std::atomic<bool> stop = false;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic) if (work > 4e6 && count > 1)
#else
  (void)work;
#endif
  for (std::int64_t i = 0; i < n; ++i) {
    if (stop.load(std::memory_order_relaxed)) continue;
    try {
      fn(static_cast<std::size_t>(i));
    } catch (...) {
#ifdef _OPENMP
#pragma omp critical(xpubench_parallel_for)
#endif
      if (!failed) failed = std::current_exception();
      stop = true;
    }
  }
  if (failed) std::rethrow_exception(failed);
}

bool sample_is_all(std::size_t total, double cost_each) { return static_cast<double>(total) * cost_each <= 1.5e8 || total <= verify_sample; }

std::vector<std::size_t> sample(std::size_t total, double cost_each, std::uint64_t seed) {
  std::vector<std::size_t> idx;
  if (sample_is_all(total, cost_each)) {
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

tolerance stored_tolerance(precision p, double terms, const std::vector<double>& ref) {
  tolerance t = float_tolerance(terms);
  if (p == precision::bf16)  // rounding to bf16: 2^-8 relative (it has fp32's exponent range: no subnormal term)
    return {false, t.rel_l2 + 3.90625e-03, fmt::format("{} + 2^-8 (the result rounded to bf16)", t.basis)};
  if (p != precision::fp16) return t;
  // Rounding to half: 2^-11 relative for normal values; below 2^-14 the spacing is 2^-24, so a
  // result may be off by 2^-25 absolute (a softmax over a large vocabulary is all subnormal).
  constexpr double u16 = 4.8828125e-04, subnormal_half_step = 2.98023223876953125e-08;  // 2^-11, 2^-25
  double squares = 0;
  for (double r : ref) squares += r * r;
  const double rms = ref.empty() ? 0 : std::sqrt(squares / static_cast<double>(ref.size()));
  const double absolute = rms > 0 ? subnormal_half_step / rms : 0;
  return {false, t.rel_l2 + u16 + absolute,
          fmt::format("{} + 2^-11 + 2^-25 / rms(reference) (the result rounded to fp16, subnormals included)", t.basis)};
}

std::vector<std::size_t> sample_rows(std::size_t rows, std::size_t row_length, double cost_per_row, std::uint64_t seed) {
  std::vector<std::size_t> picked;
  if (static_cast<double>(rows) * cost_per_row <= 1.5e8 || rows <= 256) {
    picked.resize(rows);
    std::iota(picked.begin(), picked.end(), 0);
  } else {
    std::mt19937_64 rng(seed ^ 0x5eedu);
    std::uniform_int_distribution<std::size_t> pick(0, rows - 1);
    picked = {0, rows - 1};
    while (picked.size() < 256) picked.push_back(pick(rng));
    std::ranges::sort(picked);
    picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  }
  std::vector<std::size_t> at;  // at most 256 rows: the sample may repeat a row, kept once
  at.reserve(picked.size() * row_length);
  for (std::size_t r : picked)
    for (std::size_t i = 0; i < row_length; ++i) at.push_back(r * row_length + i);
  return at;
}

verification compare(const host_buffer& y, std::span<const std::size_t> at, const std::vector<double>& ref, tolerance tol) {
  return compare_each(y, at.size(), [&](std::size_t i) { return at[i]; }, [&](std::size_t i) { return ref[i]; }, std::move(tol));
}

std::optional<std::string> only_float_storage(const problem& p) {
  if (p.type == precision::fp32 || p.type == precision::fp16 || p.type == precision::bf16) return std::nullopt;
  if (auto why = only_peak_measures_wide_types(p)) return why;
  return fmt::format("{} runs in fp32, fp16 and bf16 (xpubench has no {} {} kernel)", to_string(p.kind()), to_string(p.type), to_string(p.kind()));
}

result<void> parse_row_shapes(const section_context& c, kernel_kind kind, shape (*make)(std::int64_t rows, std::int64_t cols)) {
  const toml::table& t = c.table;
  const std::string section = fmt::format("[[{}]]", to_string(kind));
  if (auto ok = c.r.only_keys(t, section, {"precisions", "shapes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "{} needs 'shapes', an array of {{rows, cols}} tables", section);
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each {} shape must be a table like {{rows = 512, cols = 4096}}", to_string(kind));
    if (auto ok = c.r.only_keys(*st, fmt::format("a {} shape", to_string(kind)), {"rows", "cols"}); !ok) return ok;
    std::int64_t rows = 0, cols = 0;
    if (auto ok = c.r.positive_fields(*st, s, fmt::format("{} shape", to_string(kind)), {{"rows", &rows}, {"cols", &cols}}, true); !ok) return ok;
    for (precision p : *precs) {
      problem pr{make(rows, cols), p};
      if (auto ok = c.add(s, pr); !ok) return ok;
    }
  }
  return {};
}

std::optional<std::string> row_size_error(const problem& p, std::int64_t rows, std::int64_t cols) {
  if (rows <= 0 || cols <= 0) return fmt::format("{}: rows and cols must be positive", p.id());
  if (rows > dimension_max) return fmt::format("{}: rows above {} (the device kernels take 32-bit sizes)", p.id(), dimension_max);
  // the kernels step through a row by a work-group's width in 32-bit counters
  if (cols > (std::int64_t{1} << 30)) return fmt::format("{}: a row of {} elements is above 2^30, the longest the kernels take", p.id(), cols);
  return std::nullopt;
}

std::optional<std::string> only_peak_measures_wide_types(const problem& p) {
  if (p.type == precision::fp64 || p.type == precision::int32)
    return fmt::format("{} is measured by the peak micro-benchmark only", to_string(p.type));
  return std::nullopt;
}

}  // namespace ops
}  // namespace xpu
