#pragma once
// Statistics over repetition samples, as plain functions (Google Benchmark's approach).
#include <optional>
#include <span>
#include <vector>

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

namespace xpu {

// A distribution-free confidence interval of the median from order statistics (binomial): the
// k-th smallest and k-th largest samples with P(Binomial(n, 1/2) < k) <= (1 - confidence) / 2.
// nullopt when n is too small for the confidence (n < 6 at 95 %).
struct interval {
  double low = 0, high = 0;
};
std::optional<interval> median_interval(std::span<const double> samples, double confidence = 0.95);
// That interval's half-width divided by the median (what `noisy` and adaptive sampling judge);
// nullopt without an interval or with a median that is not positive.
std::optional<double> median_uncertainty(std::span<const double> samples);

// P(U <= u) for u = 0..n1*n2 under the null hypothesis, U the Mann-Whitney statistic of samples
// of sizes n1 and n2 without ties (exact, by counting arrangements).
std::vector<double> mann_whitney_cdf(int n1, int n2);

// The head/base ratio of two samples of positive values (times, joules, rates): the
// Hodges-Lehmann estimate (median of all pairwise ratios head_j / base_i) and its distribution-
// free confidence interval (Moses: the k-th smallest and largest pairwise ratio, k from the
// Mann-Whitney distribution). The interval is nullopt when the samples are too small to reach
// the confidence (4 + 4 is the least at 95 %).
struct ratio_estimate {
  double ratio = 1;
  std::optional<interval> ci;
  double confidence = 0;
};
ratio_estimate ratio_of(std::span<const double> base, std::span<const double> head, double confidence = 0.95);

// P(T <= t) for t = 0..n(n+1)/2 under the null hypothesis, T the Wilcoxon signed-rank statistic of
// n pairs without ties or zeros (exact, by counting subsets of ranks).
std::vector<double> signed_rank_cdf(int n);
// The Walsh averages paired_ratio_of drops from each end for an interval at `confidence` over n
// pairs (0: no interval exists at that level).
std::size_t signed_rank_cut(int n, double confidence);

// The same for paired samples (base[i] and head[i] measured side by side, e.g. the two processes of
// one ABBA round, so drift common to both cancels): the Hodges-Lehmann estimate of the ratio (the
// median of the Walsh averages of the log ratios) and its distribution-free interval from the
// signed-rank distribution. The interval is nullopt under 6 pairs at 95 %.
ratio_estimate paired_ratio_of(std::span<const double> base, std::span<const double> head, double confidence = 0.95);

}  // namespace xpu
