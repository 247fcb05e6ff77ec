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
