#pragma once
// `xpubench report`: one or more runs (from one machine or several) as one document: the runs,
// a ranking of devices per kernel and precision, the device x workload matrix, and per run the
// machine's inventory, a roofline per device, accuracy beside speed, the model's token bounds and
// the notes (each unsupported reason once); with a base run, a comparison view.
#include <optional>
#include <string>
#include <vector>

#include <memory>

#include "reporters/document.hpp"
#include "results/compare.hpp"
#include "results/roofline.hpp"
#include "results/run.hpp"

namespace xpu {

struct report_run {
  std::string file;
  run data;
  std::shared_ptr<const run> fleet;  // the fleet file this host came from (its first host only): its ranks and outliers are shown
};

// A run as the report shows it: itself, or a fleet file's hosts side by side (results/fleet.hpp).
std::vector<report_run> report_runs_of(const std::string& label, const run& r);

struct report_comparison {
  std::string base_file, head_file;
  comparison result;
  compare_options options;
};

document runs_document(const std::vector<report_run>& runs, const std::optional<report_comparison>& compared);

// A roofline as an inline SVG (log-log axes; measured ceilings solid, estimates dashed; one
// circle per point, coloured by precision, with its numbers as hover text). `id`: unique in the page.
std::string roofline_svg(const roofline& roof, const std::string& id);

}  // namespace xpu

namespace xpu {

// The document in a format: "html", "md" or "text" (`width` columns).
std::string runs_report_render(const std::vector<report_run>& runs, const std::optional<report_comparison>& compared, std::string_view format,
                               std::size_t width = 100);

}  // namespace xpu
