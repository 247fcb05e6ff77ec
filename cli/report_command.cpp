#include "cli/report_command.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/output.hpp"
#include "core/units.hpp"
#include "reporters/runs_report.hpp"
#include "results/run_json.hpp"

namespace xpu {

void report_command::add_options(CLI::App& sub) {
  sub.add_option("runs", files, "Run files (xpubench run --json); several, from one host or many, are shown side by side")->required();
  sub.add_option("--format", format,
                 "html (self-contained: inline SVG rooflines, sortable tables; opens from file://), md or text (default: from -o's "
                 "extension, .md or .txt, else html)")
      ->check(CLI::IsMember({"html", "md", "text"}));
  sub.add_option("-o,--output", output, "Write the report to FILE ('-', the default: standard output)");
  sub.add_option("--base", base, "A base run: adds a comparison of the first run against it (different machines allowed, shown)");
  sub.add_option("--metric", metric, "The comparison's metric: time, throughput or energy")->check(CLI::IsMember({"time", "throughput", "energy"}));
}

int report_command::run() const {
  std::vector<std::pair<std::string, std::string>> inputs{{"--base", base}};
  for (const auto& f : files) inputs.emplace_back("run", f);
  if (auto ok = outputs_apart({{"-o", output}}, inputs); !ok) return say(stderr, "xpubench report: {}\n", ok.error().message), 2;
  std::string fmt_name = format;
  if (fmt_name.empty()) fmt_name = output.ends_with(".md") ? "md" : output.ends_with(".txt") ? "text" : "html";
  std::vector<report_run> runs;
  for (const auto& f : files) {
    auto loaded = run_file_load(f);
    if (!loaded) return say(stderr, "xpubench report: {}\n", loaded.error().message), 2;
    for (report_run& one : report_runs_of(f, *loaded)) runs.push_back(std::move(one));
  }
  std::optional<report_comparison> compared;
  if (!base.empty()) {
    compare_options o;
    o.allow_different_machine = true;
    o.allow_missing = true;
    o.metric = metric == "throughput" ? compare_metric::throughput : metric == "energy" ? compare_metric::energy : compare_metric::time;
    auto b = compare_input_load(base);
    auto h = b ? compare_input_load(files.front()) : b;
    if (!h) return say(stderr, "xpubench report: --base: {}\n", h.error().message), 2;
    auto c = compare_runs(*b, *h, o);
    if (!c) return say(stderr, "xpubench report: --base: {}\n", c.error().message), 2;
    compared = report_comparison{base, files.front(), std::move(*c), o};
  }
  const std::size_t columns = terminal_columns(stdout);
  std::string text = runs_report_render(runs, compared, fmt_name, columns ? columns : 100);
  if (fmt_name != "html") text = terminal_safe(text);  // strings from drivers and files, escaped
  if (auto ok = write_output(output, text); !ok) return say(stderr, "xpubench report: {}\n", ok.error().message), 2;
  if (!output_is_stdout(output)) say(stderr, "xpubench report: wrote {} ({} {})\n", output, format_bytes(text.size()), fmt_name);
  return 0;
}

}  // namespace xpu
