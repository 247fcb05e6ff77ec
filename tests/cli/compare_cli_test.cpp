// `xpubench compare` end to end on real runs: itself, an injected slowdown, bad files.
#include <gtest/gtest.h>

#include <fstream>

#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

test::command_result xpubench(std::vector<std::string> args) {
  args.insert(args.begin(), test::xpubench_binary());
  return test::run(args, {{"NO_COLOR", "1"}});
}

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
}

}  // namespace
}  // namespace xpu
