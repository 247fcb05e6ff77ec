#pragma once
// The console report of `xpubench probe`: CPU topology and features, devices with their
// precision support and peak estimates, backends and power sensors, each missing piece with
// its reason.
#include <string>

#include "inventory/inventory.hpp"
#include "reporters/style.hpp"

namespace xpu {


std::string inventory_report(const inventory& inv, const report_style& style);

}  // namespace xpu
