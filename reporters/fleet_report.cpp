#include "reporters/fleet_report.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "results/fleet.hpp"

namespace xpu {
namespace {

doc_cell cell(std::string text, std::string css = "", std::string sort_value = "") { return {std::move(text), "", std::move(css), std::move(sort_value), ""}; }

}  // namespace

document fleet_document(const run& r) {
  document doc;
  if (r.fleet.empty()) return doc;
  std::set<std::string> hosts;
  for (const fleet_host& h : r.fleet)
    if (!h.host.empty()) hosts.insert(h.host);
  doc.push_back(heading(2, fmt::format("Fleet: {} rank(s) on {} host(s)", r.fleet.size(), hosts.size())));
  doc_table ranks{"fleet-ranks", {"rank", "host", "state", "rows", "ok", "failed or invalid", "note"}, {}};
  for (const fleet_host& h : r.fleet) {
    const run* measured = h.rank == 0 ? &r : h.measured.get();
    std::size_t rows = 0, ok = 0, bad = 0;
    if (measured)
      for (const measurement& m : measured->measurements) {
        ++rows;
        ok += usable_result(m) ? 1 : 0;
        bad += m.state == status::failed || m.state == status::invalid || m.state == status::crashed || m.state == status::timeout ? 1 : 0;
      }
    const auto count = [&](std::size_t n, const char* css) { return cell(measured ? std::to_string(n) : "-", css, measured ? std::to_string(n) : ""); };
    ranks.rows.push_back({cell(std::to_string(h.rank), "num", std::to_string(h.rank)), cell(h.host.empty() ? "?" : h.host),
                          cell(h.state, h.state == "ok" ? "" : "bad"), count(rows, "num"), count(ok, "num"), count(bad, bad ? "bad num" : "num"),
                          cell(h.reason)});
  }
  doc.push_back(table_block(std::move(ranks)));
  const auto outliers = fleet_outliers(r);
  if (outliers.empty()) {
    doc.push_back(paragraph("No outliers: no rank's verified result lies beyond the fleet's spread (benchmarks measured on 3 or more ranks; "
                            "the limit is the larger of 10 % and 3 x the ranks' robust spread around their median)."));
    return doc;
  }
  doc.push_back(paragraph(fmt::format("{} outlier(s): a rank's verified result beyond the larger of 10 % and 3 x the ranks' robust spread "
                                      "around the fleet's median (benchmarks measured on 3 or more ranks).", outliers.size())));
  doc_table t{"fleet-outliers", {"host", "rank", "benchmark", "vs the fleet's median", "limit"}, {}};
  for (const fleet_outlier& o : outliers)
    t.rows.push_back({cell(o.host), cell(std::to_string(o.rank), "num"), cell(o.benchmark),
                      cell(fmt::format("{:+.1f} % ({})", 100 * o.change, o.change < 0 ? "slower" : "faster"), "bad num", fmt::format("{}", o.change)),
                      cell(fmt::format("{:.1f} %", 100 * o.limit), "num")});
  doc.push_back(table_block(std::move(t)));
  return doc;
}

std::string fleet_summary_text(const run& r, std::size_t width) { return render_text(fleet_document(r), width); }

}  // namespace xpu
