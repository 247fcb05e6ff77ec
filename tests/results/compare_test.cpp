// The regression gate: Mann-Whitney U on hand-computed cases, verdicts, machine checks, inputs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>

#include <fmt/format.h>

#include "results/compare.hpp"
#include "results/run_json.hpp"
#include "simulated_rounds.hpp"

namespace xpu {
namespace {

TEST(mann_whitney, exact_small_samples) {
  const double a[] = {1, 2, 3}, b[] = {4, 5, 6};
  auto r = mann_whitney_u(a, b);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0);
  EXPECT_DOUBLE_EQ(r.p_value, 2.0 / 20);  // one arrangement of C(6,3) = 20 as extreme, two-sided
  const double c[] = {1, 2, 3, 4}, d[] = {5, 6, 7, 8};
  EXPECT_NEAR(mann_whitney_u(c, d).p_value, 2.0 / 70, 1e-12);
  EXPECT_NEAR(mann_whitney_u(d, c).p_value, 2.0 / 70, 1e-12);
  EXPECT_DOUBLE_EQ(mann_whitney_u(d, c).u, 16);
  // a = {1, 3, 5}, b = {2, 4, 6}: U_a = 3 (pairs 3>2, 5>2, 5>4); P(U <= 3) = 7/20, two-sided 0.7.
  const double e[] = {1, 3, 5}, f[] = {2, 4, 6};
  EXPECT_DOUBLE_EQ(mann_whitney_u(e, f).u, 3);
  EXPECT_NEAR(mann_whitney_u(e, f).p_value, 0.7, 1e-12);
}

TEST(mann_whitney, normal_approximation_for_large_or_tied_samples) {
  std::vector<double> a, b;
  for (int i = 1; i <= 25; ++i) a.push_back(i), b.push_back(25 + i);
  auto r = mann_whitney_u(a, b);
  EXPECT_FALSE(r.exact);
  EXPECT_LT(r.p_value, 1e-8);  // z = (312.5 - 0.5) / sqrt(2656.25) = 6.05
  EXPECT_GT(r.p_value, 1e-10);
  std::vector<double> odd, even;
  for (int i = 0; i < 25; ++i) odd.push_back(2 * i + 1), even.push_back(2 * i + 2);
  EXPECT_GT(mann_whitney_u(odd, even).p_value, 0.7);
  const double t1[] = {1, 1, 2, 2}, t2[] = {1, 2, 2, 3};  // ties: normal path
  EXPECT_FALSE(mann_whitney_u(t1, t2).exact);
}

TEST(mann_whitney, smallest_reachable_p) {
  EXPECT_DOUBLE_EQ(mann_whitney_min_p(3, 3), 0.1);
  EXPECT_NEAR(mann_whitney_min_p(4, 4), 2.0 / 70, 1e-12);
  EXPECT_LT(mann_whitney_min_p(5, 5), 0.05);
}

// A run with one benchmark whose repetitions are `base` scaled by `factor`, with some jitter.
compare_input input(const std::string& file, double factor, int reps = 10, const std::string& cpu = "Xeon") {
  run r;
  r.context.xpubench_version = "0.1.0";
  r.context.finished = true;
  r.context.machine.cpu.topology.model = cpu;
  for (const char* name : {"cpu0/gemm/fp32/m8n8k8/onednn", "cpu0/reduction/fp32/sum/n100/xpubench"}) {
    measurement m;
    m.name = name;
    m.ops = 1000;
    for (int i = 0; i < reps; ++i) m.samples_s.push_back(factor * (1.0 + 0.002 * ((i * 7) % 5)));
    r.measurements.push_back(m);
  }
  auto in = compare_input_read(run_to_json(r), file);
  EXPECT_TRUE(in) << in.error().message;
  return *in;
}

TEST(compare_runs, a_run_against_itself_has_no_regression) {
  auto c = compare_runs(input("a", 1.0), input("a", 1.0), {});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->regression);
  for (const auto& r : c->rows) EXPECT_EQ(r.outcome, verdict::same) << r.name;
}

TEST(compare_runs, twenty_percent_slower_is_a_regression) {
  auto c = compare_runs(input("base", 1.0), input("head", 1.2), {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->regression);
  EXPECT_EQ(c->rows[0].outcome, verdict::slower);
  EXPECT_NEAR(*c->rows[0].delta, 0.2, 1e-9);
  EXPECT_LT(*c->rows[0].p_value, 0.001);
  // The same change read as throughput: 1/1.2 of the base.
  compare_options o;
  o.metric = compare_metric::throughput;
  c = compare_runs(input("base", 1.0), input("head", 1.2), o);
  EXPECT_TRUE(c->regression);
  EXPECT_NEAR(*c->rows[0].delta, 1 / 1.2 - 1, 1e-9);
  // And a 20 % speed-up is not a regression.
  c = compare_runs(input("base", 1.2), input("head", 1.0), {});
  EXPECT_FALSE(c->regression);
  EXPECT_EQ(c->rows[0].outcome, verdict::faster);
}

TEST(compare_runs, two_percent_is_under_the_threshold) {
  auto c = compare_runs(input("base", 1.0), input("head", 1.02), {});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->regression);
  EXPECT_EQ(c->rows[0].outcome, verdict::same);  // significant, but smaller than 5 %
}

TEST(compare_runs, a_benchmark_with_its_own_threshold_from_history) {
  compare_options o;
  o.row_thresholds["cpu0/gemm/fp32/m8n8k8/onednn"] = 0.01;  // a quiet benchmark: 1 %
  auto c = compare_runs(input("base", 1.0), input("head", 1.02), o);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->regression);
  EXPECT_EQ(c->rows[0].outcome, verdict::slower);  // 2 % is beyond its own 1 %
  EXPECT_EQ(c->rows[0].threshold, 0.01);
  EXPECT_NE(c->rows[0].note.find("threshold 1.0% from history"), std::string::npos) << c->rows[0].note;
  EXPECT_EQ(c->rows[1].outcome, verdict::same);  // the other keeps the global 5 %
  EXPECT_EQ(c->rows[1].threshold, 0.05);
}

TEST(compare_runs, too_few_repetitions_say_so) {
  auto c = compare_runs(input("base", 1.0, 3), input("head", 1.5, 3), {});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->regression);
  EXPECT_EQ(c->rows[0].outcome, verdict::too_few);
  EXPECT_NE(c->rows[0].note.find("--repetitions"), std::string::npos);
}

TEST(compare_runs, new_missing_and_invalid) {
  compare_input base = input("base", 1.0), head = input("head", 1.0);
  head.rows[1].name = "cpu0/new/one";
  head.rows[0].state = "invalid";
  head.rows[0].reason = "verification failed";
  auto c = compare_runs(base, head, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->regression);  // an invalid result in head fails the gate
  ASSERT_EQ(c->rows.size(), 3u);
  EXPECT_EQ(c->rows[0].outcome, verdict::invalid);
  EXPECT_EQ(c->rows[1].outcome, verdict::missing);
  EXPECT_EQ(c->rows[2].outcome, verdict::new_benchmark);
}

TEST(compare_runs, different_machines_are_refused_unless_allowed) {
  auto c = compare_runs(input("base.json", 1.0), input("head.json", 1.0, 10, "EPYC"), {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("CPU model: 'Xeon' in base.json vs 'EPYC' in head.json"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("--allow-different-machine"), std::string::npos);
  compare_options o;
  o.allow_different_machine = true;
  c = compare_runs(input("base.json", 1.0), input("head.json", 1.0, 10, "EPYC"), o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->machine_differences.size(), 1u);
}

TEST(compare_input_read, google_benchmark_json) {
  const auto doc = nlohmann::json::parse(R"({
    "context": {"num_cpus": 2, "caches": []},
    "benchmarks": [
      {"name": "BM_x/8", "run_name": "BM_x/8", "run_type": "iteration", "real_time": 1000, "time_unit": "ns"},
      {"name": "BM_x/8", "run_name": "BM_x/8", "run_type": "iteration", "real_time": 2, "time_unit": "us"},
      {"name": "BM_x/8_mean", "run_name": "BM_x/8", "run_type": "aggregate", "real_time": 1500, "time_unit": "ns"},
      {"name": "BM_y", "run_type": "iteration", "error_occurred": true, "error_message": "skipped"}
    ]})");
  auto in = compare_input_read(doc, "gb.json");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->format, "google-benchmark");
  ASSERT_EQ(in->rows.size(), 2u);
  ASSERT_EQ(in->rows[0].time_s.size(), 2u);
  EXPECT_DOUBLE_EQ(in->rows[0].time_s[0], 1e-6);
  EXPECT_DOUBLE_EQ(in->rows[0].time_s[1], 2e-6);
  EXPECT_EQ(in->rows[1].state, "failed");
}

TEST(compare_input_read, bad_documents_name_the_file) {
  auto r = compare_input_read(nlohmann::json{{"hello", 1}}, "x.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("x.json"), std::string::npos);
  r = compare_input_read(nlohmann::json{{"schema_version", 7}, {"kind", "xpubench.run"}}, "v7.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("schema_version 7"), std::string::npos);
  EXPECT_FALSE(compare_input_load("/nonexistent/base.json"));
}

TEST(median_interval, order_statistics_of_the_binomial) {
  // n = 10 at 95 %: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024: the 2nd and 9th values.
  const double ten[] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  auto ci = median_interval(ten);
  ASSERT_TRUE(ci);
  EXPECT_DOUBLE_EQ(ci->low, 2);
  EXPECT_DOUBLE_EQ(ci->high, 9);
  // n = 6: P(B = 0) = 1/64 <= 0.025: min and max. n = 5: 1/32 > 0.025: no interval.
  const double six[] = {3, 1, 2, 6, 5, 4};
  ci = median_interval(six);
  ASSERT_TRUE(ci);
  EXPECT_DOUBLE_EQ(ci->low, 1);
  EXPECT_DOUBLE_EQ(ci->high, 6);
  const double five[] = {1, 2, 3, 4, 5};
  EXPECT_FALSE(median_interval(five));
  // Long runs keep their interval (0.5^n underflows from n = 1075): for n = 2000 the normal
  // approximation puts its ends near 1000 -+ 1.96 sqrt(500), the 956th and 1045th values.
  std::vector<double> many(2000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<double>((i * 7919) % 2000 + 1);  // 1..2000, shuffled
  ci = median_interval(many);
  ASSERT_TRUE(ci);
  EXPECT_NEAR(ci->low, 957, 2);
  EXPECT_NEAR(ci->high, 1044, 2);
}

TEST(ratio_of, hodges_lehmann_and_moses_interval) {
  // 4 + 4: P(U = 0) = 1/70 <= 0.025 < P(U <= 1) = 2/70: the interval is the smallest and largest
  // of the 16 pairwise ratios.
  const double base[] = {1.0, 1.1, 1.2, 1.3}, head[] = {2.0, 2.2, 2.4, 2.6};
  const auto r = ratio_of(base, head);
  ASSERT_TRUE(r.ci);
  EXPECT_NEAR(r.ci->low, 2.0 / 1.3, 1e-12);
  EXPECT_NEAR(r.ci->high, 2.6 / 1.0, 1e-12);
  EXPECT_NEAR(r.ratio, 2.0, 1e-12);  // every sample doubled: the median pairwise ratio is 2
  // 3 + 3 cannot reach 95 % (P(U = 0) = 1/20 > 0.025).
  const double three[] = {1, 2, 3};
  EXPECT_FALSE(ratio_of(three, three).ci);
  // The exact and the normal-approximation paths agree near their border (50 x 50 vs 51 x 51).
  std::vector<double> a, b;
  for (int i = 0; i < 51; ++i) a.push_back(1 + 0.01 * i), b.push_back(1.1 + 0.01 * ((i * 17) % 51));
  const auto big = ratio_of(a, b);
  a.pop_back(), b.pop_back();
  const auto exact = ratio_of(a, b);
  ASSERT_TRUE(big.ci && exact.ci);
  EXPECT_NEAR(big.ci->low, exact.ci->low, 0.01);
  EXPECT_NEAR(big.ci->high, exact.ci->high, 0.01);
}

// One simulated gate: `runs` processes per side; each process's median carries a between-process
// effect (log-normal, sd `drift`) and within-process noise (sd `jitter`, over 5 repetitions).
compare_input simulated_run(std::mt19937_64& rng, double factor, double drift, double jitter, const std::string& file) {
  std::normal_distribution<double> between(0, drift), within(0, jitter);
  compare_input in;
  in.file = file;
  in.format = "xpubench";
  compare_input::series s{"cpu0/gemm/fp32/sim/onednn", "ok", "", {}, {}, 1e9};
  const double process = std::exp(between(rng));
  for (int i = 0; i < 5; ++i) s.time_s.push_back(1e-3 * factor * process * std::exp(within(rng)));
  in.rows.push_back(s);
  return in;
}

verdict simulated_gate(std::mt19937_64& rng, double factor, double drift, int runs) {
  std::vector<compare_input> base, head;
  for (int r = 0; r < runs; ++r) {
    base.push_back(simulated_run(rng, 1.0, drift, 0.02, "base"));
    head.push_back(simulated_run(rng, factor, drift, 0.02, "head"));
  }
  auto c = compare_runs(base, head, {});
  EXPECT_TRUE(c);
  EXPECT_EQ(c->samples, "processes");
  return c->rows.at(0).outcome;
}

TEST(compare_runs, simulated_gates_with_drift_between_processes) {
  // 3 % drift between processes: a within-process test would call most of these A-A gates
  // regressions; with each process one sample the gate must not.
  std::mt19937_64 rng(7);
  int false_alarms = 0, detected = 0, three_called_slower = 0;
  for (int g = 0; g < 1000; ++g) false_alarms += simulated_gate(rng, 1.0, 0.03, 6) == verdict::slower;
  for (int g = 0; g < 200; ++g) three_called_slower += simulated_gate(rng, 1.03, 0.03, 6) == verdict::slower;
  for (int g = 0; g < 200; ++g) detected += simulated_gate(rng, 1.10, 0.02, 8) == verdict::slower;
  EXPECT_LE(false_alarms, 10) << "of 1000 A-A gates";
  EXPECT_LE(three_called_slower, 2) << "of 200 gates with a 3 % change";
  EXPECT_GE(detected, 180) << "of 200 gates with a 10 % slowdown";
}

TEST(compare_runs, several_runs_per_side_use_one_sample_per_run) {
  std::vector<compare_input> base, head;
  for (double f : {1.0, 1.01, 0.99, 1.02, 0.98, 1.0}) base.push_back(input("b", f)), head.push_back(input("h", f * 1.2));
  auto c = compare_runs(base, head, {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->samples, "processes");
  EXPECT_EQ(c->rows[0].base_samples, 6);
  EXPECT_EQ(c->rows[0].outcome, verdict::slower);
  ASSERT_TRUE(c->rows[0].ci_low);
  EXPECT_GT(*c->rows[0].ci_low, 0.05);
  ASSERT_TRUE(c->noise_floor);
  EXPECT_GT(*c->noise_floor, 0.005);
  EXPECT_LT(*c->noise_floor, 0.03);
  // Within the threshold but with a spread of 10 % between processes: uncertain, never same.
  base.clear(), head.clear();
  for (double f : {1.0, 1.1, 0.9, 1.2, 0.85, 1.0}) base.push_back(input("b", f)), head.push_back(input("h", f));
  c = compare_runs(base, head, {});
  EXPECT_EQ(c->rows[0].outcome, verdict::uncertain);
  EXPECT_TRUE(c->rows[0].noisy);
  EXPECT_FALSE(c->regression);
}

TEST(compare_runs, lost_work_in_head_fails_the_gate_unless_allowed) {
  compare_options strict, lenient;
  lenient.allow_missing = true;
  compare_input base = input("base", 1.0), head = input("head", 1.0);
  head.rows.pop_back();  // a row that base ran is missing
  EXPECT_TRUE(compare_runs(base, head, strict)->regression);
  EXPECT_FALSE(compare_runs(base, head, lenient)->regression);
  head = input("head", 1.0);
  head.rows[0].state = "skipped";  // ran in base, not in head
  head.rows[0].time_s.clear();
  auto c = compare_runs(base, head, strict);
  EXPECT_EQ(c->rows[0].outcome, verdict::not_run);
  EXPECT_TRUE(c->regression);
  EXPECT_FALSE(compare_runs(base, head, lenient)->regression);
  // Unsupported on both sides is no loss.
  base.rows[0].state = "unsupported";
  EXPECT_FALSE(compare_runs(base, head, strict)->regression);
  // A head run that did not finish fails the gate, whatever its rows say.
  head = input("head", 1.0);
  head.finished = false;
  head.unfinished_reason = "interrupted by SIGTERM";
  c = compare_runs(input("base", 1.0), head, strict);
  EXPECT_TRUE(c->regression);
  ASSERT_EQ(c->problems.size(), 1u);
  EXPECT_NE(c->problems[0].find("SIGTERM"), std::string::npos);
  EXPECT_FALSE(compare_runs(input("base", 1.0), head, lenient)->regression);
}

TEST(compare_input_read, interrupted_and_unfinished_runs_are_not_finished) {
  run r;
  r.context.interrupted = true;
  r.context.interrupted_by = "SIGINT";
  auto in = compare_input_read(run_to_json(r), "i.json");
  ASSERT_TRUE(in);
  EXPECT_FALSE(in->finished);
  r.context.interrupted = false;
  r.context.finished = true;
  in = compare_input_read(run_to_json(r), "f.json");
  EXPECT_TRUE(in->finished);
}

TEST(signed_rank, exact_distribution_and_paired_interval) {
  // n = 6: only the empty subset sums to 0: P(T <= 0) = 1/64. n = 8: sums 0..3 come from
  // {}, {1}, {2}, {3}, {1,2}: P(T <= 3) = 5/256.
  EXPECT_NEAR(signed_rank_cdf(6)[0], 1.0 / 64, 1e-12);
  EXPECT_NEAR(signed_rank_cdf(8)[3], 5.0 / 256, 1e-12);
  EXPECT_NEAR(signed_rank_cdf(8).back(), 1.0, 1e-12);
  // Six pairs at 95 %: the interval runs from the smallest to the largest round ratio.
  const double base[] = {1, 2, 3, 4, 5, 6}, head[] = {1.1, 2.3, 3.15, 4.4, 5.4, 6.9};
  const auto r = paired_ratio_of(base, head);
  ASSERT_TRUE(r.ci);
  EXPECT_NEAR(r.ci->low, 1.05, 1e-12);
  EXPECT_NEAR(r.ci->high, 1.15, 1e-12);
  EXPECT_GT(r.ratio, 1.05);
  EXPECT_LT(r.ratio, 1.15);
  EXPECT_FALSE(paired_ratio_of(std::span(base, 5), std::span(head, 5)).ci);  // 5 pairs: P(T = 0) = 1/32 > 0.025
}

// A gate whose rounds drift together (a host whose load changes from minute to minute): a round
// effect of sd `drift` common to both processes of the round, and per-process noise of sd `noise`.
comparison paired_gate(std::mt19937_64& rng, double factor, double drift, double noise, int rounds, bool paired) {
  const auto [base, head] = test::simulated_rounds(rng, factor, drift, noise, rounds);
  compare_options o;
  o.paired = paired;
  auto c = compare_runs(base, head, o);
  EXPECT_TRUE(c);
  return *c;
}

TEST(compare_runs, pairing_rounds_cancels_drift_common_to_a_round) {
  std::mt19937_64 rng(11);
  int false_alarms = 0, detected = 0, detected_unpaired = 0, three_slower = 0;
  for (int g = 0; g < 1000; ++g) false_alarms += paired_gate(rng, 1.0, 0.05, 0.015, 8, true).rows[0].outcome == verdict::slower;
  for (int g = 0; g < 200; ++g) {
    detected += paired_gate(rng, 1.10, 0.05, 0.015, 8, true).rows[0].outcome == verdict::slower;
    detected_unpaired += paired_gate(rng, 1.10, 0.05, 0.015, 8, false).rows[0].outcome == verdict::slower;
    three_slower += paired_gate(rng, 1.03, 0.05, 0.015, 8, true).rows[0].outcome == verdict::slower;
  }
  EXPECT_LE(false_alarms, 10) << "of 1000 paired A-A gates";
  EXPECT_GE(detected, 180) << "of 200 paired gates with a 10 % slowdown";
  EXPECT_LE(three_slower, 2) << "of 200 paired gates with a 3 % change";
  EXPECT_LT(detected_unpaired, detected) << "pairing must add power under common drift";
  const auto c = paired_gate(rng, 1.0, 0.05, 0.015, 8, true);
  EXPECT_EQ(c.samples, "paired processes");
  ASSERT_TRUE(c.noise_floor);
  EXPECT_LT(*c.noise_floor, 0.04);  // the per-process noise, not the 5 % drift
}

TEST(compare_input_read, wrong_types_units_and_values_are_bad_input_not_aborts) {
  auto gb = [](const char* text) { return compare_input_read(nlohmann::json::parse(text), "gb.json"); };
  auto r = gb(R"({"benchmarks": [{"name": 7, "real_time": 1}]})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'name' is a number"), std::string::npos) << r.error().message;
  r = gb(R"({"benchmarks": [{"name": "x", "run_type": 3, "real_time": 1}]})");
  EXPECT_FALSE(r);
  r = gb(R"({"benchmarks": [{"name": "x", "real_time": 1, "time_unit": "fortnights"}]})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown time_unit 'fortnights'"), std::string::npos) << r.error().message;
  r = gb(R"({"benchmarks": [{"name": "x", "real_time": -5, "time_unit": "ns"}]})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a positive"), std::string::npos) << r.error().message;
  EXPECT_FALSE(gb(R"({"benchmarks": [{"name": "x", "real_time": 0}]})"));
  EXPECT_FALSE(gb(R"({"benchmarks": [{"name": "x", "error_occurred": "yes"}]})"));
  EXPECT_TRUE(gb(R"({"context": 5, "benchmarks": [{"name": "x", "real_time": 2, "time_unit": "s"}]})"));  // no usable context: fine
  // xpubench runs: a name twice, a negative time, a schema_version that wraps a 32-bit int.
  run twice;
  measurement m;
  m.name = "cpu0/x";
  m.samples_s = {1e-3, 1e-3};
  twice.measurements = {m, m};
  auto x = compare_input_read(run_to_json(twice), "twice.json");
  ASSERT_FALSE(x);
  EXPECT_NE(x.error().message.find("appears twice"), std::string::npos) << x.error().message;
  m.samples_s = {1e-3, -1e-3};
  twice.measurements = {m};
  EXPECT_FALSE(compare_input_read(run_to_json(twice), "negative.json"));
  auto doc = run_to_json(run{});
  doc["schema_version"] = 4294967297ull;
  x = compare_input_read(doc, "wrap.json");
  ASSERT_FALSE(x);
  EXPECT_NE(x.error().message.find("4294967297"), std::string::npos) << x.error().message;
}

// Runs `work` on a thread; fails the test and ends the process if it has not finished after
// `limit` (a generous bound: the linear algorithm takes 3 s in the release build; the quadratic ones
// this guards against took minutes).
template <class F>
void finishes_within(std::chrono::seconds limit, F work, const char* what) {
  auto done = std::async(std::launch::async, std::move(work));
  if (done.wait_for(limit) == std::future_status::ready) return done.get();
  ADD_FAILURE() << what << " did not finish in " << limit.count() << " s: a search per element again?";
  std::fflush(stdout);
  std::_Exit(1);  // the thread cannot be stopped; the process can
}

// A 200000-row Google Benchmark file pair (26 MB each, a normal CI artifact) is read and compared
// in O(n log n): the rows were searched per name in every run, and the depth-bounded JSON parse
// searched each enclosing array per object (neither finished in 100 s).
TEST(compare_runs, two_hundred_thousand_rows_are_read_and_compared) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("xpu_compare_scale_{}", ::getpid());
  std::filesystem::create_directories(dir);
#ifdef __SANITIZE_ADDRESS__
  const std::size_t n = 20000;  // the sanitizer build is unoptimised and ~50x slower: correctness here, the bound in release
#else
  const std::size_t n = 200000;
#endif
  for (const char* side : {"a", "b"}) {
    std::string text = "{\"context\": {\"num_cpus\": 2}, \"benchmarks\": [";
    for (std::size_t i = 0; i < n; ++i)
      text += fmt::format("{}{{\"name\": \"BM_x/{}\", \"run_type\": \"iteration\", \"real_time\": {}, \"time_unit\": \"ns\"}}", i ? ", " : "", i,
                          100 + i % 7 + (side[0] == 'b' ? 1 : 0));
    std::ofstream(dir / fmt::format("{}.json", side)) << text << "]}";
  }
  finishes_within(std::chrono::seconds(120), [&] {
    auto loaded = compare_inputs_load({(dir / "a.json").string()});
    auto head = compare_inputs_load({(dir / "b.json").string()});
    ASSERT_TRUE(loaded && head);
    ASSERT_EQ(loaded->front().rows.size(), n);
    const auto c = compare_runs(*loaded, *head, {});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->rows.size(), n);
    EXPECT_EQ(c->rows.back().name, fmt::format("BM_x/{}", n - 1));  // in the files' order
  }, "comparing 200000 rows");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xpu
