#include "cli/run_command.hpp"
#include "cli/options.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <numeric>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "cli/output.hpp"
#include "cli/run_options.hpp"
#include "core/build_gate.hpp"
#include "core/units.hpp"
#include "kernels/registry.hpp"
#include "ops/operation.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"
#include "reporters/fleet_report.hpp"
#include "reporters/inventory_report.hpp"
#include "reporters/run_csv.hpp"
#include "reporters/run_report.hpp"
#include "reporters/runs_report.hpp"
#include "results/estimate.hpp"
#include "results/run_json.hpp"
#include "session/run_plan.hpp"
#include "session/subprocess.hpp"
#include "suites/runner.hpp"
#include "xpubench/version.hpp"

namespace xpu {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};   // the first signal received
std::atomic<int> g_signals{0};  // how many: the second kills the running worker at once

std::atomic<bool> g_escalate{false};  // in one process: the second signal ends it at once (nothing to kill)

extern "C" void on_interrupt(int sig) {
  const int before = g_signals.fetch_add(1);
  if (before == 0) g_signal.store(sig);
  g_stop.store(true);
  if (before > 0 && g_escalate.load()) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

// Installs on_interrupt for SIGINT, SIGTERM and SIGHUP, except for a signal the caller ignores
// (`nohup` ignores SIGHUP; a background job in a script, SIGINT): that stays ignored. Returns
// the previous handlers, for restore_signals.
std::vector<std::pair<int, void (*)(int)>> catch_signals() {
  std::vector<std::pair<int, void (*)(int)>> previous;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    auto old = std::signal(sig, on_interrupt);
    if (old == SIG_IGN) std::signal(sig, SIG_IGN);
    previous.emplace_back(sig, old);
  }
  return previous;
}

void restore_signals(const std::vector<std::pair<int, void (*)(int)>>& previous) {
  for (auto [sig, handler] : previous) std::signal(sig, handler);
}


std::string signal_name(int sig) { return sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGINT"; }

// How a run sampled its rows, in words that compare equal only for the same settings (a run from
// before adaptive sampling was fixed).
std::string sampling_settings(const run_context& c) {
  if (c.sampling != "adaptive") return fmt::format("fixed, {} repetition(s) of at least {} s", c.repetitions, c.min_time_s);
  return fmt::format("adaptive, {} to {} repetition(s) of at least {} s, budget {} s, until +-{}", c.repetitions, c.max_repetitions, c.min_time_s,
                     c.budget_s, c.noisy_threshold);
}

// Earlier runs' times on this host (the results folder) of runs with the same sampling settings
// (run --list, the progress line's estimate).
earlier_times earlier_like(const run_context& planned, const std::string& host) {
  return earlier_times_load(results_base(), host, [&](const run_context& c) {
    return sampling_settings(c) == sampling_settings(planned) && c.noisy_threshold == planned.noisy_threshold;
  });
}

// The context's sampling settings for a suite and these options (before anything is measured).
run_context planned_sampling(const run_command& c, const xpu::suite& s) {
  run_context planned;
  planned.min_time_s = c.min_time > 0 ? c.min_time : s.min_time_s;
  planned.noisy_threshold = c.noisy_threshold;
  sampling_record(planned, c.sampling_rule_for(s));
  return planned;
}

// The watchdog's default: generous beside what a benchmark is asked to take (Google Benchmark
// runs each repetition for at least min_time; adaptive sampling up to its budget), never under
// five minutes (OpenCL tuning, a big reference check under the sanitizers).
double default_timeout(const run_context& c) { return std::max({300.0, 50.0 * c.repetitions * c.min_time_s, 4 * c.budget_s}); }

clock_record to_record(const cpu_clock& c) {
  clock_record r;
  r.hz = c.hz;
  r.method = c.chain ? std::string(to_string(*c.chain))
             : c.hz > 0 && c.readings.peak_implied_hz && c.hz == *c.readings.peak_implied_hz ? "peak-implied"
             : c.hz > 0                                                                       ? "nominal"
                                                                                              : "";
  r.basis = c.basis;
  r.rejected = c.rejected;
  r.notes = c.notes;
  r.add_chain_hz = c.readings.add_chain_hz;
  r.multiply_chain_hz = c.readings.multiply_chain_hz;
  r.peak_implied_hz = c.readings.peak_implied_hz;
  r.peak_ops_per_cycle = c.readings.peak_ops_per_cycle;
  r.nominal_hz = c.readings.nominal_hz;
  return r;
}

// A helper of prebuild_devices (session/worker.hpp): the cases of this device that the record
// does not list, shared out through the supervisor's build gate, built and not measured. A gate or
// queue that fails is said on stderr with exit code 1 (the supervisor notes it with those lines).
int build_before_timing(const std::vector<planned_case>& cases, const run_options& options, const xpu::run& r, const nlohmann::json& prebuild,
                        worker_output& out) {
  const auto gate = prebuild.find("gate");
  if (gate == prebuild.end() || !gate->is_string()) return say(stderr, "xpubench run --worker: the supervisor's prebuild option names no gate folder\n"), 1;
  if (auto opened = build_gate::open(gate->get<std::string>()); !opened) return say(stderr, "xpubench run --worker: {}\n", opened.error().message), 1;
  const auto share = prebuild.find("memory_share");
  const double memory_share = share != prebuild.end() && share->is_number() && share->get<double>() > 0 && share->get<double>() <= 1 ? share->get<double>() : 1.0;
  std::set<std::string> done;
  if (const auto d = prebuild.find("done"); d != prebuild.end() && d->is_array())
    for (const auto& n : *d)
      if (n.is_string()) done.insert(n.get<std::string>());
  const std::string queue = cases.empty() ? "none" : cases.front().dev->info().id;
  // GEMM first: tuning its tiles is the longest build, and the processes end together when the
  // longest work starts first (every helper plans the same cases in the same order).
  std::vector<std::size_t> order(cases.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::stable_partition(order, [&](std::size_t i) { return cases[i].prob.kind() == kernel_kind::gemm; });
  std::string failed;
  const auto claim = [&]() -> std::optional<std::size_t> {
    for (;;) {
      const auto next = build_gate::next_claim(queue);
      if (!next) failed = next.error().message;
      if (!next || *next >= order.size()) return std::nullopt;
      if (!done.contains(cases[order[*next]].name)) return order[*next];
      out.found(cases[order[*next]].name);  // an earlier run built it
    }
  };
  prebuild_cases(
      cases, options, r, memory_share, claim, [&](const planned_case& c) { out.building(c.name); }, [&](const planned_case& c) { out.built(c.name); });
  if (!failed.empty()) return say(stderr, "xpubench run --worker: {}\n", failed), 1;
  return 0;
}

}  // namespace

result<std::unique_ptr<device>> run_command::open_device(const device_info& d, const cpu_info& cpu,
                                                         std::shared_ptr<const cpu_clock> clock) const {
  auto options = backend_options_parse();
  if (!options) return std::unexpected(options.error());
  open_context c{cpu, threads, std::move(clock), {}};
  if (auto it = options->find(d.backend); it != options->end()) c.options = it->second;
  return device_open(d, c);
}

int run_command::run_as_worker() const {
  auto out = worker_output::take_stdout();
  if (!out) return say(stderr, "xpubench run --worker: {}\n", out.error().message), 2;
  // A terminal sends nothing: do not wait for it.
  auto in = ::isatty(STDIN_FILENO) ? result<worker_input>(worker_input{}) : worker_input_read(std::cin);
  if (!in) return out->unavailable(in.error().message), 0;
  run_command c = *this;
  if (auto ok = c.apply_worker_options(in->options); !ok) return out->unavailable(ok.error().message), 0;
  c.devices.clear();
  if (!in->device.empty()) c.devices.push_back(in->device);
  c.from_supervisor = &*in;
  c.to_supervisor = &*out;
  return c.run_here(nullptr);
}

int run_command::run_worker(const xpu::suite& s, run_options options) const {
  worker_output& out = *to_supervisor;
  const auto unavailable = [&](const std::string& why) {
    out.unavailable(why);
    return 0;
  };
  if (devices.size() != 1) return unavailable("a worker measures exactly one device (the supervisor's `device` line)");
  const std::string& id = devices.front();
  const clock_record& calibration = from_supervisor->clock;
  std::vector<measurement> done = from_supervisor->rows;

  probe_options probing;
  const device_backend* backend = device_backend_of(id);
  probing.skip = device_backends_except(backend ? backend->name : "");
  auto inv = probe_machine(probing);
  if (!inv) return unavailable(inv.error().message);
  const device_info* d = inv->find_device(id);
  if (!d) return unavailable(fmt::format("the worker's probe finds no device '{}'", id));
  cpu_clock clk;
  clk.hz = calibration.hz;
  for (clock_chain chain : {clock_chain::add, clock_chain::multiply})
    if (calibration.method == to_string(chain)) clk.chain = chain;
  auto dev = open_device(*d, inv->cpu, std::make_shared<const cpu_clock>(clk));
  if (!dev) return unavailable(dev.error().message);
  auto cases = plan_cases(s, {dev->get()}, options);
  std::erase_if(cases, [&](const planned_case& c) { return std::ranges::find(done, c.name, &measurement::name) != done.end(); });

  xpu::run r;
  r.context.min_time_s = min_time > 0 ? min_time : s.min_time_s;
  sampling_record(r.context, sampling_rule_for(s));
  r.context.noisy_threshold = noisy_threshold;
  const auto prebuild = from_supervisor->options.find("prebuild");
  const bool builder = prebuild != from_supervisor->options.end() && prebuild->is_object();
  if (!builder) out.plan(cases.size(), earlier_estimates(cases, earlier_like(r.context, inv->host.hostname).wall_s));
  r.context.threads = threads > 0 ? threads : inv->cpu.topology.cores;
  r.context.seed = seed;
  r.context.clock = calibration;
  if (calibration.hz > 0) r.context.measured_clock_hz = calibration.hz;
  r.context.machine = std::move(*inv);
  r.context.idle_w = from_supervisor->idle;
  r.measurements = std::move(done);  // their measured peaks serve % of peak
  options.progress = nullptr;        // the supervisor reports progress
  if (builder) return build_before_timing(cases, options, r, *prebuild, out);
  g_stop = false;
  g_escalate = true;
  catch_signals();
  run_cases(
      cases, options, r, [&](const xpu::run& current) { out.finished(current.measurements.back()); }, g_stop,
      [&](const measurement& m) { out.start(m); });
  if (r.context.interrupted) out.interrupted();
  return 0;
}

void run_command::add_options(CLI::App& sub) {
  sub.add_option("-s,--suite", suite, "A built-in suite (quick, standard, ci, deepbench, llm, llm-quick) or a suite file (TOML, e.g. from `xpubench suite from-model`)");
  sub.add_option("-d,--device", devices, "Only these devices (ids from `xpubench probe`: cpu0, opencl0, ...)")->delimiter(',');
  sub.add_option("-k,--kernel", kernels, fmt::format("Only these kernels: {}", operation_names()))->delimiter(',');
  sub.add_option("-p,--precision", precisions, fmt::format("Only these precisions: {}", precision_names()))->delimiter(',');
  sub.add_option("-f,--filter", filter, "Only benchmarks whose name matches this regular expression (ECMAScript)");
  sub.add_flag("-l,--list", list, "List what would run (name, support, reason) and exit without running");
  sub.add_option("-r,--repetitions", repetitions, "Repetitions per benchmark, fixed (default: the suite's; at most 100000); with --sampling adaptive, the minimum")
      ->check(CLI::Range(1, static_cast<int>(max_repetitions)));
  sub.add_option("--sampling", sampling,
                 "adaptive: repetitions until the median's 95 % interval is within the noisy threshold, a benchmark's budget is "
                 "spent or the cap is reached; fixed: exactly --repetitions (default: the suite's, adaptive in the built-in suites; "
                 "fixed when --repetitions is given)")
      ->check(CLI::IsMember({"adaptive", "fixed"}));
  sub.add_option("--max-repetitions", max_reps, "Adaptive sampling: at most this many repetitions per benchmark (default: the suite's, else 5x the minimum, at least 30)")
      ->check(CLI::Range(1, static_cast<int>(max_repetitions)));
  sub.add_option("--budget", budget_s,
                 "Adaptive sampling: seconds of repetitions per benchmark before it stops unconverged (default: the suite's, else 3x the "
                 "minimum's time, at least 0.25)")
      ->check(finite_range(1e-3, max_budget_s));
  sub.add_option("--min-time", min_time, "Minimum seconds per repetition (default: the suite's; above 0, at most 3600)")
      ->check(finite_range(1e-9, max_min_time_s));
  sub.add_option("--noisy-threshold", noisy_threshold,
                 "Flag a result noisy when its median is uncertain by more than this fraction (95 % interval half-width; default "
                 "0.025, half the compare gate's 5 %)")
      ->check(finite_range(1e-6, 10.0));
  sub.add_option("--inject-slowdown", inject_slowdown,
                 "TEST ONLY (bench/gate_rates.sh): REGEX=FRACTION adds FRACTION of each launch's time as busy time inside the timed "
                 "region of the benchmarks whose name matches; recorded on each row as injected_slowdown");
  sub.add_option("-t,--threads", threads, "CPU threads (default: every core; at most 8 per processing unit)")->check(CLI::PositiveNumber);
  sub.add_option("--seed", seed, "Seed of the random inputs (default 42)");
  sub.add_option("--json", json,
                 "Write the run (schema v1, readable by Google Benchmark's tools) to FILE as results arrive; '-' is standard output "
                 "(written once at the end; the report then goes to standard error)");
  sub.add_option("--csv", csv, "Write one CSV row per measurement to FILE as results arrive; '-' is standard output");
  sub.add_flag("--csv-raw", csv_raw, "CSV cells as measured: no leading ' on text a spreadsheet would run as a formula (=, +, -, @)");
  sub.add_option("--html", html,
                 "Write the HTML report of the run (rooflines, devices side by side, notes; the same as `xpubench report`) to FILE at the end");
  sub.add_option("--format", format, "json: the run to standard output (as --json -); md: the report in Markdown to standard output")
      ->check(CLI::IsMember({"json", "md"}));
  sub.add_flag("-q,--quiet", quiet, "No progress and no report: only errors (and the exit code)");
  sub.add_flag("--fail-on-invalid", fail_on_invalid, "Exit 1 when a result fails verification");
  sub.add_flag("--no-tune", no_tune,
               "OpenCL: use the default GEMM tiles instead of tuning (tuned tiles are cached per device and driver); the same as "
               "--backend-option opencl.tune=off");
  std::string keys;
  for (const kernel_backend& b : kernel_backends())
    if (!b.option_help.empty()) keys += fmt::format("; {}: {}", b.name, b.option_help);
  sub.add_option("--backend-option", backend_option_specs, fmt::format("BACKEND.KEY=VALUE, an option of one kernel backend{}", keys));
  backend_off_flags(sub, backends_off, "probe or load the drivers of");
  sub.add_option("--timeout", timeout_s,
                 "Seconds one benchmark may take before its worker process is killed and its row says timeout (default: "
                 "50 x repetitions x min_time and 4 x the adaptive budget, at least 300)")
      ->check(finite_range(1.0, 86400.0));
  sub.add_flag("--in-process", in_process, "Measure in this process: no worker processes, no watchdog (for debuggers and profilers)");
  sub.add_option("--resume", resume, "Keep the rows of this run file (an interrupted run) and measure only the benchmarks it lacks");
  sub.add_flag("--resume-foreign", resume_foreign,
               "With --resume: keep the rows even when that run comes from another host, CPU, device, driver, suite or xpubench build "
               "(refused without it)");
  sub.add_flag("--no-prebuild", no_prebuild,
               "Build each benchmark's kernels (OpenCL programs, Vulkan pipelines, GEMM tiles) when it runs, not all of them side by "
               "side in one process per core before any timing (the default; what an earlier run built is not built again)");
  sub.add_flag("--worker", worker, "Internal: measure one device for a supervising `xpubench run`")->group("");
  sub.add_option("--fleet-timeout", fleet_timeout_s,
                 "Under mpirun/srun: seconds rank 0 waits, once it is done, for the other ranks' runs before listing the rest as "
                 "missing and ending the job (default: 4 x its own time x the most ranks on one node, at least 3600)")
      ->check(finite_range(1.0, 604800.0));
  sub.add_flag("--idle-baseline", idle_baseline, "Measure each device's idle power for 1 s first, and report idle-corrected watts");
}

sampling_rule run_command::sampling_rule_for(const xpu::suite& s) const {
  sampling_rule rule;
  rule.mode = sampling == "fixed"                 ? sampling_mode::fixed
              : sampling == "adaptive"            ? sampling_mode::adaptive
              : max_reps > 0 || budget_s > 0      ? sampling_mode::adaptive  // only adaptive sampling has a cap and a budget
              : repetitions > 0                   ? sampling_mode::fixed
                                                  : s.sampling;
  rule.repetitions = repetitions > 0 ? repetitions : s.repetitions;
  rule.max_repetitions = max_reps > 0 ? max_reps : s.max_repetitions;
  rule.budget_s = budget_s > 0 ? budget_s : s.budget_s;
  rule.target = noisy_threshold;
  return rule;
}

int run_command::run() const {
  if (worker) return run_as_worker();
  if (list || !fleet_launched()) return run_here(nullptr);
  if (!fleet_built()) {
    say(stderr, "xpubench run: started by an MPI launcher, but this xpubench was built without MPI: rebuild with libopenmpi-dev "
                       "installed (XPUBENCH_WITH_MPI), or run it without mpirun/srun\n");
    return 2;
  }
  auto f = fleet_join();
  if (!f) return 2;
  int rc = run_here(f->size > 1 ? &*f : nullptr);
  bool abort = false;
  if (f->size > 1 && !f->reported) {  // it ended before reporting (bad input, nothing to measure): it says so
    const std::atomic<bool> no_stop{false};
    const std::string why = fmt::format("rank {} ended with exit code {} before measuring (its message is in the job's output)", f->rank, rc);
    if (f->rank != 0) {
      fleet_send(*f, "failed", why, rc, nullptr);
      fleet_finish_turns(*f, no_stop);
    } else {
      xpu::run discarded;  // the others' reports are taken so that their sends end; rank 0 has no file to write
      abort = fleet_collect(*f, discarded, "failed", why, rc, fleet_timeout_s > 0 ? fleet_timeout_s : 3600, no_stop) > 0;
    }
  }
  fleet_leave(*f, abort || f->missing > 0, rc);
  return rc;
}

// One `run` in this process, as named steps (run_here): each step that can end the run returns the
// exit code, nullopt to go on. The state the steps hand on is the session's.
struct run_command::session {
  // Each output is rewritten after every benchmark when it is a file (a crash keeps what was
  // measured), written once at the end when it is a stream; each distinct error is printed once.
  struct output {
    const std::string& path;
    std::string (*render)(const xpu::run&);
    bool at_end_only = false;  // the HTML report: rendered once
    bool rewritable = false;
    std::string last_error = {};
    bool final_ok = false;
  };

  const run_command& c;
  fleet_member* fleet;
  const std::chrono::steady_clock::time_point run_started = std::chrono::steady_clock::now();
  const bool follower;  // a fleet's other ranks send their run to rank 0 and print nothing
  const bool silent;
  const std::string csv_path;
  run_options options;
  std::optional<xpu::suite> loaded;
  std::string json_path, html_path;  // the main job and --format choose them too
  bool md_out = false;
  std::optional<xpu::run> previous;  // --resume
  bool isolated = false;
  double open_timeout = 120;
  std::optional<inventory> inv;
  std::vector<std::string> skipped_backends;  // not probed: no selected device needs them, or --no-X
  std::vector<device_info> selected;
  std::vector<std::string> without;  // devices that are not measured, with the reason
  bool none_left = false;            // a fleet rank whose node's devices all went to its other ranks
  std::FILE* report_to = stdout;
  report_style style{};
  std::shared_ptr<const cpu_clock> clock;
  std::vector<std::unique_ptr<device>> owned;  // in process: the devices opened here
  std::vector<planned_case> cases;
  xpu::run r;
  std::string kept;  // the main job's results folder
  std::vector<output> outputs;
  std::vector<std::pair<int, void (*)(int)>> previous_handlers;
  std::size_t rows_before = 0;
  std::map<std::string, double> device_seconds;  // how long each device took (isolated runs)
  host_pages_choice pages;                        // the pages the workers' buffers live on, and the environment asking for them

  session(const run_command& command, fleet_member* f)
      : c(command), fleet(f), follower(f && f->rank != 0), silent(command.quiet || follower), csv_path(follower ? std::string() : command.csv) {}

  bool any_output_is_stdout() const {
    return (!json_path.empty() && output_is_stdout(json_path)) || (!csv_path.empty() && output_is_stdout(csv_path)) ||
           (!html_path.empty() && output_is_stdout(html_path));
  }

  // The options that need no machine: numbers, names, backend options, injections, the filter.
  std::optional<int> check_options() {
    // CLI11's Range lets NaN through (every comparison with it is false): refused here.
    if (c.min_time != 0 && !(c.min_time > 0 && c.min_time <= max_min_time_s)) {
      say(stderr, "xpubench run: --min-time {} must be a number of seconds above 0 and at most {}\n", c.min_time, max_min_time_s);
      return 2;
    }
    if (auto bad = c.not_utf8()) {  // worker processes receive the options as JSON, which holds UTF-8 text only
      say(stderr, "xpubench run: {} is not valid UTF-8 text: give it in UTF-8 (a path in another encoding: rename or link it)\n", *bad);
      return 2;
    }
    if (!valid_names(c.kernels, known_operation, operation_names(), "kernel") ||
        !valid_names(c.precisions, known_precision, precision_names(), "precision"))
      return 2;
    if (auto o = c.backend_options_parse(); !o) return say(stderr, "xpubench run: {}\n", o.error().message), 2;
    options.devices = c.devices;
    options.kernels = c.kernels;
    options.precisions = c.precisions;
    options.noisy_threshold = c.noisy_threshold;
    if (!parse_injections(c.inject_slowdown, options.inject_slowdown)) return 2;
    options.seed = c.seed;
    if (!c.filter.empty()) {
      auto p = name_pattern::compile(c.filter, "--filter");
      if (!p) return say(stderr, "xpubench run: {}\n", p.error().message), 2;
      options.filter = std::move(*p);
    }
    return std::nullopt;
  }

  std::optional<int> load_suite() {
    auto s = suite_load(c.suite);
    if (!s) {
      say(stderr, "xpubench run: {}\n", s.error().message);
      return 2;
    }
    loaded = std::move(*s);
    return std::nullopt;
  }

  // Where the run, its CSV and its HTML report go, checked before anything is probed.
  std::optional<int> choose_outputs() {
    if (c.sampling == "fixed" && (c.max_reps > 0 || c.budget_s > 0))
      return say(stderr, "xpubench run: --max-repetitions and --budget bound adaptive sampling; --sampling fixed takes exactly --repetitions\n"), 2;
    json_path = follower ? "" : c.json;
    html_path = follower ? "" : c.html;
    const std::string format_here = follower ? "" : c.format;
    if (format_here == "json") {
      if (!json_path.empty() && !output_is_stdout(json_path))
        return say(stderr, "xpubench run: --format json writes the run to standard output and --json {} to a file: use one\n", json_path), 2;
      json_path = "-";
    }
    md_out = format_here == "md";
    if (md_out && any_output_is_stdout())
      return say(stderr, "xpubench run: --format md writes the report to standard output: --json, --csv and --html must name files\n"), 2;
    if (!html_path.empty() && ((!json_path.empty() && output_is_stdout(json_path)) || (!csv_path.empty() && output_is_stdout(csv_path))) &&
        output_is_stdout(html_path))
      return say(stderr, "xpubench run: only one of --json, --csv and --html can be standard output ('-')\n"), 2;
    if (!json_path.empty() && !csv_path.empty() && output_is_stdout(json_path) && output_is_stdout(csv_path)) {
      say(stderr, "xpubench run: --json and --csv cannot both be standard output ('-'): write one of them to a file\n");
      return 2;
    }
    for (const std::string* out : {&std::as_const(json_path), &csv_path, &std::as_const(html_path)})
      if (!out->empty())
        if (auto ok = output_check(*out); !ok) return say(stderr, "xpubench run: {}\n", ok.error().message), 2;
    if (auto ok = outputs_apart({{"--json", json_path}, {"--csv", csv_path}, {"--html", html_path}}, {{"--resume", c.resume}, {"--suite", c.suite}}); !ok)
      return say(stderr, "xpubench run: {}\n", ok.error().message), 2;
    return std::nullopt;
  }

  std::optional<int> load_resume() {
    if (fleet && !c.resume.empty())  // every rank would take rank 0's rows for its own
      return say(stderr, "xpubench run: --resume is for a run on one machine, not under mpirun/srun: start the fleet run again\n"), 2;
    if (!c.resume.empty()) {
      auto loaded_run = run_file_load(c.resume);
      if (!loaded_run) return say(stderr, "xpubench run: --resume: {}\n", loaded_run.error().message), 2;
      previous = std::move(*loaded_run);
    }
    return std::nullopt;
  }

  // --resume keeps only rows measured here: the same host, CPU and core count, the same device and
  // driver for every device a kept row measured, the same suite file and xpubench build. Anything
  // else is refused (a colleague's run file would be written out as this machine's run) unless
  // --resume-foreign; either way the command says what it keeps.
  std::optional<int> check_resume() {
    if (!previous) return std::nullopt;
    const inventory& then = previous->context.machine;
    std::vector<std::string> differ;
    const auto check = [&](const std::string& what, const std::string& there, const std::string& here) {
      if (there != here) differ.push_back(fmt::format("{}: '{}' in {}, '{}' here", what, there, c.resume, here));
    };
    check("host", then.host.hostname, inv->host.hostname);
    check("CPU model", then.cpu.topology.model, inv->cpu.topology.model);
    check("CPU cores", std::to_string(then.cpu.topology.cores), std::to_string(inv->cpu.topology.cores));
    std::set<std::string> measured;
    for (const auto& m : previous->measurements) measured.insert(m.device);
    for (const auto& d : then.devices) {
      if (!measured.contains(d.id)) continue;
      const device_info* now = inv->find_device(d.id);
      if (!now && std::ranges::find(skipped_backends, d.backend) != skipped_backends.end()) continue;  // not probed now (--device, --no-X)
      check(d.id + " device", d.name, now ? now->name : "(absent)");
      check(d.id + " driver version", d.driver_version, now ? now->driver_version : "(absent)");
    }
    // The same suite file however its path was typed (./s.toml, s.toml, an absolute path).
    const auto same_file = [](const std::string& a, const std::string& b) {
      std::error_code e1, e2;
      const auto ca = std::filesystem::weakly_canonical(a, e1), cb = std::filesystem::weakly_canonical(b, e2);
      return a == b || (!e1 && !e2 && ca == cb);
    };
    if (!same_file(previous->context.suite, loaded->source)) check("suite", previous->context.suite, loaded->source);
    check("sampling", sampling_settings(previous->context), sampling_settings(planned_sampling(c, *loaded)));
    check("xpubench build", fmt::format("{} {}", previous->context.xpubench_version, previous->context.git_sha),
          fmt::format("{} {}", xpu::version, xpu::git_sha));
    std::string list;
    for (const auto& d : differ) list += "\n  " + d;
    if (!differ.empty() && !c.resume_foreign)
      return say(stderr, "xpubench run: --resume {} was not measured by this machine, suite and build:{}\n"
                         "start a new run, or keep its rows anyway with --resume-foreign\n", c.resume, list), 2;
    const auto ok = std::ranges::count_if(previous->measurements, [](const measurement& m) { return m.state == status::ok; });
    if (!silent)
      say(stderr, "xpubench run: --resume: keeping {} row(s) of {} ({} ok, {} not), measured {}{}{}\n", previous->measurements.size(), c.resume, ok,
          std::ssize(previous->measurements) - ok, previous->context.started_at, differ.empty() ? "" : "; kept with --resume-foreign although", list);
    return std::nullopt;
  }

  // The machine, and the devices to measure (session/run_plan.hpp).
  std::optional<int> probe_and_select() {
    isolated = !c.in_process && !c.list;
    open_timeout = c.timeout_s > 0 ? c.timeout_s : 120.0;  // probing a backend, opening a device
    auto chosen = select_devices({c.devices, c.backends_off, isolated, open_timeout, c.threads, c.list}, *loaded, options, fleet, g_stop);
    if (!chosen) {
      if (!chosen.error().message.empty()) say(stderr, "xpubench run: {}\n", chosen.error().message);
      return 2;
    }
    inv = std::move(chosen->machine);
    skipped_backends = std::move(chosen->skipped_backends);
    selected = std::move(chosen->selected);
    without = std::move(chosen->without);
    none_left = chosen->none_left;
    return std::nullopt;
  }

  // With the run on standard output, the report goes to standard error.
  void show_machine() {
    report_to = any_output_is_stdout() ? stderr : stdout;
    style = report_style{color_allowed(report_to), false};
    if (c.show_probe && !silent) {
      say(report_to, "{}\n", inventory_report(*inv, style));
      std::fflush(report_to);  // before the progress lines on stderr: a log of both reads in order
    }
  }

  // The CPU clock, calibrated once (chains, the fp32 peak kernel, the system's maximum); the CPU
  // device re-measures the chosen chain before each benchmark that reports % of peak.
  void calibrate() {
    const int run_threads = c.threads > 0 ? c.threads : std::max(1, inv->cpu.topology.cores);
    clock = std::make_shared<const cpu_clock>(c.list ? cpu_clock{} : cpu_clock_calibrate(inv->cpu, run_threads));
  }

  // In process (--list, --in-process): the devices are opened here and the cases planned at once;
  // --list prints them and ends the run.
  std::optional<int> plan_in_process() {
    if (isolated) return std::nullopt;
    std::vector<device*> devs;
    for (const auto& d : selected) {
      auto opened = c.open_device(d, inv->cpu, c.list ? nullptr : clock);
      if (!opened) {
        without.push_back(fmt::format("{} ({}): cannot be opened: {}", d.id, d.name, opened.error().message));
        continue;
      }
      owned.push_back(std::move(*opened));
      devs.push_back(owned.back().get());
    }
    cases = plan_cases(*loaded, devs, options);
    if (c.list) {
      for (const auto& pc : cases)
        say(stdout, "{}  {}{}\n", pc.name, to_string(pc.sup.level), pc.implementation.empty() ? ": " + pc.sup.reason : "");
      for (const auto& w : without) say(stdout, "{}\n", w);
      // What the run will take: per device, the earlier runs' times of these benchmarks on this host
      // (the main job's results folders), else the settings' lower bound.
      const double min_time = c.min_time > 0 ? c.min_time : loaded->min_time_s;
      const sampling_rule rule = sampling_resolved(c.sampling_rule_for(*loaded), min_time);
      std::vector<std::pair<std::string, std::string>> runnable;
      for (const planned_case& pc : cases)
        if (!pc.implementation.empty()) runnable.emplace_back(pc.dev->info().id, pc.name);
      const earlier_times earlier = earlier_like(planned_sampling(c, *loaded), inv->host.hostname);
      const auto devices = estimate_devices(runnable, earlier, rule.repetitions * min_time);
      double total = 0;
      for (const device_estimate& e : devices) {
        total += e.seconds();
        say(stdout, "{}: {} benchmark(s), {}{}\n", e.device, e.benchmarks,
            e.known == e.benchmarks ? fmt::format("about {}", format_seconds(e.seconds())) : fmt::format("at least {}", format_seconds(e.seconds())),
            e.known == e.benchmarks   ? " (each as long as it took in an earlier run on this host)"
            : e.known > 0 ? fmt::format(" ({} as long as in an earlier run on this host, {} never run here: their repetitions alone)", e.known,
                                        e.benchmarks - e.known)
                          : " (no earlier run on this host: the repetitions alone; preparing, verifying, compiling and tuning come on top)");
      }
      const std::string sampled = rule.mode == sampling_mode::adaptive
                                      ? fmt::format("adaptive: {} to {} repetition(s) of at least {}, up to {} each", rule.repetitions,
                                                    rule.max_repetitions, format_seconds(min_time), format_seconds(rule.budget_s))
                                      : fmt::format("{} repetition(s) of at least {} each", rule.repetitions, format_seconds(min_time));
      say(stdout, "{} benchmark(s) from suite '{}', {} that run: {} {} ({}){}\n", cases.size(), loaded->name, runnable.size(),
          std::ranges::all_of(devices, [](const device_estimate& e) { return e.known == e.benchmarks; }) ? "about" : "at least", format_seconds(total),
          sampled, earlier.files.empty() ? "" : fmt::format("; earlier times from {}", earlier.files.front()));
      return 0;
    }
    if (cases.empty() && !none_left) {
      say(stderr, "xpubench run: the selection matches no benchmark of suite '{}' (try --list without filters)\n", loaded->name);
      return 2;
    }
    return std::nullopt;
  }

  // The run's context (the machine moves into it), the resumed rows, the idle power.
  void start_record() {
    r.context.xpubench_version = xpu::version;
    r.context.git_sha = xpu::git_sha;
    r.context.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    r.context.command_line = c.command_line;
    r.context.suite = loaded->source;
    r.context.model = loaded->model;
    r.context.min_time_s = c.min_time > 0 ? c.min_time : loaded->min_time_s;
    sampling_record(r.context, c.sampling_rule_for(*loaded));
    r.context.noisy_threshold = c.noisy_threshold;
    r.context.threads = c.threads > 0 ? c.threads : inv->cpu.topology.cores;
    r.context.seed = c.seed;
    r.context.libraries = cpu_libraries();
    pages = host_pages(isolated);
    r.context.host_pages = pages.record;
    r.context.clock = to_record(*clock);
    if (clock->hz > 0) r.context.measured_clock_hz = clock->hz;
    r.context.machine = std::move(*inv);
    if (previous) {  // what the interrupted run measured stays; only the rest is measured
      r.measurements = std::move(previous->measurements);
      r.context.resumed_from = c.resume;
    }
    if (c.idle_baseline) {
      say(stderr, "xpubench run: measuring idle power for 1 s per device with a sensor...\n");
      r.context.idle_w = xpu::idle_baseline(selected, r.context.machine.power, options.energy);
    }
  }

  void write_outputs(const xpu::run& current, bool final) {
    for (auto& o : outputs) {
      if (!final && !o.rewritable) continue;
      auto ok = write_output(o.path, o.render(current));
      if (!ok && ok.error().message != o.last_error) say(stderr, "xpubench run: {}\n", ok.error().message);
      o.last_error = ok ? "" : ok.error().message;
      if (final) o.final_ok = ok.has_value();
    }
  }

  // The outputs (the main job's results folder where it keeps them); one that cannot take even the
  // empty run is refused before anything is measured.
  std::optional<int> open_outputs() {
    if (c.keep_results && !follower && json_path.empty() && html_path.empty() && csv_path.empty() && !c.list) {
      if (auto folder = results_folder(r.context.machine.host.hostname, std::time(nullptr))) {
        kept = *folder;
        json_path = kept + "/run.json";
        html_path = kept + "/report.html";
      } else {
        say(stderr, "xpubench: the results will not be kept: {}\n", folder.error().message);
      }
    }
    if (!json_path.empty()) outputs.push_back({json_path, [](const xpu::run& x) { return run_to_json(x).dump(1) + "\n"; }});
    if (!csv_path.empty())
      outputs.push_back({csv_path, c.csv_raw ? +[](const xpu::run& x) { return run_to_csv(x, csv_cells::raw); } : +[](const xpu::run& x) { return run_to_csv(x); }});
    if (!html_path.empty())
      outputs.push_back({html_path, [](const xpu::run& x) { return runs_report_render(report_runs_of("this run", x), std::nullopt, "html"); }, true});
    for (auto& o : outputs) o.rewritable = output_rewritable(o.path) && !o.at_end_only;
    write_outputs(r, false);
    for (const auto& o : outputs)
      if (!o.last_error.empty()) return 2;
    return std::nullopt;
  }

  // Every benchmark, in worker processes (one per device) or here; the signals caught meanwhile.
  void measure() {
    g_stop = false;
    g_signal = 0;
    g_signals = 0;
    g_escalate = !isolated;  // isolated, the second signal kills the worker and the run still writes its files
    previous_handlers = catch_signals();  // restored after the files and the report are written
    rows_before = r.measurements.size();
    if (silent) options.progress = nullptr;
    else if (progress_line_allowed(stderr)) options.progress = progress_to_terminal(stderr, terminal_columns(stderr));
    if (options.progress && !isolated) options.earlier_wall_s = earlier_like(r.context, r.context.machine.host.hostname).wall_s;
    if (!silent)
      say(stderr, "xpubench run: suite '{}', {}, CPU clock {:.2f} GHz ({})\n", loaded->name,
                 isolated ? fmt::format("{} device(s), one worker process each", selected.size()) : fmt::format("{} benchmark(s)", cases.size()),
                 clock->hz / 1e9, r.context.clock.method.empty() ? "unknown" : r.context.clock.method);
    for (const auto& why : clock->rejected) say(stderr, "xpubench run: clock reading rejected: {}\n", why);
    const auto write = [this](const xpu::run& current) { write_outputs(current, false); };
    isolation iso;
    iso.options = c.worker_options();
    iso.timeout_s = c.timeout_s > 0 ? c.timeout_s : default_timeout(r.context);
    iso.open_timeout_s = open_timeout;
    iso.progress = options.progress;
    iso.environment = pages.environment;
    iso.prebuild_helpers = c.no_prebuild ? 0 : std::clamp(r.context.machine.cpu.topology.cores, 1, 8);
    device_seconds = measure_devices(selected, isolated ? &iso : nullptr, cases, options, r, write, {g_stop, g_signals}, without);
    if (g_stop.load()) r.context.interrupted = true;
    if (r.context.interrupted) r.context.interrupted_by = signal_name(g_signal.load());
    r.context.finished = !r.context.interrupted;
  }

  // A fleet: every rank's run to rank 0, which writes them in its file.
  void gather_fleet() {
    if (fleet)
      fleet_gather(*fleet, r, none_left, std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count(), c.fleet_timeout_s, g_stop);
  }

  // The files written for the last time, the report, and the exit code.
  int finish() {
    write_outputs(r, true);
    if (options.progress && progress_line_allowed(stderr)) fmt::print(stderr, "\r\033[K");  // the progress line goes
    if (md_out) fmt::print("{}", terminal_safe(runs_report_render(report_runs_of("this run", r), std::nullopt, "md")));
    else if (!silent) say(report_to, "{}", run_report(r, style, device_seconds, terminal_columns(report_to)));  // driver strings reach the terminal escaped
    if (!r.fleet.empty() && !silent) say(report_to, "\n{}", fleet_summary_text(r));
    for (const auto& w : without) say(silent || md_out ? stderr : report_to, "{}\n", w);
    std::fflush(report_to);
    bool write_failed = false;
    if (!kept.empty() && !silent && std::ranges::all_of(outputs, &output::final_ok)) {
      std::error_code ec;
      const auto where = std::filesystem::absolute(kept, ec);
      say(report_to, "\nResults kept in {}/\n  run.json     the run: `xpubench report`, `xpubench compare` read it\n"
                            "  report.html  open it in a browser: rooflines, devices side by side, notes\n", (ec ? std::filesystem::path(kept) : where).string());
      std::fflush(report_to);
    }
    for (const auto& o : outputs) {
      if (o.final_ok && !output_is_stdout(o.path) && kept.empty() && !silent) say(stderr, "xpubench run: wrote {}\n", o.path);
      if (!o.final_ok) say(stderr, "xpubench run: {} was NOT written: the results above are all that is left of this run\n", o.path);
      write_failed = write_failed || !o.final_ok;
    }
    restore_signals(previous_handlers);
    if (r.context.interrupted) return 128 + (g_signal.load() ? g_signal.load() : SIGINT);
    if (write_failed) return 2;
    if (!r.fleet.empty() && std::ranges::any_of(r.fleet, [](const fleet_host& h) { return h.state != "ok"; })) {
      say(stderr, "xpubench run: not every rank of the fleet measured (see the fleet table)\n");
      return 1;
    }
    if (isolated && r.measurements.size() == rows_before && !none_left) {
      if (previous && without.empty()) {
        say(stderr, "xpubench run: nothing left to measure: {} has every selected benchmark\n", c.resume);
        return 0;
      }
      say(stderr, "xpubench run: {}\n", without.empty() ? fmt::format("the selection matches no benchmark of suite '{}' (try --list without filters)", loaded->name)
                                                               : std::string("no selected device could be opened (the reasons are above)"));
      return 2;
    }
    const bool any_invalid = std::ranges::any_of(r.measurements, [](const measurement& m) { return m.state == status::invalid; });
    return c.fail_on_invalid && any_invalid ? 1 : 0;
  }
};

int run_command::run_here(fleet_member* fleet) const {
  session s(*this, fleet);
  if (auto rc = s.check_options()) return *rc;
  if (auto rc = s.load_suite()) return *rc;
  if (worker) return run_worker(*s.loaded, s.options);
  supervisor_process_setup();
  if (auto rc = s.choose_outputs()) return *rc;
  if (auto rc = s.load_resume()) return *rc;
  if (auto rc = s.probe_and_select()) return *rc;
  if (auto rc = s.check_resume()) return *rc;
  s.show_machine();
  s.calibrate();
  if (auto rc = s.plan_in_process()) return *rc;
  s.start_record();
  if (auto rc = s.open_outputs()) return *rc;
  s.measure();
  s.gather_fleet();
  return s.finish();
}

}  // namespace xpu
