#pragma once
// A run as CSV: one row per measurement (a projection of the JSON, which stays canonical).
#include <string>
#include <string_view>

#include "results/run.hpp"

namespace xpu {

// How CSV cells are written. defended: a text cell that a spreadsheet would run as a formula (it
// starts with =, +, -, @, TAB or CR and is not a number) gets a leading ' (OWASP's advice against
// formula injection: names come from files a user did not write); raw: every cell as it is.
enum class csv_cells { defended, raw };

std::string run_to_csv(const run& r, csv_cells cells = csv_cells::defended);
// A field quoted for CSV (RFC 4180) when it holds a comma, a quote or a line break; defended as above.
std::string csv_quote(std::string_view field, csv_cells cells = csv_cells::defended);

}  // namespace xpu
