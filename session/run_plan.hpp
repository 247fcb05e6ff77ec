#pragma once
// What a run measures and how, between the suites (suites/) and the command line (cli/): the
// devices chosen from the probe, every benchmark measured in worker processes (one per device) or
// in this process, and a fleet's runs gathered at rank 0. cli/run_command.cpp calls these as named
// steps and does the printing; nothing here writes to the terminal.
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inventory/inventory.hpp"
#include "results/run.hpp"
#include "session/fleet.hpp"
#include "session/worker.hpp"
#include "suites/runner.hpp"

namespace xpu {

struct selection_request {
  std::vector<std::string> devices;       // --device: only these (empty: every device found)
  std::vector<std::string> backends_off;  // --no-opencl, ...: not probed
  bool isolated = true;                   // the driver backends probed in child processes
  double open_timeout_s = 120;            // probing one backend
  int threads = 0;                        // --threads (0: the cores), checked against the processing units
  bool list = false;                      // --list: a selection that matches nothing is no error
};

struct device_selection {
  inventory machine;
  std::vector<std::string> skipped_backends;  // not probed: no selected device needs them, or --no-X
  std::vector<device_info> selected;          // to be measured, in the inventory's order
  std::vector<std::string> without;           // devices not measured, each with the reason
  bool none_left = false;                     // a fleet rank whose node's devices all went to its other ranks
};

// The machine probed, and the devices to measure. A backend no selected device needs is not
// loaded: `--device cpu0` works beside a broken driver. Under a fleet, the node's ranks probe in
// turn and share the node's devices out. An error is what the command says before it exits with
// 2 (an empty message: the fleet was stopped while waiting its turn, and has said so).
result<device_selection> select_devices(const selection_request& request, const suite& s, const run_options& options, fleet_member* fleet,
                                        const std::atomic<bool>& stop);

// Every benchmark: with `iso`, in one worker process per selected device, one device after another
// (the seconds each took are returned), the kernels of them all built first (prebuild_devices, when
// iso asks for helpers: r.context.prebuild); without, `cases` in this process. Rows land in r as they
// are measured (on_result after each); a device that cannot be measured is added to `without`.
std::map<std::string, double> measure_devices(const std::vector<device_info>& selected, const isolation* iso, const std::vector<planned_case>& cases,
                                              const run_options& options, run& r, const std::function<void(const run&)>& on_result,
                                              interruption in, std::vector<std::string>& without);

// The pages the measuring processes' host buffers live on. With `workers`, the worker processes
// are asked to put every buffer of 2 MiB and more on transparent huge pages where the kernel gives
// them on request (THP "madvise", the default of Debian and Ubuntu): glibc 2.35's
// glibc.malloc.hugetlb=1 tunable in their environment only (this process's is left alone).
// Preparing and verifying a 256 MiB stream then takes a third of the time it takes on 4 KiB pages
// (page faults), and the CPU's streams are measured on the pages STREAM gets where THP is "always".
// A GLIBC_TUNABLES that already chooses (glibc.malloc.hugetlb=...) is kept and recorded as it is.
struct host_pages_choice {
  std::string record;                    // what the run records (context.host_pages)
  std::vector<std::string> environment;  // for isolation::environment: "GLIBC_TUNABLES=..." or nothing
};
host_pages_choice host_pages(bool workers);

// A fleet's runs brought together: the other ranks send theirs to rank 0, which adds them to r.
// `own_seconds`: how long rank 0's run took, from which its wait for the others is derived unless
// `timeout_s` is given.
void fleet_gather(fleet_member& fleet, run& r, bool none_left, double own_seconds, double timeout_s, const std::atomic<bool>& stop);

}  // namespace xpu
