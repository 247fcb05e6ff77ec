#include "reporters/history_report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/units.hpp"

namespace xpu {

std::string trend_svg(const trend_series& s, const std::string& id) {
  constexpr double W = 620, H = 170, ml = 70, mr = 16, mt = 12, mb = 28;
  const double pw = W - ml - mr, ph = H - mt - mb;
  double lo = *s.points.front().median_s, hi = lo;
  for (const auto& p : s.points) lo = std::min(lo, *p.median_s), hi = std::max(hi, *p.median_s);
  const double span = hi > lo ? hi - lo : std::max(hi * 0.05, 1e-12);
  const double y0 = lo - 0.1 * span, y1 = hi + 0.1 * span;
  const std::size_t n = s.points.size();
  const auto X = [&](std::size_t i) { return ml + (n > 1 ? static_cast<double>(i) / static_cast<double>(n - 1) : 0.5) * pw; };
  const auto Y = [&](double v) { return mt + ph - (v - y0) / (y1 - y0) * ph; };
  std::string out = fmt::format("<svg class=\"trend chart\" id=\"{0}\" data-points=\"{1}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{2}\" "
                                "height=\"{3}\" viewBox=\"0 0 {2} {3}\" role=\"img\"><title>{4}</title>"
                                "<rect class=\"plot\" x=\"{5}\" y=\"{6}\" width=\"{7}\" height=\"{8}\" fill=\"none\" stroke=\"#d0d7de\"/>",
                                html_escape(id), n, W, H, html_escape(s.benchmark + " on " + s.host), ml, mt, pw, ph);
  for (double v : {y0 + 0.1 * (y1 - y0), (y0 + y1) / 2, y1 - 0.1 * (y1 - y0)})
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/><text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>",
                       ml, Y(v), ml + pw, ml - 4, Y(v) + 4, html_escape(format_seconds(v)));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">runs, oldest first ({} to {})</text>", ml + pw / 2, H - 8,
                     html_escape(s.points.front().started_at.substr(0, 10)), html_escape(s.points.back().started_at.substr(0, 10)));
  std::string path;
  for (std::size_t i = 0; i < n; ++i) path += fmt::format("{}{:.1f},{:.1f}", i ? " L" : "M", X(i), Y(*s.points[i].median_s));
  out += "<path d=\"" + path + "\" fill=\"none\" stroke=\"#8c959f\" stroke-width=\"1\"/>";
  for (const change_point& c : s.steps) {
    const double x = (X(c.index - 1) + X(c.index)) / 2;
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#cf222e\" stroke-dasharray=\"4 3\"><title>{3}</title></line>"
                       "<text x=\"{4:.1f}\" y=\"{5}\" fill=\"#cf222e\">{6:+.1f}%</text>",
                       x, mt, mt + ph, html_escape(fmt::format("step between {} and {} (p {:.3f})", s.points[c.index - 1].git_sha, s.points[c.index].git_sha, c.p_value)),
                       x + 3, mt + 11, (c.after / c.before - 1) * 100);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const history_point& p = s.points[i];
    out += fmt::format("<circle class=\"pt\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#0969da\" data-name=\"{}\"><title>{}</title></circle>", X(i),
                       Y(*p.median_s), p.run_id,
                       html_escape(fmt::format("{} {}\n{} median ({} samples)", p.started_at, p.git_sha, format_seconds(*p.median_s), p.samples_s.size())));
  }
  return out + "</svg>";
}

document history_document(const std::vector<trend_series>& series, const std::string& source) {
  document doc;
  doc.push_back(heading(1, "xpubench history"));
  std::size_t steps = 0;
  for (const auto& s : series) steps += s.steps.size();
  doc.push_back(paragraph(fmt::format("{} series (benchmark x machine) from {}, {} step(s) found by E-Divisive means with a permutation test. "
                                      "Each chart: the run medians in order, a dashed line at each step with the change of the median time "
                                      "(positive: slower).", series.size(), source, steps)));
  doc_table t{"steps", {"benchmark", "host", "machine", "between commits", "at (UTC)", "median before", "after", "change", "p"}, {}};
  for (const auto& s : series)
    for (const change_point& c : s.steps) {
      doc_cell change{fmt::format("{:+.1f}%", (c.after / c.before - 1) * 100), "", c.after > c.before ? "num bad" : "num", fmt::format("{}", c.after / c.before - 1), ""};
      t.rows.push_back({{s.benchmark, "", "", "", ""}, {s.host, "", "", "", ""}, {s.machine, "", "", "", ""},
                        {s.points[c.index - 1].git_sha + ".." + s.points[c.index].git_sha, "", "", "", ""}, {s.points[c.index].started_at, "", "", "", ""},
                        {format_seconds(c.before), "", "num", "", ""}, {format_seconds(c.after), "", "num", "", ""}, change,
                        {fmt::format("{:.3f}", c.p_value), "", "num", "", ""}});
    }
  if (!t.rows.empty()) {
    doc.push_back(heading(2, "Steps"));
    doc.push_back(table_block(std::move(t)));
  }
  doc.push_back(heading(2, "Series"));
  for (std::size_t i = 0; i < series.size(); ++i) {
    const trend_series& s = series[i];
    doc.push_back(figure(trend_svg(s, fmt::format("trend-{}", i)),
                         fmt::format("{} on {} (machine {}): {} runs, {} step(s)", s.benchmark, s.host, s.machine, s.points.size(), s.steps.size())));
  }
  return doc;
}

}  // namespace xpu
