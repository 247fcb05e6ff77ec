// The README's main job (xpubench with no command): its own executable, so that CTest can start it
// first (it is most of the test time).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

// The README's main job: the probe report, then the quick suite on every device (about 2 minutes on a 2-core VM).
// Standard output and error go to one pipe, as in a CI log: the probe report comes whole before the
// first progress line (it was buffered and landed in the middle of them). The run's JSON and HTML
// report are kept in a results folder named after the host and the time, and their paths printed.
TEST(main_job, no_command_runs_the_probe_and_the_quick_suite) {
  test::temp_dir results;
  const auto r = test::run({"/bin/sh", "-c", "exec \"$0\" 2>&1", test::xpubench_binary()}, {{"NO_COLOR", "1"}, {"XPUBENCH_RESULTS", results.path().string()}});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<std::filesystem::path> kept;
  for (const auto& e : std::filesystem::directory_iterator(results.path())) kept.push_back(e.path());
  ASSERT_EQ(kept.size(), 1u);
  const std::string folder = kept[0].filename().string();
  EXPECT_NE(r.out.find("Results kept in " + kept[0].string() + "/"), std::string::npos) << r.out;
  const auto run = run_file_load((kept[0] / "run.json").string());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->context.finished);
  EXPECT_TRUE(std::regex_match(folder, std::regex(R"([A-Za-z0-9._-]+-2\d{7}-\d{6})"))) << folder;  // the host, then the date
  const std::string& host = run->context.machine.host.hostname;
  if (std::regex_match(host, std::regex("[A-Za-z0-9_-][A-Za-z0-9._-]*"))) {
    EXPECT_EQ(folder.rfind(host + "-", 0), 0u) << folder;  // a plain host name is kept as it is
  }
  std::ifstream in(kept[0] / "report.html");
  const std::string html{std::istreambuf_iterator<char>(in), {}};
  EXPECT_NE(html.find("<svg class=\"roofline chart\""), std::string::npos);
  EXPECT_NE(html.find("gemm/fp32/m1024n1024k1024"), std::string::npos);
  const auto sensors = r.out.find("Power sensors"), first_progress = r.out.find("[1/");
  ASSERT_NE(first_progress, std::string::npos) << r.out;
  EXPECT_LT(sensors, first_progress) << r.out;
  EXPECT_NE(r.out.find("CPU "), std::string::npos);
  EXPECT_NE(r.out.find("Power sensors"), std::string::npos);
  EXPECT_NE(r.out.find("gemm/fp32/m1024n1024k1024"), std::string::npos);
  EXPECT_NE(r.out.find(" 0 invalid"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\033'), std::string::npos);  // not a terminal: no colour
}

}  // namespace
}  // namespace xpu
