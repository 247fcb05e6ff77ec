// Change points (results/changepoints.cpp) on synthetic series with known steps: the energy
// statistic against a direct O(n^2) computation, steps found where they are, none in noise.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>

#include "results/changepoints.hpp"

namespace xpu {
namespace {

std::vector<double> noisy(std::size_t n, double level, double cv, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> x(n);
  for (double& v : x) v = level * (1 + cv * normal(rng));
  return x;
}

double direct_statistic(const std::vector<double>& x, std::size_t t) {
  const double m = static_cast<double>(t), k = static_cast<double>(x.size() - t);
  double between = 0, a = 0, b = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const double d = std::fabs(x[i] - x[j]);
      (j < t ? a : i >= t ? b : between) += d;
    }
  return m * k / (m + k) * (2 * between / (m * k) - a / (m * (m - 1) / 2) - b / (k * (k - 1) / 2));
}

TEST(changepoints, statistic_matches_the_direct_sums_with_ties) {
  auto x = noisy(40, 1.0, 0.05, 7);
  x[5] = x[9] = x[30];  // ties
  const auto q = energy_statistics(x, 3);
  for (std::size_t t = 3; t + 3 <= x.size(); ++t) EXPECT_NEAR(q[t], direct_statistic(x, t), 1e-9) << t;
  EXPECT_EQ(q[0], 0);
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[x.size() - 2], 0);  // fewer than 3 points on the right
  EXPECT_EQ(q[x.size() - 1], 0);
}

TEST(changepoints, a_step_is_kept_only_when_its_p_value_reaches_alpha) {
  auto x = noisy(20, 1.0, 0.01, 5);
  for (std::size_t i = 10; i < 20; ++i) x[i] *= 1.5;  // no shuffle comes near it: p = 1 / (permutations + 1)
  changepoint_options o;
  o.permutations = 99;
  o.alpha = 0.01;  // p = 0.01 <= alpha
  ASSERT_EQ(detect_change_points(x, o).size(), 1u);
  EXPECT_DOUBLE_EQ(detect_change_points(x, o)[0].p_value, 0.01);
  o.alpha = 0.009;  // below the smallest p 99 shuffles can give: nothing can be significant
  EXPECT_TRUE(detect_change_points(x, o).empty());
}

TEST(changepoints, a_5_percent_step_in_2_percent_noise_is_found_within_10_points) {
  int found = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto x = noisy(30, 1.00, 0.02, seed);
    const auto after = noisy(10, 1.05, 0.02, seed + 100);
    x.insert(x.end(), after.begin(), after.end());
    const auto steps = detect_change_points(x);
    for (const auto& s : steps)
      if (s.index >= 28 && s.index <= 32 && s.after > s.before) ++found;
  }
  EXPECT_GE(found, 9);
}

TEST(changepoints, no_step_in_200_points_of_stationary_noise) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto steps = detect_change_points(noisy(200, 1.0, 0.02, seed));
    EXPECT_TRUE(steps.empty()) << "seed " << seed << ": a step at " << steps.front().index << ", p " << steps.front().p_value;
  }
}

TEST(changepoints, two_steps_each_with_its_size) {
  auto x = noisy(50, 1.0, 0.01, 3);
  for (std::size_t i = 20; i < 35; ++i) x[i] *= 1.2;  // up at 20, back down at 35
  const auto steps = detect_change_points(x);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_NEAR(static_cast<double>(steps[0].index), 20, 1);
  EXPECT_NEAR(steps[0].after / steps[0].before, 1.2, 0.03);
  EXPECT_NEAR(static_cast<double>(steps[1].index), 35, 1);
  EXPECT_LT(steps[1].after, steps[1].before);
}

TEST(changepoints, short_or_constant_series_have_none) {
  EXPECT_TRUE(detect_change_points(std::vector<double>{}).empty());
  EXPECT_TRUE(detect_change_points(std::vector<double>{1, 2, 3, 4, 5}).empty());
  EXPECT_TRUE(detect_change_points(std::vector<double>(100, 3.0)).empty());
}

}  // namespace
}  // namespace xpu
