#pragma once
// `xpubench run` isolated (issue 12): the supervising process never loads a GPU driver. Each
// selected device is measured by a worker process (`xpubench run --worker`, the same binary) under
// a per-benchmark watchdog; a worker that crashes or hangs costs the benchmark it was running (a
// `crashed` or `timeout` row with the signal or the time and its last stderr lines), and a fresh
// worker goes on with the rest. Both ends of the protocol are here.
//
// The supervisor writes the worker's stdin, one line each, before it starts:
//   options <JSON object>         the run's options (what the supervisor's command line said)
//   device <JSON string>          the one device to measure
//   clock <clock_record JSON>     the run's CPU clock calibration
//   idle <{"device": watts} JSON> the idle baseline, when measured
//   row <measurement JSON>        a row this device already has (skipped; its peaks are used)
// and the worker answers on its stdout:
//   unavailable <message>         the device cannot be opened: no benchmark runs on it
//   plan <count> [<JSON array>]   the cases left to run, and each one's wall time in an earlier run
//                                 on this host (-1: none; the progress line's estimate)
//   start <measurement JSON>      a case begins (its row skeleton)
//   result <measurement JSON>     a case's finished row
//   interrupted                   it stopped early on a signal
// A helper that builds kernels before the run's timing (options carry `prebuild`) answers instead:
//   building <JSON string>        it starts building this case's kernels
//   built <JSON string>           it has (a case that failed to build says nothing)
//   found <JSON string>           an earlier run built this case: not built again
#include <atomic>
#include <cstdio>
#include <functional>
#include <istream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "probe/machine.hpp"
#include "results/run.hpp"
#include "suites/runner.hpp"

namespace xpu {

// ---- the supervisor's side

struct isolation {
  nlohmann::json options = nlohmann::json::object();  // the worker's `options` line
  double timeout_s = 300;                // per benchmark, from its start line to its result
  double open_timeout_s = 120;           // probing, opening the device and planning
  progress_sink progress = progress_to(stderr);  // empty: quiet
  std::vector<std::string> environment;  // "NAME=value" entries the workers get beside this process's environment
  int prebuild_helpers = 0;              // processes per device building kernels before any timing (0: none; prebuild_devices)
};

// Signals the supervisor has received (SIGINT, SIGTERM, SIGHUP): the first lets the worker finish
// its benchmark and stop; the second kills it at once.
struct interruption {
  const std::atomic<bool>& stop;
  const std::atomic<int>& count;
};

// Measures every selected case of device `d` in worker processes, appending rows to r and calling
// on_result after each; a device that cannot be opened adds a line to `without` instead.
void supervise_device(const device_info& d, const isolation& iso, run& r, const std::function<void(const run&)>& on_result,
                      interruption in, std::vector<std::string>& without);

// Before any timing (issue 30), the kernels of every device whose backend builds them at run time
// (probe/registry: OpenCL programs, Vulkan pipelines, the GEMM tiles tuned) are built by
// iso.prebuild_helpers worker processes per device, all devices at once, sharing the cases out
// (core/build_gate: a tuner's timed launches run while no other helper compiles). Drivers cache
// what was built (PoCL's program cache, Mesa's shader cache, the tuning cache) and the measuring
// worker finds it there. Cases this binary built before for the same device and driver (a record
// in the user's cache folder) are not built again. A helper that fails, crashes or hangs (killed
// after iso.timeout_s on one case) costs only its own time: the measuring worker builds what is
// left and reports what fails.
// Nothing (nullopt) when no device builds at run time or no helpers were asked for.
// A resumed run's rows (in r) are not built again.
std::optional<prebuild_record> prebuild_devices(const std::vector<device_info>& devices, const isolation& iso, const run& r, interruption in);

// ---- the worker's side

// What the supervisor sent before the worker starts.
struct worker_input {
  nlohmann::json options = nlohmann::json::object();
  std::string device;
  clock_record clock;
  std::map<std::string, double> idle;
  std::vector<measurement> rows;
};

// The supervisor's lines for `in` (what supervise_device writes).
std::string worker_input_text(const worker_input& in);

// Reads the supervisor's lines until the end of `in`; an error names a line that is not what the
// protocol says (the worker answers it with `unavailable`).
result<worker_input> worker_input_read(std::istream& in);

// The worker's answers, on the standard output it was started with; from its creation on, whatever
// else writes to stdout (a driver's chatter) lands on stderr, which the supervisor forwards.
class worker_output {
 public:
  static result<worker_output> take_stdout();
  worker_output(worker_output&& o) noexcept : m_out(std::exchange(o.m_out, nullptr)) {}
  worker_output& operator=(worker_output&&) = delete;
  ~worker_output();

  void unavailable(std::string_view why) { line("unavailable", why); }
  void plan(std::size_t cases, const std::vector<double>& estimates = {}) {
    line("plan", std::to_string(cases) + (estimates.empty() ? "" : " " + nlohmann::json(estimates).dump()));
  }
  void start(const measurement& m);
  void finished(const measurement& m);
  void interrupted() { line("interrupted"); }
  void building(const std::string& name);
  void built(const std::string& name);
  void found(const std::string& name);

 private:
  explicit worker_output(std::FILE* out) : m_out(out) {}
  void line(std::string_view kind, std::string_view payload = {});
  std::FILE* m_out = nullptr;
};

}  // namespace xpu
