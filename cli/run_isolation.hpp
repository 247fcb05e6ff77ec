#pragma once
// `xpubench run` isolated (issue 12): the supervising process never loads a GPU driver. Each
// selected device is measured by a worker process (`xpubench run --worker --device ID`, the same
// binary) under a per-benchmark watchdog; a worker that crashes or hangs costs the benchmark it
// was running (a `crashed` or `timeout` row with the signal or the time and its last stderr
// lines), and a fresh worker goes on with the rest. GPU backends are probed in child processes
// under a timeout too.
//
// The protocol: the supervisor writes the worker's stdin, one line each, before it starts:
//   clock <clock_record JSON>     the run's CPU clock calibration
//   idle <{"device": watts} JSON> the idle baseline, when measured
//   row <measurement JSON>        a row this device already has (skipped; its peaks are used)
// and the worker answers on its stdout:
//   unavailable <message>         the device cannot be opened: no benchmark runs on it
//   plan <count>                  the cases left to run
//   start <measurement JSON>      a case begins (its row skeleton)
//   result <measurement JSON>     a case's finished row
//   interrupted                   it stopped early on a signal
#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "probe/machine.hpp"
#include "results/run.hpp"
#include "suites/runner.hpp"

namespace xpu {

struct isolation {
  std::vector<std::string> worker_argv;  // the worker command, without --device
  double timeout_s = 300;                // per benchmark, from its start line to its result
  double open_timeout_s = 120;           // probing, opening the device and planning
  progress_sink progress = progress_to(stderr);  // empty: quiet
};

// Signals the supervisor has received (SIGINT, SIGTERM, SIGHUP): the first lets the worker finish
// its benchmark and stop; the second kills it at once.
struct interruption {
  const std::atomic<bool>& stop;
  const std::atomic<int>& count;
};

// Descriptors 0-2 open (a child's pipes must not land on them), SIGCHLD not ignored (else children
// are reaped behind waitpid's back), SIGPIPE ignored (a reader that goes away is a write error,
// reported, not a silent death): called first by every command that starts children.
void supervisor_process_setup();

// This executable, for re-executing itself: "/proc/self/exe" (in a forked child, still this binary).
std::string self_executable();

// Measures every selected case of device `d` in worker processes, appending rows to r and calling
// on_result after each; a device that cannot be opened adds a line to `without` instead.
void supervise_device(const device_info& d, const isolation& iso, run& r, const std::function<void(const run&)>& on_result,
                      interruption in, std::vector<std::string>& without);

// Probes device backend `backend` (probe/registry.cpp) in a child process (`xpubench probe
// --in-process --format json` with every other backend off) and puts its devices and status into
// inv; a probe that crashes or outlives timeout_s leaves the backend unavailable with the reason.
void probe_backend_isolated(std::string_view backend, double timeout_s, inventory& inv);

// Probes the machine, minus the backends in options.skip; the backends that load drivers are
// probed in child processes (probe_backend_isolated), all at once and beside the in-process probe,
// unless in_process.
result<inventory> probe_machine_isolated(probe_options options, bool in_process, double timeout_s);

// The `--no-<backend>` flags of every device backend, each adding its name to `off`.
void backend_off_flags(CLI::App& sub, std::vector<std::string>& off, std::string_view what);

// The worker's side: writes protocol lines to `out` (a FILE the worker owns).
void protocol_line(std::FILE* out, std::string_view kind, std::string_view payload = {});

}  // namespace xpu
