// `xpubench compare` end to end on real runs: itself, an injected slowdown, bad files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

using test::xpubench;

class compare_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto suite = dir.write("s.toml", "repetitions = 6\nmin_time_s = 0.002\n[[gemm]]\nshapes = [{ m = 32, n = 32, k = 32 }]\n");
    base = (dir.path() / "base.json").string();
    const auto r = xpubench({"run", "--suite", suite.string(), "--json", base, "--device", "cpu0"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Keep each real median but give the repetitions a fixed 1 % spread: the tests must not depend
    // on how busy the machine was (ctest runs tests side by side).
    std::ifstream in(base);
    auto doc = nlohmann::json::parse(in);
    in.close();
    for (auto& m : doc["measurements"]) {
      const double median = m["time_s"]["median"].get<double>();
      for (std::size_t i = 0; i < m["samples_s"].size(); ++i) m["samples_s"][i] = median * (1.0 + 0.002 * static_cast<double>(i % 5));
    }
    std::ofstream(base) << doc.dump();
  }
  // A copy of base with the first benchmark's repetitions multiplied by factor.
  std::string scaled(double factor, const std::string& name) {
    std::ifstream in(base);
    auto doc = nlohmann::json::parse(in);
    for (auto& s : doc["measurements"][0]["samples_s"]) s = s.get<double>() * factor;
    const auto path = dir.path() / name;
    std::ofstream(path) << doc.dump();
    return path.string();
  }
  test::temp_dir dir;
  std::string base;
};

TEST_F(compare_cli, a_run_against_itself_exits_0) {
  const auto r = xpubench({"compare", base, base});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no regression"), std::string::npos);
}

TEST_F(compare_cli, a_20_percent_slowdown_exits_1_and_a_2_percent_one_passes) {
  auto r = xpubench({"compare", base, scaled(1.2, "slow.json")});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("slower"), std::string::npos);
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos);
  r = xpubench({"compare", base, scaled(1.02, "bit-slow.json")});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = xpubench({"compare", base, scaled(1.2, "slow.json"), "--format", "md"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("| benchmark | base | head |"), std::string::npos) << r.out;
  r = xpubench({"compare", base, scaled(1.2, "slow.json"), "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["regression"], true);
}

TEST_F(compare_cli, malformed_truncated_and_wrong_version_exit_2) {
  const auto truncated = dir.write("cut.json", "{\"schema_version\": 1, \"kind\": \"xpubench.run\", \"context\": {");
  auto r = xpubench({"compare", base, truncated.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cut.json"), std::string::npos) << r.err;
  const auto wrong = dir.write("v9.json", "{\"schema_version\": 9, \"kind\": \"xpubench.run\"}");
  r = xpubench({"compare", wrong.string(), base});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("schema_version 9"), std::string::npos) << r.err;
  const auto other = dir.write("list.json", "[1, 2, 3]");
  EXPECT_EQ(xpubench({"compare", base, other.string()}).exit_code, 2);
  EXPECT_EQ(xpubench({"compare", base, "/nonexistent.json"}).exit_code, 2);
  EXPECT_EQ(xpubench({"compare", base}).exit_code, 2);
  // A directory, and a number JSON cannot hold in a double: exit 2 with the file named, not an abort.
  r = xpubench({"compare", base, dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  const auto huge = dir.write("huge.json", "{\"benchmarks\": [{\"name\": \"x\", \"real_time\": 1e999}]}");
  r = xpubench({"compare", base, huge.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("huge.json"), std::string::npos) << r.err;
  // A Google Benchmark file whose context nests 100000 deep (it overflowed the stack): refused.
  const auto deep = dir.write("deep.json", "{\"context\": " + std::string(100000, '[') + std::string(100000, ']') +
                                               ", \"benchmarks\": [{\"name\": \"x\", \"real_time\": 1, \"time_unit\": \"ns\"}]}");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"compare", base, deep.string()},
                                               std::vector<std::string>{"report", base, "--base", deep.string(), "-o", "-"}}) {
    r = xpubench(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("deep.json: JSON nested deeper than 256 levels"), std::string::npos) << r.err;
  }
}

TEST_F(compare_cli, several_runs_per_side_after_a_double_dash) {
  const std::string slow = scaled(1.2, "slow.json"), slow2 = scaled(1.21, "slow2.json"), slow3 = scaled(1.19, "slow3.json"),
                    slow4 = scaled(1.2, "slow4.json");
  auto r = xpubench({"compare", base, base, base, base, "--", slow, slow2, slow3, slow4, "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["samples"], "processes");
  EXPECT_EQ(doc["head_files"].size(), 4u);
  EXPECT_EQ(doc["rows"][0]["verdict"], "slower");
  // --paired needs as many runs on each side.
  r = xpubench({"compare", base, base, "--", slow, "--paired"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--paired needs as many"), std::string::npos) << r.err;
}

TEST_F(compare_cli, ab_runs_both_builds_in_rounds_and_catches_a_real_slowdown) {
  // One thread per process and a launch of a fraction of a millisecond: ctest runs other tests beside
  // this one, and OpenMP threads that wait on a busy core turn microsecond kernels into milliseconds.
  const auto suite = dir.write("ab.toml",
                               "repetitions = 5\nmin_time_s = 0.01\n[[gemm]]\nprecisions = [\"fp32\"]\nshapes = [{ m = 96, n = 96, k = 96 }]\n");
  const std::string exe = test::xpubench_binary();
  const std::string json = (dir.path() / "ab.json").string();
  // The head processes spin for as long as each launch took, inside the timed region: a real 2x
  // slowdown of one benchmark, far above any drift.
  // Only the slowed row (--filter): with an untouched row beside it the first look could leave that
  // one uncertain on a machine ctest keeps busy, and the gate would run on.
  auto r = xpubench({"ab", "--base", exe, "--head", exe, "--suite", suite.string(), "--device", "cpu0", "--threads", "1", "--rounds", "8",
                     "--filter", "onednn", "--json", json, "--inject-slowdown-head", "gemm/fp32/m96n96k96/onednn$=1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::ifstream in(json);
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["samples"], "paired processes");
  EXPECT_EQ(doc["ab"]["rounds"], 8);
  // Looks after 6 and 8 rounds. A 2x slowdown is usually settled at the first look, but under
  // ctest's load a round's spread can pass the threshold (the row is then uncertain at 6): either
  // way the gate says where it stopped and compared the rounds it ran.
  EXPECT_EQ(doc["ab"]["looks"], (std::vector<int>{6, 8}));
  const int rounds_run = doc["ab"]["rounds_run"].get<int>();
  EXPECT_TRUE(rounds_run == 6 || rounds_run == 8) << doc["ab"].dump();
  EXPECT_EQ(doc["base_files"].size(), static_cast<std::size_t>(rounds_run));
  EXPECT_NE(r.out.find(rounds_run == 6 ? "stopped after 6 of 8 rounds: every verdict was settled" : "ran all 8 rounds"), std::string::npos)
      << r.out;
  bool seen = false;
  for (const auto& row : doc["rows"]) {
    if (row["name"] != "cpu0/gemm/fp32/m96n96k96/onednn") continue;
    seen = true;
    EXPECT_EQ(row["verdict"], "slower") << row.dump();
    EXPECT_GT(row["ci"][0].get<double>(), 0.05) << row.dump();
  }
  EXPECT_TRUE(seen);
  // The head runs record the injection on the row.
  std::ifstream head_run(dir.path() / "ab.json.runs" / "head-0.json");
  const auto run = nlohmann::json::parse(head_run);
  EXPECT_TRUE(run["context"]["xpubench"]["finished"].get<bool>());
  for (const auto& m : run["measurements"])
    EXPECT_DOUBLE_EQ(m["injected_slowdown"].get<double>(), m["name"] == "cpu0/gemm/fp32/m96n96k96/onednn" ? 1.0 : 0.0);
  // Too few rounds for any interval: bad usage.
  EXPECT_EQ(xpubench({"ab", "--base", exe, "--head", exe, "--rounds", "3"}).exit_code, 2);
}

// --every-round looks once, after the last round; a round that other processes disturbed is run
// again while the budget lasts, then counted, and the gate says which (the disturbance injected:
// a real one cannot be ordered up in a test).
TEST_F(compare_cli, ab_runs_disturbed_rounds_again_within_the_budget) {
  const auto suite = dir.write("ab.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n");
  const std::string exe = test::xpubench_binary();
  const std::string json = (dir.path() / "ab.json").string();
  const auto r = xpubench({"ab", "--base", exe, "--head", exe, "--suite", suite.string(), "--device", "cpu0", "--rounds", "2", "--alpha", "0.2",
                           "--every-round", "--inject-disturbed-rounds", "2", "--busy-retries", "1", "--threads", "1", "--json", json});
  EXPECT_NE(r.exit_code, 2) << r.err;
  std::ifstream in(json);
  const auto doc = nlohmann::json::parse(in);
  const auto& ab = doc["ab"];
  EXPECT_EQ(ab["looks"], (std::vector<int>{2}));
  EXPECT_EQ(ab["rounds_run"], 2);
  EXPECT_EQ(ab["rounds_run_again"], 1);
  EXPECT_GE(ab["busy_rounds_counted"], 1);  // 2 when ctest's load really disturbed the last round
  ASSERT_EQ(ab["attempts"].size(), 3u);
  EXPECT_TRUE(ab["attempts"][0].contains("discarded"));
  EXPECT_TRUE(ab["attempts"][1].contains("busy"));
  EXPECT_EQ(ab["attempts"][1]["round"], 1);  // the re-run is round 1 again
  EXPECT_EQ(doc["base_files"].size(), 2u);
  EXPECT_NE(r.err.find("round 1 run again: injected"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("1 round(s) run again because other processes disturbed them (budget 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("disturbed round(s) counted, the budget of 1 re-runs being spent"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fixed design: one look after the last round"), std::string::npos) << r.out;
  EXPECT_EQ(xpubench({"ab", "--base", exe, "--head", exe, "--busy-retries", "-1"}).exit_code, 2);
}

// A head that hangs or crashes costs its rounds under the same watchdog as run's workers: stopped
// past --timeout, reported with what happened, never waited for forever (issue 28).
TEST_F(compare_cli, ab_stops_a_process_that_hangs_and_reports_one_that_crashes) {
  const auto suite = dir.write("ab.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n");
  const auto script = [&](const std::string& name, const std::string& body) {
    const auto p = dir.write(name, "#!/bin/sh\n" + body + "\n");
    std::filesystem::permissions(p, std::filesystem::perms::owner_all);
    return p.string();
  };
  const std::string exe = test::xpubench_binary();
  const std::string hang = script("hang.sh", "echo started >&2\nexec sleep 1000"), crash = script("crash.sh", "echo about to crash >&2\nkill -SEGV $$");
  const auto hung = xpubench({"ab", "--base", exe, "--head", hang, "--suite", suite.string(), "--device", "cpu0", "--rounds", "2", "--alpha", "0.2",
                              "--timeout", "2", "--keep", (dir.path() / "hang").string()});
  EXPECT_EQ(hung.exit_code, 2) << hung.err;
  EXPECT_NE(hung.err.find("head round 1: ran past --timeout 2 s and was stopped: started; no run from it"), std::string::npos) << hung.err;
  EXPECT_NE(hung.err.find("no round had both a base and a head run"), std::string::npos) << hung.err;
  const auto crashed = xpubench({"ab", "--base", exe, "--head", crash, "--suite", suite.string(), "--device", "cpu0", "--rounds", "2", "--alpha",
                                 "0.2", "--keep", (dir.path() / "crash").string()});
  EXPECT_EQ(crashed.exit_code, 2) << crashed.err;
  EXPECT_NE(crashed.err.find("head round 2: killed by SIGSEGV"), std::string::npos) << crashed.err;
  EXPECT_NE(crashed.err.find("about to crash"), std::string::npos) << crashed.err;
  EXPECT_EQ(xpubench({"ab", "--base", exe, "--head", exe, "--timeout", "nan"}).exit_code, 2);
}

}  // namespace
}  // namespace xpu
