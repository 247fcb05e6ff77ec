// peak: peak_chains independent multiply-accumulate chains, each `iterations` dependent steps
// (core/problem.hpp: peak_shape): the compute peak every GEMM and conv2d is compared with.
#include <cmath>
#include <random>

#include "core/half.hpp"
#include "ops/operation.hpp"
#include "ops/peak/reference.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

// Peak chains run at most this many steps (kernels count them in 32-bit integers).
constexpr std::int64_t max_peak_iterations = std::int64_t{1} << 30;

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
        case precision::fp8_e4m3:
        case precision::fp8_e5m2: break;  // no fp8 peak kernel: devices refuse the problem before its buffers are made
      }
    }
    b.outputs.push_back(ops::output(chain_type, chains));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto at = ops::sample(chains, 1, seed);
    return ops::compare(b.outputs[0], at, reference::peak(p.type, iterations(p), b, at), {true, 0, "exact: powers of two and small integers"});
  }
};

const workload& work() {
  static const peak_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[peak]]", {"precisions", "iterations"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32, precision::fp16, precision::bf16, precision::int8});
  if (!precs) return std::unexpected(precs.error());
  peak_shape s;
  if (const toml::node* n = t.get("iterations")) {
    auto v = c.r.positive(*n, "iterations");
    if (!v) return std::unexpected(v.error());
    s.iterations = *v;
  }
  for (precision p : *precs)
    if (auto ok = c.add(t, {s, p}); !ok) return ok;
  return {};
}

std::optional<std::string> size_error(const problem& p) {
  if (const auto& k = std::get<peak_shape>(p.dims); k.iterations <= 0 || k.iterations > max_peak_iterations)
    return fmt::format("{}: peak iterations must be 1 to {}, found {}", p.id(), max_peak_iterations, k.iterations);
  return std::nullopt;
}

// Small verification cases: short chains, and one longer than a 1024-step block of half sums.
std::vector<problem> cases() { return {{peak_shape{16}, precision::fp32}, {peak_shape{21}, precision::fp32}, {peak_shape{64}, precision::fp32}, {peak_shape{2500}, precision::fp32}}; }

}  // namespace

const operation& peak_operation() {
  static const operation op{kernel_kind::peak, "peak", all_precisions, true, 1, work, parse, size_error, nullptr, cases, measures::peak};
  return op;
}

}  // namespace xpu
