// The effective CPU clock under load, measured by dependency chains that no core folds, and
// cross-checked against a second chain, the fp32 peak kernel and the system's maximum.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "kernels/cpu/cpu_device.hpp"
#include "probe/peaks.hpp"

namespace xpu {
namespace {

// Seconds for `turns` loop turns of 16 dependent instructions of the chain.
double chain_seconds(clock_chain chain, std::uint64_t turns) {
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t x = 1, n = turns;
  [[maybe_unused]] const std::uint64_t operand = chain == clock_chain::add ? 1 : 3;
// 16 copies of one instruction of the chain, then the loop's decrement and branch.
#define XPU_X4(i) i i i i
#define XPU_CHAIN(insn, loop)                                                                \
  __asm__ volatile("1:\n\t" XPU_X4(XPU_X4(insn)) loop : [x] "+r"(x), [n] "+r"(n) : [v] "r"(operand) : "cc")
#if defined(__x86_64__)
  // Register operands only: Golden Cove and later resolve `add $imm, reg` at rename, several
  // per cycle, but a register-register add is one per cycle and IMUL r64 three cycles on every
  // x86-64 core since Nehalem and K10.
  if (chain == clock_chain::add) XPU_CHAIN("add %[v], %[x]\n\t", "dec %[n]\n\tjnz 1b\n\t");
  else XPU_CHAIN("imul %[v], %[x]\n\t", "dec %[n]\n\tjnz 1b\n\t");
#elif defined(__aarch64__)
  // A register add is one cycle on every Arm core; the multiply's latency varies by core, so
  // Arm measures the add chain only.
  XPU_CHAIN("add %[x], %[x], %[v]\n\t", "subs %[n], %[n], #1\n\tb.ne 1b\n\t");
#else
  (void)turns;
  return 0;
#endif
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
#undef XPU_CHAIN
#undef XPU_X4

}  // namespace

bool clock_chain_available([[maybe_unused]] clock_chain chain) {
#if defined(__x86_64__)
  return true;
#elif defined(__aarch64__)
  return chain == clock_chain::add;
#else
  (void)chain;
  return false;
#endif
}

int clock_chain_latency(clock_chain chain) { return chain == clock_chain::add ? 1 : 3; }

std::string_view to_string(clock_chain chain) { return chain == clock_chain::add ? "add chain" : "multiply chain"; }

double cpu_clock_measure(double seconds, clock_chain chain) {
  if (!clock_chain_available(chain)) return 0;
  // Under load: every thread runs the chain at once, after a warm-up long enough for the cores
  // to reach the clock they hold under load. An interruption (another task, the hypervisor) can
  // only make a chain look slower, never faster, and a scheduler slice is a few milliseconds: each
  // thread times twelve short windows of seconds / 8 and keeps the fastest; the result is the mean
  // over threads.
  double sum = 0;
  int threads = 1;
  const double cycles_per_turn = 16.0 * clock_chain_latency(chain);
  const double window = seconds / 8;
#pragma omp parallel reduction(+ : sum)
  {
#pragma omp single
    threads = omp_get_num_threads();
    std::uint64_t turns = 1 << 8;
    while (chain_seconds(chain, turns) < window && turns < (std::uint64_t{1} << 40)) turns *= 2;
    const auto warm_until = std::chrono::steady_clock::now() + std::chrono::duration<double>(4 * seconds);
    while (std::chrono::steady_clock::now() < warm_until) chain_seconds(chain, turns);
    double best = chain_seconds(chain, turns);
    for (int i = 0; i < 11; ++i) best = std::min(best, chain_seconds(chain, turns));
    sum += static_cast<double>(turns) * cycles_per_turn / best;
  }
  return sum / threads;
}

cpu_clock clock_choose(const clock_readings& in) {
  cpu_clock c;
  c.readings = in;
  const bool from_cpufreq = in.max_hz.has_value();
  const double ceiling = from_cpufreq ? 1.15 * *in.max_hz : clock_ceiling_hz;
  const std::string ceiling_text = from_cpufreq ? fmt::format("1.15 x the cpufreq maximum of {:.2f} GHz", *in.max_hz / 1e9)
                                                : fmt::format("{:.1f} GHz, above any shipping core", clock_ceiling_hz / 1e9);
  auto plausible = [&](double hz, std::string_view what) {
    if (hz <= 0) return false;
    if (hz > ceiling) {
      c.rejected.push_back(fmt::format("{} read {:.2f} GHz, above {}", what, hz / 1e9, ceiling_text));
      return false;
    }
    if (hz < clock_floor_hz) {
      c.rejected.push_back(fmt::format("{} read {:.3f} GHz, below {:.1f} GHz (the process was descheduled?)", what, hz / 1e9,
                                       clock_floor_hz / 1e9));
      return false;
    }
    return true;
  };
  bool add_ok = plausible(in.add_chain_hz, "the add chain");
  const bool mul_ok = plausible(in.multiply_chain_hz, "the multiply chain");
  // A core that folds adds retires two or more per cycle: the add chain reads >= 2x. Below 1.75x
  // the difference is contention (another process took the core during one chain's timings).
  if (add_ok && mul_ok && in.add_chain_hz > 1.75 * in.multiply_chain_hz) {
    c.rejected.push_back(fmt::format("the add chain read {:.2f} GHz, {:.2f} x the multiply chain's {:.2f} GHz: this core retires more "
                                     "than one dependent add per cycle",
                                     in.add_chain_hz / 1e9, in.add_chain_hz / in.multiply_chain_hz, in.multiply_chain_hz / 1e9));
    add_ok = false;
  }
  auto agreement = [&]() -> std::string {
    if (!add_ok || !mul_ok) return "";
    const double ratio = in.add_chain_hz / in.multiply_chain_hz;
    if (ratio < 1.2 && ratio > 1 / 1.2) return fmt::format("; the multiply chain agrees ({:.2f} GHz)", in.multiply_chain_hz / 1e9);
    return fmt::format("; the multiply chain read {:.2f} GHz (slowed by contention, or this core's IMUL is not 3 cycles)",
                       in.multiply_chain_hz / 1e9);
  };
  if (add_ok) {
    c.hz = in.add_chain_hz;
    c.chain = clock_chain::add;
    c.basis = fmt::format("measured: a dependent register-add chain (1 cycle per add) on every thread under load{}", agreement());
  } else if (mul_ok) {
    c.hz = in.multiply_chain_hz;
    c.chain = clock_chain::multiply;
    c.basis = "measured: a dependent IMUL chain (3 cycles per multiply) on every thread under load";
  }
  // The fp32 peak kernel cannot beat the hardware: a chain clock far above the clock it implies
  // is wrong, unless a second, independent chain agrees (then the per-cycle figure is).
  if (c.hz > 0 && in.peak_implied_hz) {
    const double ratio = c.hz / *in.peak_implied_hz;
    if (ratio > 1.25 && !(add_ok && mul_ok)) {
      c.rejected.push_back(fmt::format("the {} read {:.2f} GHz, {:.2f} x the {:.2f} GHz the fp32 peak kernel implies", to_string(*c.chain),
                                       c.hz / 1e9, ratio, *in.peak_implied_hz / 1e9));
      c.hz = 0;
      c.chain.reset();
    } else if (ratio > 1.25 || ratio < 0.8) {
      c.notes.push_back(fmt::format("the fp32 peak kernel implies {:.2f} GHz at the estimated FLOP/cycle ({:.2f} x the measured clock): "
                                    "the per-cycle estimate does not fit this core (or other work shared the cores during the calibration), so % of peak may be off by that factor",
                                    *in.peak_implied_hz / 1e9, 1 / ratio));
    }
  }
  if (c.hz > 0) return c;
  c.chain.reset();
  if (in.peak_implied_hz && *in.peak_implied_hz <= ceiling) {
    c.hz = *in.peak_implied_hz;
    c.basis = "implied by the fp32 peak kernel (its FLOP/s / (threads x estimated FLOP/cycle)): no dependency chain gave a plausible "
              "reading; % of peak then compares with what the peak kernel reached";
  } else if (in.nominal_hz) {
    c.hz = *in.nominal_hz;
    c.basis = "nominal, not measured (cpufreq or /proc/cpuinfo): no measurement gave a plausible reading; the real clock under load "
              "can differ";
  } else {
    c.basis = "unknown: no plausible measurement and no nominal frequency";
  }
  return c;
}

cpu_clock cpu_clock_calibrate(const cpu_info& cpu, int threads, double seconds) {
  omp_set_num_threads(threads);
  clock_readings in;
  // Contention can only slow a chain: where the two chains disagree, measure both again (three
  // tries at most) and keep each one's fastest reading.
  for (int attempt = 0; attempt < 3; ++attempt) {
    in.add_chain_hz = std::max(in.add_chain_hz, cpu_clock_measure(seconds, clock_chain::add));
    if (!clock_chain_available(clock_chain::multiply)) break;
    in.multiply_chain_hz = std::max(in.multiply_chain_hz, cpu_clock_measure(seconds, clock_chain::multiply));
    const double ratio = in.add_chain_hz / std::max(in.multiply_chain_hz, 1.0);
    if (ratio < 1.1 && ratio > 1 / 1.1) break;
  }
  if (cpu.frequency.max_mhz) in.max_hz = *cpu.frequency.max_mhz * 1e6;
  if (cpu.frequency.max_mhz) in.nominal_hz = *cpu.frequency.max_mhz * 1e6;
  else if (cpu.frequency.base_mhz) in.nominal_hz = *cpu.frequency.base_mhz * 1e6;
  else if (cpu.frequency.current_mhz) in.nominal_hz = *cpu.frequency.current_mhz * 1e6;
  const auto precisions = cpu_precisions(cpu);
  const auto fp32 = std::ranges::find(precisions, precision::fp32, &precision_support::type);
  if (fp32 != precisions.end() && fp32->peak && fp32->peak->ops_per_cycle > 0)
    if (const double flops = cpu_fp32_peak_flops(cpu.isa, threads, seconds); flops > 0) {
      in.peak_implied_hz = flops / (threads * fp32->peak->ops_per_cycle);
      in.peak_ops_per_cycle = fp32->peak->ops_per_cycle;
    }
  return clock_choose(in);
}

std::optional<double> cpu_clock_recheck(const cpu_clock& calibrated, double seconds) {
  if (!calibrated.chain || calibrated.hz <= 0) return std::nullopt;
  const double hz = cpu_clock_measure(seconds, *calibrated.chain);
  // A reading far from the calibration (descheduled through all three timings, a host that
  // throttled for a moment) is not used; the calibrated clock stands in.
  if (hz < 0.85 * calibrated.hz || hz > 1.15 * calibrated.hz) return std::nullopt;
  return hz;
}

}  // namespace xpu
