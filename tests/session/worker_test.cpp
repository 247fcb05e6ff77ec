// The worker protocol's input (session/worker.hpp): what the supervisor writes is what the worker
// reads, options as one JSON object; a line the protocol does not allow is refused by name.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "session/run_plan.hpp"
#include "session/subprocess.hpp"
#include "session/worker.hpp"

namespace xpu {
namespace {

TEST(worker_input, what_the_supervisor_writes_the_worker_reads) {
  worker_input sent;
  sent.options = {{"suite", "my suite.toml"}, {"seed", 18446744073709551615ull}, {"kernels", {"gemm", "silu"}}, {"filter", "a b\nc"}};
  sent.device = "opencl0";
  sent.clock.hz = 3.1e9;
  sent.clock.method = "add chain";
  sent.idle = {{"opencl0", 12.5}};
  measurement m;
  m.name = "opencl0/latency/empty/ours";
  m.device = "opencl0";
  m.kernel = "latency";
  m.reason = "line one\nline two";
  sent.rows = {m, m};
  std::istringstream text(worker_input_text(sent));
  auto got = worker_input_read(text);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->options, sent.options);
  EXPECT_EQ(got->device, "opencl0");
  EXPECT_DOUBLE_EQ(got->clock.hz, 3.1e9);
  EXPECT_EQ(got->clock.method, "add chain");
  EXPECT_EQ(got->idle, sent.idle);
  ASSERT_EQ(got->rows.size(), 2u);
  EXPECT_EQ(got->rows[1].name, m.name);
  EXPECT_EQ(got->rows[1].reason, m.reason);
}

TEST(worker_input, lines_outside_the_protocol_are_refused_by_name) {
  for (const auto& [text, expect] : std::vector<std::pair<std::string, std::string>>{
           {"options {\"suite\": \n", "not JSON"},
           {"options [1, 2]\n", "options are not a JSON object"},
           {"device 7\n", "device is not a JSON string"},
       }) {
    std::istringstream in(text);
    auto got = worker_input_read(in);
    ASSERT_FALSE(got) << text;
    EXPECT_NE(got.error().message.find(expect), std::string::npos) << got.error().message;
  }
  std::istringstream empty("");
  auto nothing = worker_input_read(empty);  // a worker started by hand: no device, answered as unavailable
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->device.empty());
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

// Asking for huge pages goes to the workers' environment only, where THP is "madvise"; this
// process's environment is never changed; a GLIBC_TUNABLES that already chooses is kept; either
// way the record says which pages and why.
TEST(host_pages, workers_ask_for_huge_pages_where_the_kernel_gives_them_on_request) {
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::string kept = before ? before : "";
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2", 1);
  const host_pages_choice here = host_pages(false);
  EXPECT_TRUE(here.environment.empty());
  EXPECT_NE(here.record.find("pages"), std::string::npos) << here.record;
  const host_pages_choice asked = host_pages(true);
  EXPECT_EQ(std::string(std::getenv("GLIBC_TUNABLES")), "glibc.malloc.arena_max=2");  // ours untouched
  if (asked.record.starts_with("transparent huge pages for buffers")) {
    ASSERT_EQ(asked.environment.size(), 1u);
    EXPECT_EQ(asked.environment[0], "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
  } else {
    EXPECT_TRUE(asked.environment.empty()) << asked.record;
  }
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0", 1);  // the user's choice stands
  const host_pages_choice theirs = host_pages(true);
  EXPECT_TRUE(theirs.environment.empty());
  EXPECT_EQ(theirs.record.find("transparent huge pages for buffers"), std::string::npos) << theirs.record;
  if (before) ::setenv("GLIBC_TUNABLES", kept.c_str(), 1);
  else ::unsetenv("GLIBC_TUNABLES");
}

// A child gets this process's environment with the given entries set in it.
TEST(subprocess, a_child_gets_the_environment_with_the_given_entries) {
  ::setenv("XPU_TEST_KEPT", "yes", 1);
  ::setenv("XPU_TEST_REPLACED", "old", 1);
  auto child = subprocess::start({"/bin/sh", "-c", "echo \"$XPU_TEST_KEPT $XPU_TEST_REPLACED $XPU_TEST_ADDED\""}, "", nullptr, 12,
                                 {"XPU_TEST_REPLACED=new", "XPU_TEST_ADDED=added"});
  ASSERT_TRUE(child) << child.error().message;
  std::string line;
  ASSERT_EQ(child->next(line, subprocess::after(10), [] { return false; }), subprocess::event::line);
  EXPECT_EQ(line, "yes new added");
  ::unsetenv("XPU_TEST_KEPT");
  ::unsetenv("XPU_TEST_REPLACED");
}

}  // namespace
}  // namespace xpu
