#pragma once
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/registry.hpp"
#include "session/fleet.hpp"
#include "session/worker.hpp"
#include "suites/runner.hpp"

namespace xpu {

// `xpubench run`: a suite on the selected devices; JSON and CSV written as each result lands.
struct run_command {
  std::string suite = "quick";
  std::vector<std::string> devices, kernels, precisions;
  std::string filter;
  bool list = false;
  int repetitions = 0;
  double min_time = 0;
  std::string sampling;        // adaptive | fixed; "": the suite's (fixed when --repetitions is given)
  int max_reps = 0;            // adaptive: the cap; 0: the suite's
  double budget_s = 0;         // adaptive: seconds per benchmark; 0: the suite's
  double noisy_threshold = 0.025;
  std::vector<std::string> inject_slowdown;  // test-only: REGEX=FRACTION
  int threads = 0;
  std::uint64_t seed = 42;
  std::string json, csv;
  bool csv_raw = false;  // --csv-raw: CSV cells without the formula defence
  std::string html;            // the HTML report of the run, written at the end
  std::string format;          // json | md: the run or its report to standard output
  bool quiet = false;          // no progress, no report: errors only
  bool keep_results = false;   // the main job: the run's JSON and HTML go to a results folder (results_folder())
  bool fail_on_invalid = false;
  bool idle_baseline = false;
  bool no_tune = false;                       // = --backend-option opencl.tune=off
  std::vector<std::string> backend_option_specs;  // BACKEND.KEY=VALUE
  std::vector<std::string> backends_off;      // --no-opencl, --no-vulkan, ... (probe/registry.cpp)
  double fleet_timeout_s = 0;  // mpirun/srun: how long rank 0 waits for the others (0: derived from its own time)
  double timeout_s = 0;        // per benchmark; 0: derived from repetitions x min_time (default_timeout)
  bool in_process = false;     // no worker processes (debuggers, profilers)
  std::string resume;          // a run file whose rows are kept; only the missing ones are measured
  bool resume_foreign = false; // keep them even from another machine, suite or build
  bool no_prebuild = false;    // --no-prebuild: each benchmark builds its kernels when it runs
  bool worker = false;         // internal: this process is a worker of a supervising `run`
  const worker_input* from_supervisor = nullptr;  // the worker's input and answers (run_as_worker)
  worker_output* to_supervisor = nullptr;
  bool show_probe = false;  // the main job prints the probe report first
  std::string command_line;

  void add_options(CLI::App& sub);
  // How each benchmark is sampled: these options over the suite's settings.
  sampling_rule sampling_rule_for(const xpu::suite& s) const;
  int run() const;

  // The options a worker needs, as the protocol's `options` line carries them (run_options.cpp);
  // apply_worker_options(worker_options()) on a default command gives these options back.
  nlohmann::json worker_options() const;
  result<void> apply_worker_options(const nlohmann::json& options);
  // The first of those options that is not UTF-8 ("--filter '...'"), which JSON cannot carry.
  std::optional<std::string> not_utf8() const;

 private:
  struct session;  // the steps of one run in this process (run_command.cpp)
  // The run; `fleet`: this rank of a fleet run (mpirun/srun with more than one rank), else null.
  int run_here(fleet_member* fleet) const;
  // --worker: reads the supervisor's input (session/worker.hpp), takes its options, then run_here.
  int run_as_worker() const;
  int run_worker(const xpu::suite& s, run_options options) const;

  result<std::unique_ptr<device>> open_device(const device_info& d, const cpu_info& cpu, std::shared_ptr<const cpu_clock> clock) const;
  // The --backend-option values (and --no-tune), by backend; an error names a bad one.
  result<std::map<std::string, backend_options, std::less<>>> backend_options_parse() const;
};

}  // namespace xpu
