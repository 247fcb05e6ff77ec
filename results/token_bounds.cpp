#include "results/token_bounds.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/problem.hpp"
#include "core/units.hpp"
#include "ops/operation.hpp"
#include "results/roofline.hpp"


namespace xpu {
namespace {

std::string shape_of(const measurement& m) { return shape_id(m.problem, m.precision); }

// A matrix step's sizes, from its shape id ("gemm/m1n4096k14336tb"); nullopt for other steps.
std::optional<gemm_shape> gemm_of(std::string_view run) {
  const auto p = problem_from_shape_id(run, precision::fp32);
  const auto* g = p ? std::get_if<gemm_shape>(&p->dims) : nullptr;
  return g ? std::optional(*g) : std::nullopt;
}

// A streamed qgemm or moe row (copies > 1): the one-copy shape id it stands for, how many products
// one launch is, and the weight bytes one launch reads (moe: the used experts of each copy).
struct streamed_row {
  std::string one_copy;
  std::int64_t copies = 1;
  double working_set = 0;
};
std::optional<streamed_row> streamed_of(const measurement& m) {
  auto p = problem_from_id(m.problem);
  if (auto* q = p ? std::get_if<qgemm_shape>(&p->dims) : nullptr; q && q->copies > 1) {
    const streamed_row r{"", q->copies, static_cast<double>(q->copies) * quant_matrix_bytes(q->n, q->k, q->weights)};
    q->copies = 1;
    return streamed_row{p->shape_id(), r.copies, r.working_set};
  }
  if (auto* e = p ? std::get_if<moe_shape>(&p->dims) : nullptr; e && e->copies > 1) {
    const streamed_row r{"", e->copies, static_cast<double>(e->copies * e->used) * quant_matrix_bytes(e->n, e->k, e->weights)};
    e->copies = 1;
    return streamed_row{p->shape_id(), r.copies, r.working_set};
  }
  return std::nullopt;
}

struct row_index {
  using row_key = std::tuple<std::string, std::string, std::string>;
  // (device, shape, precision) -> the fastest verified row; and the first other row (why it is not)
  std::map<row_key, const measurement*> best;
  std::map<row_key, const measurement*> other;
  // (device, the one-copy shape, precision) -> the verified streamed row with the largest working set
  std::map<row_key, std::pair<const measurement*, streamed_row>> streamed;
  // ... and the first streamed row that ran and went wrong (failed, invalid, crashed): never replaced by the cached row
  std::map<row_key, const measurement*> streamed_wrong;
  // ... and the first one the device did not run (unsupported, skipped): the cached row stands in, said why
  std::map<row_key, const measurement*> streamed_not_run;

  explicit row_index(const run& r) {
    for (const measurement& m : r.measurements) {
      const auto k = row_key{m.device, shape_of(m), m.precision};
      const bool good = m.state == status::ok && m.time_s && (!m.verification.checked || m.verification.passed);
      if (const auto q = streamed_of(m)) {
        const row_key of{m.device, q->one_copy, m.precision};
        if (!good) {
          if (m.state != status::unsupported && m.state != status::skipped) streamed_wrong.try_emplace(of, &m);
          else streamed_not_run.try_emplace(of, &m);
          continue;
        }
        auto [it, fresh] = streamed.try_emplace(of, &m, *q);
        if (!fresh && q->copies > it->second.second.copies) it->second = {&m, *q};
        continue;
      }
      if (good) {
        const measurement*& b = best[k];
        if (!b || m.time_s->median < b->time_s->median) b = &m;
      } else if (!other.contains(k)) {
        other[k] = &m;
      }
    }
  }
  std::string why_not(const std::tuple<std::string, std::string, std::string>& key) const {
    const auto it = other.find(key);
    if (it == other.end()) return "not measured";
    const measurement& m = *it->second;
    if (m.state == status::ok) return "verification failed";
    return fmt::format("{}{}", to_string(m.state), m.reason.empty() ? "" : ": " + m.reason);
  }
  // Ran in that precision and did not give a verified time (failed, invalid, crashed, ...): never
  // replaced by another precision's row.
  bool went_wrong(const std::tuple<std::string, std::string, std::string>& key) const {
    const auto it = other.find(key);
    return it != other.end() && it->second->state != status::unsupported && it->second->state != status::skipped;
  }
};

// One row of the table: the matrices in a dense precision (weights = ""), or as qgemm with the
// model's quantized weights and `precision` activations.
struct variant {
  std::string device, precision, weights;
  std::string label() const { return weights.empty() ? precision : fmt::format("{} x {}", weights, precision); }
  // The row that runs a step: the matrices as gemm or qgemm; the other kernels as they are.
  std::string run_of(const model_step& step) const {
    const auto format = quant_format_parse(weights);
    const auto g = format ? gemm_of(step.run) : std::nullopt;
    if (!g) return step.run;
    return problem{qgemm_shape{g->m, g->n, g->k, *format}, precision::fp32}.shape_id();
  }
  // A step of routed experts (moe) as dense GEMM passes, one per expert read, over its share of the
  // (token, choice) pairs: that GEMM's shape id and the pass count; nullopt for other steps.
  static std::optional<std::pair<std::string, double>> moe_as_gemm(const model_step& step) {
    const auto routed = step.run.starts_with("moe/") ? problem_from_shape_id(step.run, precision::fp32) : std::nullopt;
    if (!routed || routed->kind() != kernel_kind::moe) return std::nullopt;
    const auto& e = std::get<moe_shape>(routed->dims);
    const std::int64_t pairs = e.m * e.used, reads = std::min(e.experts, pairs);
    return std::pair{problem{gemm_shape{(pairs + reads - 1) / reads, e.n, e.k, false, true}, precision::fp32}.shape_id(), static_cast<double>(reads)};
  }
  // Whether the row runs a moe step as it is: a quantized row of the experts' own blocks.
  bool routed_as_is(const model_step& step) const {
    const auto p = weights.empty() ? std::nullopt : problem_from_shape_id(step.run, precision::fp32);
    const auto* e = p ? std::get_if<moe_shape>(&p->dims) : nullptr;
    return e && quant_format_parse(weights) == e->weights;
  }
  // The row's own form of a step and how many launches of it the step is: run_of's, or a moe step's
  // GEMM passes where the row does not run it as it is (a dense row, or other blocks).
  std::pair<std::string, double> own_of(const model_step& step) const {
    if (const auto passes = moe_as_gemm(step); passes && !routed_as_is(step)) return *passes;
    return {run_of(step), 1.0};
  }
};

// streamed: a quantized matrix step from its streamed row where there is one (its time per copy),
// counted in b.streamed_steps / b.matrix_steps and its working set kept in b.decode_working_set.
void sum_phase(const std::vector<model_step>& steps, const row_index& rows, const variant& v, double tokens, bool decode, phase_bound& out,
               token_bound& b, bool streamed = false) {
  double total = 0;
  for (const model_step& step : steps) {
    // Each step in the row's own form first. Then, only where that form does not exist (unsupported,
    // not in the suite; never after a failure): attention, RMSNorm and SiLU, which have no int8 kernels
    // (nor bf16 ones on some devices), in fp16, else fp32 (as llama.cpp keeps them); a matrix of a quantized row that is not
    // stored in the row's blocks (llama.cpp files keep output.weight in Q6_K), as a dense GEMM with
    // the row's activations.
    const auto as_gemm = variant::moe_as_gemm(step);
    const auto [own, passes] = v.own_of(step);
    if (streamed && !v.weights.empty() && as_gemm && !v.routed_as_is(step)) ++b.matrix_steps;  // experts of other blocks: GEMM passes, not streamed
    if (as_gemm && !v.routed_as_is(step)) {
      const std::string note = "routed experts (moe) as dense GEMM passes, one per expert read";
      if (std::ranges::find(b.substituted, note) == b.substituted.end()) b.substituted.push_back(note);
    }
    if (streamed && ((own != step.run && !as_gemm) || (as_gemm && v.routed_as_is(step)))) {  // a matrix (or the experts) of a quantized row
      ++b.matrix_steps;
      if (const auto it = rows.streamed.find({v.device, own, v.precision}); it != rows.streamed.end()) {
        const auto& [m, q] = it->second;
        ++b.streamed_steps;
        total += m->time_s->median / static_cast<double>(q.copies) * static_cast<double>(step.count);
        if (m->verification.checked) b.worst_rel_l2 = std::max(b.worst_rel_l2, m->verification.rel_l2_error);
        b.decode_working_set = std::max(b.decode_working_set.value_or(0), q.working_set);
        continue;
      }
      if (const auto it = rows.streamed_wrong.find({v.device, own, v.precision}); it != rows.streamed_wrong.end()) {
        const measurement& m = *it->second;
        out.missing.push_back(fmt::format("{} ({}{})", m.problem, m.state == status::ok ? "verification failed" : to_string(m.state),
                                          m.reason.empty() ? "" : ": " + m.reason));
        continue;
      }
      if (const auto it = rows.streamed_not_run.find({v.device, own, v.precision}); it != rows.streamed_not_run.end() && b.not_streamed.empty())
        b.not_streamed = fmt::format("{} {}{}", it->second->problem, to_string(it->second->state),
                                     it->second->reason.empty() ? "" : ": " + it->second->reason);
    }
    // (shape, precision, launches): the row's own form first, then what may stand in for it.
    std::vector<std::tuple<std::string, std::string, double>> order{{own, v.precision, passes}};
    const bool row_kernel = operation_role(step.run.substr(0, step.run.find('/'))) == model_role::float_layer;
    if (row_kernel) order.insert(order.end(), {{step.run, "fp16", 1.0}, {step.run, "fp32", 1.0}});
    else if (as_gemm && v.routed_as_is(step)) order.emplace_back(as_gemm->first, v.precision, as_gemm->second);  // no moe row run here
    else if (!v.weights.empty() && !as_gemm) order.emplace_back(step.run, v.precision, 1.0);
    const measurement* used = nullptr;
    bool substituted = false;
    double launches = 1;
    for (std::size_t i = 0; i < order.size() && !used; ++i) {
      const auto key = std::tuple{v.device, std::get<0>(order[i]), std::get<1>(order[i])};
      if (const auto it = rows.best.find(key); it != rows.best.end()) used = it->second, substituted = i > 0, launches = std::get<2>(order[i]);
      else if (rows.went_wrong(key)) break;
    }
    if (!used) {
      out.missing.push_back(fmt::format("{} ({})", own, rows.why_not({v.device, own, v.precision})));
      continue;
    }
    if (substituted) {
      const std::string note = as_gemm ? fmt::format("routed experts without a {} moe row as dense {} GEMM passes", v.weights, used->precision)
                               : operation_role(used->kernel) == model_role::matrix ? fmt::format("matrices without a {} qgemm row as dense {} GEMMs", v.weights, used->precision)
                                                                                     : fmt::format("{} in {}", used->kernel, used->precision);
      if (std::ranges::find(b.substituted, note) == b.substituted.end()) b.substituted.push_back(note);
    }
    total += used->time_s->median * launches * static_cast<double>(step.count);
    if (used->verification.checked) b.worst_rel_l2 = std::max(b.worst_rel_l2, used->verification.rel_l2_error);
  }
  if (steps.empty() || !out.missing.empty() || !(total > 0)) return;
  out.seconds = total;
  out.per_s = (decode ? 1.0 : tokens) / total;
}

// Bytes of the matrices one decoded token reads: the model file's own (quantized) bytes for its
// weight type, else the weights' count x the dense precision's size.
std::optional<double> weight_bytes(const model_profile& model, const variant& v) {
  if (!v.weights.empty() && v.weights == model.weight_type && model.weight_bytes > 0) return model.weight_bytes;
  double elements = 0;
  for (const model_step& step : model.decode)
    if (const auto s = gemm_of(step.run)) {
      elements += static_cast<double>(s->n) * static_cast<double>(s->k) * static_cast<double>(step.count);
    } else if (const auto p = problem_from_shape_id(step.run, precision::fp32); p && p->kind() == kernel_kind::moe) {
      const auto& e = std::get<moe_shape>(p->dims);  // the used experts of one token
      elements += static_cast<double>(e.n) * static_cast<double>(e.k) * static_cast<double>(e.used) * static_cast<double>(step.count);
    }
  if (elements <= 0) return std::nullopt;
  if (const auto f = quant_format_parse(v.weights))
    return elements * static_cast<double>(quant_block_bytes(*f)) / quant_block_weights;
  if (v.precision == "fp32") return elements * 4;
  if (v.precision == "fp16" || v.precision == "bf16") return elements * 2;
  if (v.precision == "int8") return elements;
  return std::nullopt;
}

}  // namespace

std::vector<token_bound> token_bounds(const run& r) {
  std::vector<token_bound> out;
  if (!r.context.model) return out;
  const model_profile& model = *r.context.model;
  const row_index rows(r);
  std::vector<variant> variants;  // in the run's order: dense GEMM precisions, then the quantized weights
  for (const measurement& m : r.measurements) {
    variant v{m.device, m.precision, ""};
    if (const model_role role = operation_role(m.kernel); role == model_role::block_matrix || m.kernel == "moe") {  // a row per block format
      const auto weights = quantized_weights(m.problem);
      if (!weights) continue;
      v.weights = std::string(to_string(*weights));
    } else if (role != model_role::matrix) {
      continue;
    }
    if (std::ranges::none_of(variants, [&](const variant& x) { return x.device == v.device && x.precision == v.precision && x.weights == v.weights; }))
      variants.push_back(v);
  }
  for (const variant& v : variants) {
    token_bound b;
    b.device = v.device, b.precision = v.label();
    sum_phase(model.decode, rows, v, static_cast<double>(model.tokens), true, b.decode, b, true);
    {
      token_bound cached;  // the same from the cache-resident rows only (its substitutions and errors are the decode's too)
      sum_phase(model.decode, rows, v, static_cast<double>(model.tokens), true, b.decode_cached, cached);
      b.worst_rel_l2 = std::max(b.worst_rel_l2, cached.worst_rel_l2);
      for (const auto& s : cached.substituted)
        if (std::ranges::find(b.substituted, s) == b.substituted.end()) b.substituted.push_back(s);
    }
    sum_phase(model.prefill, rows, v, static_cast<double>(model.tokens), false, b.prefill, b);
    sum_phase(model.inference, rows, v, 1, false, b.inference, b);
    const auto measured = [&](const std::vector<model_step>& steps) {
      return std::ranges::any_of(steps, [&](const model_step& s) {
        const std::string_view kind = std::string_view(s.run).substr(0, s.run.find('/'));
        const std::string own = v.own_of(s).first;
        return (operation_role(kind) == model_role::matrix || kind == "moe") &&
               (rows.best.contains({v.device, own, v.precision}) || rows.streamed.contains({v.device, own, v.precision}));
      });
    };
    if (!measured(model.decode) && !measured(model.prefill) && !measured(model.inference)) continue;  // no matrix ran this way here: the table's rows say why
    if (model.decode.empty()) {  // no decode phase (an ONNX graph): no memory bound to give
      out.push_back(std::move(b));
      continue;
    }
    const measurement* read = nullptr;
    for (const measurement& m : r.measurements)
      if (m.device == v.device && operation_role(m.kernel) == model_role::memory && read_working_set(m) && m.state == status::ok &&
          m.bytes_per_s &&
          (!read || *m.bytes_per_s > *read->bytes_per_s))
        read = &m;
    b.decode_bytes = weight_bytes(model, v);
    if (read) b.read_bytes_per_s = read->bytes_per_s, b.read_problem = read->problem;
    if (!b.decode_bytes) b.memory_basis = "the matrices' bytes are unknown";
    else if (!read) b.memory_basis = "no verified bandwidth read row on this device";
    else b.decode_memory_bound = *read->bytes_per_s / *b.decode_bytes;
    out.push_back(std::move(b));
  }
  return out;
}

std::string decode_made_of(const token_bound& b) {
  if (b.matrix_steps == 0) return "cache-resident rows (dense GEMMs are not streamed)";
  if (b.streamed_steps == b.matrix_steps)
    return fmt::format("streamed matrices (each timed over copies of itself, up to {} in all, as a token reads the whole model)",
                       format_bytes(static_cast<std::uint64_t>(b.decode_working_set.value_or(0))));
  if (b.streamed_steps == 0)
    return b.not_streamed.empty() ? "cache-resident rows (the suite has no streamed qgemm or moe rows)"
                                  : fmt::format("cache-resident rows (not streamed: {})", b.not_streamed);
  return fmt::format("streamed matrices for {} of {} matrix steps, the rest cache-resident{}", b.streamed_steps, b.matrix_steps,
                     b.not_streamed.empty() ? "" : fmt::format(" (not streamed: {})", b.not_streamed));
}

}  // namespace xpu
