#include "cli/compare_command.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "cli/output.hpp"
#include "results/compare.hpp"

namespace xpu {

void compare_command::add_options(CLI::App& sub) {
  sub.add_option("base", base, "The baseline: an xpubench run (--json) or a Google Benchmark JSON file")->required();
  sub.add_option("head", head, "The run to judge, same formats")->required();
  sub.add_option("--threshold", threshold_percent, "A regression is worse by more than this many percent (default 5)")
      ->check(CLI::Range(0.0, 1000.0));
  sub.add_option("--alpha", alpha, "...and significant at this level, Mann-Whitney U over the repetitions (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  sub.add_option("--noisy-cv", noisy_cv, "Call an inconclusive change noisy above this coefficient of variation (default 0.05)");
  sub.add_option("--metric", metric, "What to compare: time (per launch), throughput, or energy (joules per launch)")
      ->check(CLI::IsMember({"time", "throughput", "energy"}));
  sub.add_option("--format", format, "Output: text, md (a pull-request comment) or json")->check(CLI::IsMember({"text", "md", "json"}));
  sub.add_option("-o,--output", output, "Write the comparison to FILE instead of standard output");
  sub.add_flag("--allow-different-machine", allow_different_machine,
               "Compare runs from different machines, drivers or xpubench versions (the differences are shown)");
}

int compare_command::run() const {
  compare_options o;
  o.threshold = threshold_percent / 100.0;
  o.alpha = alpha;
  o.noisy_cv = noisy_cv;
  o.metric = metric == "throughput" ? compare_metric::throughput : metric == "energy" ? compare_metric::energy : compare_metric::time;
  o.allow_different_machine = allow_different_machine;
  auto b = compare_input_load(base);
  if (!b) return fmt::print(stderr, "xpubench compare: {}\n", b.error().message), 2;
  auto h = compare_input_load(head);
  if (!h) return fmt::print(stderr, "xpubench compare: {}\n", h.error().message), 2;
  auto c = compare_runs(*b, *h, o);
  if (!c) return fmt::print(stderr, "xpubench compare: {}\n", c.error().message), 2;
  std::string text = format == "json"  ? comparison_json(*c, o).dump(2) + "\n"
                     : format == "md" ? comparison_markdown(*c, o)
                                      : comparison_text(*c, o, output.empty() && color_allowed(stdout));
  if (output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else if (auto ok = write_file_atomic(output, text); !ok) {
    fmt::print(stderr, "xpubench compare: {}\n", ok.error().message);
    return 2;
  }
  return c->regression ? 1 : 0;
}

}  // namespace xpu
