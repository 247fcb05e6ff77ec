#include "results/changepoints.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace xpu {
namespace {

// Counts and sums of the values inserted so far, by rank.
class fenwick {
 public:
  explicit fenwick(std::size_t n) : m_count(n + 1, 0), m_sum(n + 1, 0) {}
  void add(std::size_t rank, double v) {
    for (std::size_t i = rank + 1; i < m_count.size(); i += i & (~i + 1)) ++m_count[i], m_sum[i] += v;
  }
  // Count and sum of the values with rank < `rank`.
  std::pair<double, double> below(std::size_t rank) const {
    double c = 0, s = 0;
    for (std::size_t i = rank; i > 0; i -= i & (~i + 1)) c += static_cast<double>(m_count[i]), s += m_sum[i];
    return {c, s};
  }

 private:
  std::vector<std::size_t> m_count;
  std::vector<double> m_sum;
};

// within[t] = sum of |x_i - x_j| over i < j < t (the first t points), for t = 0..n.
std::vector<double> within_prefix(std::span<const double> x, std::span<const std::size_t> rank) {
  std::vector<double> out(x.size() + 1, 0);
  fenwick tree(x.size());
  double count = 0, sum = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    const auto [c, s] = tree.below(rank[t]);  // earlier values below x[t] (ties: by position, counted once)
    const double above_c = count - c, above_s = sum - s;
    out[t + 1] = out[t] + (x[t] * c - s) + (above_s - x[t] * above_c);
    tree.add(rank[t], x[t]);
    ++count, sum += x[t];
  }
  return out;
}

std::vector<std::size_t> ranks(std::span<const double> x) {
  std::vector<std::size_t> order(x.size()), rank(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::ranges::sort(order, [&](std::size_t a, std::size_t b) { return x[a] < x[b] || (x[a] == x[b] && a < b); });
  for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  return rank;
}

double median_of(std::span<const double> x) {
  std::vector<double> v(x.begin(), x.end());
  std::ranges::sort(v);
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::pair<std::size_t, double> best_split(std::span<const double> x, std::size_t min_segment) {
  const auto q = energy_statistics(x, min_segment);
  const auto it = std::ranges::max_element(q);
  return {static_cast<std::size_t>(it - q.begin()), q.empty() ? 0.0 : *it};
}

void search(std::span<const double> all, std::size_t offset, std::size_t length, const changepoint_options& o, std::mt19937_64& rng,
            std::vector<change_point>& out) {
  if (length < 2 * o.min_segment) return;
  const auto x = all.subspan(offset, length);
  const auto [at, observed] = best_split(x, o.min_segment);
  if (!(observed > 0)) return;
  std::vector<double> shuffled(x.begin(), x.end());
  // p = (shuffles at least as large + 1) / (permutations + 1); significant when p <= alpha. Once
  // too many shuffles reached the observed value, the rest cannot make it significant.
  const double limit = o.alpha * (o.permutations + 1);
  int as_large = 0;
  for (int done = 0; done < o.permutations && as_large + 1 <= limit; ++done) {
    std::ranges::shuffle(shuffled, rng);
    if (best_split(shuffled, o.min_segment).second >= observed) ++as_large;
  }
  if (as_large + 1 > limit) return;
  const double p = static_cast<double>(as_large + 1) / static_cast<double>(o.permutations + 1);
  out.push_back({offset + at, 0, 0, p});
  search(all, offset, at, o, rng, out);
  search(all, offset + at, length - at, o, rng, out);
}

}  // namespace

std::vector<double> energy_statistics(std::span<const double> x, std::size_t min_segment) {
  const std::size_t n = x.size();
  std::vector<double> q(n, 0);
  if (n < 2 * std::max<std::size_t>(min_segment, 1)) return q;
  const auto rank = ranks(x);
  const auto left = within_prefix(x, rank);  // left[t]: within the first t points
  std::vector<double> rx(x.rbegin(), x.rend());
  std::vector<std::size_t> rrank(rank.rbegin(), rank.rend());
  const auto right_rev = within_prefix(rx, rrank);  // right_rev[k]: within the last k points
  const double total = left[n];
  for (std::size_t t = std::max<std::size_t>(min_segment, 2); t + std::max<std::size_t>(min_segment, 2) <= n; ++t) {
    const double m = static_cast<double>(t), k = static_cast<double>(n - t);
    const double a = left[t], b = right_rev[n - t], between = total - a - b;
    // mk/(m+k) * (2/(mk) between - within_left / C(m,2) - within_right / C(k,2))
    q[t] = m * k / (m + k) * (2 * between / (m * k) - a / (m * (m - 1) / 2) - b / (k * (k - 1) / 2));
  }
  return q;
}

std::vector<change_point> detect_change_points(std::span<const double> series, const changepoint_options& options) {
  std::vector<change_point> out;
  if (options.permutations < 1 || options.alpha * (options.permutations + 1) < 1) return out;  // no p could reach alpha
  std::mt19937_64 rng(options.seed);
  search(series, 0, series.size(), options, rng, out);
  std::ranges::sort(out, {}, &change_point::index);
  for (std::size_t i = 0; i < out.size(); ++i) {  // each step between its neighbouring segments, not the sides it was found with
    const std::size_t from = i ? out[i - 1].index : 0, to = i + 1 < out.size() ? out[i + 1].index : series.size();
    out[i].before = median_of(series.subspan(from, out[i].index - from));
    out[i].after = median_of(series.subspan(out[i].index, to - out[i].index));
  }
  return out;
}

}  // namespace xpu
