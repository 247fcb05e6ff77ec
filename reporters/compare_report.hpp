#pragma once
// compare's renderings of a comparison (results/compare.hpp computes it).
#include <string>

#include "results/compare.hpp"

namespace xpu {

// One side's value in the metric's unit ("1.234 ms", "1.20 Top/s", "0.52 J"); the interval as "[-1.0, +2.5]%".
std::string value_text(std::optional<double> v, compare_metric m);
std::string interval_text(const comparison_row& r);

std::string comparison_text(const comparison& c, const compare_options& o, bool color);
std::string comparison_markdown(const comparison& c, const compare_options& o);

}  // namespace xpu
