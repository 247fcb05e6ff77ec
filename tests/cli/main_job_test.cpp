// The README's main job (xpubench with no command): its own executable, so that CTest can start it
// first (it is most of the test time).
#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

using test::xpubench;

// The README's main job: the probe report, then the quick suite on every device (about 2 minutes on a 2-core VM).
TEST(main_job, no_command_runs_the_probe_and_the_quick_suite) {
  const auto r = xpubench({}, {{"NO_COLOR", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CPU "), std::string::npos);
  EXPECT_NE(r.out.find("Power sensors"), std::string::npos);
  EXPECT_NE(r.out.find("gemm/fp32/m1024n1024k1024"), std::string::npos);
  EXPECT_NE(r.out.find(" 0 invalid"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\033'), std::string::npos);  // not a terminal: no colour
}

}  // namespace
}  // namespace xpu
