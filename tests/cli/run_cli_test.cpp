// `xpubench run` end to end: listing, a small user suite written to JSON and CSV, bad input.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include "core/units.hpp"
#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

using test::xpubench;

using test::slurp;

TEST(xpubench_run, list_runs_nothing) {
  test::temp_dir results;  // no earlier run: the settings' lower bound
  const std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"XPUBENCH_RESULTS", results.path().string()}};
  const auto r = xpubench({"run", "--list", "--suite", "ci"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cpu0/gemm/fp32/m512n512k512/onednn  native"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("/openblas"), std::string::npos);  // the ci suite keeps to oneDNN and our kernels
  EXPECT_NE(r.out.find("benchmark(s) from suite 'ci', "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cpu0: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(no earlier run on this host: the repetitions alone;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(10 repetition(s) of at least 100.000 ms each)"), std::string::npos) << r.out;  // the ci suite's, fixed
  const auto adaptive = xpubench({"run", "--list", "--suite", "ci", "--sampling", "adaptive"}, env);
  EXPECT_NE(adaptive.out.find("(adaptive: 10 to 50 repetition(s) of at least 100.000 ms, up to 3.000 s each)"), std::string::npos) << adaptive.out;
  const auto fixed = xpubench({"run", "--list", "--suite", "ci", "-r", "3"}, env);
  EXPECT_NE(fixed.out.find("(3 repetition(s) of at least 100.000 ms each)"), std::string::npos) << fixed.out;
}

// An earlier run on this host in the results folder: --list says what each benchmark took then.
TEST(xpubench_run, list_estimates_from_an_earlier_run) {
  test::temp_dir results;
  const std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"XPUBENCH_RESULTS", results.path().string()}};
  const auto suite = results.write("tiny.toml", "min_time_s = 0.001\n[[latency]]\n");
  const auto ran = xpubench({"run", "--suite", suite.string(), "--device", "cpu0", "--json", (results.path() / "earlier.json").string(), "-q"}, env);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  auto earlier = run_file_load((results.path() / "earlier.json").string());
  ASSERT_TRUE(earlier && earlier->measurements.size() == 1u);
  const double took = earlier->measurements[0].wall_s;
  EXPECT_GT(took, 0);
  const auto r = xpubench({"run", "--list", "--suite", suite.string(), "--device", "cpu0"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(fmt::format("cpu0: 1 benchmark(s), about {} (each as long as it took in an earlier run on this host)", format_seconds(took))),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("earlier times from "), std::string::npos) << r.out;
}

TEST(xpubench_run, small_suite_writes_json_and_csv) {
  test::temp_dir dir;
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[gemm]]\nshapes = [{ m = 16, n = 16, k = 16 }]\n[[latency]]\n");
  const auto json = dir.path() / "out.json", csv = dir.path() / "out.csv";
  const auto r = xpubench({"run", "--suite", suite.string(), "--json", json.string(), "--csv", csv.string(), "--device", "cpu0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto parsed = run_from_json(nlohmann::json::parse(slurp(json)), json.string());
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->measurements.size(), 3u);  // latency, gemm onednn, gemm openblas
  // Adaptive (the default): the file's 2 repetitions raised to the 6 the median's interval needs,
  // then more until it converges, the budget is spent or the cap reached; each row says which.
  EXPECT_EQ(parsed->context.sampling, "adaptive");
  EXPECT_EQ(parsed->context.repetitions, 6);
  EXPECT_EQ(parsed->context.max_repetitions, 30);
  EXPECT_DOUBLE_EQ(parsed->context.budget_s, 0.25);
  for (const auto& m : parsed->measurements) {
    EXPECT_EQ(m.state, status::ok) << m.name << ": " << m.reason;
    EXPECT_GE(m.samples_s.size(), 6u);
    EXPECT_LE(m.samples_s.size(), 30u);
    EXPECT_TRUE(m.median_uncertainty);
    EXPECT_TRUE(m.stopped_by == "converged" || m.stopped_by == "budget" || m.stopped_by == "max_repetitions") << m.stopped_by;
    EXPECT_EQ(m.noisy, m.stopped_by != "converged") << m.name;
  }
  EXPECT_TRUE(parsed->context.measured_clock_hz);
  EXPECT_NE(parsed->context.host_pages.find("pages"), std::string::npos) << parsed->context.host_pages;  // huge or 4 KiB, and why
  EXPECT_EQ(parsed->context.suite, suite.string());
  const std::string text = slurp(csv);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_NE(r.out.find("3 measurements: 3 ok"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[3/3"), std::string::npos) << r.err;  // progress on stderr
}

// --repetitions means exactly that many (fixed sampling), unless --sampling adaptive makes it the minimum.
TEST(xpubench_run, repetitions_fix_the_count_and_sampling_chooses) {
  test::temp_dir dir;
  const auto suite = dir.write("tiny.toml", "min_time_s = 0.001\n[[latency]]\n");
  const auto rows = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"run", "--suite", suite.string(), "--device", "cpu0", "--in-process", "--format", "json", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = xpubench(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto parsed = run_from_json(nlohmann::json::parse(r.out), "stdout");
    EXPECT_TRUE(parsed && parsed->measurements.size() == 1u);
    return parsed ? *parsed : xpu::run{};
  };
  auto fixed = rows({"-r", "3"});
  EXPECT_EQ(fixed.context.sampling, "fixed");
  EXPECT_EQ(fixed.measurements.at(0).samples_s.size(), 3u);
  EXPECT_EQ(fixed.measurements.at(0).stopped_by, "fixed");
  auto capped = rows({"-r", "7", "--sampling", "adaptive", "--max-repetitions", "7"});
  EXPECT_EQ(capped.context.sampling, "adaptive");
  EXPECT_EQ(capped.measurements.at(0).samples_s.size(), 7u);  // the minimum is the cap
  // In worker processes (the options travel to them): an unreachable target stops at the cap, or
  // at the budget; --max-repetitions alone means adaptive sampling.
  const auto isolated = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"run", "--suite", suite.string(), "--device", "cpu0", "--format", "json", "--quiet", "--noisy-threshold", "1e-6"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = xpubench(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto parsed = run_from_json(nlohmann::json::parse(r.out), "stdout");
    EXPECT_TRUE(parsed && parsed->measurements.size() == 1u);
    return parsed ? parsed->measurements.at(0) : measurement{};
  };
  const measurement at_cap = isolated({"--max-repetitions", "8", "--budget", "1000"});
  EXPECT_EQ(at_cap.samples_s.size(), 8u);
  EXPECT_EQ(at_cap.stopped_by, "max_repetitions");
  EXPECT_TRUE(at_cap.noisy);
  const measurement at_budget = isolated({"--budget", "0.001", "--max-repetitions", "1000"});
  EXPECT_EQ(at_budget.samples_s.size(), 6u);  // the minimum the interval needs, then the budget is spent
  EXPECT_EQ(at_budget.stopped_by, "budget");
  const auto refused = xpubench({"run", "--suite", suite.string(), "--sampling", "fixed", "--budget", "1"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--sampling fixed takes exactly --repetitions"), std::string::npos) << refused.err;
  auto suite_fixed = rows({"--sampling", "fixed"});
  EXPECT_EQ(suite_fixed.measurements.at(0).samples_s.size(), 5u);  // a suite's default count
  const auto bad = xpubench({"run", "--suite", suite.string(), "--sampling", "sometimes"});
  EXPECT_EQ(bad.exit_code, 2);
}

// --format json / md to standard output, --quiet, --html; bad combinations are refused before measuring.
TEST(xpubench_run, formats_to_stdout_quiet_and_html) {
  test::temp_dir dir;
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[gemm]]\nshapes = [{ m = 16, n = 16, k = 16 }]\n");
  const std::vector<std::string> base{"run", "--suite", suite.string(), "--device", "cpu0", "--in-process"};
  const auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return xpubench(args);
  };
  const auto json = with({"--format", "json", "--quiet"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto parsed = run_from_json(nlohmann::json::parse(json.out), "stdout");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->measurements.size(), 2u);
  EXPECT_EQ(json.err, "") << json.err;  // quiet: no progress, no report
  const auto html = dir.path() / "r.html";
  const auto md = with({"--format", "md", "--html", html.string()});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_EQ(md.out.rfind("# xpubench report\n", 0), 0u) << md.out;
  EXPECT_NE(md.out.find("| gemm/fp32/m16n16k16 | FLOP/s |"), std::string::npos) << md.out;
  EXPECT_NE(md.err.find("[2/2"), std::string::npos) << md.err;  // progress stays on stderr
  const std::string page = slurp(html);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("data-name=\"cpu0/gemm/fp32/m16n16k16/onednn\""), std::string::npos);
  const auto clash = with({"--format", "json", "--json", (dir.path() / "x.json").string()});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_NE(clash.err.find("use one"), std::string::npos) << clash.err;
  const auto both = with({"--format", "md", "--html", "-"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("must name files"), std::string::npos) << both.err;
}

// `xpubench report`: bad input exits 2 with the file named; md and text render.
TEST(xpubench_report, renders_runs_and_refuses_what_is_not_one) {
  test::temp_dir dir;
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[gemm]]\nshapes = [{ m = 16, n = 16, k = 16 }]\n");
  const auto json = dir.path() / "a.json";
  ASSERT_EQ(xpubench({"run", "--suite", suite.string(), "--device", "cpu0", "--in-process", "--quiet", "--json", json.string()}).exit_code, 0);
  const auto md = xpubench({"report", json.string(), json.string(), "--format", "md"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| workload | unit | run 1 cpu0 | run 2 cpu0 |"), std::string::npos) << md.out;  // one host, two runs
  const auto text = xpubench({"report", json.string(), "-o", (dir.path() / "r.txt").string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(slurp(dir.path() / "r.txt").find("Devices side by side\n===="), std::string::npos);  // the format from the extension
  const auto bad = dir.write("bad.json", "{\"not\": \"a run\"}");
  const auto refused = xpubench({"report", bad.string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find(bad.string()), std::string::npos) << refused.err;
  const auto missing = xpubench({"report", json.string(), "--base", (dir.path() / "none.json").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--base"), std::string::npos) << missing.err;
}

TEST(xpubench_run, a_missing_comparator_library_is_a_row_with_the_reason) {
  test::temp_dir dir;
  const auto suite = dir.write("g.toml", "repetitions = 2\nmin_time_s = 0.001\n[[gemm]]\nshapes = [{ m = 16, n = 16, k = 16 }]\n");
  const auto json = dir.path() / "out.json";
  // Tuned on 64^3 GEMMs (the default 1024^3 takes half a minute on PoCL): a per-backend key=value option.
  auto r = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "opencl0", "--json", json.string(),
                      "--backend-option", "opencl.tuning_size=64"},
                     {{"XPUBENCH_CLBLAST_LIBRARY", "/nonexistent/libclblast.so.1"}, {"NO_COLOR", "1"},
                      {"XDG_CACHE_HOME", dir.path().string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto parsed = run_from_json(nlohmann::json::parse(slurp(json)), json.string());
  ASSERT_TRUE(parsed);
  bool seen = false;
  for (const auto& m : parsed->measurements) {
    if (m.implementation != "clblast") {
      EXPECT_EQ(m.state, status::ok) << m.name;
      continue;
    }
    seen = true;
    EXPECT_EQ(m.state, status::unsupported);
    EXPECT_NE(m.reason.find("CLBlast is not installed"), std::string::npos) << m.reason;
  }
  EXPECT_TRUE(seen);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "xpubench/opencl-gemm-tuning.json"));  // tuned into $XDG_CACHE_HOME
}

TEST(xpubench_run, bad_suite_file_exits_2_with_file_and_line) {
  test::temp_dir dir;
  const auto suite = dir.write("bad.toml", "[[gemm]]\nshapes = [{ m = 0, n = 1, k = 1 }]\n");
  const auto r = xpubench({"run", "--suite", suite.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.toml:2: 'm' must be positive"), std::string::npos) << r.err;
}

// The --kernel and --precision lists come from the operations' descriptors: every precision the
// built-in suites run is selectable (fp64 and int32 were refused although the quick suite has them).
TEST(xpubench_run, every_precision_of_an_operation_is_selectable) {
  const auto r = xpubench({"run", "--list", "--device", "cpu0", "--kernel", "peak", "--precision", "fp64,int32"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cpu0/peak/fp64"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cpu0/peak/int32"), std::string::npos) << r.out;
  const auto bad = xpubench({"run", "--list", "--precision", "fp8"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("fp32, fp16, bf16, int8, fp64, int32"), std::string::npos) << bad.err;
}

TEST(xpubench_run, bad_selections_exit_2) {
  EXPECT_EQ(xpubench({"run", "--kernel", "fft"}).exit_code, 2);
  EXPECT_EQ(xpubench({"run", "--precision", "fp65"}).exit_code, 2);
  EXPECT_EQ(xpubench({"run", "--device", "gpu7"}).exit_code, 2);
  EXPECT_EQ(xpubench({"run", "--filter", "(unclosed"}).exit_code, 2);
  EXPECT_EQ(xpubench({"run", "--repetitions", "2147483648"}).exit_code, 2);
  EXPECT_EQ(xpubench({"run", "--repetitions", "100001"}).exit_code, 2);
  EXPECT_EQ(xpubench({"run", "--min-time", "inf"}).exit_code, 2);
  EXPECT_EQ(xpubench({"run", "--min-time", "nan"}).exit_code, 2);
  const auto threads = xpubench({"run", "--threads", "100000", "--device", "cpu0"});
  EXPECT_EQ(threads.exit_code, 2);
  EXPECT_NE(threads.err.find("more than 8 per processing unit"), std::string::npos) << threads.err;
  EXPECT_EQ(xpubench({"run", "--suite", "ci", "--filter", "nothing-matches-this"}).exit_code, 2);
  const auto r = xpubench({"run", "--suite", "ci", "--json", "/nonexistent-dir/out.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent-dir/out.json"), std::string::npos);
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

// CLI11's range checks let NaN through; every floating-point option refuses NaN and infinities
// with exit 2 before any work (a `--threshold nan` gate could never fail).
TEST(xpubench_options, every_floating_point_option_refuses_nan_and_infinity) {
  const std::string suite = (test::source_dir() / "suites/builtin/ci.toml").string();
  const std::vector<std::vector<std::string>> commands = {
      {"compare", suite, suite, "--threshold"},   {"compare", suite, suite, "--alpha"},
      {"run", "--list", "--min-time"},            {"run", "--list", "--noisy-threshold"},
      {"run", "--list", "--timeout"},             {"run", "--list", "--fleet-timeout"},
      {"ab", "--base", test::xpubench_binary(), "--head", test::xpubench_binary(), "--threshold"},
      {"ab", "--base", test::xpubench_binary(), "--head", test::xpubench_binary(), "--alpha"},
      {"ab", "--base", test::xpubench_binary(), "--head", test::xpubench_binary(), "--min-time"},
      {"history", "check", "--alpha"},            {"history", "report", "--alpha"},
      {"collective", "--min-time"},
  };
  for (const auto& command : commands)
    for (const char* bad : {"nan", "NaN", "inf", "-inf", "1e999"}) {
      auto args = command;
      args.emplace_back(bad);
      const auto r = test::xpubench(args);
      EXPECT_EQ(r.exit_code, 2) << fmt::format("{}", fmt::join(args, " ")) << "\n" << r.err;
      EXPECT_NE(r.err.find("not a finite number"), std::string::npos) << fmt::format("{}", fmt::join(args, " ")) << "\n" << r.err;
    }
  const auto fine = test::xpubench({"run", "--list", "--noisy-threshold", "0.05", "--device", "cpu0", "--kernel", "latency"});
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
}

}  // namespace
}  // namespace xpu
