#pragma once
// A run as CSV: one row per measurement (a projection of the JSON, which stays canonical).
#include <string>
#include <string_view>

#include "results/run.hpp"

namespace xpu {

std::string run_to_csv(const run& r);
// A field quoted for CSV (RFC 4180) when it holds a comma, a quote or a line break.
std::string csv_quote(std::string_view field);

}  // namespace xpu
