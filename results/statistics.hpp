#pragma once
// Statistics over repetition samples, as plain functions (Google Benchmark's approach).
#include <span>

namespace xpu {

struct sample_stats {
  double median = 0, mean = 0, min = 0, max = 0, p90 = 0, stddev = 0, cv = 0;
  int count = 0;
};

// Requires at least one sample. p90 interpolates linearly; stddev is the sample (n-1) deviation;
// cv = stddev / mean (0 for a single sample).
sample_stats stats_of(std::span<const double> samples);
double quantile(std::span<const double> sorted, double q);

}  // namespace xpu

namespace xpu {

// Two-sided Mann-Whitney U test of samples a and b.
struct mann_whitney {
  double u = 0;         // U of sample a (the number of pairs where a wins, ties counting half)
  double p_value = 1;   // two-sided
  bool exact = false;   // exact distribution (small samples without ties) or normal approximation
};
mann_whitney mann_whitney_u(std::span<const double> a, std::span<const double> b);

// The smallest two-sided p-value samples of these sizes can reach (all of one below all of the
// other): 2 / C(n1 + n2, n1). A test with fewer repetitions than alpha needs cannot conclude.
double mann_whitney_min_p(int n1, int n2);

}  // namespace xpu
