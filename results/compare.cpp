#include "results/compare.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "core/units.hpp"
#include "results/run_json.hpp"
#include "results/statistics.hpp"

namespace xpu {

std::string_view to_string(compare_metric m) {
  switch (m) {
    case compare_metric::time: return "time";
    case compare_metric::throughput: return "throughput";
    case compare_metric::energy: return "energy";
  }
  return "time";
}

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::faster: return "faster";
    case verdict::slower: return "slower";
    case verdict::same: return "same";
    case verdict::noisy: return "noisy";
    case verdict::too_few: return "too few repetitions";
    case verdict::new_benchmark: return "new";
    case verdict::missing: return "missing";
    case verdict::invalid: return "invalid";
    case verdict::not_run: return "not run";
  }
  return "same";
}

namespace {

double time_unit_seconds(const std::string& unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  return 1;
}

result<compare_input> from_google_benchmark(const nlohmann::json& doc, std::string_view file) {
  compare_input in;
  in.file = file;
  in.format = "google-benchmark";
  const auto& ctx = doc["context"];
  if (ctx.is_object()) {
    if (ctx.contains("num_cpus")) in.machine.emplace_back("num_cpus", ctx["num_cpus"].dump());
    if (ctx.contains("caches")) in.machine.emplace_back("caches", ctx["caches"].dump());
  }
  std::map<std::string, std::size_t> index;
  for (const auto& b : doc["benchmarks"]) {
    if (!b.is_object() || !b.contains("name")) return fail(status::invalid, "{}: a 'benchmarks' entry has no 'name'", file);
    if (b.value("run_type", "iteration") != "iteration") continue;
    const std::string name = b.value("run_name", b["name"].get<std::string>());
    auto [it, added] = index.try_emplace(name, in.rows.size());
    if (added) in.rows.push_back({name, "ok", "", {}, {}, 0});
    auto& row = in.rows[it->second];
    if (b.value("error_occurred", false)) {
      row.state = "failed";
      row.reason = b.value("error_message", "error");
      continue;
    }
    if (!b.contains("real_time") || !b["real_time"].is_number())
      return fail(status::invalid, "{}: benchmark '{}' has no numeric 'real_time'", file, name);
    row.time_s.push_back(b["real_time"].get<double>() * time_unit_seconds(b.value("time_unit", "ns")));
  }
  return in;
}

}  // namespace

result<compare_input> compare_input_read(const nlohmann::json& doc, std::string_view file) {
  if (!doc.is_object()) return fail(status::invalid, "{}: expected a JSON object at the top level", file);
  if (!doc.contains("schema_version")) {
    if (doc.contains("benchmarks") && doc["benchmarks"].is_array()) return from_google_benchmark(doc, file);
    return fail(status::invalid, "{}: neither an xpubench run (no 'schema_version') nor a Google Benchmark JSON file (no 'benchmarks' array)", file);
  }
  auto r = run_from_json(doc, file);
  if (!r) return std::unexpected(r.error());
  compare_input in;
  in.file = file;
  in.format = "xpubench";
  const inventory& inv = r->context.machine;
  in.machine.emplace_back("CPU model", inv.cpu.topology.model);
  in.machine.emplace_back("xpubench version", r->context.xpubench_version);
  for (const auto& d : inv.devices) {
    in.machine.emplace_back(d.id + " device", d.name);
    if (!d.driver_version.empty()) in.machine.emplace_back(d.id + " driver version", d.driver_version);
  }
  for (const auto& m : r->measurements)
    in.rows.push_back({m.name, std::string(to_string(m.state)), m.reason, m.samples_s, m.energy_samples_j, m.ops});
  in.xpu = std::move(*r);
  return in;
}

result<compare_input> compare_input_load(const std::string& path) {
  std::ifstream f(path);
  if (!f) return fail(status::invalid, "cannot read '{}': no such file or no permission", path);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(status::invalid, "{}: not valid JSON (truncated?): {}", path, e.what());
  }
  return compare_input_read(doc, path);
}

namespace {

// The samples the metric compares, in its unit; larger is worse for time and energy.
std::vector<double> metric_samples(const compare_input::series& s, compare_metric m) {
  switch (m) {
    case compare_metric::time: return s.time_s;
    case compare_metric::energy: return s.energy_j;
    case compare_metric::throughput: {
      std::vector<double> out;
      if (s.ops > 0)
        for (double t : s.time_s) out.push_back(s.ops / t);
      return out;
    }
  }
  return {};
}

bool higher_is_better(compare_metric m) { return m == compare_metric::throughput; }

double cv_of(const std::vector<double>& v) { return v.size() > 1 ? stats_of(v).cv : 0; }

comparison_row compare_one(const compare_input::series* b, const compare_input::series* h, const compare_options& o) {
  comparison_row row;
  row.name = b ? b->name : h->name;
  if (!b) return row.outcome = verdict::new_benchmark, row;
  if (!h) return row.outcome = verdict::missing, row.note = "in base, not in head", row;
  if (h->state == "invalid") {
    row.outcome = verdict::invalid;
    row.regression = true;
    row.note = h->reason;
    return row;
  }
  if (h->state != "ok" || b->state != "ok") {
    row.outcome = verdict::not_run;
    row.note = h->state != "ok" ? "head: " + h->state + ": " + h->reason : "base: " + b->state + ": " + b->reason;
    return row;
  }
  const auto bs = metric_samples(*b, o.metric), hs = metric_samples(*h, o.metric);
  if (bs.empty() || hs.empty()) {
    row.outcome = verdict::not_run;
    row.note = o.metric == compare_metric::energy ? "no energy figures in one of the runs" : "no samples in one of the runs";
    return row;
  }
  row.base = stats_of(bs).median;
  row.head = stats_of(hs).median;
  row.delta = *row.base != 0 ? (*row.head - *row.base) / *row.base : 0;
  const double min_p = mann_whitney_min_p(static_cast<int>(bs.size()), static_cast<int>(hs.size()));
  if (min_p > o.alpha) {
    row.outcome = verdict::too_few;
    row.note = fmt::format("{} and {} repetitions cannot reach p < {} (smallest possible p = {:.3g}); use --repetitions 5 or more",
                           bs.size(), hs.size(), o.alpha, min_p);
    return row;
  }
  row.p_value = mann_whitney_u(bs, hs).p_value;
  const double worse = higher_is_better(o.metric) ? -*row.delta : *row.delta;  // > 0: head is worse
  const bool significant = *row.p_value < o.alpha;
  if (significant && std::fabs(*row.delta) > o.threshold) {
    row.outcome = worse > 0 ? verdict::slower : verdict::faster;
    row.regression = worse > 0;
  } else if (!significant && (cv_of(bs) > o.noisy_cv || cv_of(hs) > o.noisy_cv)) {
    row.outcome = verdict::noisy;
    row.note = fmt::format("cv base {:.1f}%, head {:.1f}%", cv_of(bs) * 100, cv_of(hs) * 100);
  } else {
    row.outcome = verdict::same;
  }
  return row;
}

}  // namespace

result<comparison> compare_runs(const compare_input& base, const compare_input& head, const compare_options& o) {
  comparison c;
  c.metric = o.metric;
  c.unit = o.metric == compare_metric::time ? "s" : o.metric == compare_metric::throughput ? "ops/s" : "J/launch";
  std::map<std::string, std::string> base_machine(base.machine.begin(), base.machine.end());
  for (const auto& [what, value] : head.machine) {
    auto it = base_machine.find(what);
    const std::string before = it == base_machine.end() ? "(absent)" : it->second;
    if (before != value) c.machine_differences.push_back(fmt::format("{}: '{}' vs '{}'", what, before, value));
  }
  if (base.format != head.format) c.machine_differences.push_back(fmt::format("file format: {} vs {}", base.format, head.format));
  if (!c.machine_differences.empty() && !o.allow_different_machine) {
    std::string list;
    for (const auto& d : c.machine_differences) list += "\n  " + d;
    return fail(status::invalid, "{} and {} come from different machines, drivers or xpubench versions:{}\n"
                                 "compare them anyway with --allow-different-machine",
                base.file, head.file, list);
  }
  std::map<std::string, const compare_input::series*> in_head;
  for (const auto& s : head.rows) in_head[s.name] = &s;
  for (const auto& b : base.rows) {
    auto it = in_head.find(b.name);
    c.rows.push_back(compare_one(&b, it == in_head.end() ? nullptr : it->second, o));
    if (it != in_head.end()) in_head.erase(it);
  }
  for (const auto& h : head.rows)
    if (in_head.contains(h.name)) c.rows.push_back(compare_one(nullptr, &h, o));
  c.regression = std::ranges::any_of(c.rows, &comparison_row::regression);
  return c;
}

namespace {

std::string value_text(std::optional<double> v, compare_metric m) {
  if (!v) return "";
  if (m == compare_metric::time) return *v < 1e-3 ? fmt::format("{:.2f} us", *v * 1e6) : fmt::format("{:.3f} ms", *v * 1e3);
  if (m == compare_metric::throughput) return format_si(*v) + "op/s";
  return fmt::format("{:.4g} J", *v);
}

std::string summary(const comparison& c, const compare_options& o) {
  std::map<verdict, int> counts;
  for (const auto& r : c.rows) ++counts[r.outcome];
  std::string s;
  for (auto [v, n] : counts) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", n, to_string(v));
  return fmt::format("{} benchmarks compared on {} (regression: worse by more than {:.0f}% at p < {}): {}. {}", c.rows.size(),
                     to_string(c.metric), o.threshold * 100, o.alpha, s, c.regression ? "REGRESSION" : "no regression");
}

}  // namespace

std::string comparison_text(const comparison& c, const compare_options& o, bool color) {
  std::string out;
  for (const auto& d : c.machine_differences) out += "note: machines differ: " + d + "\n";
  std::size_t width = 9;
  for (const auto& r : c.rows) width = std::max(width, r.name.size());
  out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>8}  {:>8}  {}\n", "benchmark", width, "base", "head", "change", "p", "verdict");
  for (const auto& r : c.rows) {
    std::string v(to_string(r.outcome));
    if (color && r.regression) v = "\033[31m" + v + "\033[0m";
    else if (color && r.outcome == verdict::faster) v = "\033[32m" + v + "\033[0m";
    out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>8}  {:>8}  {}{}\n", r.name, width, value_text(r.base, c.metric), value_text(r.head, c.metric),
                       r.delta ? fmt::format("{:+.1f}%", *r.delta * 100) : "", r.p_value ? fmt::format("{:.3g}", *r.p_value) : "", v,
                       r.note.empty() ? "" : " (" + r.note + ")");
  }
  return out + summary(c, o) + "\n";
}

std::string comparison_markdown(const comparison& c, const compare_options& o) {
  std::string out = fmt::format("### xpubench compare: {}\n\n", c.regression ? "regression" : "no regression");
  for (const auto& d : c.machine_differences) out += "> machines differ: " + d + "\n";
  out += "| benchmark | base | head | change | p | verdict |\n| --- | ---: | ---: | ---: | ---: | --- |\n";
  for (const auto& r : c.rows) {
    std::string v(to_string(r.outcome));
    if (r.regression) v = "**" + v + "**";
    if (!r.note.empty()) v += " (" + r.note + ")";
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", r.name, value_text(r.base, c.metric), value_text(r.head, c.metric),
                       r.delta ? fmt::format("{:+.1f}%", *r.delta * 100) : "", r.p_value ? fmt::format("{:.3g}", *r.p_value) : "", v);
  }
  return out + "\n" + summary(c, o) + "\n";
}

nlohmann::json comparison_json(const comparison& c, const compare_options& o) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) {
    nlohmann::json j = {{"name", r.name}, {"verdict", to_string(r.outcome)}, {"regression", r.regression}, {"note", r.note}};
    if (r.base) j["base"] = *r.base;
    if (r.head) j["head"] = *r.head;
    if (r.delta) j["delta"] = *r.delta;
    if (r.p_value) j["p_value"] = *r.p_value;
    rows.push_back(j);
  }
  return {{"schema_version", 1},
          {"kind", "xpubench.comparison"},
          {"metric", to_string(c.metric)},
          {"unit", c.unit},
          {"threshold", o.threshold},
          {"alpha", o.alpha},
          {"regression", c.regression},
          {"machine_differences", c.machine_differences},
          {"rows", rows}};
}

}  // namespace xpu
