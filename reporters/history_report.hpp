#pragma once
// `xpubench history report`: per benchmark and machine, its medians over time as a small chart
// with the steps `history check` finds marked, and a table of the steps.
#include <string>
#include <vector>

#include "reporters/document.hpp"
#include "results/history.hpp"

namespace xpu {

document history_document(const std::vector<trend_series>& series, const std::string& source);

// One series as an inline SVG: run order across, median time up (linear), a circle per run with its
// commit, date and median as hover text, a dashed line at each step labelled with its change.
std::string trend_svg(const trend_series& s, const std::string& id);

}  // namespace xpu
