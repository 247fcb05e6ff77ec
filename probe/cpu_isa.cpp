// ISA features that matter for ML. The decoders are pure functions of raw CPUID / HWCAP facts,
// so every gating rule (XCR0, the AMX permission) is tested on any host; isa_detect() feeds them
// the live machine's facts.
#include <algorithm>

#include <fmt/format.h>

#include "probe/cpu.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cpu_features/cpuinfo_x86.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#include <sys/prctl.h>
#endif

namespace xpu {

namespace {

// XCR0 state components (Intel SDM vol. 1, 13.1).
constexpr std::uint64_t xcr0_sse = 1u << 1, xcr0_avx = 1u << 2;
constexpr std::uint64_t xcr0_opmask = 1u << 5, xcr0_zmm_hi256 = 1u << 6, xcr0_hi16_zmm = 1u << 7;
constexpr std::uint64_t xcr0_tilecfg = 1u << 17, xcr0_tiledata = 1u << 18;

// Linux AT_HWCAP / AT_HWCAP2 bits for arm64 (arch/arm64/include/uapi/asm/hwcap.h).
constexpr std::uint64_t hwcap_asimd = 1u << 1, hwcap_asimdhp = 1u << 10, hwcap_asimddp = 1u << 20,
                        hwcap_sve = 1u << 22;
constexpr std::uint64_t hwcap2_sve2 = 1u << 1, hwcap2_i8mm = 1u << 13, hwcap2_bf16 = 1u << 14;
// FEAT_FP8 (Linux 6.9): conversions, FMLAL-style FMA and 4-way dot products, and the two formats.
constexpr std::uint64_t hwcap2_f8cvt = 1ull << 51, hwcap2_f8fma = 1ull << 52, hwcap2_f8dp4 = 1ull << 53, hwcap2_f8e4m3 = 1ull << 55,
                        hwcap2_f8e5m2 = 1ull << 56;

struct gate {
  bool ok;
  std::string why;
};

void add(cpu_isa& isa, std::string name, bool cpu_has, const gate& os = {true, ""}) {
  isa_feature f{std::move(name), cpu_has && os.ok, ""};
  if (cpu_has && !os.ok) f.note = os.why;
  isa.features.push_back(std::move(f));
}

}  // namespace

cpu_isa isa_decode_x86(const x86_raw& r) {
  cpu_isa isa;
  isa.family = "x86";
  isa.vendor = r.vendor;
  if (r.family > 0) isa.cpu_family = r.family;
  if (r.family > 0) isa.cpu_model = r.model;
  const bool ymm = r.osxsave && (r.xcr0 & (xcr0_sse | xcr0_avx)) == (xcr0_sse | xcr0_avx);
  const std::uint64_t zmm_bits = xcr0_sse | xcr0_avx | xcr0_opmask | xcr0_zmm_hi256 | xcr0_hi16_zmm;
  const bool zmm = r.osxsave && (r.xcr0 & zmm_bits) == zmm_bits;
  const bool tiles = r.osxsave && (r.xcr0 & (xcr0_tilecfg | xcr0_tiledata)) == (xcr0_tilecfg | xcr0_tiledata);

  const gate avx_gate{ymm, r.osxsave ? fmt::format("the OS does not save AVX (YMM) state: XCR0=0x{:x}", r.xcr0)
                                     : "the OS has not enabled XSAVE (OSXSAVE clear)"};
  const gate avx512_gate{zmm, fmt::format("the OS does not save AVX-512 (opmask/ZMM) state: XCR0=0x{:x}", r.xcr0)};
  gate amx_gate{tiles, fmt::format("the OS does not save AMX tile state: XCR0=0x{:x}", r.xcr0)};
  if (tiles && r.amx_permission && !*r.amx_permission)
    amx_gate = {false, "the kernel refused AMX tile data permission (arch_prctl ARCH_REQ_XCOMP_PERM): " +
                           r.amx_permission_reason};

  add(isa, "sse4_2", r.sse4_2);
  add(isa, "avx", r.avx, avx_gate);
  add(isa, "avx2", r.avx2, avx_gate);
  add(isa, "fma", r.fma, avx_gate);
  add(isa, "f16c", r.f16c, avx_gate);
  add(isa, "avx512f", r.avx512f, avx512_gate);
  add(isa, "avx512bw", r.avx512bw, avx512_gate);
  add(isa, "avx512vl", r.avx512vl, avx512_gate);
  add(isa, "avx512_vnni", r.avx512_vnni, avx512_gate);
  add(isa, "avx512_bf16", r.avx512_bf16, avx512_gate);
  add(isa, "avx512_fp16", r.avx512_fp16, avx512_gate);
  add(isa, "avx_vnni", r.avx_vnni, avx_gate);
  add(isa, "amx_tile", r.amx_tile, amx_gate);
  add(isa, "amx_int8", r.amx_int8, amx_gate);
  add(isa, "amx_bf16", r.amx_bf16, amx_gate);
  add(isa, "amx_fp8", r.amx_fp8, amx_gate);
  add(isa, "avx10_2", r.avx10_version >= 2, avx512_gate);
  return isa;
}

cpu_isa isa_decode_arm(const arm_raw& r) {
  cpu_isa isa;
  isa.family = "arm";
  add(isa, "asimd", r.hwcap & hwcap_asimd);
  add(isa, "fp16", r.hwcap & hwcap_asimdhp);  // half-precision arithmetic in Advanced SIMD
  add(isa, "dotprod", r.hwcap & hwcap_asimddp);
  add(isa, "i8mm", r.hwcap2 & hwcap2_i8mm);
  add(isa, "bf16", r.hwcap2 & hwcap2_bf16);
  add(isa, "sve", r.hwcap & hwcap_sve);
  add(isa, "sve2", r.hwcap2 & hwcap2_sve2);
  add(isa, "f8cvt", r.hwcap2 & hwcap2_f8cvt);
  add(isa, "f8fma", r.hwcap2 & hwcap2_f8fma);
  add(isa, "f8dp4", r.hwcap2 & hwcap2_f8dp4);
  add(isa, "f8e4m3", r.hwcap2 & hwcap2_f8e4m3);
  add(isa, "f8e5m2", r.hwcap2 & hwcap2_f8e5m2);
  if ((r.hwcap & hwcap_sve) && r.sve_vector_bytes) isa.sve_vector_bits = *r.sve_vector_bytes * 8;
  return isa;
}

#if defined(__x86_64__) || defined(__i386__)
namespace {

std::uint64_t read_xcr0() {
  std::uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

}  // namespace

cpu_isa isa_detect() {
  const cpu_features::X86Info info = cpu_features::GetX86Info();
  const cpu_features::X86Features& f = info.features;
  x86_raw r;
  r.sse4_2 = f.sse4_2;
  r.avx = f.avx;
  r.avx2 = f.avx2;
  r.fma = f.fma3;
  r.f16c = f.f16c;
  r.avx512f = f.avx512f;
  r.avx512bw = f.avx512bw;
  r.avx512vl = f.avx512vl;
  r.avx512_vnni = f.avx512vnni;
  r.avx512_bf16 = f.avx512_bf16;
  r.amx_tile = f.amx_tile;
  r.amx_int8 = f.amx_int8;
  r.amx_bf16 = f.amx_bf16;
  r.vendor = info.vendor;
  r.family = info.family;
  r.model = info.model;

  // cpu_features 0.7 predates AVX512-FP16, AVX-VNNI, AVX10 and AMX-FP8: read their CPUID bits directly.
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d)) r.osxsave = (c >> 27) & 1;
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    r.avx512_fp16 = (d >> 23) & 1;
    const unsigned max_subleaf = a;
    if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) {
      r.avx_vnni = (a >> 4) & 1;
      const bool avx10 = (d >> 19) & 1;
      if (avx10 && max_leaf >= 0x24 && __get_cpuid_count(0x24, 0, &a, &b, &c, &d)) r.avx10_version = static_cast<int>(b & 0xff);
    }
  }
  if (max_leaf >= 0x1e && __get_cpuid_count(0x1e, 0, &a, &b, &c, &d) && a >= 1 && __get_cpuid_count(0x1e, 1, &a, &b, &c, &d))
    r.amx_fp8 = (a >> 4) & 1;
  if (r.osxsave) r.xcr0 = read_xcr0();

  // Linux >= 5.16 hands out AMX tile data only to processes that ask for it.
  if (r.amx_tile && (r.xcr0 & (xcr0_tilecfg | xcr0_tiledata)) == (xcr0_tilecfg | xcr0_tiledata)) {
    constexpr long arch_req_xcomp_perm = 0x1023;
    constexpr long xfeature_xtiledata = 18;
    const long rc = syscall(SYS_arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata);
    r.amx_permission = rc == 0;
    if (rc != 0) r.amx_permission_reason = fmt::format("errno {} (kernel older than 5.16?)", errno);
  }

  cpu_isa isa = isa_decode_x86(r);
  isa.source = "cpu_features 0.7 (CPUID) + CPUID leaves 7, 0x1e, 0x24 for avx512_fp16/avx_vnni/amx_fp8/avx10 + XGETBV";
  return isa;
}
#elif defined(__aarch64__)
cpu_isa isa_detect() {
  arm_raw r;
  r.hwcap = getauxval(AT_HWCAP);
  r.hwcap2 = getauxval(AT_HWCAP2);
  constexpr int pr_sve_get_vl = 51;
  if (r.hwcap & hwcap_sve) {
    const int vl = prctl(pr_sve_get_vl);
    if (vl >= 0) r.sve_vector_bytes = vl & 0xffff;
  }
  cpu_isa isa = isa_decode_arm(r);
  isa.source = "getauxval(AT_HWCAP, AT_HWCAP2) + prctl(PR_SVE_GET_VL)";
  return isa;
}
#else
cpu_isa isa_detect() {
  cpu_isa isa;
  isa.family = "other";
  isa.source = "no ISA feature detection for this architecture";
  return isa;
}
#endif

}  // namespace xpu
