#pragma once
// How many repetitions a benchmark gets. Fixed: the suite's count. Adaptive (the default): at
// least the suite's count and at least as many as the median's distribution-free 95 % interval
// needs, then one more at a time until that interval is within the noisy threshold (converged),
// the benchmark's time budget is spent, or the cap is reached; the row records which.
#include <span>
#include <string_view>

namespace xpu {

enum class sampling_mode { adaptive, fixed };
std::string_view to_string(sampling_mode m);

struct sampling_rule {
  sampling_mode mode = sampling_mode::adaptive;
  int repetitions = 5;       // fixed: the count; adaptive: the minimum (raised to min_samples_for_interval())
  int max_repetitions = 0;   // adaptive: the cap (0: default_max_repetitions(repetitions))
  double budget_s = 0;       // adaptive: wall seconds of timed repetitions per benchmark (0: default_budget_s)
  double target = 0.025;     // adaptive: the interval's half-width / median to reach (the noisy threshold)
};

// Why a benchmark took no more repetitions; `more`: it takes another.
enum class sampling_stop { more, fixed, converged, budget, max_repetitions };
std::string_view to_string(sampling_stop s);

// The fewest samples for which the median's distribution-free 95 % interval exists (6).
int min_samples_for_interval();
// The defaults of an adaptive rule: a cap of 5x the minimum (at least 30) and a budget of 3x the
// minimum's time at min_time (at least 0.25 s): a benchmark that never converges costs at most
// about 3x what a fixed count would.
int default_max_repetitions(int minimum);
double default_budget_s(int minimum, double min_time_s);
// The rule with its defaults filled in and its minimum raised to what the interval needs.
sampling_rule sampling_resolved(sampling_rule rule, double min_time_s);

// The decision after each repetition: `samples` so far (seconds per launch), `elapsed_s` the wall
// time the benchmark's repetitions have taken. The minimum is always taken.
sampling_stop sampling_next(const sampling_rule& rule, std::span<const double> samples, double elapsed_s);

}  // namespace xpu
