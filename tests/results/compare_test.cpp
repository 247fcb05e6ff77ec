// The regression gate: Mann-Whitney U on hand-computed cases, verdicts, machine checks, inputs.
#include <gtest/gtest.h>

#include "results/compare.hpp"
#include "results/run_json.hpp"

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
  EXPECT_NE(c.error().message.find("CPU model: 'Xeon' vs 'EPYC'"), std::string::npos) << c.error().message;
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

}  // namespace
}  // namespace xpu
