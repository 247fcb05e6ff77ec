// compare's renderings: the text table (with colour on a terminal) and Markdown for CI comments.
#include "reporters/compare_report.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/units.hpp"
#include "reporters/document.hpp"
#include "reporters/style.hpp"

namespace xpu {

std::string value_text(std::optional<double> v, compare_metric m) {
  if (!v) return "";
  if (m == compare_metric::time) return *v < 1e-3 ? fmt::format("{:.2f} us", *v * 1e6) : fmt::format("{:.3f} ms", *v * 1e3);
  if (m == compare_metric::throughput) return format_si(*v) + "op/s";
  return fmt::format("{:.4g} J", *v);
}

std::string interval_text(const comparison_row& r) {
  if (!r.ci_low) return "";
  return fmt::format("[{:+.1f}, {:+.1f}]%", *r.ci_low * 100, *r.ci_high * 100);
}

namespace {

std::string summary(const comparison& c, const compare_options& o) {
  std::map<verdict, int> counts;
  for (const auto& r : c.rows) ++counts[r.outcome];
  std::string s;
  for (auto [v, n] : counts) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", n, to_string(v));
  std::string out = fmt::format("{} benchmarks compared on {}, {} base and {} head run(s), samples: {}{}", c.rows.size(), to_string(c.metric),
                                c.base_files.size(), c.head_files.size(), c.samples,
                                c.samples == "repetitions" ? " (one run per side: the drift between processes is not in the interval; "
                                                             "use xpubench ab or several runs per side)"
                                                           : "");
  if (c.noise_floor)
    out += fmt::format("; noise floor {:.1f}% (median spread: {})", *c.noise_floor * 100,
                       c.samples == "paired processes" ? "robust sd of the rounds' log ratios / sqrt 2" : "robust sd of log samples within a side");
  out += fmt::format(".\nslower: the whole {:.0f}% interval of the head/base ratio beyond +{:.0f}%: {}. ", 100 * (1 - o.alpha),
                     o.threshold * 100, s);
  for (const auto& n : c.notes) out += "\nnote: " + n;
  for (const auto& p : c.problems) out += "\nproblem: " + p + (o.allow_missing ? " (allowed by --allow-missing)" : "");
  return out + (c.regression ? "\nREGRESSION" : "\nno regression");
}

}  // namespace

std::string comparison_text(const comparison& c, const compare_options& o, bool color) {
  const painter p{color};
  std::string out;
  for (const auto& d : c.machine_differences) out += "note: machines differ: " + d + "\n";
  std::size_t width = 9;
  for (const auto& r : c.rows) width = std::max(width, r.name.size());
  out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>8}  {:>18}  {:>7}  {}\n", "benchmark", width, "base", "head", "change",
                     fmt::format("{:.0f}% interval", 100 * (1 - o.alpha)), "spread", "verdict");
  for (const auto& r : c.rows) {
    std::string v(to_string(r.outcome));
    if (r.regression) v = p.red(v);
    else if (r.outcome == verdict::faster) v = p.good(v);
    out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>8}  {:>18}  {:>7}  {}{}\n", r.name, width, value_text(r.base, c.metric),
                       value_text(r.head, c.metric), r.delta ? fmt::format("{:+.1f}%", *r.delta * 100) : "", interval_text(r),
                       r.spread ? fmt::format("{:.1f}%", *r.spread * 100) : "", v, r.note.empty() ? "" : " (" + r.note + ")");
  }
  return out + summary(c, o) + "\n";
}

std::string comparison_markdown(const comparison& c, const compare_options& o) {
  std::string out = fmt::format("### xpubench compare: {}\n\n", c.regression ? "regression" : "no regression");
  for (const auto& d : c.machine_differences) out += "> machines differ: " + md_escape(d) + "\n";
  out += fmt::format("| benchmark | base | head | change | {:.0f}% interval | spread | verdict |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n",
                     100 * (1 - o.alpha));
  for (const auto& r : c.rows) {
    std::string v(to_string(r.outcome));
    if (r.regression) v = "**" + v + "**";
    if (!r.note.empty()) v += " (" + md_escape(r.note) + ")";
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", md_code(r.name), value_text(r.base, c.metric), value_text(r.head, c.metric),
                       r.delta ? fmt::format("{:+.1f}%", *r.delta * 100) : "", interval_text(r),
                       r.spread ? fmt::format("{:.1f}%", *r.spread * 100) : "", v);
  }
  // The summary names problems (file and benchmark names a user did not write): escaped line by line.
  std::string lines;
  const std::string text = summary(c, o);  // kept alive: the view below walks it
  for (std::string_view rest = text; !rest.empty();) {
    const auto nl = rest.find('\n');
    lines += md_escape(rest.substr(0, nl)) + "\n";
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  return out + "\n" + lines;
}

}  // namespace xpu
