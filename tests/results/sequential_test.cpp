// The gate that stops when it knows (results/sequential.hpp): its design, its error rates on
// simulated gates with looks after 6, 8, ... rounds, and the check that decides which rounds
// other processes disturbed.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "results/compare.hpp"
#include "results/sequential.hpp"
#include "results/statistics.hpp"
#include "simulated_rounds.hpp"

namespace xpu {
namespace {

TEST(sequential_plan, looks_and_the_common_level) {
  const sequential_design d = sequential_plan(8, 0.05);
  EXPECT_EQ(d.looks, (std::vector<int>{6, 8}));
  EXPECT_LE(d.family_alpha, 0.05);
  EXPECT_GT(d.family_alpha, 0.035) << "the level is not spent wastefully";
  // The range of the six ratios at 6; two Walsh averages off each end at 8 (a single look at 8
  // drops three: the price of the look at 6). The cut counts the dropped ones plus one.
  EXPECT_EQ(signed_rank_cut(6, 1 - d.nominal_alpha), 1u);
  EXPECT_EQ(signed_rank_cut(8, 1 - d.nominal_alpha), 3u);
  EXPECT_EQ(signed_rank_cut(8, 0.95), 4u);

  const sequential_design longer = sequential_plan(12, 0.05);
  EXPECT_EQ(longer.looks, (std::vector<int>{6, 8, 10, 12}));
  EXPECT_LE(longer.family_alpha, 0.05);
  EXPECT_LT(longer.nominal_alpha, d.nominal_alpha + 1e-12) << "more looks, each one stricter";
  EXPECT_EQ(sequential_plan(9, 0.05).looks, (std::vector<int>{6, 8, 9}));
  // One look: the fixed design at its own level.
  for (int rounds : {6, 4, sequential_most_rounds + 1}) {
    const sequential_design one = sequential_plan(rounds, 0.05);
    EXPECT_EQ(one.looks, (std::vector<int>{rounds}));
    EXPECT_EQ(one.nominal_alpha, 0.05);
  }
  // No common level at all (too strict an alpha for 6 and 8 rounds).
  EXPECT_EQ(sequential_plan(8, 1e-4).nominal_alpha, 0);
}

// The chance that any look's interval misses the true ratio, measured with the real intervals
// (paired_ratio_of) on heavy-tailed noise: the design's claim holds for noise it never saw, and
// looking as often without the correction would break it.
double missed_at_any_look(const std::vector<int>& looks, double nominal, int gates, std::mt19937_64& rng) {
  std::student_t_distribution<double> noise(3);  // symmetric, heavy tails
  int missed = 0;
  for (int g = 0; g < gates; ++g) {
    std::vector<double> base, head;
    for (int r = 0; r < looks.back(); ++r) base.push_back(1.0), head.push_back(std::exp(0.02 * noise(rng)));
    for (int n : looks) {
      const ratio_estimate e = paired_ratio_of(std::span(base).first(static_cast<std::size_t>(n)), std::span(head).first(static_cast<std::size_t>(n)),
                                               1 - nominal);
      if (e.ci && (e.ci->low > 1 || e.ci->high < 1)) {
        ++missed;
        break;
      }
    }
  }
  return static_cast<double>(missed) / gates;
}

TEST(sequential_plan, all_looks_together_keep_the_level_on_real_intervals) {
  std::mt19937_64 rng(3);
  const int gates = 4000;
  const double se = std::sqrt(0.05 * 0.95 / gates);
  for (int rounds : {8, 12, 20}) {
    const sequential_design d = sequential_plan(rounds, 0.05);
    const double missed = missed_at_any_look(d.looks, d.nominal_alpha, gates, rng);
    EXPECT_LE(missed, 0.05 + 3 * se) << rounds << " rounds";
    EXPECT_NEAR(missed, d.family_alpha, 4 * se) << rounds << " rounds: the simulation behind the design";
  }
  std::vector<int> every_other;
  for (int n = 6; n <= 20; n += 2) every_other.push_back(n);
  EXPECT_GT(missed_at_any_look(every_other, 0.05, gates, rng), 0.05 + 3 * se) << "eight looks each at 95 % miss far more often than 5 %";
}

// One paired gate as `xpubench ab` runs it: rounds with drift common to a round and noise per
// process; a look at each of the design's round counts, stopping at the first where the row's
// verdict is settled.
struct gate_end {
  verdict outcome;
  int rounds;
};
gate_end sequential_gate(std::mt19937_64& rng, const sequential_design& d, double factor, double drift, double noise) {
  const auto [base, head] = test::simulated_rounds(rng, factor, drift, noise, d.looks.back());
  compare_options o;
  o.paired = true;
  o.alpha = d.nominal_alpha;
  for (std::size_t k = 0; k < d.looks.size(); ++k) {
    const auto n = static_cast<std::ptrdiff_t>(d.looks[k]);
    auto c = compare_runs(std::vector(base.begin(), base.begin() + n), std::vector(head.begin(), head.begin() + n), o);
    EXPECT_TRUE(c);
    if (k + 1 == d.looks.size() || settled(c->rows.at(0))) return {c->rows.at(0).outcome, d.looks[k]};
  }
  return {verdict::too_few, 0};
}

TEST(sequential_gate, error_rates_and_early_stops_on_simulated_gates) {
  std::mt19937_64 rng(17);
  const sequential_design d = sequential_plan(8, 0.05);
  int false_alarms = 0, stopped_at_six = 0;
  for (int g = 0; g < 1000; ++g) {
    const gate_end e = sequential_gate(rng, d, 1.0, 0.05, 0.015);
    false_alarms += e.outcome == verdict::slower;
    stopped_at_six += e.rounds == 6;
  }
  EXPECT_LE(false_alarms, 10) << "of 1000 A-A gates";
  EXPECT_GE(stopped_at_six, 600) << "of 1000 quiet A-A gates: most are settled (same) at the first look";
  // A change exactly at the threshold: called slower at most about half the family's level, the
  // tail where the interval lies wholly above it (the looks do not add to it).
  int at_threshold = 0;
  for (int g = 0; g < 1000; ++g) at_threshold += sequential_gate(rng, d, 1.05, 0.05, 0.015).outcome == verdict::slower;
  EXPECT_LE(at_threshold, 40) << "of 1000 gates with a change of exactly +5 %";
  int detected = 0, three = 0;
  for (int g = 0; g < 200; ++g) {
    detected += sequential_gate(rng, d, 1.10, 0.05, 0.015).outcome == verdict::slower;
    three += sequential_gate(rng, d, 1.03, 0.05, 0.015).outcome == verdict::slower;
  }
  EXPECT_GE(detected, 180) << "of 200 gates with a 10 % slowdown";
  EXPECT_LE(three, 2) << "of 200 gates with a 3 % change";
}

run loaded_run(int cpus, int threads, double other, double steal) {
  run r;
  r.context.machine.cpu.topology.pus = cpus;
  r.context.threads = threads;
  measurement m;
  m.name = "cpu0/gemm/fp32/m8n8k8/onednn";
  m.load.measured = true;
  m.load.other_fraction = other;
  m.load.steal_fraction = steal;
  r.measurements.push_back(m);
  return r;
}

TEST(run_disturbance, other_processes_against_the_cores_a_run_left_free) {
  EXPECT_EQ(run_disturbance(loaded_run(2, 2, 0.05, 0)), "");                       // idle: tick noise
  EXPECT_NE(run_disturbance(loaded_run(2, 2, 0.45, 0)), "");                       // a job on one core, both cores in use
  EXPECT_EQ(run_disturbance(loaded_run(2, 1, 0.5, 0)), "");                        // the same job, the run on the other core
  EXPECT_NE(run_disturbance(loaded_run(2, 1, 0.9, 0)), "");                        // the job took both
  EXPECT_NE(run_disturbance(loaded_run(2, 1, 0.0, 0.2)).find("stole"), std::string::npos);  // the hypervisor
  run unmeasured = loaded_run(2, 2, 0.9, 0);
  unmeasured.measurements[0].load.measured = false;  // no reading: nothing to say
  EXPECT_EQ(run_disturbance(unmeasured), "");
  EXPECT_NE(run_disturbance(loaded_run(2, 2, 0.45, 0)).find("0.90 of 2 cores while 0 were free"), std::string::npos);
  // Hyperthreads: 4 cores, 8 logical CPUs, a run on 4 threads (its default, one per core) uses every
  // core; others on 2.4 logical CPUs (1.2 cores' worth) disturb it, the idle siblings are not free.
  run ht = loaded_run(8, 4, 0.3, 0);
  ht.context.machine.cpu.topology.cores = 4;
  EXPECT_NE(run_disturbance(ht), "");
  ht.context.threads = 2;  // two cores left free
  EXPECT_EQ(run_disturbance(ht), "");
}

}  // namespace
}  // namespace xpu
