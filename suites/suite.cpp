#include "suites/suite.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/toml.hpp"
#include "ops/operation.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

// [model]: name, source, weight_type, tokens, weight_bytes, notes, and [[model.prefill]] /
// [[model.decode]] / [[model.inference]] steps {run = SHAPE_ID, count = N}; each step must name a
// problem of the suite; tokens is required with prefill or decode steps.
result<model_profile> model_parse(const toml::node& node, const suite_reader& r, std::vector<std::pair<const toml::node*, std::string>>& runs) {
  const toml::table* t = node.as_table();
  if (!t) return r.error_at(node, "'model' must be a table: write [model]");
  if (auto ok = r.only_keys(*t, "[model]", {"name", "source", "weight_type", "tokens", "weight_bytes", "notes", "prefill", "decode", "inference"}); !ok)
    return std::unexpected(ok.error());
  model_profile m;
  for (auto [key, dst] : {std::pair{"name", &m.name}, std::pair{"source", &m.source}, std::pair{"weight_type", &m.weight_type}})
    if (const toml::node* v = t->get(key)) {
      if (!v->is_string()) return r.error_at(*v, "'{}' must be a string", key);
      *dst = *v->value<std::string>();
    }
  if (const toml::node* tokens = t->get("tokens")) {
    auto n = r.positive(*tokens, "tokens");
    if (!n) return std::unexpected(n.error());
    m.tokens = *n;
  } else if (t->contains("prefill") || t->contains("decode")) {
    return r.error_at(node, "[model] needs 'tokens' (the prompt length the prefill and decode steps were written for)");
  }
  if (const toml::node* v = t->get("weight_bytes")) {
    const auto b = v->value<double>();
    if (!b || !(*b >= 0) || *b > 1e18) return r.error_at(*v, "'weight_bytes' must be a number of bytes from 0 to 1e18");
    m.weight_bytes = *b;
  }
  if (const toml::node* v = t->get("notes")) {
    auto notes = r.strings(*v, "notes");
    if (!notes) return std::unexpected(notes.error());
    m.notes = std::move(*notes);
  }
  for (auto [key, dst] : {std::pair{"prefill", &m.prefill}, std::pair{"decode", &m.decode}, std::pair{"inference", &m.inference}}) {
    const toml::node* v = t->get(key);
    if (!v) continue;
    const toml::array* list = v->as_array();
    if (!list || !list->is_array_of_tables()) return r.error_at(*v, "'model.{}' must be an array of tables: write [[model.{}]]", key, key);
    for (const toml::node& e : *list) {
      const toml::table& step = *e.as_table();
      if (auto ok = r.only_keys(step, fmt::format("[[model.{}]]", key), {"run", "count"}); !ok) return std::unexpected(ok.error());
      const toml::node* run = step.get("run");
      if (!run || !run->is_string()) return r.error_at(e, "[[model.{}]] needs 'run', a benchmark's shape such as \"gemm/m1n4096k4096tb\"", key);
      model_step s{*run->value<std::string>(), 1};
      if (const toml::node* c = step.get("count")) {
        auto count = r.positive(*c, "count");
        if (!count) return std::unexpected(count.error());
        s.count = *count;
      }
      runs.emplace_back(run, s.run);
      dst->push_back(std::move(s));
    }
  }
  return m;
}

}  // namespace

result<suite> suite_parse(std::string_view text, std::string_view source) {
  toml::table doc;
  try {
    doc = toml::parse(text, std::string(source));
  } catch (const toml::parse_error& e) {
    return fail(status::invalid, "{}:{}: not valid TOML: {}", source, e.source().begin.line, e.description());
  }
  const suite_reader r(source);
  suite out;
  out.source = source;
  // toml++ keeps keys sorted; run the sections in the order the file lists them.
  std::vector<std::pair<std::string_view, const toml::node*>> entries;
  for (auto&& [key, node] : doc) entries.emplace_back(key.str(), &node);
  std::ranges::stable_sort(entries, {}, [](const auto& e) { return e.second->source().begin.line; });
  std::vector<std::pair<const toml::node*, std::string>> model_runs;
  for (auto [k, node_ptr] : entries) {
    const toml::node& node = *node_ptr;
    if (k == "model") {
      auto m = model_parse(node, r, model_runs);
      if (!m) return std::unexpected(m.error());
      out.model = std::move(*m);
      continue;
    }
    if (k == "name" || k == "description") {
      if (!node.is_string()) return r.error_at(node, "'{}' must be a string, found {}", k, suite_reader::type_name(node));
      (k == "name" ? out.name : out.description) = *node.value<std::string>();
      continue;
    }
    if (k == "repetitions") {
      auto v = r.positive(node, "repetitions");
      if (!v) return std::unexpected(v.error());
      if (*v > max_repetitions) return r.error_at(node, "'repetitions' must be at most {}, found {}", max_repetitions, *v);
      out.repetitions = static_cast<int>(*v);
      continue;
    }
    if (k == "sampling") {
      const auto v = node.value<std::string>();
      if (!v || (*v != "adaptive" && *v != "fixed"))
        return r.error_at(node, "'sampling' must be \"adaptive\" (until the median's interval is within the noisy threshold) or \"fixed\" "
                                "(exactly 'repetitions')");
      out.sampling = *v == "fixed" ? sampling_mode::fixed : sampling_mode::adaptive;
      continue;
    }
    if (k == "max_repetitions") {
      auto v = r.positive(node, "max_repetitions");
      if (!v) return std::unexpected(v.error());
      if (*v > xpu::max_repetitions) return r.error_at(node, "'max_repetitions' must be at most {}, found {}", xpu::max_repetitions, *v);
      out.max_repetitions = static_cast<int>(*v);
      continue;
    }
    if (k == "budget_s") {
      const auto v = node.value<double>();
      if (!v || !(*v > 0) || *v > max_budget_s)
        return r.error_at(node, "'budget_s' must be a number of seconds above 0 and at most {}", max_budget_s);
      out.budget_s = *v;
      continue;
    }
    if (k == "implementations") {
      auto names = r.strings(node, "implementations");
      if (!names) return std::unexpected(names.error());
      out.implementations = std::move(*names);
      continue;
    }
    if (k == "min_time_s") {
      const auto v = node.value<double>();
      if (!v || !(*v > 0) || *v > max_min_time_s)  // NaN fails every comparison: it is refused too
        return r.error_at(node, "'min_time_s' must be a number of seconds above 0 and at most {}", max_min_time_s);
      out.min_time_s = *v;
      continue;
    }
    const operation* op = operation_find(k);
    if (!op)
      return r.error_at(node, "unknown key '{}' (expected name, description, repetitions, min_time_s, sampling, max_repetitions, budget_s, implementations, model, or a section: {})", k,
                        operation_names(", ", "[[", "]]"));
    const toml::array* list = node.as_array();
    if (!list || !list->is_array_of_tables())
      return r.error_at(node, "'{}' must be an array of tables: write [[{}]]", k, k);
    for (const toml::node& t : *list)
      if (auto ok = op->parse({*t.as_table(), r, out.problems}); !ok) return std::unexpected(ok.error());
  }
  if (out.name.empty()) out.name = std::filesystem::path(std::string(source)).stem().string();
  if (out.problems.empty()) return fail(status::invalid, "{}: the suite lists no problem (add a [[gemm]], [[conv2d]], ... section)", source);
  std::set<std::string> shapes;
  for (const problem& p : out.problems) shapes.insert(p.shape_id());
  for (const auto& [node, run] : model_runs)
    if (!shapes.contains(run)) return r.error_at(*node, "the model step '{}' names no problem of this suite (a shape id: the benchmark name without device, precision and implementation)", run);
  return out;
}

result<suite> suite_load(std::string_view name_or_path) {
  if (std::string_view text = builtin_suite_text(name_or_path); !text.empty())
    return suite_parse(text, fmt::format("builtin:{}", name_or_path));
  const std::filesystem::path path{std::string(name_or_path)};
  std::ifstream in(path);
  if (!in) {
    std::string names;
    for (const auto& n : builtin_suite_names()) names += (names.empty() ? "" : ", ") + n;
    return fail(status::invalid, "'{}' is neither a built-in suite ({}) nor a readable file", name_or_path, names);
  }
  std::stringstream text;
  text << in.rdbuf();
  return suite_parse(text.str(), path.string());
}

}  // namespace xpu
