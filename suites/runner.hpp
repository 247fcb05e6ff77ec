#pragma once
// The runner: for each (device, problem, implementation) of a suite, prepare, verify once against
// the reference, then measure with Google Benchmark (manual time: the backend times itself),
// and hand each finished measurement to the caller at once, so nothing measured is lost.
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/pattern.hpp"
#include "kernels/backend.hpp"
#include "probe/energy.hpp"
#include "results/measurement_figures.hpp"
#include "results/run.hpp"
#include "suites/sampling.hpp"
#include "suites/suite.hpp"

namespace xpu {

// Where progress goes, piece by piece: a case's start ("[3/90  12s] cpu0/gemm/... ...") and its end
// (" 1.2 TFLOP/s" and a newline); empty: quiet. progress_to(stderr) writes and flushes each piece.
using progress_sink = std::function<void(std::string_view)>;
progress_sink progress_to(std::FILE* f);
// On a terminal: one line, rewritten as each case starts and ends, cut to `width` columns (the
// report after the run lists every row). The caller clears the line at the end ("\r\033[K").
progress_sink progress_to_terminal(std::FILE* f, std::size_t width);
// `left_s`: the estimate of what is left (progress_left); without one, the mean time of the cases
// so far times the cases left.
std::string progress_start(std::size_t index, std::size_t total, double elapsed_s, std::string_view name, std::optional<double> left_s = std::nullopt);
// The seconds left before case `index` of cases with these earlier times (a negative one: none),
// `elapsed_s` after the first: the estimates of the cases left, scaled by how this run compares
// with them so far (elapsed / the estimates of the cases done); a case without one counts as the
// mean of the others. nullopt when no case has an estimate.
std::optional<double> progress_left(std::span<const double> estimates, std::size_t index, double elapsed_s);
std::string progress_end(const measurement& m);

struct run_options {
  std::vector<std::string> devices;     // ids; empty: all
  std::vector<std::string> kernels;     // kernel kinds; empty: all
  std::vector<std::string> precisions;  // empty: all
  std::optional<name_pattern> filter;     // on the measurement name
  double noisy_threshold = 0.025;       // a result is noisy when its median is uncertain by more than this fraction (95 %)
  // Test-only fault injection (--inject-slowdown REGEX=FRACTION): matching benchmarks spin for
  // FRACTION of each launch's time inside the timed region. Recorded on the row.
  std::vector<std::pair<name_pattern, double>> inject_slowdown;
  std::uint64_t seed = 42;
  progress_sink progress = progress_to(stderr);
  std::map<std::string, double> earlier_wall_s;  // benchmark name -> its wall time in an earlier run (the progress line's estimate)
  energy_options energy;                // how sensors are read (NVML library, sampling period)
};

// Measures each device's idle power for `seconds` (the --idle-baseline), for the devices that
// have a readable sensor; the others are left out.
std::map<std::string, double> idle_baseline(const std::vector<device_info>& devices, const power_inventory& power,
                                            const energy_options& options, double seconds = 1.0);

struct planned_case {
  device* dev = nullptr;
  problem prob;
  std::string implementation;           // empty when the device does not support the problem
  support sup;
  std::string name;                     // "cpu0/gemm/fp32/m1024n1024k1024/onednn"
};

// A case's name: "cpu0/gemm/fp32/m1024n1024k1024/onednn" (no implementation: unsupported).
std::string case_name(std::string_view device_id, const problem& p, std::string_view implementation);

// Whether any case of the suite on these devices could pass the kernel, precision and name
// filters, whatever the devices support (the check a supervisor makes before it starts workers).
bool plan_may_match(const suite& s, const std::vector<device_info>& devices, const run_options& options);

// What would run, in order (peak micro-benchmarks first so later rows can use measured peaks).
std::vector<planned_case> plan_cases(const suite& s, const std::vector<device*>& devices, const run_options& options);

// Each case's wall time in an earlier run (`earlier`), -1 where none, 0 for an unsupported case.
std::vector<double> earlier_estimates(const std::vector<planned_case>& cases, const std::map<std::string, double>& earlier);

// Runs the cases; each finished measurement is appended to r.measurements and passed to
// on_result; on_start (when set) gets each case's row skeleton right before it runs. Stops early
// (r.context.interrupted) when `stop` becomes true.
void run_cases(const std::vector<planned_case>& cases, const run_options& options, run& r,
               const std::function<void(const run&)>& on_result, const std::atomic<bool>& stop,
               const std::function<void(const measurement&)>& on_start = {});

// Builds what each case builds before its timing (issue 30: OpenCL programs, Vulkan pipelines,
// GEMM tiles tuned and cached), verifying and timing nothing else: the cases `claim` hands out (an
// index into cases; nullopt: none left), each prepared from its inputs and launched once inside a
// build_gate::building section; `started` before and `built` after each case it prepared. A case
// that needs more than `memory_share` of what the measuring worker may use is left out (the helpers
// run side by side), as is one that fails here: the measuring worker builds it, and says why it fails.
// A helper holds one case's inputs at a time (kept for its next case when that measures the same problem).
void prebuild_cases(const std::vector<planned_case>& cases, const run_options& options, const run& r, double memory_share,
                    const std::function<std::optional<std::size_t>()>& claim, const std::function<void(const planned_case&)>& started,
                    const std::function<void(const planned_case&)>& built);

// The sampling rule of a run (its context's record, resolved; a context from before adaptive
// sampling is fixed), and the record of a rule in a context (min_time_s already set).
sampling_rule sampling_of(const run_context& c);
void sampling_record(run_context& c, const sampling_rule& rule);

// A case's row before anything is measured: names, problem, support, ops and bytes (the state a
// supervisor records when the process running the case dies).
measurement measurement_skeleton(const planned_case& c);

}  // namespace xpu
