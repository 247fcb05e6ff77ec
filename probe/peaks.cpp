#include "probe/peaks.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "probe/registry.hpp"

namespace xpu {


namespace {

struct path_choice {
  support_level level = support_level::unsupported;
  std::string how;                 // the ISA path, or why there is none
  double ops_per_cycle = 0;        // per core; 0 when no estimate
  std::string assumption;
};

// Cores that run 512-bit instructions as two 256-bit halves: AMD Zen 4 (family 25) and the
// Zen 5 mobile parts (family 26, models 0x20-0x2f and 0x60-0x7f); Zen 5 desktop and server parts
// have full-width pipes. Their 512-bit peak per cycle is half the Intel-style two full pipes.
bool split_512(const cpu_isa& isa) {
  if (isa.vendor != "AuthenticAMD" || !isa.cpu_family) return false;
  const int model = isa.cpu_model.value_or(0);
  return *isa.cpu_family == 25 || (*isa.cpu_family == 26 && ((model >= 0x20 && model <= 0x2f) || (model >= 0x60 && model <= 0x7f)));
}

path_choice x86_path(const cpu_isa& isa, precision p) {
  const bool avx512 = isa.has("avx512f");
  if (avx512 && split_512(isa)) {
    const std::string halves = "2 x 256-bit pipes per core; 512-bit instructions run as two halves (AMD Zen 4 / Zen 5 mobile)";
    switch (p) {
      case precision::fp32: return {support_level::native, "AVX-512F FMA", 32, halves};
      case precision::fp64: return {support_level::native, "AVX-512F FMA (double)", 16, halves};
      case precision::bf16:
        if (isa.has("avx512_bf16")) return {support_level::native, "AVX512_BF16 VDPBF16PS", 64, halves};
        break;
      case precision::int8:
        if (isa.has("avx512_vnni")) return {support_level::native, "AVX512-VNNI VPDPBUSD", 128, halves};
        break;
      default: break;
    }
  }
  switch (p) {
    case precision::fp32:
      if (avx512) return {support_level::native, "AVX-512F FMA", 64, "2 x 512-bit FMA pipes per core (1 on some parts)"};
      if (isa.has("fma")) return {support_level::native, "AVX2 FMA", 32, "2 x 256-bit FMA pipes per core"};
      if (isa.has("avx")) return {support_level::native, "AVX mul+add", 16, "one 256-bit multiply and one add per cycle"};
      return {support_level::native, "SSE mul+add", 8, "one 128-bit multiply and one add per cycle"};
    case precision::fp16:
      if (isa.has("avx512_fp16")) return {support_level::native, "AVX512-FP16 FMA", 128, "2 x 512-bit FMA pipes per core"};
      if (isa.has("f16c")) {
        path_choice c = x86_path(isa, precision::fp32);
        return {support_level::emulated, "F16C conversion to fp32, fp32 arithmetic (" + c.how + ")", c.ops_per_cycle,
                c.assumption + "; conversion cost ignored"};
      }
      return {support_level::emulated, "software fp16 conversion, fp32 arithmetic", 0, ""};
    case precision::bf16:
      if (isa.has("amx_bf16")) return {support_level::native, "AMX-BF16 tiles", 1024, "1024 bf16 ops per cycle per core (Intel)"};
      if (isa.has("avx512_bf16")) return {support_level::native, "AVX512_BF16 VDPBF16PS", 128, "2 x 512-bit dot-product pipes per core"};
      return {support_level::unsupported, "no bf16 arithmetic (needs AVX512_BF16 or AMX-BF16)", 0, ""};
    case precision::int8:
      if (isa.has("amx_int8")) return {support_level::native, "AMX-INT8 tiles", 2048, "2048 int8 ops per cycle per core (Intel)"};
      if (isa.has("avx512_vnni")) return {support_level::native, "AVX512-VNNI VPDPBUSD", 256, "2 x 512-bit VNNI pipes per core"};
      if (isa.has("avx_vnni")) return {support_level::native, "AVX-VNNI VPDPBUSD (256-bit)", 128, "2 x 256-bit VNNI pipes per core"};
      if (isa.has("avx2")) return {support_level::native, "AVX2 VPMADDUBSW+VPMADDWD", 64, "three instructions per 32 products, 2 pipes"};
      return {support_level::emulated, "int8 widened to int32 (no AVX2 or VNNI)", 0, ""};
    case precision::fp64:
      if (avx512) return {support_level::native, "AVX-512F FMA (double)", 32, "2 x 512-bit FMA pipes per core (1 on some parts)"};
      if (isa.has("fma")) return {support_level::native, "AVX2 FMA (double)", 16, "2 x 256-bit FMA pipes per core"};
      return {support_level::native, "SSE2 mul+add (double)", 4, "one 128-bit multiply and one add per cycle"};
    case precision::int32:
      if (avx512) return {support_level::native, "AVX-512 VPMULLD + VPADDD", 0, ""};
      return {support_level::native, isa.has("avx2") ? "AVX2 VPMULLD + VPADDD" : "SSE4.1 PMULLD + PADDD", 0, ""};
    case precision::fp8_e4m3:
    case precision::fp8_e5m2:
      if (isa.has("amx_fp8")) return {support_level::native, "AMX-FP8 tiles (fp8 products into fp32)", 0, ""};
      if (isa.has("avx10_2")) return {support_level::emulated, "AVX10.2 converts fp8 to fp16/bf16; arithmetic in those", 0, ""};
      return {support_level::unsupported, "no fp8 instructions on this CPU (AMX-FP8 multiplies fp8, AVX10.2 converts it: neither is present)", 0, ""};
  }
  return {};
}

path_choice arm_path(const cpu_isa& isa, precision p) {
  // Advanced SIMD (128-bit) figures with two vector pipes; wider cores (4 pipes) go faster.
  const std::string pipes = "2 x 128-bit SIMD pipes per core (4 on wide cores)";
  switch (p) {
    case precision::fp32:
      if (isa.has("asimd")) return {support_level::native, "Advanced SIMD FMLA", 16, pipes};
      return {support_level::native, "scalar FMA", 2, "one scalar FMA per cycle"};
    case precision::fp16:
      if (isa.has("fp16")) return {support_level::native, "Advanced SIMD fp16 FMLA", 32, pipes};
      return {support_level::emulated, "fp16 converted to fp32 (FCVTL), fp32 arithmetic", 16, pipes};
    case precision::bf16:
      if (isa.has("bf16")) return {support_level::native, "BFDOT/BFMMLA", 32, pipes};
      return {support_level::unsupported, "no bf16 arithmetic (needs the BF16 extension)", 0, ""};
    case precision::int8:
      if (isa.has("i8mm")) return {support_level::native, "SMMLA (i8mm)", 128, pipes};
      if (isa.has("dotprod")) return {support_level::native, "SDOT (dotprod)", 64, pipes};
      return {support_level::emulated, "int8 widened (SMLAL), no dot product", 16, pipes};
    case precision::fp8_e4m3:
    case precision::fp8_e5m2: {
      const bool format = isa.has(p == precision::fp8_e4m3 ? "f8e4m3" : "f8e5m2");
      if (format && isa.has("f8dp4")) return {support_level::native, "FEAT_FP8DOT4 FDOT (fp8 into fp32)", 0, ""};
      if (format && isa.has("f8fma")) return {support_level::native, "FEAT_FP8FMA FMLALL (fp8 into fp32)", 0, ""};
      if (format && isa.has("f8cvt")) return {support_level::emulated, "FEAT_FP8 conversions to fp16/bf16; arithmetic in those", 0, ""};
      return {support_level::unsupported, "no FEAT_FP8 for this format (hwcap2 F8CVT/F8FMA/F8DP4 and F8E4M3/F8E5M2 as the kernel reports them)", 0, ""};
    }
    case precision::fp64:
      if (isa.has("asimd")) return {support_level::native, "Advanced SIMD FMLA (double)", 8, pipes};
      return {support_level::native, "scalar FMA (double)", 2, "one scalar FMA per cycle"};
    case precision::int32:
      return {support_level::native, "Advanced SIMD MLA (int32)", 0, ""};
  }
  return {};
}

// The clock to multiply by, and what it is.
std::optional<std::pair<double, std::string>> estimate_clock(const cpu_frequency& f) {
  if (f.max_mhz) return std::pair{*f.max_mhz, "max frequency (cpufreq)"};
  if (f.base_mhz) return std::pair{*f.base_mhz, "base frequency (cpufreq)"};
  if (f.current_mhz) return std::pair{*f.current_mhz, "nominal clock from /proc/cpuinfo (the real clock under load can differ)"};
  return std::nullopt;
}

}  // namespace

std::vector<precision_support> cpu_precisions(const cpu_info& cpu) {
  std::vector<precision_support> out;
  const auto clock = estimate_clock(cpu.frequency);
  for (precision p : all_precisions) {
    path_choice c;
    if (cpu.isa.family == "x86") c = x86_path(cpu.isa, p);
    else if (cpu.isa.family == "arm") c = arm_path(cpu.isa, p);
    else c = {p == precision::bf16 || is_fp8(p) ? support_level::unsupported : support_level::emulated, "no ISA detection for this architecture", 0, ""};

    precision_support s{p, c.level, c.how, std::nullopt, ""};
    if (c.level == support_level::unsupported) s.peak_reason = "unsupported";
    else if (c.ops_per_cycle == 0) s.peak_reason = "no per-cycle figure for this path";
    else if (!clock) s.peak_reason = "the CPU frequency is unknown";
    else if (cpu.topology.cores <= 0) s.peak_reason = "the core count is unknown";
    else
      s.peak = peak_estimate{cpu.topology.cores * clock->first * 1e6 * c.ops_per_cycle,
                             fmt::format("estimate: {} cores x {:.0f} MHz ({}) x {} ops/cycle ({}; assumes {})",
                                         cpu.topology.cores, clock->first, clock->second, c.ops_per_cycle, c.how, c.assumption),
                             c.ops_per_cycle, cpu.topology.cores, clock->first};
    out.push_back(std::move(s));
  }
  return out;
}

// For a CPU-type OpenCL/Vulkan device, the hardware peak is the host CPU's.
void borrow_cpu_peak(precision_support& s, const device_info& d, const device_info* host_cpu) {
  if (s.level == support_level::unsupported) {
    s.peak_reason = "unsupported";
    return;
  }
  if (d.type != "cpu" || !host_cpu) {
    s.peak_reason = fmt::format("{} does not expose the ALUs per compute unit; the suite's peak micro-benchmark measures it",
                                backend_title(d.backend));
    return;
  }
  // Emulated precisions compute in fp32; native ones on the host's path for that precision.
  const precision_support* host = host_cpu->support_for(s.level == support_level::native ? s.type : precision::fp32);
  if (!host || !host->peak) {
    s.peak_reason = host ? host->peak_reason : "no host CPU estimate";
    return;
  }
  s.peak = *host->peak;
  s.peak->basis = "runs on the host CPU cores; " + host->peak->basis;
}


}  // namespace xpu
