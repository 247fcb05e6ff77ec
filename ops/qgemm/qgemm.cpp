// qgemm: Y[m x n] = X[m x k] . W^T with the weights W (n x k, as models store them) in GGUF's
// quantized blocks, Q8_0 or Q4_0 (ops/qgemm/blocks.hpp) - the product of every LLM layer as
// llama.cpp runs a quantized model. Activations: fp32 (precision fp32), or Q8_0 blocks (precision
// int8: integer dot products per block, as llama.cpp's CPU and Vulkan paths quantize them). Buffers:
// X (fp32 m x k, or m rows of k / 32 Q8_0 blocks, raw bytes), W (n rows of k / 32 blocks, raw
// bytes), Y (fp32 m x n). k must be a multiple of 32. With copies = C > 1, W holds C weight matrices
// back to back and Y C outputs: one launch is C products, each over its own weights (a decoded
// token's layers), so the weights come from memory, not from a cache warmed by the last repetition.
#include <random>

#include "ops/operation.hpp"
#include "ops/qgemm/blocks.hpp"
#include "ops/qgemm/common.hpp"
#include "ops/qgemm/reference.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

constexpr std::int64_t max_copies = 1 << 20;

class qgemm_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& q = std::get<qgemm_shape>(p.dims);
    return 2.0 * static_cast<double>(q.copies) * static_cast<double>(q.m) * static_cast<double>(q.n) * static_cast<double>(q.k);
  }
  double min_bytes(const problem& p) const override {  // each copy's product reads its activations again
    const auto& q = std::get<qgemm_shape>(p.dims);
    return static_cast<double>(q.copies) *
           (quant::activation_bytes(p.type, q.m, q.k) + quant_matrix_bytes(q.n, q.k, q.weights) + 4.0 * static_cast<double>(q.m) * static_cast<double>(q.n));
  }
  std::string_view ops_unit(const problem& p) const override { return p.type == precision::int8 ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& q = std::get<qgemm_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.push_back(quant::activations(p.type, q.m, q.k, rng));
    b.inputs.push_back(quant::weights(q.weights, q.n, q.k, q.copies, rng));
    b.outputs.push_back(ops::output(element_type::f32, static_cast<std::size_t>(q.copies * q.m * q.n)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto& q = std::get<qgemm_shape>(p.dims);
    const auto at = ops::sample(b.outputs[0].count(), static_cast<double>(q.k), seed);
    return ops::compare(b.outputs[0], at, reference::qgemm(q, p.type, b.inputs[0], b.inputs[1], at), quant::product_tolerance(p.type, q.k));
  }
};

const workload& work() {
  static const qgemm_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[qgemm]]", {"precisions", "formats", "shapes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  const auto formats = quant::formats(c, {quant_format::q8_0, quant_format::q4_0});
  if (!formats) return std::unexpected(formats.error());
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "[[qgemm]] needs 'shapes', an array of {{m, n, k}} tables (k a multiple of 32)");
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each qgemm shape must be a table like {{m = 1, n = 14336, k = 4096}}");
    if (auto ok = c.r.only_keys(*st, "a qgemm shape", {"m", "n", "k", "copies"}); !ok) return ok;
    qgemm_shape q;
    if (auto ok = c.r.positive_fields(*st, s, "qgemm shape", {{"m", &q.m}, {"n", &q.n}, {"k", &q.k}}, true); !ok) return ok;
    if (auto ok = c.r.positive_fields(*st, s, "qgemm shape", {{"copies", &q.copies}}, false); !ok) return ok;
    for (quant_format f : *formats)
      for (precision p : *precs) {
        q.weights = f;
        if (auto ok = c.add(s, {q, p}); !ok) return ok;
      }
  }
  return {};
}

std::optional<std::string> size_error(const problem& p) {
  const auto& q = std::get<qgemm_shape>(p.dims);
  if (q.m <= 0 || q.n <= 0 || q.k <= 0) return fmt::format("{}: m, n and k must be positive", p.id());
  if (q.k % quant::block_weights != 0)
    return fmt::format("{}: k = {} is not a multiple of 32 (the weights are stored in blocks of 32 along k)", p.id(), q.k);
  if (std::max({q.m, q.n, q.k}) > ops::dimension_max)
    return fmt::format("{}: a qgemm size above {} (the kernels take 32-bit sizes)", p.id(), ops::dimension_max);
  if (q.copies < 1 || q.copies > max_copies)
    return fmt::format("{}: copies = {}: between 1 and {} weight matrices (a working set of many small ones is better made of fewer large ones)",
                       p.id(), q.copies, max_copies);
  return std::nullopt;
}

std::optional<std::string> unsupported(const problem& p) {
  if (p.type == precision::fp32 || p.type == precision::int8) return std::nullopt;
  return fmt::format("qgemm's activations are fp32 or int8 (Q8_0 blocks); {} activations are not implemented", to_string(p.type));
}

constexpr precision precisions[] = {precision::fp32, precision::int8};

// Small verification cases: both block formats, one token and a few, an even block count (the
// CPU's pairs of blocks: the loop and its tail).
std::vector<problem> cases() {
  return {{qgemm_shape{3, 37, 64, quant_format::q8_0}, precision::fp32}, {qgemm_shape{1, 50, 96, quant_format::q4_0}, precision::fp32},
          {qgemm_shape{5, 16, 32, quant_format::q4_0}, precision::fp32}, {qgemm_shape{2, 19, 192, quant_format::q4_0}, precision::fp32},
          {qgemm_shape{2, 5, 64, quant_format::q4_0}, precision::fp32}, {qgemm_shape{1, 3, 96, quant_format::q8_0}, precision::fp32},
          // streamed: each copy's weights and output (a kernel that reads copy 0 for every copy fails)
          {qgemm_shape{1, 37, 64, quant_format::q4_0, 3}, precision::fp32}, {qgemm_shape{2, 19, 96, quant_format::q8_0, 4}, precision::fp32}};
}

std::string entry(const problem& p) {
  const auto& q = std::get<qgemm_shape>(p.dims);
  return q.copies == 1 ? fmt::format("{{ m = {}, n = {}, k = {} }}", q.m, q.n, q.k)
                       : fmt::format("{{ m = {}, n = {}, k = {}, copies = {} }}", q.m, q.n, q.k, q.copies);
}
std::string keys(const problem& p) { return fmt::format("formats = [\"{}\"]", to_string(std::get<qgemm_shape>(p.dims).weights)); }

}  // namespace

const operation& qgemm_operation() {
  static const operation op{kernel_kind::qgemm, "qgemm", precisions, true, 3, work, parse, size_error, unsupported, cases, measures::work, model_role::block_matrix, entry, keys};
  return op;
}

}  // namespace xpu
