#pragma once
// A fleet run's nodes side by side (run::fleet, written by `mpirun ... xpubench run`): each rank's
// run, and the ranks whose result for a benchmark lies beyond the fleet's spread.
#include <string>
#include <utility>
#include <vector>

#include "results/run.hpp"

namespace xpu {

// Each rank that sent a run, by rank (rank 0: `r` itself).
std::vector<std::pair<const fleet_host*, const run*>> fleet_runs(const run& r);

// A fleet file as one run per host (the ranks of a host share its devices out: their rows are
// merged), each labelled "FILE: HOST (ranks ...)"; a run on one machine as itself.
std::vector<std::pair<std::string, run>> fleet_expand(const std::string& file, const run& r);

// A rank's result for one benchmark against the fleet's median of it.
struct fleet_outlier {
  std::string benchmark, host;
  int rank = 0;
  double value = 0, fleet_median = 0;  // ops/s (or 1 / median time where a row has no ops)
  double change = 0;                   // value / fleet_median - 1 (negative: slower)
  double limit = 0;                    // the change beyond which a rank is an outlier, as a fraction
};
// Per benchmark verified on at least 3 ranks: those whose |log(value / median)| exceeds the larger
// of log(1 + floor) and k x the robust spread (1.4826 x MAD) of the ranks' log values.
std::vector<fleet_outlier> fleet_outliers(const run& r, double floor = 0.10, double k = 3);

}  // namespace xpu
