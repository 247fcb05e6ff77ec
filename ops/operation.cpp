// The registry of operations: one line per operation. A new operation is a folder
// ops/<name>/ (its descriptor, workload and reference), its shape in core/problem.hpp, and a line here.
#include "ops/operation.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "ops/suite_reader.hpp"

namespace xpu {

const operation& gemm_operation();
const operation& conv2d_operation();
const operation& reduction_operation();
const operation& bandwidth_operation();
const operation& peak_operation();
const operation& latency_operation();
const operation& softmax_operation();
const operation& rmsnorm_operation();
const operation& attention_operation();
const operation& qgemm_operation();
const operation& silu_operation();
const operation& layernorm_operation();
const operation& moe_operation();

namespace {

const std::array<const operation*, 13>& registry() {
  static const std::array<const operation*, 13> table{
      &gemm_operation(),    &conv2d_operation(),  &reduction_operation(), &bandwidth_operation(), &peak_operation(),
      &latency_operation(), &softmax_operation(), &rmsnorm_operation(),   &attention_operation(), &qgemm_operation(),
      &silu_operation(),    &layernorm_operation(), &moe_operation(),
  };
  return table;
}

}  // namespace

std::span<const operation* const> operations() { return registry(); }

measures operation_measures(std::string_view kernel) {
  const operation* op = operation_find(kernel);
  return op ? op->what : measures::work;
}

model_role operation_role(std::string_view kernel) {
  const operation* op = operation_find(kernel);
  return op ? op->role : model_role::none;
}

const operation& operation_for(kernel_kind kind) {
  for (const operation* op : registry())
    if (op->kind == kind) return *op;
  XPU_ASSERT(false && "an operation without a descriptor");
  return *registry().front();
}

const operation* operation_find(std::string_view name) {
  for (const operation* op : registry())
    if (op->name == name) return op;
  return nullptr;
}

std::vector<precision> operation_precisions() {
  std::vector<precision> out;
  for (precision p : all_precisions)
    if (std::ranges::any_of(registry(), [&](const operation* op) { return std::ranges::find(op->precisions, p) != op->precisions.end(); }))
      out.push_back(p);
  return out;
}

std::string operation_names(std::string_view separator, std::string_view before, std::string_view after) {
  std::string out;
  for (const operation* op : registry()) out += fmt::format("{}{}{}{}", out.empty() ? "" : separator, before, op->name, after);
  return out;
}

const workload& workload_for(kernel_kind kind) { return operation_for(kind).work(); }

std::optional<std::string> problem_size_error(const problem& p) {
  if (const auto& op = operation_for(p.kind()); op.size_error)
    if (auto e = op.size_error(p)) return e;
  const auto largest = largest_tensor_elements(p);
  if (!largest)
    return fmt::format("{}: the sizes multiply beyond 64-bit arithmetic; no device holds such a tensor (at most 2^46 elements)", p.id());
  if (*largest > max_tensor_elements)
    return fmt::format("{}: a tensor of {} elements is beyond any device (at most 2^46 = {} elements)", p.id(), *largest, max_tensor_elements);
  return std::nullopt;
}

result<void> section_context::add(const toml::node& at, problem p) const {
  if (auto e = problem_size_error(p)) return r.error_at(at, "{}", *e);
  problems.push_back(std::move(p));
  return {};
}

std::string operation_section(const operation& op, std::span<const precision> precisions,
                              const std::vector<std::pair<problem, std::string>>& entries) {
  if (!op.entry) return fmt::format("# [[{}]] sections are not written from problems\n", op.name);
  // One section per distinct set of keys (qgemm: per block format), in the order they first appear.
  std::vector<std::string> key_sets;
  for (const auto& [p, comment] : entries)
    if (const std::string k = op.keys ? op.keys(p) : ""; std::ranges::find(key_sets, k) == key_sets.end()) key_sets.push_back(k);
  std::string s;
  for (const std::string& keys : key_sets) {
    s += fmt::format("[[{}]]\nprecisions = [", op.name);
    for (std::size_t i = 0; i < precisions.size(); ++i) s += fmt::format("{}\"{}\"", i ? ", " : "", to_string(precisions[i]));
    s += "]\n" + (keys.empty() ? "" : keys + "\n") + "shapes = [\n";
    for (const auto& [p, comment] : entries)
      if ((op.keys ? op.keys(p) : "") == keys) s += fmt::format("  {},{}\n", op.entry(p), comment.empty() ? "" : "  # " + comment);
    s += "]\n";
  }
  return s;
}

}  // namespace xpu
