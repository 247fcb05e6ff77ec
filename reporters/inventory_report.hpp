#pragma once
// The console report of `xpubench probe`: CPU topology and features, devices with their
// precision support and peak estimates, backends and power sensors, each missing piece with
// its reason.
#include <string>

#include "probe/inventory.hpp"

namespace xpu {

struct report_style {
  bool color = false;    // ANSI colours: only on a terminal and never with NO_COLOR
  bool verbose = false;  // full extension lists
};

std::string inventory_report(const inventory& inv, const report_style& style);

}  // namespace xpu
