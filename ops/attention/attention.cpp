// attention: scaled dot-product attention with grouped-query heads and an optional causal mask
// (core/problem.hpp: attention_shape). Buffers: inputs Q (batch x heads x seq_q x head_dim), K and V
// (batch x kv_heads x seq_kv x head_dim), output O (Q's shape and type); fp16 is stored in half and
// computed in fp32. Work: 4 x head_dim FLOP per query-key pair the mask keeps (Q K^T and P V; the
// softmax's exponentials are not counted, as FlashAttention counts).
#include <random>

#include "ops/attention/reference.hpp"
#include "ops/rows.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

std::size_t q_elements(const attention_shape& a) { return static_cast<std::size_t>(a.batch * a.heads * a.seq_q * a.head_dim); }
std::size_t kv_elements(const attention_shape& a) { return static_cast<std::size_t>(a.batch * a.kv_heads * a.seq_kv * a.head_dim); }

class attention_workload final : public workload {
 public:
  double ops(const problem& p) const override {
    const auto& a = std::get<attention_shape>(p.dims);
    return 4.0 * static_cast<double>(a.head_dim) * a.pairs();
  }
  double min_bytes(const problem& p) const override {
    const auto& a = std::get<attention_shape>(p.dims);
    return static_cast<double>(q_elements(a) * (size_of(input_type(p.type)) + size_of(stored_output_type(p.type))) +
                               2 * kv_elements(a) * size_of(input_type(p.type)));
  }
  std::string_view ops_unit(const problem&) const override { return "FLOP"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& a = std::get<attention_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(input_type(p.type), q_elements(a));
    b.inputs.emplace_back(input_type(p.type), kv_elements(a));
    b.inputs.emplace_back(input_type(p.type), kv_elements(a));
    for (auto& in : b.inputs) ops::fill(in, rng);
    b.outputs.push_back(ops::output(stored_output_type(p.type), q_elements(a)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto& a = std::get<attention_shape>(p.dims);
    const auto rows = static_cast<std::size_t>(a.batch * a.heads * a.seq_q);
    const auto at = ops::sample_rows(rows, static_cast<std::size_t>(a.head_dim), 4.0 * static_cast<double>(a.seq_kv * a.head_dim), seed);
    // Each output sums seq_kv weighted values; each score sums head_dim products.
    const std::vector<double> ref = reference::attention(a, b.inputs[0], b.inputs[1], b.inputs[2], at);
    return ops::compare(b.outputs[0], at, ref, ops::stored_tolerance(p.type, static_cast<double>(a.seq_kv + a.head_dim), ref));
  }
};

const workload& work() {
  static const attention_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[attention]]", {"precisions", "shapes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "[[attention]] needs 'shapes', an array of {{heads, seq, head_dim}} tables");
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each attention shape must be a table like {{heads = 32, kv_heads = 8, seq = 512, head_dim = 128, causal = true}}");
    if (auto ok = c.r.only_keys(*st, "an attention shape", {"batch", "heads", "kv_heads", "seq", "seq_q", "seq_kv", "head_dim", "causal"}); !ok)
      return ok;
    attention_shape a;
    std::int64_t seq = 0;
    if (auto ok = c.r.positive_fields(*st, s, "attention shape", {{"heads", &a.heads}, {"head_dim", &a.head_dim}}, true); !ok) return ok;
    if (auto ok = c.r.positive_fields(*st, s, "attention shape",
                                      {{"batch", &a.batch}, {"kv_heads", &a.kv_heads}, {"seq", &seq}, {"seq_q", &a.seq_q}, {"seq_kv", &a.seq_kv}}, false);
        !ok)
      return ok;
    if (seq > 0 && (st->get("seq_q") || st->get("seq_kv"))) return c.r.error_at(s, "give either 'seq' or 'seq_q' and 'seq_kv', not both");
    if (seq > 0) a.seq_q = a.seq_kv = seq;
    if (a.seq_q == 0 || a.seq_kv == 0) return c.r.error_at(s, "an attention shape needs 'seq' (or 'seq_q' and 'seq_kv')");
    if (a.kv_heads == 0) a.kv_heads = a.heads;
    if (const toml::node* v = st->get("causal")) {
      if (!v->is_boolean()) return c.r.error_at(*v, "'causal' must be true or false, found {}", suite_reader::type_name(*v));
      a.causal = *v->value<bool>();
    }
    for (precision p : *precs)
      if (auto ok = c.add(s, {a, p}); !ok) return ok;
  }
  return {};
}

std::optional<std::string> size_error(const problem& p) {
  const auto& a = std::get<attention_shape>(p.dims);
  if (a.batch <= 0 || a.heads <= 0 || a.kv_heads <= 0 || a.seq_q <= 0 || a.seq_kv <= 0 || a.head_dim <= 0)
    return fmt::format("{}: every attention size must be positive", p.id());
  if (a.heads % a.kv_heads != 0)
    return fmt::format("{}: heads ({}) must be a multiple of kv_heads ({}): each group of query heads shares one key/value head", p.id(), a.heads,
                       a.kv_heads);
  if (a.causal && a.seq_kv < a.seq_q)
    return fmt::format("{}: a causal mask needs seq_kv >= seq_q (the first query would see no key)", p.id());
  if (a.head_dim > max_attention_head_dim)
    return fmt::format("{}: head_dim {} is above {} (the kernels hold a query row in registers)", p.id(), a.head_dim, max_attention_head_dim);
  if (std::max({a.batch, a.heads, a.seq_q, a.seq_kv}) > ops::dimension_max)
    return fmt::format("{}: an attention size above {} (the device kernels take 32-bit sizes)", p.id(), ops::dimension_max);
  return std::nullopt;
}



// Small verification cases: causal and not, grouped heads, one query, a head size no subgroup
// of 4, 8 or more divides in vec4s (Vulkan's shared-memory form).
std::vector<problem> cases() {
  return {{attention_shape{1, 4, 2, 37, 100, 64, true}, precision::fp32}, {attention_shape{2, 2, 2, 20, 20, 80, false}, precision::fp32},
          {attention_shape{1, 1, 1, 1, 480, 64, false}, precision::fp32}, {attention_shape{1, 2, 1, 9, 23, 40, true}, precision::fp32},
          {attention_shape{2, 4, 2, 3, 7, 40, true}, precision::fp32},  // seq_q < seq_kv, head_dim not a multiple of a 32-lane warp
          {attention_shape{1, 2, 2, 5, 5, 64, false}, precision::fp32}};
}

std::string entry(const problem& p) {
  const auto& a = std::get<attention_shape>(p.dims);
  return fmt::format("{{ {}heads = {}, kv_heads = {}, {}, head_dim = {}{} }}", a.batch != 1 ? fmt::format("batch = {}, ", a.batch) : "", a.heads,
                     a.kv_heads, a.seq_q == a.seq_kv ? fmt::format("seq = {}", a.seq_q) : fmt::format("seq_q = {}, seq_kv = {}", a.seq_q, a.seq_kv),
                     a.head_dim, a.causal ? ", causal = true" : "");
}

}  // namespace

const operation& attention_operation() {
  static const operation op{kernel_kind::attention, "attention", ops::model_layer_precisions, true, 3, work, parse, size_error, ops::only_float_storage, cases, measures::work, model_role::float_layer, entry};
  return op;
}

}  // namespace xpu
