#pragma once
// The CPU backend: oneDNN and OpenBLAS for GEMM and convolution, our own vectorized,
// multi-threaded kernels (OpenMP) for reductions, bandwidth, peak compute and launch latency.
#include <memory>

#include "kernels/backend.hpp"
#include "probe/cpu.hpp"

namespace xpu {

struct cpu_clock;
struct cpu_options {
  int threads = 0;                           // 0: every core
  std::shared_ptr<const cpu_clock> clock;    // the run's calibration; null: the device calibrates on first use
};

std::unique_ptr<device> cpu_device_create(const device_info& info, const cpu_info& cpu, const cpu_options& options);

// The effective core clock under load. A dependency chain of 16 instructions per loop turn runs
// on every OpenMP thread at once, after a warm-up of 4 x `seconds`, timed in twelve windows of
// `seconds` / 8 (shorter than a scheduler slice); the result is the mean over threads of each
// thread's fastest window, in Hz (0 where the chain is not available on this CPU).
enum class clock_chain { add, multiply };
std::string_view to_string(clock_chain chain);
bool clock_chain_available(clock_chain chain);  // add: x86-64 and AArch64; multiply: x86-64
int clock_chain_latency(clock_chain chain);      // cycles per instruction of the chain: 1 and 3
double cpu_clock_measure(double seconds = 0.01, clock_chain chain = clock_chain::add);

// What the calibration read, before any choice.
struct clock_readings {
  double add_chain_hz = 0;                   // 0: not measured
  double multiply_chain_hz = 0;              // 0: not measured (x86 only)
  std::optional<double> peak_implied_hz;     // fp32 peak kernel FLOP/s / (threads x FLOP/cycle)
  std::optional<double> peak_ops_per_cycle;  // the FLOP/cycle estimate that figure used
  std::optional<double> max_hz;              // cpufreq's maximum
  std::optional<double> nominal_hz;          // cpufreq max, base or /proc/cpuinfo
};

// The clock % of peak multiplies by, and how it was chosen. A chain reading above the plausible
// ceiling (cpufreq's maximum + 15 %, else clock_ceiling_hz), an add chain 1.75 x the multiply
// chain or more (a core that folds adds: two or more per cycle), or a chain far above the clock the peak kernel
// implies is rejected with the reason; the fallbacks are the implied clock, then the nominal
// one, each labelled in `basis`.
inline constexpr double clock_ceiling_hz = 6.5e9;
inline constexpr double clock_floor_hz = 0.2e9;
struct cpu_clock {
  double hz = 0;                             // 0: unknown
  std::optional<clock_chain> chain;          // the chain that measured hz (re-measured per benchmark)
  std::string basis;
  std::vector<std::string> rejected;         // readings not used, and why
  std::vector<std::string> notes;            // e.g. the per-cycle estimate does not fit this core
  clock_readings readings;
};
cpu_clock clock_choose(const clock_readings& in);  // pure: the decision alone
cpu_clock cpu_clock_calibrate(const cpu_info& cpu, int threads, double seconds = 0.01);
// The chosen chain measured again (right before a benchmark); nullopt when there is no chain or
// the reading strays more than 15 % from the calibration.
std::optional<double> cpu_clock_recheck(const cpu_clock& calibrated, double seconds = 0.01);

// FLOP/s of the fp32 peak kernel on `threads` threads: the fastest of twelve launches of about
// `seconds` / 8;
// 0 where the CPU has no fp32 peak path.
double cpu_fp32_peak_flops(const cpu_isa& isa, int threads, double seconds);

// Library versions, for the run's context: "oneDNN 2.6.3 (OpenMP)", "OpenBLAS 0.3.21 ...".
std::string cpu_libraries();

}  // namespace xpu
