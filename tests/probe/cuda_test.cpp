// The CUDA probe without a GPU: the per-architecture rate table, compute-capability parsing, the
// precisions and peak estimates it derives, the driver-version rule, and the probe itself through
// a fake libcuda.so.1 (tests/fixtures/fake_cuda.cpp) listing a Fake H100.
#include <gtest/gtest.h>

#include "probe/cuda/cuda.hpp"
#include "probe/registry.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

TEST(cuda_arch, the_table_knows_each_generation_and_falls_back_to_an_older_minor) {
  const auto hopper = cuda_arch_find(9, 0);
  ASSERT_TRUE(hopper);
  EXPECT_EQ(hopper->name, "Hopper");
  EXPECT_EQ(hopper->fp16, 4096);  // 989 TFLOP/s dense = 132 SMs x 1830 MHz x 4096
  EXPECT_EQ(hopper->int8, 8192);
  EXPECT_EQ(hopper->fp32, 256);
  const auto a100 = cuda_arch_find(8, 0);
  ASSERT_TRUE(a100);
  EXPECT_EQ(a100->fp16, 2048);  // 312 TFLOP/s = 108 x 1410 MHz x 2048
  EXPECT_EQ(a100->fp8, 0);      // no fp8 before Ada
  EXPECT_EQ(cuda_arch_find(8, 9)->fp8, 2048);
  EXPECT_EQ(cuda_arch_find(8, 8)->name, cuda_arch_find(8, 7)->name);  // 8.8: the closest older minor
  EXPECT_FALSE(cuda_arch_find(6, 1));   // Pascal: not in the table
  EXPECT_FALSE(cuda_arch_find(13, 0));  // newer than the table
  for (int major : {7, 8, 9, 10, 12}) EXPECT_TRUE(cuda_arch_find(major, 0) || major == 7) << major;
}

TEST(cuda_arch, compute_capabilities_parse_strictly) {
  EXPECT_EQ(cuda_compute_capability_parse("9.0"), (std::pair{9, 0}));
  EXPECT_EQ(cuda_compute_capability_parse("12.1"), (std::pair{12, 1}));
  for (const char* bad : {"", "9", "9.", ".0", "9.0a", "-1.0", "9.10", "x.y", "100.0", "9.0.1"}) EXPECT_FALSE(cuda_compute_capability_parse(bad)) << bad;
}

TEST(cuda_precisions, h100_estimates_are_sms_times_clock_times_the_rate) {
  const auto ps = cuda_precisions(9, 0, 132, 1980);
  auto find = [&](precision p) -> const precision_support& {
    for (const auto& s : ps)
      if (s.type == p) return s;
    ADD_FAILURE() << to_string(p);
    return ps.front();
  };
  const auto& fp16 = find(precision::fp16);
  EXPECT_EQ(fp16.level, support_level::native);
  ASSERT_TRUE(fp16.peak);
  EXPECT_DOUBLE_EQ(fp16.peak->ops_per_s, 132 * 1980e6 * 4096);
  EXPECT_EQ(fp16.peak->cores, 132);
  EXPECT_DOUBLE_EQ(fp16.peak->ops_per_cycle, 4096);
  EXPECT_NE(fp16.peak->basis.find("estimate"), std::string::npos) << fp16.peak->basis;
  EXPECT_NE(fp16.peak->basis.find("Tensor Cores"), std::string::npos);
  EXPECT_DOUBLE_EQ(find(precision::fp32).peak->ops_per_s, 132 * 1980e6 * 256);
  EXPECT_NE(find(precision::fp32).peak->basis.find("CUDA cores"), std::string::npos);
  EXPECT_EQ(find(precision::fp8_e4m3).level, support_level::native);
  EXPECT_EQ(ps.size(), all_precisions.size());
}

TEST(cuda_precisions, what_a_gpu_lacks_is_unsupported_with_a_reason) {
  const auto turing = cuda_precisions(7, 5, 40, 1590);
  for (const auto& s : turing)
    if (s.type == precision::bf16 || is_fp8(s.type)) {
      EXPECT_EQ(s.level, support_level::unsupported) << to_string(s.type);
      EXPECT_FALSE(s.peak);
      EXPECT_FALSE(s.peak_reason.empty());
    }
  for (const auto& s : cuda_precisions(6, 1, 20, 1500)) {  // not in the table: no estimate, and why
    EXPECT_FALSE(s.peak) << to_string(s.type);
    EXPECT_NE(s.peak_reason.find("6.1"), std::string::npos) << s.peak_reason;
  }
  for (const auto& s : cuda_precisions(9, 0, 0, 0)) EXPECT_FALSE(s.peak);  // a driver that reported nothing
}

TEST(cuda_driver, an_older_major_than_the_build_is_refused_with_both_versions) {
  EXPECT_FALSE(cuda_driver_too_old(cuda_build_version()));
  EXPECT_FALSE(cuda_driver_too_old(cuda_build_version() / 1000 * 1000 + 90));  // a newer minor
  const auto old = cuda_driver_too_old(12020);
  ASSERT_TRUE(old);
  EXPECT_NE(old->find("CUDA 12.2"), std::string::npos) << *old;
  EXPECT_NE(old->find("update the driver"), std::string::npos) << *old;
}

TEST(cuda_probe, a_fake_driver_lists_its_gpu_with_facts_and_estimates) {
  test::scoped_env lib("XPUBENCH_CUDA_LIBRARY", XPU_FAKE_CUDA);  // the first load in this process: the fake
  const backend_probe p = cuda_probe();
  ASSERT_TRUE(p.status.available) << p.status.reason;
  EXPECT_NE(p.status.version.find("CUDA driver 13.0"), std::string::npos) << p.status.version;
  ASSERT_EQ(p.devices.size(), 1u);
  const device_info& d = p.devices[0];
  EXPECT_EQ(d.id, "cuda0");
  EXPECT_EQ(d.backend, "cuda");
  EXPECT_EQ(d.name, "Fake H100 80GB HBM3");
  EXPECT_EQ(d.vendor, "NVIDIA");
  EXPECT_EQ(d.type, "discrete_gpu");
  EXPECT_EQ(d.pci_bus_id, "0000:1b:00.0");
  EXPECT_EQ(d.fact("UUID"), "GPU-a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
  EXPECT_EQ(d.fact("compute capability"), "9.0");
  EXPECT_EQ(d.fact("architecture"), "Hopper");
  EXPECT_EQ(d.fact("multiprocessors"), "132");
  EXPECT_EQ(d.fact("max clock"), "1980 MHz");
  EXPECT_EQ(d.fact("L2"), "48 MiB");
  EXPECT_NE(d.fact("memory bus").find("5120 bits"), std::string_view::npos);
  EXPECT_EQ(d.fact("measured"), "");  // a CUDA 13 driver runs this build's kernels
  EXPECT_EQ(cuda_memory_budget(d), std::uint64_t{81559} << 20);
  ASSERT_NE(d.support_for(precision::bf16), nullptr);
  ASSERT_TRUE(d.support_for(precision::bf16)->peak);
  EXPECT_DOUBLE_EQ(d.support_for(precision::bf16)->peak->ops_per_s, 132 * 1980e6 * 4096);
  EXPECT_EQ(device_backend_find("cuda")->title, "CUDA");
}

}  // namespace
}  // namespace xpu
