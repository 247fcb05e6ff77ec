#pragma once
// The console report of a run: one table per device, every row with its status; throughput in
// human units, latency, % of peak with its basis, verification and noise flags.
#include <string>

#include "reporters/inventory_report.hpp"
#include "results/run.hpp"

namespace xpu {

std::string run_report(const run& r, const report_style& style);

}  // namespace xpu
