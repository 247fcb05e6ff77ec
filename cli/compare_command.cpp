#include "cli/compare_command.hpp"
#include "cli/options.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "cli/output.hpp"
#include "core/units.hpp"
#include "reporters/compare_report.hpp"
#include "results/compare.hpp"
#include "results/history.hpp"

namespace xpu {

void compare_command::add_options(CLI::App& sub) {
  sub.add_option("files", files,
                 "BASE HEAD (two runs), or the base runs followed by `-- HEAD...`: xpubench runs (--json) or Google Benchmark JSON "
                 "files; with several runs per side each run's median is one sample")
      ->required();
  sub.add_option("--head", head, "The head runs (what `--` introduces)")->expected(1, -1);
  sub.add_option("--threshold", threshold_percent,
                 "slower: the whole interval of the head/base ratio lies beyond this many percent (default 5)")
      ->check(finite_range(0.0, 1000.0));
  sub.add_option("--alpha", alpha, "The interval's confidence is 1 - alpha (default 0.05: 95 %)")->check(finite_range(1e-6, 0.5));
  sub.add_option("--metric", metric, "What to compare: time (per launch), throughput, or energy (joules per launch)")
      ->check(CLI::IsMember({"time", "throughput", "energy"}));
  sub.add_option("--format", format, "Output: text, md (a pull-request comment) or json")->check(CLI::IsMember({"text", "md", "json"}));
  sub.add_option("-o,--output", output, "Write the comparison to FILE instead of standard output ('-': standard output)");
  sub.add_flag("--allow-different-machine", allow_different_machine,
               "Compare runs from different machines, drivers or xpubench versions (the differences are shown)");
  sub.add_flag("--paired", paired,
               "BASE... and HEAD... pair by position (base i and head i ran side by side, as xpubench ab's rounds): each pair's "
               "ratio is one sample, so drift common to a pair cancels");
  sub.add_option("--history", history,
                 "A history file (xpubench history): each benchmark's threshold is 3 x its own spread (of its time medians) over its "
                 "last 30 runs on the head's machine (at least 1 %); benchmarks with fewer than 8 runs there keep --threshold");
  sub.add_flag("--allow-missing", allow_missing,
               "Do not fail the gate on head rows that are missing, not run or failed, or on head runs that did not finish");
}

int compare_command::run() const {
  std::vector<std::pair<std::string, std::string>> inputs{{"--history", history}};
  for (const auto& f : files) inputs.emplace_back("run", f);
  for (const auto& f : head) inputs.emplace_back("--head", f);
  if (auto ok = outputs_apart({{"-o", output}}, inputs); !ok) return say(stderr, "xpubench compare: {}\n", ok.error().message), 2;
  compare_options o;
  o.threshold = threshold_percent / 100.0;
  o.alpha = alpha;
  o.metric = metric == "throughput" ? compare_metric::throughput : metric == "energy" ? compare_metric::energy : compare_metric::time;
  o.allow_different_machine = allow_different_machine;
  o.allow_missing = allow_missing;
  o.paired = paired;
  std::vector<std::string> base_paths = files, head_paths = head;
  if (head_paths.empty()) {
    if (files.size() != 2)
      return say(stderr, "xpubench compare: expected BASE HEAD, or BASE... -- HEAD... (got {} file(s) and no `--`)\n", files.size()),
             2;
    base_paths = {files[0]};
    head_paths = {files[1]};
  }
  if (paired && base_paths.size() != head_paths.size())
    return say(stderr, "xpubench compare: --paired needs as many base runs as head runs (got {} and {})\n", base_paths.size(),
                      head_paths.size()),
           2;
  auto b = compare_inputs_load(base_paths);
  auto h = b ? compare_inputs_load(head_paths) : b;
  if (!h) return say(stderr, "xpubench compare: {}\n", h.error().message), 2;
  if (!history.empty()) {
    if (!h->front().xpu) return say(stderr, "xpubench compare: --history needs xpubench runs (the machine is named by their inventory)\n"), 2;
    auto db = history_db::open(history, false);  // a mistyped path is an error, not a new empty history
    if (!db) return say(stderr, "xpubench compare: --history: {}\n", db.error().message), 2;
    std::vector<std::string> names;
    std::set<std::string_view> listed;
    for (const auto& in : *h)
      for (const auto& row : in.rows)
        if (listed.insert(row.name).second) names.push_back(row.name);
    auto thresholds = history_thresholds(*db, names, machine_fingerprint(*h->front().xpu));
    if (!thresholds) return say(stderr, "xpubench compare: --history: {}\n", thresholds.error().message), 2;
    o.row_thresholds = std::move(*thresholds);
    say(stderr, "xpubench compare: {} of {} benchmarks judged against their own spread in {} (3 x over their last 30 runs on this "
                       "machine, at least 1%); the others against {}%\n",
               o.row_thresholds.size(), names.size(), history, threshold_percent);
  }
  auto c = compare_runs(*b, *h, o);
  if (!c) return say(stderr, "xpubench compare: {}\n", c.error().message), 2;
  return compare_emit(*c, o, format, output) ? (c->regression ? 1 : 0) : 2;
}

bool compare_emit(const comparison& c, const compare_options& o, const std::string& format, const std::string& output) {
  std::string text = format == "json"  ? comparison_json(c, o).dump(2) + "\n"
                     : format == "md" ? comparison_markdown(c, o)
                                      : terminal_safe(comparison_text(c, o, (output.empty() || output == "-") && color_allowed(stdout)));
  if (auto ok = write_output(output.empty() ? "-" : output, text); !ok) {
    say(stderr, "xpubench: {}\n", ok.error().message);
    return false;
  }
  return true;
}

}  // namespace xpu
