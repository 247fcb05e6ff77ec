#pragma once
// The console report of a run: one table per device, every row with its status; throughput in
// human units, latency, % of peak with its basis, verification and noise flags.
#include <map>
#include <string>

#include "reporters/inventory_report.hpp"
#include "results/run.hpp"

namespace xpu {

// device_seconds: how long each device took (shown beside its name); width: the terminal's columns
// (0: unknown): the tables drop their least important columns to fit it.
std::string run_report(const run& r, const report_style& style, const std::map<std::string, double>& device_seconds = {}, std::size_t width = 0);

}  // namespace xpu
