#include "results/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/error.hpp"

namespace xpu {

double quantile(std::span<const double> sorted, double q) {
  XPU_ASSERT(!sorted.empty());
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

sample_stats stats_of(std::span<const double> samples) {
  XPU_ASSERT(!samples.empty());
  std::vector<double> s(samples.begin(), samples.end());
  std::ranges::sort(s);
  sample_stats out;
  out.count = static_cast<int>(s.size());
  out.min = s.front();
  out.max = s.back();
  out.median = quantile(s, 0.5);
  out.p90 = quantile(s, 0.9);
  out.mean = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
  if (s.size() > 1) {
    double ss = 0;
    for (double v : s) ss += (v - out.mean) * (v - out.mean);
    out.stddev = std::sqrt(ss / static_cast<double>(s.size() - 1));
    out.cv = out.mean > 0 ? out.stddev / out.mean : 0;
  }
  return out;
}

}  // namespace xpu
