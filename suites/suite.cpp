#include "suites/suite.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "suites/workload.hpp"

namespace xpu {
namespace {

// Collects the first error with its location; every check goes through it.
class reader {
 public:
  explicit reader(std::string_view source) : m_source(source) {}

  template <class... Args>
  std::unexpected<error> error_at(const toml::node& n, fmt::format_string<Args...> f, Args&&... args) const {
    return fail(status::invalid, "{}:{}: {}", m_source, n.source().begin.line, fmt::format(f, std::forward<Args>(args)...));
  }

  result<void> only_keys(const toml::table& t, std::string_view where, std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, value] : t) {
      if (std::ranges::find(allowed, key.str()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return error_at(value, "unknown key '{}' in {} (expected one of: {})", key.str(), where, list);
    }
    return {};
  }

  result<std::int64_t> positive(const toml::node& n, std::string_view what) const {
    if (!n.is_integer()) return error_at(n, "'{}' must be an integer, found {}", what, type_name(n));
    const std::int64_t v = *n.value<std::int64_t>();
    if (v <= 0) return error_at(n, "'{}' must be positive, found {}", what, v);
    return v;
  }

  result<std::vector<std::string>> strings(const toml::node& n, std::string_view what) const {
    const toml::array* a = n.as_array();
    if (!a) return error_at(n, "'{}' must be an array of strings, found {}", what, type_name(n));
    std::vector<std::string> out;
    for (const toml::node& e : *a) {
      if (!e.is_string()) return error_at(e, "'{}' must contain strings, found {}", what, type_name(e));
      out.push_back(*e.value<std::string>());
    }
    return out;
  }

  result<std::vector<precision>> precisions(const toml::table& t, std::vector<precision> fallback) const {
    const toml::node* n = t.get("precisions");
    if (!n) return fallback;
    auto names = strings(*n, "precisions");
    if (!names) return std::unexpected(names.error());
    std::vector<precision> out;
    for (std::size_t i = 0; i < names->size(); ++i) {
      auto p = precision_parse((*names)[i]);
      if (!p) return error_at(*n, "unknown precision '{}' (expected fp32, fp16, bf16 or int8)", (*names)[i]);
      out.push_back(*p);
    }
    return out;
  }

  // Reads positive integers into the fields named; a required field that is absent is an error
  // naming `what` (the shape) at `where`.
  result<void> positive_fields(const toml::table& t, const toml::node& where, std::string_view what,
                               std::initializer_list<std::pair<const char*, std::int64_t*>> fields, bool required) const {
    for (auto [key, dst] : fields) {
      const toml::node* v = t.get(key);
      if (!v) {
        if (required) return error_at(where, "{} lacks '{}'", what, key);
        continue;
      }
      auto x = positive(*v, key);
      if (!x) return std::unexpected(x.error());
      *dst = *x;
    }
    return {};
  }

  static std::string type_name(const toml::node& n) {
    std::ostringstream s;
    s << n.type();
    return s.str();
  }

 private:
  std::string m_source;
};

struct section_context {
  const reader& r;
  suite& out;

  // Adds p unless its sizes cannot be run anywhere (problem_size_error), naming the line.
  result<void> add(const toml::node& at, problem p) const {
    if (auto e = problem_size_error(p)) return r.error_at(at, "{}", *e);
    out.problems.push_back(std::move(p));
    return {};
  }
};

result<void> gemm_section(const toml::table& t, section_context c) {
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
        if (!v->is_boolean()) return c.r.error_at(*v, "'{}' must be true or false, found {}", key, reader::type_name(*v));
        *dst = *v->value<bool>();
      }
    }
    for (precision p : *precs)
      if (auto ok = c.add(s, {g, p}); !ok) return ok;
  }
  return {};
}

result<void> conv_section(const toml::table& t, section_context c) {
  if (auto ok = c.r.only_keys(t, "[[conv2d]]", {"precisions", "shapes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  const toml::array* shapes = t["shapes"].as_array();
  if (!shapes) return c.r.error_at(t, "[[conv2d]] needs 'shapes', an array of {{n, c, h, w, k, r, s}} tables");
  for (const toml::node& s : *shapes) {
    const toml::table* st = s.as_table();
    if (!st) return c.r.error_at(s, "each conv2d shape must be a table like {{n = 1, c = 64, h = 56, w = 56, k = 64, r = 3, s = 3, pad = 1}}");
    if (auto ok = c.r.only_keys(*st, "a conv2d shape", {"n", "c", "h", "w", "k", "r", "s", "stride", "pad", "dilation", "layout"}); !ok) return ok;
    conv_shape cs;
    if (auto ok = c.r.positive_fields(*st, s, "conv2d shape",
                                      {{"n", &cs.n}, {"c", &cs.c}, {"h", &cs.h}, {"w", &cs.w}, {"k", &cs.k}, {"r", &cs.r}, {"s", &cs.s}}, true);
        !ok)
      return ok;
    if (auto ok = c.r.positive_fields(*st, s, "conv2d shape", {{"stride", &cs.stride}, {"dilation", &cs.dilation}}, false); !ok) return ok;
    if (const toml::node* v = st->get("pad")) {
      if (!v->is_integer() || *v->value<std::int64_t>() < 0)
        return c.r.error_at(*v, "'pad' must be a non-negative integer, found {}", reader::type_name(*v));
      cs.pad = *v->value<std::int64_t>();
    }
    if (const toml::node* v = st->get("layout")) {
      const auto l = v->value<std::string>();
      if (!l || (*l != "nchw" && *l != "nhwc")) return c.r.error_at(*v, "'layout' must be \"nchw\" or \"nhwc\"");
      cs.layout = *l == "nchw" ? conv_layout::nchw : conv_layout::nhwc;
    }
    for (precision p : *precs)
      if (auto ok = c.add(s, {cs, p}); !ok) return ok;
  }
  return {};
}

result<void> reduction_section(const toml::table& t, section_context c) {
  if (auto ok = c.r.only_keys(t, "[[reduction]]", {"precisions", "ops", "sizes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  std::vector<reduce_op> ops{reduce_op::sum};
  if (const toml::node* n = t.get("ops")) {
    auto names = c.r.strings(*n, "ops");
    if (!names) return std::unexpected(names.error());
    ops.clear();
    for (const auto& name : *names) {
      if (name != "sum" && name != "max") return c.r.error_at(*n, "unknown reduction op '{}' (expected sum or max)", name);
      ops.push_back(name == "sum" ? reduce_op::sum : reduce_op::max);
    }
  }
  const toml::array* sizes = t["sizes"].as_array();
  if (!sizes) return c.r.error_at(t, "[[reduction]] needs 'sizes', an array of element counts");
  for (const toml::node& s : *sizes) {
    auto n = c.r.positive(s, "sizes");
    if (!n) return std::unexpected(n.error());
    for (reduce_op op : ops)
      for (precision p : *precs)
        if (auto ok = c.add(s, {reduction_shape{*n, op}, p}); !ok) return ok;
  }
  return {};
}

result<void> bandwidth_section(const toml::table& t, section_context c) {
  if (auto ok = c.r.only_keys(t, "[[bandwidth]]", {"ops", "bytes"}); !ok) return ok;
  std::vector<bandwidth_op> ops{bandwidth_op::read, bandwidth_op::copy, bandwidth_op::triad};
  if (const toml::node* n = t.get("ops")) {
    auto names = c.r.strings(*n, "ops");
    if (!names) return std::unexpected(names.error());
    ops.clear();
    for (const auto& name : *names) {
      auto it = std::ranges::find(all_bandwidth_ops, name, [](bandwidth_op op) { return to_string(op); });
      if (it == std::end(all_bandwidth_ops))
        return c.r.error_at(*n, "unknown bandwidth op '{}' (expected read, copy, triad, upload or download)", name);
      ops.push_back(*it);
    }
  }
  const toml::array* bytes = t["bytes"].as_array();
  if (!bytes) return c.r.error_at(t, "[[bandwidth]] needs 'bytes', an array of working-set sizes");
  for (const toml::node& b : *bytes) {
    auto n = c.r.positive(b, "bytes");
    if (!n) return std::unexpected(n.error());
    for (bandwidth_op op : ops)
      if (auto ok = c.add(b, {bandwidth_shape{*n, op}, precision::fp32}); !ok) return ok;
  }
  return {};
}

result<void> peak_section(const toml::table& t, section_context c) {
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

result<void> latency_section(const toml::table& t, section_context c) {
  if (auto ok = c.r.only_keys(t, "[[latency]]", {}); !ok) return ok;
  c.out.problems.push_back({latency_shape{}, precision::fp32});
  return {};
}

}  // namespace

result<suite> suite_parse(std::string_view text, std::string_view source) {
  toml::table doc;
  try {
    doc = toml::parse(text, std::string(source));
  } catch (const toml::parse_error& e) {
    return fail(status::invalid, "{}:{}: not valid TOML: {}", source, e.source().begin.line, e.description());
  }
  const reader r(source);
  suite out;
  out.source = source;
  using section_fn = result<void> (*)(const toml::table&, section_context);
  const std::pair<std::string_view, section_fn> sections[] = {{"gemm", gemm_section},   {"conv2d", conv_section},
                                                               {"reduction", reduction_section}, {"bandwidth", bandwidth_section},
                                                               {"peak", peak_section},   {"latency", latency_section}};
  // toml++ keeps keys sorted; run the sections in the order the file lists them.
  std::vector<std::pair<std::string_view, const toml::node*>> entries;
  for (auto&& [key, node] : doc) entries.emplace_back(key.str(), &node);
  std::ranges::stable_sort(entries, {}, [](const auto& e) { return e.second->source().begin.line; });
  for (auto [k, node_ptr] : entries) {
    const toml::node& node = *node_ptr;
    if (k == "name" || k == "description") {
      if (!node.is_string()) return r.error_at(node, "'{}' must be a string, found {}", k, reader::type_name(node));
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
    auto it = std::ranges::find(sections, k, &std::pair<std::string_view, section_fn>::first);
    if (it == std::end(sections))
      return r.error_at(node, "unknown key '{}' (expected name, description, repetitions, min_time_s, implementations, or a section: "
                              "[[gemm]], [[conv2d]], [[reduction]], [[bandwidth]], [[peak]], [[latency]])", k);
    const toml::array* list = node.as_array();
    if (!list || !list->is_array_of_tables())
      return r.error_at(node, "'{}' must be an array of tables: write [[{}]]", k, k);
    for (const toml::node& t : *list)
      if (auto ok = it->second(*t.as_table(), {r, out}); !ok) return std::unexpected(ok.error());
  }
  if (out.name.empty()) out.name = std::filesystem::path(std::string(source)).stem().string();
  if (out.problems.empty()) return fail(status::invalid, "{}: the suite lists no problem (add a [[gemm]], [[conv2d]], ... section)", source);
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
