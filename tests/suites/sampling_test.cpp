// Adaptive sampling's stopping rules on simulated benchmarks (seeded distributions, the elapsed
// time the samples would take): a quiet one stops as soon as its interval exists, a noisy one
// spends its budget and is flagged noisy, a cap stops it, a fixed rule takes exactly its count.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "results/measurement_figures.hpp"
#include "results/statistics.hpp"
#include "suites/runner.hpp"
#include "suites/sampling.hpp"

namespace xpu {
namespace {

struct simulated {
  std::vector<double> samples;
  sampling_stop stop = sampling_stop::more;
  double elapsed_s = 0;
};

// Draws seconds per launch from a log-normal around `median_s` with log-sd `sigma` (and, with
// `outlier_every`, a sample 3x slower that often) until the rule stops; each repetition takes
// `repetition_s` of wall time.
simulated simulate(const sampling_rule& rule, double sigma, double repetition_s, std::uint64_t seed, int outlier_every = 0) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> draw(std::log(1e-3), sigma);
  simulated s;
  while (s.stop == sampling_stop::more) {
    double v = draw(rng);
    if (outlier_every > 0 && static_cast<int>(s.samples.size()) % outlier_every == outlier_every - 1) v *= 3;
    s.samples.push_back(v);
    s.elapsed_s += repetition_s;
    s.stop = sampling_next(rule, s.samples, s.elapsed_s);
    if (s.samples.size() > 100000) break;  // a rule that never stops fails below, not here
  }
  return s;
}

sampling_rule adaptive(int minimum, double min_time_s, int cap = 0, double budget_s = 0) {
  sampling_rule r;
  r.repetitions = minimum;
  r.max_repetitions = cap;
  r.budget_s = budget_s;
  return sampling_resolved(r, min_time_s);
}

TEST(sampling, the_interval_needs_six_samples_and_the_rule_is_raised_to_them) {
  EXPECT_EQ(min_samples_for_interval(), 6);
  const sampling_rule r = adaptive(3, 0.02);
  EXPECT_EQ(r.repetitions, 6);
  EXPECT_EQ(r.max_repetitions, 30);
  EXPECT_DOUBLE_EQ(r.budget_s, 0.36);  // 3 x 6 x 20 ms
  EXPECT_DOUBLE_EQ(adaptive(6, 0.001).budget_s, 0.25);
  EXPECT_EQ(adaptive(10, 0.1).max_repetitions, 50);
  EXPECT_EQ(adaptive(10, 0.1, 4).max_repetitions, 10);  // a cap below the minimum is the minimum
  sampling_rule fixed;
  fixed.mode = sampling_mode::fixed;
  fixed.repetitions = 3;
  EXPECT_EQ(sampling_resolved(fixed, 0.02).repetitions, 3);  // fixed means exactly the count
}

TEST(sampling, a_quiet_benchmark_stops_at_the_minimum_converged) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const simulated s = simulate(adaptive(5, 0.02), 0.003, 0.02, seed);
    EXPECT_EQ(s.stop, sampling_stop::converged) << seed;
    EXPECT_EQ(s.samples.size(), 6u) << seed;
    EXPECT_LE(*median_uncertainty(s.samples), 0.025);
  }
}

TEST(sampling, a_moderately_noisy_benchmark_takes_more_samples_then_converges) {
  int converged_later = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const simulated s = simulate(adaptive(6, 0.02, 100, 10.0), 0.03, 0.02, seed);
    ASSERT_EQ(s.stop, sampling_stop::converged) << seed;  // a cap of 100 and 10 s of budget: enough for a 3 % spread
    EXPECT_LE(*median_uncertainty(s.samples), 0.025);
    if (s.samples.size() > 6) ++converged_later;
  }
  EXPECT_GE(converged_later, 15);  // at 3 % spread six samples rarely give a +-2.5 % interval
}

TEST(sampling, outliers_beyond_the_interval_do_not_keep_a_benchmark_sampling) {
  // One launch in five three times slower: the median's interval ignores them once k passes them.
  const simulated s = simulate(adaptive(6, 0.02, 0, 10.0), 0.003, 0.02, 7, 5);
  EXPECT_EQ(s.stop, sampling_stop::converged);
  EXPECT_LE(s.samples.size(), 15u);
}

TEST(sampling, a_noisy_benchmark_spends_its_budget_and_is_flagged_noisy) {
  const sampling_rule rule = adaptive(6, 0.02, 1000, 0.5);
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const simulated s = simulate(rule, 0.3, 0.02, seed);
    EXPECT_EQ(s.stop, sampling_stop::budget) << seed;
    EXPECT_EQ(s.samples.size(), 25u) << seed;  // 0.5 s of 20 ms repetitions
    measurement m;
    m.samples_s = s.samples;
    measurement_finish(m, rule.target);
    EXPECT_TRUE(m.noisy) << seed;
    EXPECT_GT(*m.median_uncertainty, 0.025);
  }
}

TEST(sampling, the_cap_stops_a_benchmark_before_its_budget) {
  const simulated s = simulate(adaptive(6, 0.02, 12, 100.0), 0.3, 0.02, 3);
  EXPECT_EQ(s.stop, sampling_stop::max_repetitions);
  EXPECT_EQ(s.samples.size(), 12u);
}

TEST(sampling, the_minimum_is_taken_even_past_the_budget) {
  // Repetitions of 1 s against a 0.25 s budget: the six the interval needs are still taken.
  const simulated s = simulate(adaptive(6, 1.0, 0, 0.25), 0.3, 1.0, 5);
  EXPECT_EQ(s.samples.size(), 6u);
  EXPECT_NE(s.stop, sampling_stop::more);
}

TEST(sampling, a_fixed_rule_takes_exactly_its_count_however_noisy) {
  sampling_rule rule;
  rule.mode = sampling_mode::fixed;
  rule.repetitions = 4;
  for (double sigma : {0.001, 0.5}) {
    const simulated s = simulate(sampling_resolved(rule, 0.02), sigma, 0.02, 11);
    EXPECT_EQ(s.stop, sampling_stop::fixed);
    EXPECT_EQ(s.samples.size(), 4u);
  }
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

// The progress line's estimate of what is left: earlier times of the cases left, scaled by this
// run's pace so far; a case without one counts as the mean of the others.
TEST(progress_left, earlier_times_scaled_by_the_pace_so_far) {
  const std::vector<double> e{2, 4, -1, 6};  // the third never ran here: the mean, 4
  EXPECT_DOUBLE_EQ(*progress_left(e, 0, 0), 16);
  EXPECT_DOUBLE_EQ(*progress_left(e, 1, 2), 14);  // on pace
  EXPECT_DOUBLE_EQ(*progress_left(e, 1, 4), 28);  // twice as slow as before (a cold start)
  EXPECT_DOUBLE_EQ(*progress_left(e, 2, 3), 5);   // faster: half the time
  EXPECT_DOUBLE_EQ(*progress_left(e, 4, 20), 0);
  EXPECT_FALSE(progress_left(std::vector<double>{-1, -1}, 1, 3));  // nothing known: the caller's mean
  EXPECT_FALSE(progress_left(std::vector<double>{}, 0, 0));
  EXPECT_NE(progress_start(1, 4, 2, "cpu0/x", 14.2).find("~14s left"), std::string::npos);
  EXPECT_NE(progress_start(1, 4, 2, "cpu0/x").find("~6s left"), std::string::npos);  // 2 s each, 3 left
}

}  // namespace
}  // namespace xpu
