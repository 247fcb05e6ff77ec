#include "suites/sampling.hpp"

#include <algorithm>
#include <vector>

#include "results/statistics.hpp"

namespace xpu {

std::string_view to_string(sampling_mode m) { return m == sampling_mode::fixed ? "fixed" : "adaptive"; }

std::string_view to_string(sampling_stop s) {
  switch (s) {
    case sampling_stop::more: return "more";
    case sampling_stop::fixed: return "fixed";
    case sampling_stop::converged: return "converged";
    case sampling_stop::budget: return "budget";
    case sampling_stop::max_repetitions: return "max_repetitions";
  }
  return "?";
}

int min_samples_for_interval() {
  static const int n = [] {
    std::vector<double> s;
    while (!median_interval(s)) s.push_back(static_cast<double>(s.size()));
    return static_cast<int>(s.size());
  }();
  return n;
}

int default_max_repetitions(int minimum) { return std::max(30, 5 * minimum); }

double default_budget_s(int minimum, double min_time_s) { return std::max(0.25, 3.0 * minimum * min_time_s); }

sampling_rule sampling_resolved(sampling_rule rule, double min_time_s) {
  if (rule.mode == sampling_mode::fixed) return rule;
  rule.repetitions = std::max(rule.repetitions, min_samples_for_interval());
  if (rule.max_repetitions <= 0) rule.max_repetitions = default_max_repetitions(rule.repetitions);
  rule.max_repetitions = std::max(rule.max_repetitions, rule.repetitions);
  if (!(rule.budget_s > 0)) rule.budget_s = default_budget_s(rule.repetitions, min_time_s);
  return rule;
}

sampling_stop sampling_next(const sampling_rule& rule, std::span<const double> samples, double elapsed_s) {
  const auto n = static_cast<int>(samples.size());
  if (n < rule.repetitions) return sampling_stop::more;
  if (rule.mode == sampling_mode::fixed) return sampling_stop::fixed;
  if (const auto u = median_uncertainty(samples); u && *u <= rule.target) return sampling_stop::converged;
  if (n >= rule.max_repetitions) return sampling_stop::max_repetitions;
  if (elapsed_s >= rule.budget_s) return sampling_stop::budget;
  return sampling_stop::more;
}

}  // namespace xpu
