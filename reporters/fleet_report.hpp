#pragma once
// A fleet run's ranks and outliers (results/fleet.hpp) as report blocks: the terminal report of
// `mpirun ... xpubench run` and `xpubench report FLEET.json` show them.
#include <string>

#include "reporters/document.hpp"
#include "results/run.hpp"

namespace xpu {

document fleet_document(const run& r);
std::string fleet_summary_text(const run& r, std::size_t width = 0);

}  // namespace xpu
