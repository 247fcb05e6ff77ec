#include "cli/history_command.hpp"
#include "cli/options.hpp"
#include "reporters/run_csv.hpp"

#include <cstdio>
#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/output.hpp"
#include "core/units.hpp"
#include "reporters/history_report.hpp"
#include "reporters/text_table.hpp"
#include "results/changepoints.hpp"
#include "results/fleet.hpp"
#include "results/history.hpp"
#include "results/run_json.hpp"

namespace xpu {

void history_command::add_options(CLI::App& sub) {
  sub.require_subcommand(1, 1);
  sub.fallthrough();  // --db after the subcommand too (`history add run.json --db h.sqlite`); inherited by each

  sub.add_option("--db", db, fmt::format("The history: a SQLite file (default {}; set XDG_DATA_HOME to move it) or a PostgreSQL URL, postgresql://USER@HOST[:PORT]/DATABASE", default_history_path()));
  add = sub.add_subcommand("add", "Add runs (xpubench run --json) to the history, every row and sample");
  add->add_option("runs", files, "Run files")->required();
  add->add_flag("--skip-existing", skip_existing, "A run the history has already is skipped (said on stderr), not an error");
  list = sub.add_subcommand("list", "The runs in the history, oldest first");
  show = sub.add_subcommand("show", "One benchmark's series: each run's median, throughput and samples");
  show->add_option("benchmark", benchmark, "A benchmark name, as a run names it: cpu0/gemm/fp32/m1024n1024k1024/onednn")->required();
  show->add_option("--since", since, "Only runs started on or after this date (2026-11-01)");
  exporter = sub.add_subcommand("export", "Every stored row, as JSON or CSV");
  exporter->add_option("--format", format, "json or csv")->check(CLI::IsMember({"json", "csv"}));
  exporter->add_option("-o,--output", output, "FILE ('-', the default: standard output)");
  exporter->add_flag("--csv-raw", csv_raw, "CSV cells as stored: no leading ' on text a spreadsheet would run as a formula (=, +, -, @)");
  check = sub.add_subcommand("check", "Steps in each benchmark's series on each machine (E-Divisive means, permutation test)");
  check->add_option("--filter", filter, "Only benchmarks matching this regular expression");
  check->add_option("--since", since, "Only runs started on or after this date");
  check->add_option("--alpha", alpha, "Significance of a step (default 0.01; 199 shuffles: at least 0.005)")->check(finite_range(0.005, 0.5));
  report = sub.add_subcommand("report", "Each benchmark's series per machine as a chart with its steps marked (HTML; or md, text)");
  report->add_option("--filter", filter, "Only benchmarks matching this regular expression");
  report->add_option("--since", since, "Only runs started on or after this date");
  report->add_option("--alpha", alpha, "Significance of a step (default 0.01; 199 shuffles: at least 0.005)")->check(finite_range(0.005, 0.5));
  report->add_option("--format", report_format, "html, md or text (default: from -o's extension, else html)")->check(CLI::IsMember({"html", "md", "text"}));
  report->add_option("-o,--output", output, "FILE ('-', the default: standard output)");
}

namespace {

// A real calendar date YYYY-MM-DD (year 1 to 9999), optionally followed by T and a time of digits
// and colons and a Z: what runs record as their start. Parsed by hand (std::regex recursed per
// character, and a 100000-digit --since crashed it); 2026-13-45 and 0000-00-00 are refused.
bool since_valid(std::string_view s) {
  if (s.size() < 10 || s.size() > 32 || s[4] != '-' || s[7] != '-') return false;
  auto number = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (y < 1 || m < 1 || d < 1) return false;
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)}, std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return false;
  if (s.size() == 10) return true;
  if (s[10] != 'T') return false;
  const std::string_view time = s.substr(11, s.ends_with('Z') ? s.size() - 12 : std::string_view::npos);
  return std::ranges::all_of(time, [](char c) { return (c >= '0' && c <= '9') || c == ':'; });
}

}  // namespace

int history_command::run() const {
  const std::string path = db.empty() ? default_history_path() : db;
  if (auto ok = outputs_apart({{"-o", output}}, {{"--db", path}}); !ok) return say(stderr, "xpubench history: {}\n", ok.error().message), 2;
  if (!since.empty() && !since_valid(since))
    return say(stderr, "xpubench history: --since '{}': expected a calendar date as YYYY-MM-DD (e.g. 2026-11-01), optionally with a time "
                              "(2026-11-01T08:00:00Z)\n",
                      terminal_safe(since.size() > 40 ? since.substr(0, 40) + "..." : since)),
           2;
  auto opened = history_db::open(path, add->parsed());  // only adding makes a history
  if (!opened) return say(stderr, "xpubench history: {}\n", opened.error().message), 2;
  history_db& h = *opened;
  if (add->parsed()) {
    for (const auto& f : files) {
      auto r = run_file_load(f);
      if (!r) return say(stderr, "xpubench history: {}\n", r.error().message), 2;
      for (const auto& [label, one] : fleet_expand(f, *r)) {  // a fleet file: each host as its own run (its own series)
        auto id = h.add(one, f);
        if (!id && skip_existing && id.error().message.find("is there already") != std::string::npos) {
          say(stderr, "xpubench history: skipped: {}\n", id.error().message);
          continue;
        }
        if (!id) return say(stderr, "xpubench history: {}\n", id.error().message), 2;
        say(stdout, "added {} as run {} ({} rows, machine {}) to {}\n", label, *id, one.measurements.size(), machine_fingerprint(one), h.where());
      }
    }
    return 0;
  }
  if (list->parsed()) {
    auto runs = h.runs();
    if (!runs) return say(stderr, "xpubench history: {}\n", runs.error().message), 2;
    text_table t({"run", "started (UTC)", "host", "machine", "suite", "commit", "rows", "file"});
    for (const auto& r : *runs)
      t.add_row({std::to_string(r.id), r.started_at, r.host, r.machine, r.suite, r.git_sha, std::to_string(r.rows), r.file});
    say(stdout, "{}{} run(s) in {}\n", t.render(""), runs->size(), h.where());
    return 0;
  }
  if (show->parsed()) {
    auto points = h.series(benchmark, since);
    if (!points) return say(stderr, "xpubench history: {}\n", points.error().message), 2;
    if (points->empty())
      return say(stderr, "xpubench history: no rows of '{}' in {} (`xpubench history list` shows the runs; a benchmark is named as "
                                "its run names it, e.g. cpu0/gemm/fp32/m1024n1024k1024/onednn)\n", terminal_safe(benchmark), h.where()),
             2;
    text_table t({"run", "started (UTC)", "host", "machine", "commit", "state", "median", "throughput", "samples"});
    for (const auto& p : *points)
      t.add_row({std::to_string(p.run_id), p.started_at, p.host, p.machine, p.git_sha, p.state, p.median_s ? format_seconds(*p.median_s) : "",
                 p.ops_per_s ? format_si(*p.ops_per_s) + "op/s" : "", std::to_string(p.samples_s.size())});
    say(stdout, "{}\n{}", benchmark, t.render());
    return 0;
  }
  auto names = h.benchmarks();
  if (!names) return say(stderr, "xpubench history: {}\n", names.error().message), 2;
  if (exporter->parsed()) {
    nlohmann::json rows = nlohmann::json::array();
    std::string csv = "run,started_at,host,machine,commit,benchmark,implementation,state,median_s,ops_per_s,samples_s\n";
    for (const auto& name : *names) {
      auto points = h.series(name);
      if (!points) return say(stderr, "xpubench history: {}\n", points.error().message), 2;
      for (const auto& p : *points) {
        rows.push_back({{"run", p.run_id}, {"started_at", p.started_at}, {"host", p.host}, {"machine", p.machine}, {"commit", p.git_sha},
                        {"benchmark", name}, {"implementation", p.implementation}, {"state", p.state},
                        {"median_s", p.median_s ? nlohmann::json(*p.median_s) : nlohmann::json()},
                        {"ops_per_s", p.ops_per_s ? nlohmann::json(*p.ops_per_s) : nlohmann::json()}, {"samples_s", p.samples_s}});
        const csv_cells cells = csv_raw ? csv_cells::raw : csv_cells::defended;
        auto csv_field = [&](const std::string& v) { return csv_quote(v, cells); };
        csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", p.run_id, csv_field(p.started_at), csv_field(p.host), csv_field(p.machine),
                           csv_field(p.git_sha), csv_field(name), csv_field(p.implementation), csv_field(p.state), p.median_s ? fmt::format("{}", *p.median_s) : "",
                           p.ops_per_s ? fmt::format("{}", *p.ops_per_s) : "", csv_field(nlohmann::json(p.samples_s).dump()));
      }
    }
    const std::string text = format == "csv" ? csv : nlohmann::json{{"xpubench_history", history_schema_version}, {"rows", rows}}.dump(1) + "\n";
    if (auto ok = write_output(output, text); !ok) return say(stderr, "xpubench history: {}\n", ok.error().message), 2;
    return 0;
  }
  // check, report
  std::optional<name_pattern> only;
  if (!filter.empty()) {
    auto p = name_pattern::compile(filter, "--filter");
    if (!p) return say(stderr, "xpubench history: {}\n", p.error().message), 2;
    only = std::move(*p);
  }
  changepoint_options o;
  o.alpha = alpha;
  auto trends = history_trends(h, only, since, o);
  if (!trends) return say(stderr, "xpubench history: {}\n", trends.error().message), 2;
  if (report->parsed()) {
    const std::string f = !report_format.empty() ? report_format : output.ends_with(".md") ? "md" : output.ends_with(".txt") ? "text" : "html";
    const document doc = history_document(*trends, h.where());
    std::string text = f == "md" ? render_markdown(doc) : f == "text" ? render_text(doc, 100) : render_html(doc, "xpubench history");
    if (f != "html") text = terminal_safe(text);
    if (auto ok = write_output(output, text); !ok) return say(stderr, "xpubench history: {}\n", ok.error().message), 2;
    return 0;
  }
  text_table t({"benchmark", "host", "step at (UTC)", "commits", "median before", "after", "change", "p"});
  std::size_t steps = 0;
  for (const trend_series& s : *trends)
    for (const change_point& c : s.steps) {
      ++steps;
      const history_point& at = s.points[c.index];
      t.add_row({s.benchmark, s.host, at.started_at, s.points[c.index - 1].git_sha + ".." + at.git_sha, format_seconds(c.before), format_seconds(c.after),
                 fmt::format("{:+.1f}% time", (c.after / c.before - 1) * 100), fmt::format("{:.3f}", c.p_value)});
    }
  if (steps) say(stdout, "{}", t.render(""));
  say(stdout, "{} step(s) in {} series (benchmark x machine; E-Divisive means, permutation test at alpha {}); {}\n", steps, trends->size(), alpha, h.where());
  return 0;
}

}  // namespace xpu
