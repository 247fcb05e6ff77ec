// `xpubench run` beside a broken OpenCL driver (issue 12): a driver that crashes or hangs while
// listing platforms, launching a kernel or finishing a queue costs its own rows (`crashed`,
// `timeout`, or the backend unavailable with the reason) and nothing else: the CPU and Vulkan rows
// are measured and verified as usual, and `--device cpu0` never loads OpenCL at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiny_run.hpp"

namespace xpu {
namespace {

using test::rows_of;

// The tiny suite on every device, with the fake driver in front of the real loader.
test::tiny_outcome run_with_fault(const std::string& fault, std::vector<std::string> extra = {}) {
  return test::tiny_run(extra, {{"NO_COLOR", "1"}, {"XPUBENCH_OPENCL_LIBRARY", XPU_FAKE_OPENCL}, {"FAKE_OPENCL_FAULT", fault}});
}

void expect_cpu_and_vulkan_fine(const run& r) {
  for (const std::string dev : {"cpu0", "vulkan0"}) {
    const auto rows = rows_of(r, dev);
    EXPECT_FALSE(rows.empty()) << dev;
    for (const auto* m : rows) EXPECT_EQ(m->state, status::ok) << m->name << ": " << m->reason;
  }
}

const backend_status* backend(const run& r, const std::string& name) {
  for (const auto& b : r.context.machine.backends)
    if (b.name == name) return &b;
  return nullptr;
}

TEST(isolation, the_fake_driver_passes_through_when_told_no_fault) {
  const auto o = run_with_fault("none");
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  const auto rows = rows_of(o.parsed, "opencl0");
  ASSERT_EQ(rows.size(), 2u) << o.process.err;  // the fixture really is a working OpenCL library
  for (const auto* m : rows) EXPECT_EQ(m->state, status::ok) << m->name << ": " << m->reason;
}

TEST(isolation, a_driver_that_crashes_listing_platforms_costs_only_opencl) {
  const auto o = run_with_fault("crash_platforms");
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  expect_cpu_and_vulkan_fine(o.parsed);
  EXPECT_TRUE(rows_of(o.parsed, "opencl0").empty());
  const auto* cl = backend(o.parsed, "opencl");
  ASSERT_NE(cl, nullptr);
  EXPECT_FALSE(cl->available);
  EXPECT_NE(cl->reason.find("probe process died ("), std::string::npos) << cl->reason;  // SIGSEGV; under ASan its report and exit code 1
  EXPECT_TRUE(o.parsed.context.finished);
}

TEST(isolation, cpu_only_runs_never_load_opencl) {
  for (const std::string fault : {"crash_platforms", "hang_platforms"}) {
    for (const bool in_process : {false, true}) {
      std::vector<std::string> extra{"--device", "cpu0"};
      if (in_process) extra.push_back("--in-process");
      const auto o = run_with_fault(fault, extra);
      EXPECT_EQ(o.process.exit_code, 0) << fault << (in_process ? " in process" : "") << "\n" << o.process.err;
      EXPECT_EQ(rows_of(o.parsed, "cpu0").size(), 2u);
    }
  }
  const auto off = run_with_fault("crash_platforms", {"--no-opencl", "--in-process"});
  EXPECT_EQ(off.process.exit_code, 0) << off.process.err;
}

TEST(isolation, a_driver_that_hangs_listing_platforms_is_given_up_after_the_timeout) {
  const auto o = run_with_fault("hang_platforms", {"--timeout", "8"});  // 8 s: see the hang_finish test
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  expect_cpu_and_vulkan_fine(o.parsed);
  const auto* cl = backend(o.parsed, "opencl");
  ASSERT_NE(cl, nullptr);
  EXPECT_NE(cl->reason.find("took more than 8 s; the probe process was killed"), std::string::npos) << cl->reason;
}

TEST(isolation, a_kernel_launch_that_crashes_is_a_crashed_row_and_the_run_goes_on) {
  const auto o = run_with_fault("crash_launch");
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  expect_cpu_and_vulkan_fine(o.parsed);
  const auto rows = rows_of(o.parsed, "opencl0");
  ASSERT_EQ(rows.size(), 2u) << o.process.err;  // each case crashed a worker; a fresh one went on
  for (const auto* m : rows) {
    EXPECT_EQ(m->state, status::crashed) << m->name;
    EXPECT_NE(m->reason.find("worker process measuring this benchmark died ("), std::string::npos) << m->reason;  // SIGSEGV, SIGABRT (the driver's handler), or exit 1 (ASan's)
    EXPECT_FALSE(m->problem.empty());
  }
  EXPECT_NE(o.process.out.find("crashed"), std::string::npos) << o.process.out;  // the report shows them
}

TEST(isolation, a_queue_that_never_finishes_is_a_timeout_row_and_a_fresh_worker_goes_on) {
  // --timeout also bounds probing and opening every device: 8 s, not 3, so that lavapipe under
  // ASan on a loaded machine still opens in time and the Vulkan rows below are measured.
  const auto o = run_with_fault("hang_finish", {"--timeout", "8"});
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  const auto rows = rows_of(o.parsed, "opencl0");
  ASSERT_EQ(rows.size(), 2u) << o.process.err;  // the second benchmark ran in a new worker (and hung too)
  for (const auto* m : rows) {
    EXPECT_EQ(m->state, status::timeout) << m->name;
    EXPECT_NE(m->reason.find("no result after 8 s"), std::string::npos) << m->reason;
  }
  expect_cpu_and_vulkan_fine(o.parsed);
}

// A run sampled otherwise is not resumed into this one (its rows would sit under this run's
// sampling settings) unless --resume-foreign.
TEST(isolation, resume_refuses_rows_sampled_otherwise) {
  test::temp_dir dir;
  const auto suite = dir.write("tiny.toml", "min_time_s = 0.001\n[[latency]]\n[[reduction]]\nsizes = [4096]\n");
  const auto first = dir.path() / "first.json";
  auto r1 = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--kernel", "latency", "--json",
                       first.string()});
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  auto r2 = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--resume", first.string(), "-r", "3"});
  EXPECT_EQ(r2.exit_code, 2) << r2.err;
  EXPECT_NE(r2.err.find("sampling: 'adaptive, 6 to 30 repetition(s)"), std::string::npos) << r2.err;
  EXPECT_NE(r2.err.find("'fixed, 3 repetition(s)"), std::string::npos) << r2.err;
}

TEST(isolation, resume_measures_only_what_is_missing) {
  test::temp_dir dir;
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n[[reduction]]\nsizes = [4096]\n");
  const auto first = dir.path() / "first.json", second = dir.path() / "second.json";
  auto r1 = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--kernel", "latency", "--json",
                       first.string()});
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  auto r2 = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--resume", first.string(), "--json",
                       second.string()});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  std::ifstream a(first), b(second);
  auto one = run_from_json(nlohmann::json::parse(a), "first"), two = run_from_json(nlohmann::json::parse(b), "second");
  ASSERT_TRUE(one && two);
  ASSERT_EQ(one->measurements.size(), 1u);
  ASSERT_EQ(two->measurements.size(), 2u);
  EXPECT_EQ(two->measurements[0].samples_s, one->measurements[0].samples_s);  // kept, not measured again
  EXPECT_EQ(two->measurements[1].kernel, "reduction");
  EXPECT_EQ(two->context.resumed_from, first.string());
  EXPECT_EQ(std::count(r2.err.begin(), r2.err.end(), '['), 1) << r2.err;  // one benchmark ran
  EXPECT_NE(r2.err.find("--resume: keeping 1 row(s) of " + first.string() + " (1 ok, 0 not)"), std::string::npos) << r2.err;

  auto again = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--resume", second.string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("nothing left to measure"), std::string::npos) << again.err;

  const auto bad = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--resume", suite.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--resume"), std::string::npos) << bad.err;
}

// A run file from another machine, suite or build is not resumed as this machine's run unless
// --resume-foreign says so; what differs is named.
TEST(isolation, resume_refuses_a_run_from_elsewhere) {
  test::temp_dir dir;
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n[[reduction]]\nsizes = [4096]\n");
  const auto first = dir.path() / "first.json", foreign = dir.path() / "foreign.json", out = dir.path() / "out.json";
  auto r1 = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--kernel", "latency", "--json",
                       first.string()});
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  std::ifstream in(first);
  auto doc = nlohmann::json::parse(in);
  doc["context"]["inventory"]["host"]["hostname"] = "elsewhere\x1b[8m";
  doc["context"]["xpubench"]["git_sha"] = "0123456789ab";
  std::ofstream(foreign) << doc.dump();
  const auto refused = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--resume", foreign.string(),
                                  "--json", out.string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("was not measured by this machine, suite and build"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("host: 'elsewhere\\x1b[8m' in"), std::string::npos) << refused.err;  // named, escaped
  EXPECT_NE(refused.err.find("xpubench build:"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--resume-foreign"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(out));  // refused before any work
  const auto other_suite = dir.write("other.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n");
  const auto suite_changed = test::run({test::xpubench_binary(), "run", "--suite", other_suite.string(), "--device", "cpu0", "--resume", first.string()});
  EXPECT_EQ(suite_changed.exit_code, 2);
  EXPECT_NE(suite_changed.err.find("suite: '"), std::string::npos) << suite_changed.err;

  const auto forced = test::run({test::xpubench_binary(), "run", "--suite", suite.string(), "--device", "cpu0", "--resume", foreign.string(),
                                 "--resume-foreign", "--json", out.string()});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.err.find("keeping 1 row(s)"), std::string::npos) << forced.err;
  EXPECT_NE(forced.err.find("kept with --resume-foreign although"), std::string::npos) << forced.err;
  std::ifstream o(out);
  const auto r = run_from_json(nlohmann::json::parse(o), "out");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->measurements.size(), 2u);
}

// Issue 30: the kernels of every OpenCL and Vulkan benchmark are built side by side before any
// timing, recorded, and not built again by the next run of the same binary; --no-prebuild leaves it.
TEST(isolation, kernels_are_built_before_timing_once) {
  test::temp_dir cache;
  cache.write("xpubench/prebuilt.json", "{\"damaged");  // a damaged record is only a record: nothing counts as built
  const std::map<std::string, std::string> env{{"NO_COLOR", "1"}, {"XDG_CACHE_HOME", cache.path().string()}};
  const std::vector<std::string> devices{"--device", "cpu0,opencl0,vulkan0"};
  const auto first = test::tiny_run(devices, env);
  ASSERT_EQ(first.process.exit_code, 0) << first.process.err;
  ASSERT_TRUE(first.parsed.context.prebuild) << first.process.err;
  const prebuild_record& p = *first.parsed.context.prebuild;
  EXPECT_EQ(p.devices, (std::vector<std::string>{"opencl0", "vulkan0"}));  // the CPU builds nothing at run time
  EXPECT_EQ(p.built, 4u) << first.process.err;  // latency and the reduction on each
  EXPECT_EQ(p.found, 0u);
  EXPECT_GE(p.processes, 1);
  EXPECT_TRUE(p.notes.empty()) << p.notes.front();
  EXPECT_TRUE(std::filesystem::exists(cache.path() / "xpubench" / "prebuilt.json"));
  for (const std::string dev : {"cpu0", "opencl0", "vulkan0"}) {
    ASSERT_EQ(rows_of(first.parsed, dev).size(), 2u) << dev;
    for (const auto* m : rows_of(first.parsed, dev)) EXPECT_EQ(m->state, status::ok) << m->name << ": " << m->reason;
  }
  const auto again = test::tiny_run(devices, env);
  ASSERT_EQ(again.process.exit_code, 0) << again.process.err;
  ASSERT_TRUE(again.parsed.context.prebuild);
  EXPECT_EQ(again.parsed.context.prebuild->built, 0u);
  EXPECT_EQ(again.parsed.context.prebuild->found, 4u);
  auto off = devices;
  off.push_back("--no-prebuild");
  const auto without = test::tiny_run(off, env);
  ASSERT_EQ(without.process.exit_code, 0) << without.process.err;
  EXPECT_FALSE(without.parsed.context.prebuild);
  EXPECT_EQ(rows_of(without.parsed, "opencl0").size(), 2u);
}

// A driver that crashes while the kernels are built costs the helpers, not the run: the measuring
// worker meets the crash again and its rows say so (the crash tests above), and the step's notes
// say what happened to the helpers.
TEST(isolation, a_helper_that_crashes_building_is_noted_and_the_run_goes_on) {
  test::temp_dir cache;
  const auto o = test::tiny_run({"--device", "opencl0"}, {{"NO_COLOR", "1"}, {"XDG_CACHE_HOME", cache.path().string()},
                                                          {"XPUBENCH_OPENCL_LIBRARY", XPU_FAKE_OPENCL}, {"FAKE_OPENCL_FAULT", "crash_launch"}});
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  ASSERT_TRUE(o.parsed.context.prebuild);
  EXPECT_EQ(o.parsed.context.prebuild->built, 0u);
  ASSERT_FALSE(o.parsed.context.prebuild->notes.empty());
  EXPECT_NE(o.parsed.context.prebuild->notes.front().find("a process building kernels"), std::string::npos) << o.parsed.context.prebuild->notes.front();
  const auto rows = rows_of(o.parsed, "opencl0");
  ASSERT_EQ(rows.size(), 2u) << o.process.err;
  for (const auto* m : rows) EXPECT_EQ(m->state, status::crashed) << m->name;
}

}  // namespace
}  // namespace xpu
