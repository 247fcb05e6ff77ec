// The ISA decoders on synthetic CPUID/HWCAP facts: OS support (XCR0) and the AMX permission gate
// what the CPU reports.
#include <gtest/gtest.h>

#include "probe/cpu.hpp"

namespace xpu {
namespace {

const isa_feature& feature(const cpu_isa& isa, std::string_view name) {
  for (const auto& f : isa.features)
    if (f.name == name) return f;
  ADD_FAILURE() << "no feature " << name;
  static isa_feature none;
  return none;
}

x86_raw sapphire_rapids_like() {
  x86_raw r;
  r.sse4_2 = r.avx = r.avx2 = r.fma = r.f16c = true;
  r.avx512f = r.avx512bw = r.avx512vl = r.avx512_vnni = r.avx512_bf16 = r.avx512_fp16 = r.avx_vnni = true;
  r.amx_tile = r.amx_int8 = r.amx_bf16 = true;
  r.osxsave = true;
  r.xcr0 = 0x600e7;  // x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM TILECFG TILEDATA
  r.amx_permission = true;
  return r;
}

TEST(isa_decode_x86, lists_every_ml_feature_by_name) {
  const cpu_isa isa = isa_decode_x86(sapphire_rapids_like());
  EXPECT_EQ(isa.family, "x86");
  const std::vector<std::string> expected{"sse4_2",      "avx",         "avx2",        "fma",         "f16c",
                                          "avx512f",     "avx512bw",    "avx512vl",    "avx512_vnni", "avx512_bf16",
                                          "avx512_fp16", "avx_vnni",    "amx_tile",    "amx_int8",    "amx_bf16"};
  EXPECT_EQ(isa.present(), expected);
  for (const auto& f : isa.features) EXPECT_TRUE(f.note.empty()) << f.name;
}

TEST(isa_decode_x86, avx512_needs_zmm_state_in_xcr0) {
  x86_raw r = sapphire_rapids_like();
  r.xcr0 = 0x7;  // the OS saves only x87/SSE/AVX state
  const cpu_isa isa = isa_decode_x86(r);
  EXPECT_TRUE(isa.has("avx2"));
  EXPECT_TRUE(isa.has("avx_vnni"));  // VEX-encoded: needs YMM state only
  EXPECT_FALSE(isa.has("avx512f"));
  EXPECT_FALSE(isa.has("avx512_vnni"));
  EXPECT_FALSE(isa.has("amx_tile"));
  EXPECT_NE(feature(isa, "avx512f").note.find("XCR0=0x7"), std::string::npos);
  EXPECT_NE(feature(isa, "amx_int8").note.find("AMX tile state"), std::string::npos);
}

TEST(isa_decode_x86, avx_needs_osxsave) {
  x86_raw r = sapphire_rapids_like();
  r.osxsave = false;
  const cpu_isa isa = isa_decode_x86(r);
  EXPECT_TRUE(isa.has("sse4_2"));
  EXPECT_FALSE(isa.has("avx"));
  EXPECT_FALSE(isa.has("fma"));
  EXPECT_FALSE(isa.has("f16c"));
  EXPECT_NE(feature(isa, "avx2").note.find("OSXSAVE"), std::string::npos);
}

TEST(isa_decode_x86, amx_refused_by_the_kernel_is_not_usable) {
  x86_raw r = sapphire_rapids_like();
  r.amx_permission = false;
  r.amx_permission_reason = "errno 22";
  const cpu_isa isa = isa_decode_x86(r);
  EXPECT_FALSE(isa.has("amx_tile"));
  EXPECT_FALSE(isa.has("amx_bf16"));
  EXPECT_TRUE(isa.has("avx512_bf16"));
  EXPECT_NE(feature(isa, "amx_int8").note.find("ARCH_REQ_XCOMP_PERM"), std::string::npos);
}

TEST(isa_decode_x86, absent_features_have_no_note) {
  x86_raw r;
  r.sse4_2 = true;
  r.osxsave = true;
  r.xcr0 = 0x7;
  const cpu_isa isa = isa_decode_x86(r);
  EXPECT_EQ(isa.present(), std::vector<std::string>{"sse4_2"});
  EXPECT_TRUE(feature(isa, "avx512f").note.empty());
}

TEST(isa_decode_arm, reads_hwcaps_and_sve_length) {
  arm_raw r;
  r.hwcap = (1u << 1) | (1u << 10) | (1u << 20) | (1u << 22);  // asimd, asimdhp, asimddp, sve
  r.hwcap2 = (1u << 1) | (1u << 13) | (1u << 14);               // sve2, i8mm, bf16
  r.sve_vector_bytes = 32;
  const cpu_isa isa = isa_decode_arm(r);
  EXPECT_EQ(isa.family, "arm");
  EXPECT_EQ(isa.present(), (std::vector<std::string>{"asimd", "fp16", "dotprod", "i8mm", "bf16", "sve", "sve2"}));
  ASSERT_TRUE(isa.sve_vector_bits);
  EXPECT_EQ(*isa.sve_vector_bits, 256);
}

TEST(isa_decode_arm, neon_only_core) {
  arm_raw r;
  r.hwcap = 1u << 1;
  r.sve_vector_bytes = 16;  // ignored without SVE
  const cpu_isa isa = isa_decode_arm(r);
  EXPECT_EQ(isa.present(), std::vector<std::string>{"asimd"});
  EXPECT_FALSE(isa.sve_vector_bits);
}

TEST(isa_detect, live_cpu_reports_its_family) {
  const cpu_isa isa = isa_detect();
#if defined(__x86_64__)
  EXPECT_EQ(isa.family, "x86");
  EXPECT_TRUE(isa.has("sse4_2"));  // x86-64-v2 and later; every machine this project targets
  EXPECT_EQ(isa.features.size(), 17u);  // every x86 feature the decoder knows, present or not
#elif defined(__aarch64__)
  EXPECT_EQ(isa.family, "arm");
  EXPECT_TRUE(isa.has("asimd"));
#endif
  EXPECT_FALSE(isa.source.empty());
}

}  // namespace
}  // namespace xpu
