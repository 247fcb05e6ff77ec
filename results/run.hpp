#pragma once
// What a run is: its context (the machine, the build, the command) and one measurement row per
// (device, problem, implementation). Every row has a status; a row that is not ok has a reason.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "probe/inventory.hpp"
#include "results/statistics.hpp"

namespace xpu {

struct verification_result {
  bool checked = false;           // false: nothing to verify (the reason is in message)
  bool passed = false;
  double rel_l2_error = 0;
  double max_abs_error = 0;
  std::uint64_t elements_checked = 0;
  std::uint64_t elements_total = 0;
  bool exact = false;             // the tolerance is exact equality
  double tolerance = 0;           // relative L2 bound when not exact
  std::string tolerance_basis;
  std::string message;
};

struct measurement {
  std::string name;               // stable key: "cpu0/gemm/fp32/m1024n1024k1024/onednn"
  std::string device;             // "cpu0"
  std::string backend;            // "cpu"
  std::string kernel;             // "gemm"
  std::string precision;          // "fp32"
  std::string problem;            // "gemm/fp32/m1024n1024k1024"
  std::string implementation;     // "onednn"
  status state = status::ok;
  std::string reason;             // why not ok
  std::string support;            // native | emulated | unsupported
  std::string support_reason;
  std::string notes;

  std::vector<double> samples_s;  // seconds per launch, one per repetition (device time where the device times itself)
  std::vector<double> host_samples_s;  // host wall seconds per launch around the same launches (enqueue to completion)
  std::int64_t launches = 0;      // launches timed per repetition (Google Benchmark's iterations)
  std::optional<sample_stats> time_s;
  double ops = 0;                 // per launch, from the workload
  std::string ops_unit;           // "FLOP", "OP", "element", "B", "launch"
  double bytes = 0;               // minimum bytes per launch
  std::optional<double> ops_per_s;    // at the median time
  std::optional<double> bytes_per_s;  // at the median time
  std::optional<double> percent_of_peak;
  std::string peak_basis;         // which peak: "measured clock ..." or "estimate ..."
  bool noisy = false;             // cv above the run's threshold
  verification_result verification;

  // Energy, from the sensor that covers the device, read around each repetition's timed region.
  std::vector<double> energy_samples_j;   // joules per launch, one per repetition
  std::optional<double> energy_j;         // median joules per launch
  std::optional<double> average_w;        // mean power over the timed regions
  std::optional<double> idle_corrected_w; // average_w minus the idle baseline (--idle-baseline)
  std::optional<double> ops_per_joule;    // = ops per second per watt ("ops/W")
  std::string energy_sensor;              // which sensor(s)
  std::optional<double> energy_sample_hz; // for sampled power sensors
  std::string energy_reason;              // why there is no energy figure
};

struct run_context {
  std::string xpubench_version;
  std::string git_sha;
  std::string started_at;
  std::string command_line;
  std::string suite;
  int repetitions = 0;
  double min_time_s = 0;
  double noisy_cv = 0;
  int threads = 0;
  std::optional<double> measured_clock_hz;  // the CPU's effective clock under load
  std::string libraries;
  std::uint64_t seed = 0;
  bool interrupted = false;
  std::map<std::string, double> idle_w;     // device id -> idle power (--idle-baseline)
  inventory machine;
};

struct run {
  run_context context;
  std::vector<measurement> measurements;
};

}  // namespace xpu
