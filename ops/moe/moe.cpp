// moe: mixture-of-experts products as llama.cpp's MUL_MAT_ID runs them (core/problem.hpp:
// moe_shape). Buffers: X (fp32 m x k, or m rows of k / 32 Q8_0 blocks: the precision int8, as
// qgemm), W (`experts` matrices of n rows of k / 32 blocks, back to back: expert e is qgemm's copy e,
// so that every expert differs), ids (int32, m x used: for each token `used` distinct experts,
// drawn uniformly from a seeded generator, as a router with balanced load chooses them), Y (fp32,
// m x used x n; with copies, one such output per copy of the experts). The router's product and its
// top-k are a GEMM and a sort beside this: not in it.
#include <cmath>
#include <numeric>
#include <random>

#include "core/checked.hpp"
#include "ops/operation.hpp"
#include "ops/qgemm/blocks.hpp"
#include "ops/qgemm/common.hpp"
#include "ops/qgemm/reference.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

constexpr std::int64_t max_experts = 1 << 12, max_copies = 1 << 20;

// Experts whose weights a launch reads, in expectation when every token's choices are uniform:
// E x (1 - (1 - used / E)^m) (decoding: `used`; a long prompt: all of them).
double experts_read(const moe_shape& e) {
  const double E = static_cast<double>(e.experts);
  return E * (1.0 - std::pow(1.0 - static_cast<double>(e.used) / E, static_cast<double>(e.m)));
}

class moe_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& e = std::get<moe_shape>(p.dims);
    return 2.0 * static_cast<double>(e.copies) * static_cast<double>(e.m) * static_cast<double>(e.used) * static_cast<double>(e.n) *
           static_cast<double>(e.k);
  }
  double min_bytes(const problem& p) const override {  // per copy: the activations, the experts read (expected), the outputs
    const auto& e = std::get<moe_shape>(p.dims);
    return static_cast<double>(e.copies) * (quant::activation_bytes(p.type, e.m, e.k) + experts_read(e) * quant_matrix_bytes(e.n, e.k, e.weights) +
                                            4.0 * static_cast<double>(e.m) * static_cast<double>(e.used) * static_cast<double>(e.n));
  }
  std::string_view ops_unit(const problem& p) const override { return p.type == precision::int8 ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& e = std::get<moe_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.push_back(quant::activations(p.type, e.m, e.k, rng));
    b.inputs.push_back(quant::weights(e.weights, e.n, e.k, e.copies * e.experts, rng));  // every copy's experts differ
    const auto experts = static_cast<std::size_t>(e.experts);
    // Each token's choices: the first `used` of a seeded shuffle of the experts (distinct).
    b.inputs.emplace_back(element_type::s32, static_cast<std::size_t>(e.m * e.used));
    std::vector<std::int32_t> order(experts);
    std::iota(order.begin(), order.end(), 0);
    auto ids = b.inputs[2].as<std::int32_t>();
    for (std::size_t t = 0; t < static_cast<std::size_t>(e.m); ++t) {
      for (std::size_t c = 0; c < static_cast<std::size_t>(e.used); ++c) {
        std::uniform_int_distribution<std::size_t> pick(c, experts - 1);
        std::swap(order[c], order[pick(rng)]);
        ids[t * static_cast<std::size_t>(e.used) + c] = order[c];
      }
    }
    b.outputs.push_back(ops::output(element_type::f32, static_cast<std::size_t>(e.copies * e.m * e.used * e.n)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto& e = std::get<moe_shape>(p.dims);
    const auto at = ops::sample(b.outputs[0].count(), static_cast<double>(e.k), seed);
    return ops::compare(b.outputs[0], at, reference::moe(e, p.type, b.inputs[0], b.inputs[1], b.inputs[2], at), quant::product_tolerance(p.type, e.k));
  }
};

const workload& work() {
  static const moe_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[moe]]", {"precisions", "formats", "shapes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  const auto formats = quant::formats(c, {quant_format::q4_0});
  if (!formats) return std::unexpected(formats.error());
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "[[moe]] needs 'shapes', an array of {{m, n, k, experts, used[, copies]}} tables (k a multiple of 32)");
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each moe shape must be a table like {{m = 1, n = 14336, k = 4096, experts = 8, used = 2}}");
    if (auto ok = c.r.only_keys(*st, "a moe shape", {"m", "n", "k", "experts", "used", "copies"}); !ok) return ok;
    moe_shape e;
    if (auto ok = c.r.positive_fields(*st, s, "moe shape", {{"m", &e.m}, {"n", &e.n}, {"k", &e.k}, {"experts", &e.experts}, {"used", &e.used}}, true);
        !ok)
      return ok;
    if (auto ok = c.r.positive_fields(*st, s, "moe shape", {{"copies", &e.copies}}, false); !ok) return ok;
    for (quant_format f : *formats)
      for (precision p : *precs) {
        e.weights = f;
        if (auto ok = c.add(s, {e, p}); !ok) return ok;
      }
  }
  return {};
}

std::optional<std::string> size_error(const problem& p) {
  const auto& e = std::get<moe_shape>(p.dims);
  if (e.m <= 0 || e.n <= 0 || e.k <= 0 || e.experts <= 0 || e.used <= 0) return fmt::format("{}: m, n, k, experts and used must be positive", p.id());
  if (e.k % quant::block_weights != 0)
    return fmt::format("{}: k = {} is not a multiple of 32 (the weights are stored in blocks of 32 along k)", p.id(), e.k);
  if (e.experts > max_experts) return fmt::format("{}: {} experts: at most {}", p.id(), e.experts, max_experts);
  if (e.used > e.experts) return fmt::format("{}: each token chooses {} distinct experts of {}: used must be at most experts", p.id(), e.used, e.experts);
  if (e.copies < 1 || e.copies > max_copies) return fmt::format("{}: copies = {}: between 1 and {} layers of experts", p.id(), e.copies, max_copies);
  const auto pairs = checked_mul(e.m, e.used);
  if (std::max({e.m, e.n, e.k}) > ops::dimension_max || !pairs || *pairs > ops::dimension_max)
    return fmt::format("{}: a moe size (or m x used) above {} (the kernels take 32-bit sizes)", p.id(), ops::dimension_max);
  return std::nullopt;
}

std::optional<std::string> unsupported(const problem& p) {
  if (p.type == precision::fp32 || p.type == precision::int8) return std::nullopt;
  return fmt::format("moe's activations are fp32 or int8 (Q8_0 blocks); {} activations are not implemented", to_string(p.type));
}

constexpr precision precisions[] = {precision::fp32, precision::int8};

// Small verification cases: both block formats; one token (decoding: a few experts), several (every
// expert, some twice); every expert chosen by every token (used = experts); rows past a 16-row group.
std::vector<problem> cases() {
  return {{moe_shape{1, 37, 64, 4, 2, quant_format::q4_0}, precision::fp32}, {moe_shape{5, 19, 96, 6, 3, quant_format::q8_0}, precision::fp32},
          {moe_shape{7, 48, 64, 8, 2, quant_format::q4_0}, precision::fp32}, {moe_shape{3, 33, 128, 3, 3, quant_format::q8_0}, precision::fp32},
          {moe_shape{2, 16, 32, 5, 1, quant_format::q4_0}, precision::fp32},
          // streamed: each copy's (layer's) experts and output (a kernel that reads copy 0's experts for every copy fails)
          {moe_shape{1, 37, 64, 4, 2, quant_format::q4_0, 3}, precision::fp32}, {moe_shape{3, 20, 96, 5, 2, quant_format::q8_0, 2}, precision::fp32}};
}

std::string entry(const problem& p) {
  const auto& e = std::get<moe_shape>(p.dims);
  return fmt::format("{{ m = {}, n = {}, k = {}, experts = {}, used = {}{} }}", e.m, e.n, e.k, e.experts, e.used,
                     e.copies != 1 ? fmt::format(", copies = {}", e.copies) : "");
}
std::string keys(const problem& p) { return fmt::format("formats = [\"{}\"]", to_string(std::get<moe_shape>(p.dims).weights)); }

}  // namespace

const operation& moe_operation() {
  static const operation op{kernel_kind::moe, "moe", precisions, true, 3, work, parse, size_error, unsupported, cases, measures::work, model_role::none, entry, keys};
  return op;
}

}  // namespace xpu
