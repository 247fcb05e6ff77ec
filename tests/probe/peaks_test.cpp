// Precision support and peak estimates from fixture facts.
#include <gtest/gtest.h>

#include "probe/machine.hpp"
#include "probe/opencl/opencl.hpp"
#include "probe/peaks.hpp"
#include "probe/vulkan/vulkan.hpp"

namespace xpu {
namespace {

cpu_info avx512_vnni_cpu(int cores, std::optional<double> max_mhz) {
  cpu_info cpu;
  cpu.topology.cores = cores;
  cpu.frequency.max_mhz = max_mhz;
  x86_raw r;
  r.sse4_2 = r.avx = r.avx2 = r.fma = r.f16c = r.avx512f = r.avx512bw = r.avx512vl = r.avx512_vnni = true;
  r.osxsave = true;
  r.xcr0 = 0xe7;
  cpu.isa = isa_decode_x86(r);
  return cpu;
}

const precision_support& get(const std::vector<precision_support>& v, precision p) {
  for (const auto& s : v)
    if (s.type == p) return s;
  throw std::runtime_error("missing precision");
}

TEST(cpu_precisions, avx512_estimates_are_cores_times_clock_times_ops) {
  const auto v = cpu_precisions(avx512_vnni_cpu(8, 3000.0));
  ASSERT_EQ(v.size(), all_precisions.size());
  const auto& fp64 = get(v, precision::fp64);  // half the fp32 lanes
  ASSERT_TRUE(fp64.peak);
  EXPECT_DOUBLE_EQ(fp64.peak->ops_per_s, 8 * 3000e6 * 32);
  const auto& fp32 = get(v, precision::fp32);
  EXPECT_EQ(fp32.level, support_level::native);
  ASSERT_TRUE(fp32.peak);
  EXPECT_DOUBLE_EQ(fp32.peak->ops_per_s, 8 * 3000e6 * 64);
  EXPECT_EQ(fp32.peak->basis.rfind("estimate:", 0), 0u);

  const auto& fp16 = get(v, precision::fp16);
  EXPECT_EQ(fp16.level, support_level::emulated);  // F16C converts, no fp16 arithmetic
  EXPECT_NE(fp16.reason.find("F16C"), std::string::npos);

  const auto& bf16 = get(v, precision::bf16);
  EXPECT_EQ(bf16.level, support_level::unsupported);
  EXPECT_FALSE(bf16.peak);
  EXPECT_NE(bf16.reason.find("AVX512_BF16"), std::string::npos);

  const auto& int8 = get(v, precision::int8);
  EXPECT_EQ(int8.level, support_level::native);
  EXPECT_DOUBLE_EQ(int8.peak->ops_per_s, 8 * 3000e6 * 256);
}

TEST(cpu_precisions, unknown_frequency_means_no_estimate_and_a_reason) {
  const auto v = cpu_precisions(avx512_vnni_cpu(8, std::nullopt));
  const auto& fp32 = get(v, precision::fp32);
  EXPECT_EQ(fp32.level, support_level::native);
  EXPECT_FALSE(fp32.peak);
  EXPECT_NE(fp32.peak_reason.find("frequency is unknown"), std::string::npos);
}

TEST(cpu_precisions, arm_with_dotprod_and_fp16) {
  cpu_info cpu;
  cpu.topology.cores = 4;
  cpu.frequency.max_mhz = 2000.0;
  arm_raw r;
  r.hwcap = (1u << 1) | (1u << 10) | (1u << 20);
  cpu.isa = isa_decode_arm(r);
  const auto v = cpu_precisions(cpu);
  EXPECT_EQ(get(v, precision::fp16).level, support_level::native);
  EXPECT_EQ(get(v, precision::int8).level, support_level::native);
  EXPECT_EQ(get(v, precision::bf16).level, support_level::unsupported);
  EXPECT_DOUBLE_EQ(get(v, precision::fp32).peak->ops_per_s, 4 * 2000e6 * 16);
}

TEST(cpu_precisions, fp8_follows_amx_fp8_avx10_2_and_feat_fp8) {
  cpu_info cpu = avx512_vnni_cpu(8, 3000.0);
  const auto plain = cpu_precisions(cpu);
  for (precision p : {precision::fp8_e4m3, precision::fp8_e5m2}) {
    const auto& none = get(plain, p);
    EXPECT_EQ(none.level, support_level::unsupported);
    EXPECT_NE(none.reason.find("AMX-FP8"), std::string::npos) << none.reason;
  }
  x86_raw r;
  r.sse4_2 = r.avx = r.avx2 = r.fma = r.f16c = r.avx512f = r.avx512bw = r.avx512vl = true;
  r.osxsave = true;
  r.xcr0 = 0xe7;
  r.avx10_version = 2;
  cpu.isa = isa_decode_x86(r);
  EXPECT_EQ(get(cpu_precisions(cpu), precision::fp8_e4m3).level, support_level::emulated);  // conversions only
  r.amx_tile = r.amx_fp8 = true;
  r.xcr0 = 0x600e7;  // the OS saves tile state
  cpu.isa = isa_decode_x86(r);
  const auto with_amx = cpu_precisions(cpu);
  const auto& amx = get(with_amx, precision::fp8_e5m2);
  EXPECT_EQ(amx.level, support_level::native);
  EXPECT_FALSE(amx.peak);  // no per-cycle figure: no estimate, and a reason
  EXPECT_FALSE(amx.peak_reason.empty());

  arm_raw a;
  a.hwcap = 1u << 1;
  a.hwcap2 = (1ull << 51) | (1ull << 53) | (1ull << 55);  // F8CVT, F8DP4, E4M3 only
  cpu.isa = isa_decode_arm(a);
  const auto v = cpu_precisions(cpu);
  EXPECT_EQ(get(v, precision::fp8_e4m3).level, support_level::native);
  EXPECT_EQ(get(v, precision::fp8_e5m2).level, support_level::unsupported);
}

TEST(opencl_precisions, fp16_native_only_with_cl_khr_fp16) {
  device_info d;
  d.backend = "opencl";
  d.type = "gpu";
  d.opencl = opencl_details{};
  d.opencl->fp16 = false;
  auto v = opencl_precisions(d, nullptr);
  EXPECT_EQ(get(v, precision::fp16).level, support_level::emulated);
  EXPECT_NE(get(v, precision::fp16).reason.find("vload_half"), std::string::npos);
  EXPECT_FALSE(get(v, precision::fp32).peak);  // a GPU: no ALU count to estimate from
  EXPECT_FALSE(get(v, precision::fp32).peak_reason.empty());

  d.opencl->fp16 = true;
  v = opencl_precisions(d, nullptr);
  EXPECT_EQ(get(v, precision::fp16).level, support_level::native);
  EXPECT_EQ(get(v, precision::bf16).level, support_level::unsupported);
  EXPECT_EQ(get(v, precision::fp8_e4m3).level, support_level::unsupported);
  EXPECT_NE(get(v, precision::fp8_e4m3).reason.find("no fp8 extension"), std::string::npos);
  d.opencl->extensions = {"cl_khr_fp16", "cl_vendor_fp8_conversions"};
  v = opencl_precisions(d, nullptr);
  EXPECT_NE(get(v, precision::fp8_e5m2).reason.find("cl_vendor_fp8_conversions"), std::string::npos);
}

TEST(opencl_precisions, cpu_device_borrows_the_host_estimate) {
  const device_info host = cpu_device(avx512_vnni_cpu(2, 2500.0));
  device_info d;
  d.backend = "opencl";
  d.type = "cpu";
  d.opencl = opencl_details{};
  const auto v = opencl_precisions(d, &host);
  ASSERT_TRUE(get(v, precision::fp32).peak);
  EXPECT_DOUBLE_EQ(get(v, precision::fp32).peak->ops_per_s, host.support_for(precision::fp32)->peak->ops_per_s);
  // Emulated fp16 computes in fp32: the fp32 estimate applies.
  EXPECT_DOUBLE_EQ(get(v, precision::fp16).peak->ops_per_s, host.support_for(precision::fp32)->peak->ops_per_s);
}

TEST(vulkan_precisions, follow_the_shader_features) {
  device_info d;
  d.backend = "vulkan";
  d.type = "discrete_gpu";
  d.vulkan = vulkan_details{};
  auto v = vulkan_precisions(d, nullptr);
  EXPECT_EQ(get(v, precision::fp16).level, support_level::emulated);
  EXPECT_EQ(get(v, precision::int8).level, support_level::emulated);
  d.vulkan->shader_float16 = d.vulkan->storage_16bit = d.vulkan->shader_int8 = d.vulkan->storage_8bit = true;
  v = vulkan_precisions(d, nullptr);
  EXPECT_EQ(get(v, precision::fp16).level, support_level::native);
  EXPECT_EQ(get(v, precision::int8).level, support_level::native);
  EXPECT_EQ(get(v, precision::bf16).level, support_level::unsupported);
  EXPECT_NE(get(v, precision::fp8_e4m3).reason.find("no VK_EXT_shader_float8"), std::string::npos);
  d.vulkan->extensions = {"VK_KHR_16bit_storage", "VK_EXT_shader_float8"};
  v = vulkan_precisions(d, nullptr);
  EXPECT_EQ(get(v, precision::fp8_e5m2).level, support_level::unsupported);
  EXPECT_NE(get(v, precision::fp8_e5m2).reason.find("exposes VK_EXT_shader_float8"), std::string::npos);
}

}  // namespace
}  // namespace xpu
