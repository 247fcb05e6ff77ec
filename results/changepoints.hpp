#pragma once
// Change points in a benchmark's history: E-Divisive with means (Matteson and James, 2014; the
// method MongoDB's CI uses, Daly et al., ICPE 2020): the split of a series that maximises the
// energy distance between its two sides, kept when a permutation test says the distance is larger
// than shuffled series give (p below alpha), then each side searched again. With the exponent 1
// in one dimension every split's statistic comes from running sums over value ranks (Fenwick
// trees): a scan is O(n log n), so 10 000 points and 199 permutations take well under a second.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xpu {

struct changepoint_options {
  double alpha = 0.01;          // significance of each step: p <= alpha (at least 1 / (permutations + 1), else nothing is found)
  int permutations = 199;       // shuffles per test (the smallest p is 1 / (permutations + 1))
  std::size_t min_segment = 3;  // points on each side of a step (at least 2)
  std::uint64_t seed = 1;       // the shuffles' seed: the same series gives the same steps
};

struct change_point {
  std::size_t index = 0;        // the first point after the step
  double before = 0, after = 0; // the medians of the segments either side (up to the neighbouring steps)
  double p_value = 1;
};

// The steps of `series`, by index.
std::vector<change_point> detect_change_points(std::span<const double> series, const changepoint_options& options = {});

// The energy statistic of every split of `x` (entry t: the split before x[t]; 0 where a side
// would have fewer than min_segment points). Exposed for tests.
std::vector<double> energy_statistics(std::span<const double> x, std::size_t min_segment);

}  // namespace xpu
