#pragma once
// What a row derives from what was measured, beside the device: statistics and throughput from
// its samples, energy from the meter's readings, and `% of peak` against the device's peak.
// Plain functions over results (the runner measures; nothing here touches a device).
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "inventory/device.hpp"
#include "results/run.hpp"

namespace xpu {

// Fills the timing-derived fields of m (stats, throughput, median uncertainty, noisy) from its samples.
void measurement_finish(measurement& m, double noisy_threshold);

// How the run's rows were sampled, in a sentence: "adaptive sampling (6 to 30 repetitions, at most
// 250 ms each): 73 converged, 27 stopped at the budget" or "fixed sampling: 5 repetitions each";
// empty for a run that records neither.
std::string sampling_summary(const run& r);

// One energy-meter window: around one Google Benchmark invocation of `launches` launches.
struct energy_window_reading {
  std::int64_t launches = 0;
  double joules = 0, seconds = 0;
  std::optional<double> sample_hz;
  std::string error;  // the meter's
};

// Energy per launch, average and idle-corrected watts and ops per joule from the readings of the
// repetitions (the last `repetitions` windows); the reason when there are none or one failed.
void energy_finish(measurement& m, std::span<const energy_window_reading> reps, std::size_t repetitions, const run& r);

// `% of peak` and its basis for a compute-bound row of device d: the CPU's cores x clock x
// ops/cycle (clock_hz: re-measured right before the benchmark, else the run's calibration), else a
// measured peak of the same device and of the precision the kernel computes in, else the estimate.
void percent_of_peak(measurement& m, const device_info& d, precision stored, precision computes, const run& r, std::optional<double> clock_hz);

}  // namespace xpu
