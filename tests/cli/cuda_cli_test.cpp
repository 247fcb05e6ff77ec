// `xpubench probe` and `run` with a fake NVIDIA driver (tests/fixtures/fake_cuda.cpp): the GPU is
// listed with its facts; a driver that cannot initialize or is older than the build says why; a
// driver that crashes in a launch or hangs in a synchronize costs only the CUDA rows (crashed,
// timeout) while the CPU's are measured as usual.
#include <gtest/gtest.h>

#include <fstream>

#include "results/inventory_json.hpp"
#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiny_run.hpp"

namespace xpu {
namespace {

std::map<std::string, std::string> with_fault(const std::string& fault) {
  return {{"NO_COLOR", "1"}, {"XPUBENCH_CUDA_LIBRARY", XPU_FAKE_CUDA}, {"FAKE_CUDA_FAULT", fault}};
}

const backend_status& backend(const inventory& inv, std::string_view name) {
  for (const auto& b : inv.backends)
    if (b.name == name) return b;
  static const backend_status none;
  ADD_FAILURE() << "no backend " << name;
  return none;
}

inventory probe_json(const std::string& fault, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"probe", "--format", "json", "--no-opencl", "--no-vulkan"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = test::xpubench(args, with_fault(fault));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto inv = inventory_from_json(nlohmann::json::parse(r.out).at("inventory"));
  EXPECT_TRUE(inv) << inv.error().message;
  return inv ? *inv : inventory{};
}

TEST(cuda_cli, probe_lists_the_gpu_with_its_facts_and_no_cuda_switches_it_off) {
  const inventory inv = probe_json("none");
  const device_info* gpu = inv.find_device("cuda0");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->name, "Fake H100 80GB HBM3");
  EXPECT_EQ(gpu->fact("Tensor Cores"), "4th generation (wgmma: fp16, bf16, tf32, int8, fp8)");
  EXPECT_TRUE(backend(inv, "cuda").available);
  const auto text = test::xpubench({"probe", "--no-opencl", "--no-vulkan"}, with_fault("none"));
  EXPECT_NE(text.out.find("cuda0"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Fake H100"), std::string::npos) << text.out;
  const inventory off = probe_json("none", {"--no-cuda"});
  EXPECT_EQ(off.find_device("cuda0"), nullptr);
  EXPECT_EQ(backend(off, "cuda").reason, "not probed (disabled by option)");
}

TEST(cuda_cli, a_driver_that_cannot_start_or_is_too_old_says_why) {
  const inventory none = probe_json("init_fail");
  EXPECT_FALSE(backend(none, "cuda").available);
  EXPECT_NE(backend(none, "cuda").reason.find("cuInit failed: CUDA_ERROR_NO_DEVICE"), std::string::npos) << backend(none, "cuda").reason;
  const inventory old = probe_json("old_driver");
  const device_info* gpu = old.find_device("cuda0");
  ASSERT_NE(gpu, nullptr);
  EXPECT_NE(gpu->fact("measured").find("supports CUDA 12.2, older than"), std::string_view::npos) << gpu->fact("measured");
  const auto run = test::xpubench({"run", "--device", "cuda0", "--kernel", "latency", "--no-opencl", "--no-vulkan"}, with_fault("old_driver"));
  EXPECT_NE(run.out.find("update the driver"), std::string::npos) << run.out << run.err;
}

using test::rows_of;

test::tiny_outcome run_tiny(const std::string& fault, std::vector<std::string> extra = {}) {
  extra.insert(extra.end(), {"--no-opencl", "--no-vulkan"});
  return test::tiny_run(extra, with_fault(fault));
}

void expect_cpu_fine(const run& r) {
  const auto rows = rows_of(r, "cpu0");
  EXPECT_EQ(rows.size(), 2u);  // latency, reduction
  for (const auto* m : rows) EXPECT_EQ(m->state, status::ok) << m->name << ": " << m->reason;
}

TEST(cuda_cli, rows_run_verify_and_land_beside_the_cpu) {
  const auto o = run_tiny("none");
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  expect_cpu_fine(o.parsed);
  const auto rows = rows_of(o.parsed, "cuda0");
  ASSERT_EQ(rows.size(), 2u) << o.process.err;
  for (const auto* m : rows) EXPECT_EQ(m->state, status::ok) << m->name << ": " << m->reason;
}

TEST(cuda_cli, a_launch_that_crashes_is_a_crashed_row_and_the_run_goes_on) {
  const auto o = run_tiny("crash_launch");
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  expect_cpu_fine(o.parsed);
  const auto rows = rows_of(o.parsed, "cuda0");
  ASSERT_EQ(rows.size(), 2u) << o.process.err;
  for (const auto* m : rows) {
    EXPECT_EQ(m->state, status::crashed) << m->name;
    EXPECT_NE(m->reason.find("worker process measuring this benchmark died ("), std::string::npos) << m->reason;
  }
}

TEST(cuda_cli, a_synchronize_that_never_returns_is_a_timeout_row) {
  const auto o = run_tiny("hang_sync", {"--timeout", "6"});
  ASSERT_EQ(o.process.exit_code, 0) << o.process.err;
  expect_cpu_fine(o.parsed);
  const auto rows = rows_of(o.parsed, "cuda0");
  ASSERT_EQ(rows.size(), 2u) << o.process.err;
  for (const auto* m : rows) {
    EXPECT_EQ(m->state, status::timeout) << m->name;
    EXPECT_NE(m->reason.find("no result after 6 s"), std::string::npos) << m->reason;
  }
}

}  // namespace
}  // namespace xpu
