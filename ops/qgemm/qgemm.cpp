// qgemm: Y[m x n] = X[m x k] . W^T with the weights W (n x k, as models store them) in GGUF's
// quantized blocks, Q8_0 or Q4_0 (ops/qgemm/blocks.hpp) - the product of every LLM layer as
// llama.cpp runs a quantized model. Activations: fp32 (precision fp32), or Q8_0 blocks (precision
// int8: integer dot products per block, as llama.cpp's CPU and Vulkan paths quantize them). Buffers:
// X (fp32 m x k, or m rows of k / 32 Q8_0 blocks, raw bytes), W (n rows of k / 32 blocks, raw
// bytes), Y (fp32 m x n). k must be a multiple of 32. With copies = C > 1, W holds C weight matrices
// back to back and Y C outputs: one launch is C products, each over its own weights (a decoded
// token's layers), so the weights come from memory, not from a cache warmed by the last repetition.
#include <cstring>
#include <random>

#include "ops/operation.hpp"
#include "ops/qgemm/blocks.hpp"
#include "ops/qgemm/reference.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

constexpr std::int64_t max_copies = 1 << 20;

std::size_t row_bytes(std::int64_t k, quant_format f) { return static_cast<std::size_t>(k / quant::block_weights) * quant::block_bytes(f); }

// Blocks of non-zero values: scales of magnitude [0.5, 1.5] / 64 (fp16), Q8_0 values in
// -127..127 without 0, Q4_0 nibbles without 8 (a zero weight).
void fill_blocks(host_buffer& b, quant_format f, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> scale(0.5f / 64, 1.5f / 64);
  std::uniform_int_distribution<int> q8(1, 127), nibble(0, 14);
  std::bernoulli_distribution neg(0.5);
  auto* p = reinterpret_cast<std::uint8_t*>(b.bytes.data());
  const std::size_t size = quant::block_bytes(f), blocks = b.bytes.size() / size;
  for (std::size_t i = 0; i < blocks; ++i, p += size) {
    const std::uint16_t d = half_from_float(scale(rng));
    p[0] = static_cast<std::uint8_t>(d & 0xff), p[1] = static_cast<std::uint8_t>(d >> 8);
    for (std::size_t t = 2; t < size; ++t) {
      if (f == quant_format::q8_0) {
        p[t] = static_cast<std::uint8_t>(static_cast<std::int8_t>(neg(rng) ? -q8(rng) : q8(rng)));
      } else {
        const auto low = nibble(rng), high = nibble(rng);
        p[t] = static_cast<std::uint8_t>((low >= 8 ? low + 1 : low) | ((high >= 8 ? high + 1 : high) << 4));
      }
    }
  }
}

// Copies 1.. of the weights (copy 0 filled at random): copy c is copy 0 rotated by c x 7919 blocks, a
// memcpy's work per copy (a 1 GiB working set of random blocks took seconds to fill), with the scale of
// its block c % blocks negated: every copy differs from copy 0 (also where the rotation comes round to
// none), so that a kernel reading copy 0 for every copy fails verification.
void fill_copies(host_buffer& w, std::size_t copy_bytes, std::size_t copies, quant_format f) {
  auto* base = reinterpret_cast<std::uint8_t*>(w.bytes.data());
  const std::size_t size = quant::block_bytes(f), blocks = copy_bytes / size;
  for (std::size_t c = 1; c < copies; ++c) {
    const std::size_t shift = c * 7919 % blocks * size;
    std::uint8_t* dst = base + c * copy_bytes;
    std::memcpy(dst, base + shift, copy_bytes - shift);
    std::memcpy(dst + copy_bytes - shift, base, shift);
    dst[c % blocks * size + 1] ^= 0x80;  // the fp16 scale's sign bit
  }
}

class qgemm_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& q = std::get<qgemm_shape>(p.dims);
    return 2.0 * static_cast<double>(q.copies) * static_cast<double>(q.m) * static_cast<double>(q.n) * static_cast<double>(q.k);
  }
  double min_bytes(const problem& p) const override {  // each copy's product reads its activations again
    const auto& q = std::get<qgemm_shape>(p.dims);
    const double x = p.type == precision::int8 ? static_cast<double>(q.m) * static_cast<double>(row_bytes(q.k, quant_format::q8_0))
                                               : 4.0 * static_cast<double>(q.m) * static_cast<double>(q.k);
    return static_cast<double>(q.copies) *
           (x + static_cast<double>(q.n) * static_cast<double>(row_bytes(q.k, q.weights)) + 4.0 * static_cast<double>(q.m) * static_cast<double>(q.n));
  }
  std::string_view ops_unit(const problem& p) const override { return p.type == precision::int8 ? "OP" : "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& q = std::get<qgemm_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    if (p.type == precision::int8) {
      b.inputs.emplace_back(element_type::u8, static_cast<std::size_t>(q.m) * row_bytes(q.k, quant_format::q8_0));
      fill_blocks(b.inputs[0], quant_format::q8_0, rng);
    } else {
      b.inputs.emplace_back(element_type::f32, static_cast<std::size_t>(q.m * q.k));
      ops::fill(b.inputs[0], rng);
    }
    const std::size_t copy_bytes = static_cast<std::size_t>(q.n) * row_bytes(q.k, q.weights), copies = static_cast<std::size_t>(q.copies);
    b.inputs.emplace_back(element_type::u8, copies * copy_bytes);
    host_buffer first(element_type::u8, copy_bytes);
    fill_blocks(first, q.weights, rng);
    std::memcpy(b.inputs[1].bytes.data(), first.bytes.data(), copy_bytes);
    fill_copies(b.inputs[1], copy_bytes, copies, q.weights);
    b.outputs.push_back(ops::output(element_type::f32, copies * static_cast<std::size_t>(q.m * q.n)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto& q = std::get<qgemm_shape>(p.dims);
    const auto at = ops::sample(b.outputs[0].count(), static_cast<double>(q.k), seed);
    // int8: each block's dot product is exact in int32; the blocks' scaled sums are fp32 sums of k / 32 terms
    tolerance tol = ops::float_tolerance(static_cast<double>(p.type == precision::int8 ? q.k / quant::block_weights : q.k));
    return ops::compare(b.outputs[0], at, reference::qgemm(q, p.type, b.inputs[0], b.inputs[1], at), tol);
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
  std::vector<quant_format> formats{quant_format::q8_0, quant_format::q4_0};
  if (const toml::node* n = t.get("formats")) {
    auto names = c.r.strings(*n, "formats");
    if (!names) return std::unexpected(names.error());
    formats.clear();
    for (const auto& name : *names) {
      const auto f = quant_format_parse(name);
      if (!f) return c.r.error_at(*n, "unknown weight format '{}' (expected q8_0 or q4_0)", name);
      formats.push_back(*f);
    }
  }
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "[[qgemm]] needs 'shapes', an array of {{m, n, k}} tables (k a multiple of 32)");
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each qgemm shape must be a table like {{m = 1, n = 14336, k = 4096}}");
      if (auto ok = c.r.only_keys(*st, "a qgemm shape", {"m", "n", "k", "copies"}); !ok) return ok;
    qgemm_shape q;
    if (auto ok = c.r.positive_fields(*st, s, "qgemm shape", {{"m", &q.m}, {"n", &q.n}, {"k", &q.k}}, true); !ok) return ok;
    if (auto ok = c.r.positive_fields(*st, s, "qgemm shape", {{"copies", &q.copies}}, false); !ok) return ok;
    for (quant_format f : formats)
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
