#include "results/compare.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/units.hpp"
#include "results/json_support.hpp"
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
    case verdict::uncertain: return "uncertain";
    case verdict::too_few: return "too few samples";
    case verdict::new_benchmark: return "new";
    case verdict::missing: return "missing";
    case verdict::invalid: return "invalid";
    case verdict::not_run: return "not run";
  }
  return "same";
}

namespace {

std::optional<double> time_unit_seconds(const std::string& unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s") return 1;
  return std::nullopt;
}

// Every field read with its type checked: a wrong-typed field is bad input (exit 2), never an abort.
result<compare_input> from_google_benchmark(const nlohmann::json& doc, std::string_view file) {
  compare_input in;
  in.file = file;
  in.format = "google-benchmark";
  if (const auto ctx = doc.find("context"); ctx != doc.end() && ctx->is_object()) {
    if (ctx->contains("num_cpus")) in.machine.emplace_back("num_cpus", ctx->at("num_cpus").dump());
    if (ctx->contains("caches")) in.machine.emplace_back("caches", ctx->at("caches").dump());
  }
  auto text = [&](const nlohmann::json& b, const char* key, const std::string& fallback) -> result<std::string> {
    const auto it = b.find(key);
    if (it == b.end()) return fallback;
    if (!it->is_string()) return fail(status::invalid, "{}: a 'benchmarks' entry's '{}' is a {}, not a string", file, key, it->type_name());
    return it->get<std::string>();
  };
  std::map<std::string, std::size_t> index;
  for (const auto& b : doc.at("benchmarks")) {
    if (!b.is_object()) return fail(status::invalid, "{}: a 'benchmarks' entry is not an object", file);
    auto name = text(b, "name", "");
    if (!name) return std::unexpected(name.error());
    if (name->empty()) return fail(status::invalid, "{}: a 'benchmarks' entry has no 'name'", file);
    auto run_type = text(b, "run_type", "iteration");
    if (!run_type) return std::unexpected(run_type.error());
    if (*run_type != "iteration") continue;
    auto run_name = text(b, "run_name", *name);
    if (!run_name) return std::unexpected(run_name.error());
    auto [it, added] = index.try_emplace(*run_name, in.rows.size());
    if (added) in.rows.push_back({*run_name, "ok", "", {}, {}, 0});
    auto& row = in.rows[it->second];
    const auto error = b.find("error_occurred");
    if (error != b.end() && !error->is_boolean())
      return fail(status::invalid, "{}: benchmark '{}': 'error_occurred' is a {}, not a boolean", file, *run_name, error->type_name());
    if (error != b.end() && error->get<bool>()) {
      auto message = text(b, "error_message", "error");
      row.state = "failed";
      row.reason = message ? *message : "error";
      continue;
    }
    const auto real = b.find("real_time");
    if (real == b.end() || !real->is_number())
      return fail(status::invalid, "{}: benchmark '{}' has no numeric 'real_time'", file, *run_name);
    auto unit = text(b, "time_unit", "ns");
    if (!unit) return std::unexpected(unit.error());
    const auto scale = time_unit_seconds(*unit);
    if (!scale) return fail(status::invalid, "{}: benchmark '{}': unknown time_unit '{}' (expected ns, us, ms or s)", file, *run_name, *unit);
    const double seconds = real->get<double>() * *scale;
    if (!(seconds > 0) || !std::isfinite(seconds))
      return fail(status::invalid, "{}: benchmark '{}': real_time {} is not a positive, finite time", file, *run_name, real->dump());
    row.time_s.push_back(seconds);
  }
  return in;
}

// xpubench runs: one row per name, and only positive, finite samples.
result<void> check_rows(const compare_input& in) {
  std::set<std::string> names;
  for (const auto& row : in.rows) {
    if (!names.insert(row.name).second)
      return fail(status::invalid, "{}: benchmark '{}' appears twice: a run has one row per name (an edited or merged file?)", in.file,
                  row.name);
    for (double v : row.time_s)
      if (!(v > 0) || !std::isfinite(v))
        return fail(status::invalid, "{}: benchmark '{}' has a time of {} s: times must be positive and finite", in.file, row.name, v);
    for (double v : row.energy_j)
      if (!(v >= 0) || !std::isfinite(v))
        return fail(status::invalid, "{}: benchmark '{}' has an energy of {} J: energies must be finite and not negative", in.file,
                    row.name, v);
  }
  return {};
}

}  // namespace

result<compare_input> compare_input_read(const nlohmann::json& doc, std::string_view file) {
  if (!doc.is_object()) return fail(status::invalid, "{}: expected a JSON object at the top level", file);
  if (!doc.contains("schema_version")) {
    if (const auto b = doc.find("benchmarks"); b != doc.end() && b->is_array()) return from_google_benchmark(doc, file);
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
  if (r->context.interrupted || !r->context.finished) {
    in.finished = false;
    in.unfinished_reason = r->context.interrupted
                               ? fmt::format("interrupted{}", r->context.interrupted_by.empty() ? "" : " by " + r->context.interrupted_by)
                               : "did not finish (a benchmark or more never ran)";
  }
  in.xpu = std::move(*r);
  if (auto ok = check_rows(in); !ok) return std::unexpected(ok.error());
  return in;
}

result<compare_input> compare_input_load(const std::string& path) {
  auto doc = json_file_load(path);
  if (!doc) return std::unexpected(doc.error());
  try {
    return compare_input_read(*doc, path);
  } catch (const nlohmann::json::exception& e) {
    return fail(status::invalid, "{}: a field has the wrong type: {}", path, e.what());
  }
}

result<std::vector<compare_input>> compare_inputs_load(const std::vector<std::string>& paths) {
  std::vector<compare_input> out;
  for (const auto& path : paths) {
    auto in = compare_input_load(path);
    if (!in) return std::unexpected(in.error());
    out.push_back(std::move(*in));
  }
  return out;
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

// One side's view of a benchmark: its samples (per-run medians, or one run's repetitions), and
// the worst state among its runs.
struct side_view {
  std::vector<double> samples;
  std::vector<std::optional<double>> per_run;  // one per run, in run order (per_run mode): pairs by position
  std::string state = "ok";
  std::string reason;
  bool present = false;       // in at least one run
  bool in_every_run = true;
};

// Each run's rows by name, built once: a benchmark is found in each run in O(log rows), so a
// comparison of 200000-row files is O(n log n), not a search of every run per name.
using rows_by_name = std::vector<std::map<std::string_view, const compare_input::series*>>;
rows_by_name index_rows(const std::vector<compare_input>& runs) {
  rows_by_name index(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i)
    for (const auto& row : runs[i].rows) index[i].emplace(row.name, &row);
  return index;
}

side_view view_of(const rows_by_name& runs, const std::string& name, compare_metric metric, bool per_run) {
  side_view v;
  for (const auto& rows : runs) {
    const auto found = rows.find(name);
    if (per_run) v.per_run.emplace_back();
    if (found == rows.end()) {
      v.in_every_run = false;
      continue;
    }
    const compare_input::series* it = found->second;
    v.present = true;
    if (it->state != "ok") {
      if (v.state == "ok" || it->state == "invalid") v.state = it->state, v.reason = it->reason;
      continue;
    }
    const auto samples = metric_samples(*it, metric);
    if (samples.empty()) continue;
    if (per_run) {
      v.samples.push_back(stats_of(samples).median);
      v.per_run.back() = v.samples.back();
    } else v.samples.insert(v.samples.end(), samples.begin(), samples.end());
  }
  return v;
}

// Robust spreads (1.4826 x the median absolute deviation: the sd for normal data, and one odd
// process does not move it), in log units, so they read as fractions.
double mad_sd(std::vector<double> deviations) {
  for (double& d : deviations) d = std::fabs(d);
  return 1.4826 * stats_of(deviations).median;
}

// Unpaired: the deviations of each side's log samples from that side's median, pooled: the A-A spread.
std::optional<double> spread_of(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> dev;
  for (const auto* side : {&a, &b}) {
    if (side->size() < 2) continue;
    std::vector<double> logs;
    for (double x : *side) logs.push_back(std::log(x));
    const double mid = stats_of(logs).median;
    for (double l : logs) dev.push_back(l - mid);
  }
  if (dev.empty()) return std::nullopt;
  return mad_sd(dev);
}

// Paired: the spread of the rounds' log ratios over sqrt(2), the per-process noise left after the
// drift common to a round cancels (comparable with the unpaired spread).
std::optional<double> paired_spread_of(const std::vector<double>& b, const std::vector<double>& h) {
  if (b.size() < 2) return std::nullopt;
  std::vector<double> d;
  for (std::size_t i = 0; i < b.size(); ++i) d.push_back(std::log(h[i] / b[i]));
  const double mid = stats_of(d).median;
  for (double& x : d) x -= mid;
  return mad_sd(d) / std::sqrt(2.0);
}

// A head state that is a failure of the build under test, not a missing capability.
bool broke(const std::string& state) { return state == "failed" || state == "crashed" || state == "timeout"; }

comparison_row compare_one(const std::string& name, const side_view& b, const side_view& h, const compare_options& o, bool per_run) {
  comparison_row row;
  row.name = name;
  const bool lost_ok = o.allow_missing;
  if (!b.present) {
    row.outcome = verdict::new_benchmark;
    if (h.state == "invalid" || broke(h.state)) {
      row.note = "head: " + h.state + ": " + h.reason;
      row.regression = true;
    }
    return row;
  }
  if (!h.present || (!h.in_every_run && b.state == "ok")) {
    row.outcome = verdict::missing;
    row.note = !h.present ? "in base, not in head" : "absent from some head runs";
    row.regression = !lost_ok;
    return row;
  }
  if (h.state == "invalid") {
    row.outcome = verdict::invalid;
    row.regression = true;
    row.note = h.reason;
    return row;
  }
  if (h.state != "ok" || b.state != "ok") {
    row.outcome = verdict::not_run;
    row.note = h.state != "ok" ? "head: " + h.state + ": " + h.reason : "base: " + b.state + ": " + b.reason;
    // Lost work: head did not run what base ran (or failed at it).
    row.regression = !lost_ok && h.state != "ok" && (b.state == "ok" || broke(h.state));
    return row;
  }
  if (b.samples.empty() || h.samples.empty()) {
    row.outcome = verdict::not_run;
    row.note = o.metric == compare_metric::energy ? "no energy figures in one of the runs" : "no samples in one of the runs";
    return row;
  }
  std::vector<double> bs = b.samples, hs = h.samples;
  const bool paired = o.paired && per_run && b.per_run.size() == h.per_run.size();
  if (paired) {  // the rounds where both sides have a value, in order
    bs.clear(), hs.clear();
    for (std::size_t i = 0; i < b.per_run.size(); ++i)
      if (b.per_run[i] && h.per_run[i]) bs.push_back(*b.per_run[i]), hs.push_back(*h.per_run[i]);
  }
  row.base_samples = static_cast<int>(bs.size());
  row.head_samples = static_cast<int>(hs.size());
  if (bs.empty()) {
    row.outcome = verdict::not_run;
    row.note = "no round where both sides have this benchmark";
    return row;
  }
  row.base = stats_of(bs).median;
  row.head = stats_of(hs).median;
  row.spread = paired ? paired_spread_of(bs, hs) : spread_of(bs, hs);
  const auto own = o.row_thresholds.find(name);
  const double threshold = own != o.row_thresholds.end() ? own->second : o.threshold;
  row.threshold = threshold;
  row.noisy = row.spread && *row.spread > threshold;
  row.p_value = mann_whitney_u(bs, hs).p_value;
  const ratio_estimate est = paired ? paired_ratio_of(bs, hs, 1 - o.alpha) : ratio_of(bs, hs, 1 - o.alpha);
  row.delta = est.ratio - 1;
  const std::string unit = paired ? "rounds" : per_run ? "runs" : "repetitions";
  if (!est.ci) {
    row.outcome = verdict::too_few;
    row.note = paired ? fmt::format("{} paired {} cannot give a {:.0f}% interval; use 6 or more (xpubench ab --rounds 6)", bs.size(), unit,
                                    100 * (1 - o.alpha))
                      : fmt::format("{} and {} {} cannot give a {:.0f}% interval; use 4 or more per side{}", bs.size(), hs.size(), unit,
                                    100 * (1 - o.alpha), per_run ? " (xpubench ab --rounds 4)" : " (--repetitions 5)");
    return row;
  }
  row.ci_low = est.ci->low - 1;
  row.ci_high = est.ci->high - 1;
  // In the metric's "worse" direction: > 1 is worse.
  const bool up = higher_is_better(o.metric);
  const double worse_low = up ? 1 / est.ci->high : est.ci->low, worse_high = up ? 1 / est.ci->low : est.ci->high;
  const double limit = 1 + threshold;
  if (worse_low > limit) {
    row.outcome = verdict::slower;
    row.regression = true;
  } else if (worse_high < 1 / limit) {
    row.outcome = verdict::faster;
  } else if (worse_low >= 1 / limit && worse_high <= limit && !row.noisy) {
    row.outcome = verdict::same;
  } else {
    row.outcome = verdict::uncertain;
    row.note = row.noisy ? fmt::format("spread {:.1f}% between {} of one side, above the {:.1f}% threshold", *row.spread * 100, unit,
                                       threshold * 100)
                         : fmt::format("the interval straddles the {:.1f}% threshold", threshold * 100);
  }
  if (own != o.row_thresholds.end())
    row.note += fmt::format("{}threshold {:.1f}% from history", row.note.empty() ? "" : "; ", threshold * 100);
  return row;
}

}  // namespace

result<comparison> compare_runs(const std::vector<compare_input>& base, const std::vector<compare_input>& head, const compare_options& o) {
  if (base.empty() || head.empty()) return fail(status::invalid, "compare needs at least one run on each side");
  comparison c;
  c.metric = o.metric;
  c.unit = o.metric == compare_metric::time ? "s" : o.metric == compare_metric::throughput ? "ops/s" : "J/launch";
  const bool per_run = base.size() >= 2 && head.size() >= 2;
  c.samples = !per_run ? "repetitions" : o.paired && base.size() == head.size() ? "paired processes" : "processes";
  for (const auto& in : base) c.base_files.push_back(in.file);
  for (const auto& in : head) c.head_files.push_back(in.file);
  std::map<std::string, std::string> reference(base.front().machine.begin(), base.front().machine.end());
  std::set<std::string> seen;
  auto check_machine = [&](const compare_input& in) {
    for (const auto& [what, value] : in.machine) {
      auto it = reference.find(what);
      const std::string before = it == reference.end() ? "(absent)" : it->second;
      if (before != value && seen.insert(what + value).second)
        c.machine_differences.push_back(fmt::format("{}: '{}' in {} vs '{}' in {}", what, before, base.front().file, value, in.file));
    }
    if (in.format != base.front().format && seen.insert("format" + in.format).second)
      c.machine_differences.push_back(fmt::format("file format: {} vs {} ({})", base.front().format, in.format, in.file));
  };
  for (std::size_t i = 1; i < base.size(); ++i) check_machine(base[i]);
  for (const auto& in : head) check_machine(in);
  if (!c.machine_differences.empty() && !o.allow_different_machine) {
    std::string list;
    for (const auto& d : c.machine_differences) list += "\n  " + d;
    return fail(status::invalid, "the runs come from different machines, drivers or xpubench versions:{}\n"
                                 "compare them anyway with --allow-different-machine",
                list);
  }
  for (const auto& in : head)
    if (!in.finished) c.problems.push_back(fmt::format("head run {} {}", in.file, in.unfinished_reason));
  // Rows in base order, then rows only head has.
  std::vector<std::string> names;
  std::set<std::string> listed;
  for (const auto* side : {&base, &head})
    for (const auto& in : *side)
      for (const auto& s : in.rows)
        if (listed.insert(s.name).second) names.push_back(s.name);
  std::vector<double> spreads;
  const rows_by_name base_rows = index_rows(base), head_rows = index_rows(head);
  for (const auto& name : names) {
    c.rows.push_back(compare_one(name, view_of(base_rows, name, o.metric, per_run), view_of(head_rows, name, o.metric, per_run), o, per_run));
    if (c.rows.back().spread) spreads.push_back(*c.rows.back().spread);
  }
  if (!spreads.empty()) c.noise_floor = stats_of(spreads).median;
  c.regression = std::ranges::any_of(c.rows, &comparison_row::regression) || (!c.problems.empty() && !o.allow_missing);
  return c;
}

bool settled(const comparison_row& r) { return r.outcome != verdict::uncertain && r.outcome != verdict::too_few; }

std::string run_disturbance(const run& r) {
  // In cores (a run's threads are one per core by default; a busy hardware thread takes its core's
  // sibling with it), from the logical CPUs /proc/stat counts.
  const auto& t = r.context.machine.cpu.topology;
  const double cpus = std::max(1, t.cores > 0 ? t.cores : t.pus);
  const double free = std::max(0.0, cpus - std::max(0, r.context.threads));
  for (const auto& m : r.measurements) {
    if (!m.load.measured) continue;
    if (m.load.steal_fraction > busy_steal_fraction)
      return fmt::format("{}: the hypervisor stole {:.0f}% of the CPU time", m.name, m.load.steal_fraction * 100);
    const double others = m.load.other_fraction * cpus;
    if (others > free + busy_other_fraction * cpus)
      return fmt::format("{}: other processes used {:.2f} of {:.0f} cores while {:.0f} were free", m.name, others, cpus, free);
  }
  return "";
}

nlohmann::json comparison_json(const comparison& c, const compare_options& o) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) {
    nlohmann::json j = {{"name", r.name}, {"verdict", to_string(r.outcome)}, {"regression", r.regression}, {"noisy", r.noisy},
                        {"note", r.note}, {"base_samples", r.base_samples}, {"head_samples", r.head_samples}};
    if (r.base) j["base"] = *r.base;
    if (r.head) j["head"] = *r.head;
    if (r.delta) j["delta"] = *r.delta;
    if (r.ci_low) j["ci"] = {*r.ci_low, *r.ci_high};
    if (r.spread) j["spread"] = *r.spread;
    if (r.p_value) j["p_value"] = *r.p_value;
    if (r.threshold > 0) j["threshold"] = r.threshold;
    rows.push_back(j);
  }
  nlohmann::json out = {{"schema_version", 1},
                        {"kind", "xpubench.comparison"},
                        {"metric", to_string(c.metric)},
                        {"unit", c.unit},
                        {"threshold", o.threshold},
                        {"alpha", o.alpha},
                        {"confidence", 1 - o.alpha},
                        {"samples", c.samples},
                        {"base_files", c.base_files},
                        {"head_files", c.head_files},
                        {"regression", c.regression},
                        {"problems", c.problems},
                        {"notes", c.notes},
                        {"machine_differences", c.machine_differences},
                        {"rows", rows}};
  if (c.noise_floor) out["noise_floor"] = *c.noise_floor;
  return out;
}

}  // namespace xpu
