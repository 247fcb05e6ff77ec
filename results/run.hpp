#pragma once
// What a run is: its context (the machine, the build, the command) and one measurement row per
// (device, problem, implementation). Every row has a status; a row that is not ok has a reason.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model_profile.hpp"
#include "ops/workload.hpp"
#include "inventory/inventory.hpp"
#include "results/statistics.hpp"

namespace xpu {


// What else ran on the machine while a measurement's repetitions were timed (/proc/stat and
// /proc/self/stat around the Google Benchmark invocation): CPU time stolen by the hypervisor and
// CPU time used by other processes, each as a fraction of the machine's CPU time in that window.
struct contention {
  bool measured = false;          // false where /proc is not readable (the reason is in `reason`)
  double steal_fraction = 0;
  double other_fraction = 0;
  bool busy = false;              // above the thresholds below: the row may be slower than the machine is
  std::string reason;
};
inline constexpr double busy_steal_fraction = 0.05;
inline constexpr double busy_other_fraction = 0.25;  // ticks are 10 ms: short windows read 5-11 % from rounding alone

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
  std::string dispatch;           // the library's own kernel choice: "brg:avx512_core_vnni", "OpenBLAS Haswell kernels, 2 OpenMP threads"
  std::string dispatch_warning;   // the library runs kernels for an older ISA than the CPU has, and how to fix it
  double injected_slowdown = 0;   // test-only fault injection (--inject-slowdown): busy time added inside the timed region, as a fraction

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
  std::optional<double> median_uncertainty;  // half-width of the distribution-free 95 % interval of the median, / median
  bool noisy = false;             // median_uncertainty above the run's noisy threshold
  double wall_s = 0;              // wall time of the whole benchmark: preparing, verifying, tuning, measuring (0: not recorded)
  std::string stopped_by;         // why it took no more repetitions: fixed, converged, budget, max_repetitions, interrupted ("": not measured)
  contention load;                // the contention sentinel
  xpu::verification verification;

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

// A row whose throughput may be shown and compared: ok, with a positive throughput, and verified
// (or with nothing to verify).
inline bool usable_result(const measurement& m) {
  return m.state == status::ok && m.ops_per_s && *m.ops_per_s > 0 && (!m.verification.checked || m.verification.passed);
}

// How the CPU clock behind CPU % of peak was measured and chosen (kernels/cpu: cpu_clock).
struct clock_record {
  double hz = 0;                  // the clock used (0: unknown)
  std::string method;             // "add chain", "multiply chain", "peak-implied", "nominal" or ""
  std::string basis;              // the choice, in words
  std::vector<std::string> rejected;
  std::vector<std::string> notes;
  double add_chain_hz = 0;        // each reading, 0 / absent where not measured
  double multiply_chain_hz = 0;
  std::optional<double> peak_implied_hz;
  std::optional<double> peak_ops_per_cycle;
  std::optional<double> nominal_hz;
};

// The kernels built before any timing (session/worker.hpp: prebuild_devices).
struct prebuild_record {
  double seconds = 0;                // the step's wall time
  int processes = 0;                 // per device
  std::size_t built = 0;             // cases whose kernels were built
  std::size_t found = 0;             // cases an earlier run built (not built again)
  std::vector<std::string> devices;  // the devices whose kernels were built
  std::vector<std::string> notes;    // what went wrong in a process
};

struct run_context {
  std::string xpubench_version;
  std::string git_sha;
  std::string started_at;
  std::string command_line;
  std::string suite;
  int repetitions = 0;          // fixed sampling: per benchmark; adaptive: the minimum
  double min_time_s = 0;
  std::string sampling;         // "adaptive" or "fixed" ("" in runs from before adaptive sampling: fixed)
  int max_repetitions = 0;      // adaptive: the cap per benchmark
  double budget_s = 0;          // adaptive: wall seconds of repetitions per benchmark
  double noisy_threshold = 0;   // a row is noisy when its median is uncertain by more than this fraction
  int threads = 0;
  std::optional<double> measured_clock_hz;  // the clock CPU % of peak uses (clock.hz); absent when unknown
  clock_record clock;
  std::string libraries;
  std::string host_pages;         // the pages the measuring processes' host buffers live on (session/run_plan.hpp)
  std::uint64_t seed = 0;
  bool interrupted = false;
  bool finished = false;          // every planned benchmark ran and the run was written whole
  std::string interrupted_by;     // "SIGINT", "SIGTERM", "SIGHUP"
  std::string resumed_from;       // --resume: the run file whose rows this run kept
  std::optional<prebuild_record> prebuild;  // absent: no kernels were built before timing
  std::map<std::string, double> idle_w;     // device id -> idle power (--idle-baseline)
  std::optional<model_profile> model;       // the suite's [model]: what one token costs in its problems
  inventory machine;
};

struct run;

// One rank of a fleet run (`mpirun ... xpubench run`): its host, what became of it, and the run it
// sent (none when it sent nothing: it crashed, timed out or was stopped with the job).
struct fleet_host {
  int rank = 0;
  std::string host;
  std::string state;   // "ok", "interrupted", "failed" (it reported an error) or "missing" (no report)
  std::string reason;  // for every state but ok
  int exit_code = 0;
  std::shared_ptr<const run> measured;  // rank 0's is the run this one is in (not repeated)
};

struct run {
  run_context context;
  std::vector<measurement> measurements;
  // A fleet run, in rank 0's file: every rank, rank 0 first (empty for a run on one machine).
  std::vector<fleet_host> fleet;
};

}  // namespace xpu
