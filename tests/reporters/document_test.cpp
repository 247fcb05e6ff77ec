// The report's renderers (reporters/document.cpp) and the terminal report's layout
// (reporters/run_report.cpp, text_table): escaping in every format, tables that drop columns to
// fit a terminal, footnote markers instead of a loose footer, each unsupported reason once.
#include <gtest/gtest.h>

#include <cmath>

#include "core/problem.hpp"
#include "reporters/document.hpp"
#include "reporters/run_report.hpp"
#include "reporters/runs_report.hpp"
#include "reporters/text_table.hpp"

namespace xpu {
namespace {

document hostile() {
  doc_table t{"t<1>", {"name", "value"}, {}};
  t.rows.push_back({{"<script>alert(1)</script> | *x*", "a \"title\"\x1b[2J", "num", "1.5", "cpu0/x"}, {"2", "", "", "", ""}});
  return {heading(1, "Report <b>"), paragraph("a & b"), table_block(t), notes_block({"[1] note"})};
}

TEST(document, html_escapes_text_attributes_and_controls) {
  const std::string html = render_html(hostile(), "title </title>");
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("title=\"a &quot;title&quot;&#x241b;[2J\""), std::string::npos) << html;  // ESC as its control picture
  EXPECT_NE(html.find("id=\"t&lt;1&gt;\" data-rows=\"1\""), std::string::npos);
  EXPECT_NE(html.find("data-v=\"1.5\" data-name=\"cpu0/x\""), std::string::npos);
  EXPECT_NE(html.find("<title>title &lt;/title&gt;</title>"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // nothing fetched: the page works from file://
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(document, markdown_escapes_table_syntax) {
  const std::string md = render_markdown(hostile());
  EXPECT_NE(md.find("| name | value |\n| --- | --- |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("\\<script\\>alert(1)\\</script\\> \\| \\*x\\*"), std::string::npos) << md;
  EXPECT_NE(md.find("- \\[1\\] note\n"), std::string::npos) << md;
}

// Whether `token` occurs in s without a backslash before it (Markdown would read it as syntax).
bool unescaped(const std::string& s, std::string_view token) {
  for (auto at = s.find(token); at != std::string::npos; at = s.find(token, at + 1))
    if (at == 0 || s[at - 1] != '\\') return true;
  return false;
}

// Issue 28: names from files a user did not write, rendered where GitHub's Markdown (job
// summaries) would take them as syntax: each stays text.
TEST(document, markdown_keeps_hostile_names_as_text) {
  for (const std::string name : {"<img src=x onerror=alert(1)>", "![pixel](http://evil.example/p.png)", "[click](http://evil.example)",
                                 "# injected heading", "- a list", "12. a numbered list", "~~struck~~", "a\n# line break", "del\x7f and \x1b]0;title\x07"}) {
    SCOPED_TRACE(name);
    const std::string cell = md_escape(name);
    EXPECT_EQ(cell.find('\n'), std::string::npos);
    EXPECT_EQ(cell.find('\x1b'), std::string::npos);
    EXPECT_EQ(cell.find('\x7f'), std::string::npos);
    for (const char* raw : {"<", ">", "!", "[", "]", "#", "~", "&"}) EXPECT_FALSE(unescaped(cell, raw)) << raw << " in " << cell;
    EXPECT_FALSE(cell.starts_with("- ")) << cell;
    EXPECT_FALSE(cell.starts_with("12. ")) << cell;
  }
  // A code span is fenced past any backticks inside, and | cannot end a table cell.
  EXPECT_EQ(md_code("cpu0/gemm"), "`cpu0/gemm`");
  EXPECT_EQ(md_code("a`b|c"), "``a`b\\|c``");
  EXPECT_EQ(md_code("`x`"), "`` `x` ``");
  // A ~~~~ line inside preformatted text cannot close its fence.
  const std::string md = render_markdown({folded("probe", "line\n~~~~\n# not a heading\n~~~~~~")});
  EXPECT_NE(md.find("~~~~~~~\nline\n~~~~\n# not a heading\n~~~~~~\n~~~~~~~\n"), std::string::npos) << md;
}

TEST(document, text_wraps_paragraphs_at_the_width) {
  const std::string text = render_text({paragraph(std::string(30, 'a') + " " + std::string(30, 'b') + " " + std::string(30, 'c'))}, 70);
  EXPECT_EQ(text, std::string(30, 'a') + " " + std::string(30, 'b') + "\n  " + std::string(30, 'c') + "\n");
}

TEST(document, the_fastest_cell_is_marked_in_markdown_and_text) {
  doc_table t{"m", {"workload", "cpu0"}, {{{"gemm", "", "", "", ""}, {"1.00 T", "", "num best", "1e12", ""}}}};
  EXPECT_NE(render_markdown({table_block(t)}).find("| gemm | **1.00 T** |"), std::string::npos) << render_markdown({table_block(t)});
  EXPECT_NE(render_text({table_block(t)}, 80).find("1.00 T *"), std::string::npos);
}

TEST(text_table, wrap_and_width_ignore_colour_and_keep_line_breaks) {
  EXPECT_EQ(display_width("\033[33minvalid\033[0m"), 7u);
  EXPECT_EQ(wrap_text("a  b\nc", 80, "  "), "  a b\n  c\n");  // runs of spaces, a newline kept
  EXPECT_EQ(wrap_text("aaa bbb ccc", 9, ""), "aaa bbb\n  ccc\n");
  EXPECT_EQ(wrap_text("", 9, "  "), "  \n");
  EXPECT_EQ(list_text({"a", "b", "c", "d"}, 2), "a, b and 2 more");
}

TEST(text_table, fit_drops_columns_in_order_until_it_fits) {
  text_table t({"benchmark", "impl", "support", "throughput"});
  t.add_row({"gemm/fp32/m1024n1024k1024", "onednn", "native", "1.00 TFLOP/s"});
  text_table wide = t;
  EXPECT_TRUE(wide.fit(0, {2, 1}).empty());   // no width: nothing dropped
  EXPECT_TRUE(wide.fit(200, {2, 1}).empty());
  const auto dropped = t.fit(45, {2, 1});
  EXPECT_EQ(dropped, (std::vector<std::string>{"support", "impl"}));
  const std::string out = t.render();
  EXPECT_EQ(out, "  benchmark                  throughput\n  gemm/fp32/m1024n1024k1024  1.00 TFLOP/s\n");
}

measurement row(const problem& p, status s, std::string reason, std::optional<double> pct = {}, std::string basis = {}) {
  measurement m;
  m.device = "gpu0";
  m.backend = "opencl";
  m.kernel = std::string(to_string(p.kind()));
  m.precision = std::string(to_string(p.type));
  m.problem = p.id();
  m.name = "gpu0/" + m.problem;
  m.state = s;
  m.reason = std::move(reason);
  if (s == status::ok) {
    m.ops_per_s = 1e11;
    m.ops_unit = "FLOP";
    m.time_s = sample_stats{};
    m.time_s->median = 1e-3;
    m.verification.checked = m.verification.passed = true;  // gemm in two precisions: the accuracy table shows too
    m.verification.rel_l2_error = 1e-7;
  }
  m.percent_of_peak = pct;
  m.peak_basis = std::move(basis);
  return m;
}

TEST(run_report, footnote_markers_and_each_unsupported_reason_once) {
  run r;
  r.measurements = {row(problem{peak_shape{}, precision::fp8_e4m3}, status::unsupported, "no fp8 kernels"),
                    row(problem{peak_shape{}, precision::fp8_e5m2}, status::unsupported, "no fp8 kernels"),
                    row(problem{gemm_shape{64, 64, 64}, precision::fp32}, status::ok, "", 42.0, "measured gpu0/peak/fp32 = 1 TFLOP/s"),
                    row(problem{gemm_shape{32, 32, 32}, precision::fp32}, status::ok, "", 21.0, "measured gpu0/peak/fp32 = 1 TFLOP/s"),
                    row(problem{gemm_shape{64, 64, 64}, precision::fp16}, status::ok, "", 10.0, "estimate: 4 TFLOP/s")};
  const std::string out = run_report(r, {false, false});
  EXPECT_NE(out.find("unsupported: no fp8 kernels (peak/fp8_e4m3, peak/fp8_e5m2)"), std::string::npos) << out;
  EXPECT_EQ(out.find("no fp8 kernels"), out.rfind("no fp8 kernels")) << out;  // once
  EXPECT_NE(out.find("42%[1]"), std::string::npos) << out;
  EXPECT_NE(out.find("21%[1]"), std::string::npos) << out;
  EXPECT_NE(out.find("10%[2]"), std::string::npos) << out;
  EXPECT_NE(out.find("[1] measured gpu0/peak/fp32 = 1 TFLOP/s\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[2] estimate: 4 TFLOP/s\n"), std::string::npos) << out;
  const std::string narrow = run_report(r, {false, false}, {{"gpu0", 12.4}}, 60);
  EXPECT_NE(narrow.find("(5 benchmarks in 12 s)"), std::string::npos) << narrow;
  EXPECT_NE(narrow.find("columns left out to fit 60 columns"), std::string::npos) << narrow;
  EXPECT_NE(narrow.find("Accuracy beside speed"), std::string::npos) << narrow;
  for (std::size_t start = 0, end; (end = narrow.find('\n', start)) != std::string::npos; start = end + 1)
    EXPECT_LE(display_width(narrow.substr(start, end - start)), 60u) << narrow.substr(start, end - start);
}

TEST(runs_report, roofline_svg_has_one_circle_per_point_inside_the_plot) {
  roofline roof{"cpu0", "a CPU", {{"fp32 peak", false, true, 1e12, "fp32", "cpu0/peak/fp32"}, {"read 1 GiB", true, true, 5e10, "", ""}}, {}, 0, ""};
  for (double ai : {0.5, 4.0, 300.0}) roof.points.push_back({"p" + std::to_string(ai), "gemm", "fp32", "gemm/x", "onednn", "FLOP", ai, std::min(1e12, ai * 5e10) / 2, 1e-3, {}, {}});
  const std::string svg = roofline_svg(roof, "r0");
  std::size_t circles = 0;
  for (std::size_t at = 0; (at = svg.find("<circle class=\"pt\"", at)) != std::string::npos; ++at) ++circles;
  EXPECT_EQ(circles, 3u);
  EXPECT_NE(svg.find("data-points=\"3\""), std::string::npos);
  EXPECT_EQ(svg.find("stroke-dasharray"), std::string::npos);  // measured ceilings are solid
  roof.ceilings.push_back({"fp32 peak (estimate)", false, false, 2e12, "fp32", "cores x clock"});
  EXPECT_NE(roofline_svg(roof, "r1").find("stroke-dasharray"), std::string::npos);  // an estimate is dashed
  // Points no log axis can place (zero, infinite, NaN) are left out and not counted; the rest stay finite.
  roof.points.push_back({"zero", "gemm", "fp32", "gemm/x", "onednn", "FLOP", 0, 1e9, 1e-3, {}, {}});
  roof.points.push_back({"nan", "gemm", "fp32", "gemm/x", "onednn", "FLOP", 2, std::nan(""), 1e-3, {}, {}});
  const std::string odd = roofline_svg(roof, "r2");
  EXPECT_NE(odd.find("data-points=\"3\""), std::string::npos);
  EXPECT_EQ(odd.find("nan"), std::string::npos);
  EXPECT_EQ(odd.find("inf"), std::string::npos);
  roofline lonely{"gpu0", "", {}, {{"one", "gemm", "fp16", "gemm/x", "xpubench", "FLOP", 8, 1e10, 1e-3, {}, {}}}, 0, ""};
  EXPECT_NE(roofline_svg(lonely, "r3").find("<circle class=\"pt\""), std::string::npos);  // one point, no ceiling
}

}  // namespace
}  // namespace xpu
