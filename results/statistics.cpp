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

namespace xpu {

double mann_whitney_min_p(int n1, int n2) {
  if (n1 <= 0 || n2 <= 0) return 1;
  double c = 1;  // C(n1 + n2, n1)
  for (int i = 1; i <= n1; ++i) c = c * (n2 + i) / i;
  return std::min(1.0, 2.0 / c);
}

mann_whitney mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  mann_whitney r;
  const std::size_t n1 = a.size(), n2 = b.size();
  if (n1 == 0 || n2 == 0) return r;
  // Ranks of the pooled sample, ties given their average rank.
  std::vector<std::pair<double, int>> pooled;
  for (double v : a) pooled.emplace_back(v, 0);
  for (double v : b) pooled.emplace_back(v, 1);
  std::ranges::sort(pooled, {}, &std::pair<double, int>::first);
  const std::size_t n = pooled.size();
  double rank_sum_a = 0, tie_term = 0;
  bool ties = false;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && pooled[j + 1].first == pooled[i].first) ++j;
    const double avg_rank = (static_cast<double>(i + j) / 2.0) + 1.0;
    const double t = static_cast<double>(j - i + 1);
    if (t > 1) ties = true, tie_term += t * t * t - t;
    for (std::size_t k = i; k <= j; ++k)
      if (pooled[k].second == 0) rank_sum_a += avg_rank;
    i = j + 1;
  }
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  r.u = rank_sum_a - dn1 * (dn1 + 1) / 2;
  const double u_small = std::min(r.u, dn1 * dn2 - r.u);

  if (!ties && n1 * n2 <= 400) {
    // Exact: the null distribution of U, counted.
    const auto cdf = mann_whitney_cdf(static_cast<int>(n1), static_cast<int>(n2));
    const double below = cdf[static_cast<std::size_t>(std::floor(u_small + 1e-9))];
    r.exact = true;
    r.p_value = std::min(1.0, 2.0 * below);
    return r;
  }
  // Normal approximation with tie correction and continuity correction.
  const double mean = dn1 * dn2 / 2;
  const double var = dn1 * dn2 / 12 * ((dn1 + dn2 + 1) - tie_term / ((dn1 + dn2) * (dn1 + dn2 - 1)));
  if (var <= 0) return r;
  const double z = (std::fabs(r.u - mean) - 0.5) / std::sqrt(var);
  r.p_value = std::min(1.0, std::erfc(std::max(z, 0.0) / std::sqrt(2.0)));
  return r;
}

}  // namespace xpu

namespace xpu {

std::optional<interval> median_interval(std::span<const double> samples, double confidence) {
  const std::size_t n = samples.size();
  if (n == 0) return std::nullopt;
  std::vector<double> s(samples.begin(), samples.end());
  std::ranges::sort(s);
  // P(B <= j) for B ~ Binomial(n, 1/2), accumulated until it passes the tail; each term in log
  // space (0.5^n underflows to 0 from n = 1075 on: the interval would vanish for long runs).
  const double tail = (1 - confidence) / 2;
  const double dn = static_cast<double>(n), log_half_n = dn * std::log(0.5), log_n1 = std::lgamma(dn + 1);
  double cdf = 0;
  std::size_t k = 0;  // the interval is [s[k-1], s[n-k]] (1-based k)
  for (std::size_t j = 0; j < n; ++j) {
    const double dj = static_cast<double>(j);
    cdf += std::exp(log_n1 - std::lgamma(dj + 1) - std::lgamma(dn - dj + 1) + log_half_n);
    if (cdf > tail) break;
    k = j + 1;
  }
  if (k == 0 || k > n - k + 1) return std::nullopt;
  return interval{s[k - 1], s[n - k]};
}

std::optional<double> median_uncertainty(std::span<const double> samples) {
  const auto ci = median_interval(samples);
  if (!ci) return std::nullopt;
  std::vector<double> s(samples.begin(), samples.end());
  std::ranges::sort(s);
  const double median = quantile(s, 0.5);
  if (!(median > 0)) return std::nullopt;
  return (ci->high - ci->low) / 2 / median;
}

std::vector<double> mann_whitney_cdf(int n1, int n2) {
  const std::size_t a = static_cast<std::size_t>(std::max(n1, 0)), b = static_cast<std::size_t>(std::max(n2, 0));
  const std::size_t max_u = a * b;
  // f[j][u]: arrangements of i a's and j b's with statistic u, rolled over i.
  std::vector<std::vector<double>> prev(b + 1, std::vector<double>(max_u + 1, 0)), cur = prev;
  for (std::size_t j = 0; j <= b; ++j) prev[j][0] = 1;
  for (std::size_t i = 1; i <= a; ++i) {
    for (auto& row : cur) std::ranges::fill(row, 0);
    cur[0][0] = 1;
    for (std::size_t j = 1; j <= b; ++j)
      for (std::size_t u = 0; u <= i * j; ++u) cur[j][u] = (u >= j ? prev[j][u - j] : 0) + cur[j - 1][u];
    std::swap(prev, cur);
  }
  std::vector<double> cdf(max_u + 1);
  double total = 0;
  for (std::size_t u = 0; u <= max_u; ++u) total += prev[b][u];
  double run = 0;
  for (std::size_t u = 0; u <= max_u; ++u) cdf[u] = (run += prev[b][u]) / total;
  return cdf;
}

namespace {

// z with P(Z > z) = tail, by bisection on erfc (no inverse in <cmath>).
double normal_upper_quantile(double tail) {
  double lo = 0, hi = 10;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(mid / std::sqrt(2.0)) > tail ? lo : hi) = mid;
  }
  return hi;
}

// The number of ordered statistics to cut from each end: the exact null distribution where it is
// given, else the normal approximation (mean, sd of the statistic).
std::size_t cut_count(const std::vector<double>& cdf, double tail, double mean, double sd) {
  std::size_t k = 0;
  if (!cdf.empty()) {
    while (k < cdf.size() && cdf[k] <= tail) ++k;  // P(stat <= k - 1) <= tail
    return k;
  }
  return static_cast<std::size_t>(std::max(0.0, std::floor(mean - normal_upper_quantile(tail) * sd)));
}

ratio_estimate from_sorted_logs(const std::vector<double>& d, std::size_t k, double confidence) {
  ratio_estimate r;
  r.confidence = confidence;
  r.ratio = std::exp(quantile(d, 0.5));
  if (k > 0 && 2 * k <= d.size()) r.ci = interval{std::exp(d[k - 1]), std::exp(d[d.size() - k])};
  return r;
}

}  // namespace

std::vector<double> signed_rank_cdf(int n) {
  const std::size_t max_t = static_cast<std::size_t>(n) * static_cast<std::size_t>(n + 1) / 2;
  std::vector<double> count(max_t + 1, 0);
  count[0] = 1;
  for (int rank = 1; rank <= n; ++rank)
    for (std::size_t t = max_t; t >= static_cast<std::size_t>(rank); --t) count[t] += count[t - static_cast<std::size_t>(rank)];
  const double total = std::pow(2.0, n);
  std::vector<double> cdf(max_t + 1);
  double run = 0;
  for (std::size_t t = 0; t <= max_t; ++t) cdf[t] = (run += count[t]) / total;
  return cdf;
}

std::size_t signed_rank_cut(int n, double confidence) {
  const double dn = n;
  return cut_count(n <= 200 ? signed_rank_cdf(n) : std::vector<double>{}, (1 - confidence) / 2, dn * (dn + 1) / 4,
                   std::sqrt(dn * (dn + 1) * (2 * dn + 1) / 24));
}

ratio_estimate paired_ratio_of(std::span<const double> base, std::span<const double> head, double confidence) {
  ratio_estimate r;
  r.confidence = confidence;
  std::vector<double> logs;
  for (std::size_t i = 0; i < std::min(base.size(), head.size()); ++i)
    if (base[i] > 0 && head[i] > 0) logs.push_back(std::log(head[i] / base[i]));
  if (logs.empty()) return r;
  std::vector<double> walsh;
  for (std::size_t i = 0; i < logs.size(); ++i)
    for (std::size_t j = i; j < logs.size(); ++j) walsh.push_back((logs[i] + logs[j]) / 2);
  std::ranges::sort(walsh);
  return from_sorted_logs(walsh, signed_rank_cut(static_cast<int>(logs.size()), confidence), confidence);
}

ratio_estimate ratio_of(std::span<const double> base, std::span<const double> head, double confidence) {
  ratio_estimate r;
  r.confidence = confidence;
  std::vector<double> d;
  d.reserve(base.size() * head.size());
  for (double b : base)
    for (double h : head)
      if (b > 0 && h > 0) d.push_back(std::log(h / b));
  if (d.empty()) return r;
  std::ranges::sort(d);
  if (d.size() != base.size() * head.size()) return from_sorted_logs(d, 0, confidence);  // a non-positive value: no interval
  const int n1 = static_cast<int>(base.size()), n2 = static_cast<int>(head.size());
  const double m = n1 * static_cast<double>(n2);
  const std::size_t k = cut_count(m <= 2500 ? mann_whitney_cdf(n1, n2) : std::vector<double>{}, (1 - confidence) / 2, m / 2,
                                  std::sqrt(m * (n1 + n2 + 1) / 12.0));
  return from_sorted_logs(d, k, confidence);
}

}  // namespace xpu
