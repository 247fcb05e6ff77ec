#include "results/sequential.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "results/statistics.hpp"

namespace xpu {
namespace {

// The signed-rank statistic W+ (the sum of the ranks of the positive deviations) at each look of
// `trials` simulated gates under the null, trial-major. Rounds join one at a time: a new round of
// size v adds its own rank when positive and lifts the rank of every larger positive one by one.
std::vector<int> simulated_statistics(const std::vector<int>& looks, int trials, unsigned long long seed) {
  const int rounds = looks.back();
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(trials) * looks.size());
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> size(static_cast<std::size_t>(rounds));
  std::vector<bool> positive(static_cast<std::size_t>(rounds));
  for (int t = 0; t < trials; ++t) {
    int w = 0;
    std::size_t look = 0;
    for (int n = 0; n < rounds; ++n) {
      const std::uint64_t bits = rng();
      const std::uint64_t v = bits >> 1;  // the size's order: ties have probability 2^-63
      const bool plus = (bits & 1) != 0;
      int smaller = 0, larger_positive = 0;
      for (int i = 0; i < n; ++i) {
        if (size[static_cast<std::size_t>(i)] < v) ++smaller;
        else if (positive[static_cast<std::size_t>(i)]) ++larger_positive;
      }
      w += larger_positive + (plus ? smaller + 1 : 0);
      size[static_cast<std::size_t>(n)] = v, positive[static_cast<std::size_t>(n)] = plus;
      if (look < looks.size() && n + 1 == looks[look]) out.push_back(w), ++look;
    }
  }
  return out;
}

double family_from(const std::vector<int>& looks, const std::vector<int>& statistics, int trials, double nominal) {
  // The interval from the c-th smallest to the c-th largest of the N Walsh averages misses the
  // true ratio exactly when W+ <= c - 1 or W+ >= N - c + 1 (Tukey: W+ counts the averages above it).
  std::vector<int> cut(looks.size()), walsh(looks.size());
  for (std::size_t k = 0; k < looks.size(); ++k) {
    cut[k] = static_cast<int>(signed_rank_cut(looks[k], 1 - nominal));
    walsh[k] = looks[k] * (looks[k] + 1) / 2;
  }
  int missed = 0;
  for (int t = 0; t < trials; ++t)
    for (std::size_t k = 0; k < looks.size(); ++k) {
      const int w = statistics[static_cast<std::size_t>(t) * looks.size() + k];
      if (cut[k] > 0 && (w <= cut[k] - 1 || w >= walsh[k] - cut[k] + 1)) {
        ++missed;
        break;
      }
    }
  return static_cast<double>(missed) / trials;
}

}  // namespace

sequential_design fixed_design(int rounds, double alpha) {
  sequential_design d;
  d.looks = {rounds};
  d.nominal_alpha = d.family_alpha = alpha;  // one look: its own level, exactly
  return d;
}

sequential_design sequential_plan(int rounds, double alpha, int first, int every) {
  if (rounds > sequential_most_rounds || rounds <= first) return fixed_design(rounds, alpha);
  sequential_design d;
  for (int n = first; n < rounds; n += every) d.looks.push_back(n);
  d.looks.push_back(rounds);
  d.trials = 40000;
  const std::vector<int> statistics = simulated_statistics(d.looks, d.trials, 0x5e9u);
  // The candidate levels: each look's exact two-sided levels up to alpha. The family's level only
  // grows with the nominal one: the largest candidate whose family stays two standard errors
  // under alpha, found by bisection. (A hair above the candidate, so the 1 - (1 - a) round trip keeps its cut.)
  std::vector<double> candidates;
  for (int n : d.looks) {
    const auto cdf = signed_rank_cdf(n);
    for (std::size_t t = 0; t < cdf.size() && 2 * cdf[t] <= alpha; ++t) candidates.push_back(2 * cdf[t] * (1 + 1e-9));
  }
  std::ranges::sort(candidates);
  const auto within = [&](double nominal, double& family) {
    family = family_from(d.looks, statistics, d.trials, nominal);
    return family + 2 * std::sqrt(family * (1 - family) / d.trials) <= alpha;
  };
  std::size_t lo = 0, hi = candidates.size();  // candidates[0, lo) are within; [hi, end) are not
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    double family = 0;
    if (within(candidates[mid], family)) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0) {
    d.nominal_alpha = candidates[lo - 1];
    within(d.nominal_alpha, d.family_alpha);
  }
  return d;
}

}  // namespace xpu
