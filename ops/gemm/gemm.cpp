// GEMM: C[m x n] = op(A)[m x k] . op(B)[k x n] (core/problem.hpp: gemm_shape). Buffers: inputs A,
// B (transposed storage when trans_*), output C (m x n); int8 is u8 x s8 summed in int32.
#include <random>

#include "ops/gemm/reference.hpp"
#include "ops/operation.hpp"
#include "ops/suite_reader.hpp"
#include "ops/shared.hpp"

namespace xpu {
namespace {

class gemm_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    return 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  }
  double min_bytes(const problem& p) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    return static_cast<double>(g.m * g.k * size_of(input_type(p.type, 0)) + g.k * g.n * size_of(input_type(p.type, 1)) +
                               g.m * g.n * size_of(accumulated_output_type(p.type)));
  }
  std::string_view ops_unit(const problem& p) const override { return p.type == precision::int8 ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(input_type(p.type, 0), static_cast<std::size_t>(g.m * g.k));
    b.inputs.emplace_back(input_type(p.type, 1), static_cast<std::size_t>(g.k * g.n));
    for (auto& in : b.inputs) ops::fill(in, rng);
    b.outputs.push_back(ops::output(accumulated_output_type(p.type), static_cast<std::size_t>(g.m * g.n)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision acc) const override {
    const auto& g = std::get<gemm_shape>(p.dims);
    const auto at = ops::sample(b.outputs[0].count(), static_cast<double>(g.k), seed);
    return ops::compare(b.outputs[0], at, reference::gemm(g, b.inputs[0], b.inputs[1], at),
                        ops::tolerance_for(p.type, acc, static_cast<double>(g.k)));
  }
};

const workload& work() {
  static const gemm_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[gemm]]", {"precisions", "shapes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "[[gemm]] needs 'shapes', an array of {{m, n, k}} tables");
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each GEMM shape must be a table like {{m = 1024, n = 1024, k = 1024}}");
    if (auto ok = c.r.only_keys(*st, "a GEMM shape", {"m", "n", "k", "trans_a", "trans_b"}); !ok) return ok;
    gemm_shape g;
    if (auto ok = c.r.positive_fields(*st, s, "GEMM shape", {{"m", &g.m}, {"n", &g.n}, {"k", &g.k}}, true); !ok) return ok;
    for (auto [key, dst] : {std::pair{"trans_a", &g.trans_a}, {"trans_b", &g.trans_b}}) {
      if (const toml::node* v = st->get(key)) {
        if (!v->is_boolean()) return c.r.error_at(*v, "'{}' must be true or false, found {}", key, suite_reader::type_name(*v));
        *dst = *v->value<bool>();
      }
    }
    for (precision p : *precs)
      if (auto ok = c.add(s, {g, p}); !ok) return ok;
  }
  return {};
}

std::optional<std::string> size_error(const problem& p) {
  const auto& g = std::get<gemm_shape>(p.dims);
  if (std::max({g.m, g.n, g.k}) > ops::dimension_max)
    return fmt::format("{}: a GEMM dimension above {} (BLAS and the device kernels take 32-bit dimensions)", p.id(), ops::dimension_max);
  return std::nullopt;
}

constexpr precision precisions[] = {precision::fp32, precision::fp16, precision::bf16, precision::int8};

// Small verification cases: odd sizes, transposes, K below a tile and above two (tests/kernels run
// each on every backend, in every precision).
std::vector<problem> cases() {
  std::vector<problem> out;
  for (const gemm_shape& g : {gemm_shape{33, 47, 29}, gemm_shape{16, 24, 40, true, true}, gemm_shape{70, 20, 3, true, false},
                              gemm_shape{36, 20, 44},   // CPU-device kernels: A and B through vector views
                              gemm_shape{20, 30, 16},   // A through a vector view, B element by element
                              gemm_shape{5, 4, 16},     // fewer rows than a subgroup, one vec4 of columns
                              gemm_shape{40, 12, 52},   // 16-step iterations, then four-step ones
                              gemm_shape{33, 17, 65}, gemm_shape{20, 12, 8, false, true}, gemm_shape{9, 70, 31, true, false}})
    out.push_back({g, precision::fp32});
  return out;
}

std::string entry(const problem& p) {
  const auto& g = std::get<gemm_shape>(p.dims);
  return fmt::format("{{ m = {}, n = {}, k = {}{}{} }}", g.m, g.n, g.k, g.trans_a ? ", trans_a = true" : "", g.trans_b ? ", trans_b = true" : "");
}

}  // namespace

const operation& gemm_operation() {
  static const operation op{kernel_kind::gemm, "gemm", precisions, true, 3, work, parse, size_error,
                            ops::only_peak_measures_wide_types, cases, measures::work, model_role::matrix, entry};
  return op;
}

}  // namespace xpu
