// The README's main job (xpubench with no command): its own executable, so that CTest can start it
// first (it is most of the test time).
#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

// The README's main job: the probe report, then the quick suite on every device (about 2 minutes on a 2-core VM).
// Standard output and error go to one pipe, as in a CI log: the probe report comes whole before the
// first progress line (it was buffered and landed in the middle of them).
TEST(main_job, no_command_runs_the_probe_and_the_quick_suite) {
  const auto r = test::run({"/bin/sh", "-c", "exec \"$0\" 2>&1", test::xpubench_binary()}, {{"NO_COLOR", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.out;
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
