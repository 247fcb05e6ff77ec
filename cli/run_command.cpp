#include "cli/run_command.hpp"

#include <csignal>
#include <cstdio>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "cli/output.hpp"
#include "kernels/cpu/cpu_device.hpp"
#if XPU_WITH_OPENCL
#include "kernels/opencl/opencl_device.hpp"
#endif
#if XPU_WITH_VULKAN
#include "kernels/vulkan/vulkan_device.hpp"
#endif
#include "probe/inventory.hpp"
#include "reporters/inventory_report.hpp"
#include "reporters/run_report.hpp"
#include "results/run_json.hpp"
#include "suites/runner.hpp"
#include "xpubench/version.hpp"

namespace xpu {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void on_interrupt(int sig) {
  g_signal.store(sig);
  g_stop.store(true);
}

// REGEX=FRACTION rules for --inject-slowdown; false (with the message printed) on a bad one.
bool parse_injections(const std::vector<std::string>& specs, std::vector<std::pair<std::regex, double>>& out) {
  for (const auto& spec : specs) {
    const auto eq = spec.rfind('=');
    double fraction = -1;
    if (eq != std::string::npos) {
      try {
        std::size_t used = 0;
        fraction = std::stod(spec.substr(eq + 1), &used);
        if (used != spec.size() - eq - 1) fraction = -1;
      } catch (const std::exception&) {
        fraction = -1;
      }
    }
    if (eq == std::string::npos || eq == 0 || !(fraction > 0 && fraction <= 10)) {
      fmt::print(stderr, "xpubench run: --inject-slowdown '{}': expected REGEX=FRACTION with 0 < FRACTION <= 10, e.g. 'gemm/fp32=0.1'\n",
                 spec);
      return false;
    }
    try {
      out.emplace_back(std::regex(spec.substr(0, eq)), fraction);
    } catch (const std::regex_error& e) {
      fmt::print(stderr, "xpubench run: --inject-slowdown '{}': not a valid regular expression: {}\n", spec, e.what());
      return false;
    }
  }
  return true;
}

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

bool valid_list(const std::vector<std::string>& values, std::initializer_list<std::string_view> allowed, const char* what) {
  for (const auto& v : values) {
    if (std::ranges::find(allowed, v) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fmt::print(stderr, "xpubench run: unknown {} '{}' (expected one of: {})\n", what, v, list);
    return false;
  }
  return true;
}

}  // namespace

void run_command::add_options(CLI::App& sub) {
  sub.add_option("-s,--suite", suite, "A built-in suite (quick, standard, ci, deepbench) or a suite file (TOML)");
  sub.add_option("-d,--device", devices, "Only these devices (ids from `xpubench probe`: cpu0, opencl0, ...)")->delimiter(',');
  sub.add_option("-k,--kernel", kernels, "Only these kernels: gemm, conv2d, reduction, peak, bandwidth, latency")->delimiter(',');
  sub.add_option("-p,--precision", precisions, "Only these precisions: fp32, fp16, bf16, int8")->delimiter(',');
  sub.add_option("-f,--filter", filter, "Only benchmarks whose name matches this regular expression (ECMAScript)");
  sub.add_flag("-l,--list", list, "List what would run (name, support, reason) and exit without running");
  sub.add_option("-r,--repetitions", repetitions, "Repetitions per benchmark (default: the suite's; at most 100000)")
      ->check(CLI::Range(1, static_cast<int>(max_repetitions)));
  sub.add_option("--min-time", min_time, "Minimum seconds per repetition (default: the suite's; above 0, at most 3600)")
      ->check(CLI::Range(1e-9, max_min_time_s));
  sub.add_option("--noisy-threshold", noisy_threshold,
                 "Flag a result noisy when its median is uncertain by more than this fraction (95 % interval half-width; default "
                 "0.025, half the compare gate's 5 %)")
      ->check(CLI::Range(1e-6, 10.0));
  sub.add_option("--inject-slowdown", inject_slowdown,
                 "TEST ONLY (bench/gate_rates.sh): REGEX=FRACTION adds FRACTION of each launch's time as busy time inside the timed "
                 "region of the benchmarks whose name matches; recorded on each row as injected_slowdown");
  sub.add_option("-t,--threads", threads, "CPU threads (default: every core; at most 8 per processing unit)")->check(CLI::PositiveNumber);
  sub.add_option("--seed", seed, "Seed of the random inputs (default 42)");
  sub.add_option("--json", json,
                 "Write the run (schema v1, readable by Google Benchmark's tools) to FILE as results arrive; '-' is standard output "
                 "(written once at the end; the report then goes to standard error)");
  sub.add_option("--csv", csv, "Write one CSV row per measurement to FILE as results arrive; '-' is standard output");
  sub.add_flag("--fail-on-invalid", fail_on_invalid, "Exit 1 when a result fails verification");
  sub.add_flag("--no-tune", no_tune, "OpenCL: use the default GEMM tiles instead of tuning (tuned tiles are cached per device and driver)");
  sub.add_flag("--no-opencl", no_opencl, "Do not load the OpenCL loader or any OpenCL driver");
  sub.add_flag("--no-vulkan", no_vulkan, "Do not load the Vulkan loader or any Vulkan driver");
  sub.add_flag("--idle-baseline", idle_baseline, "Measure each device's idle power for 1 s first, and report idle-corrected watts");
}

int run_command::run() const {
  // CLI11's Range lets NaN through (every comparison with it is false): refused here.
  if (min_time != 0 && !(min_time > 0 && min_time <= max_min_time_s)) {
    fmt::print(stderr, "xpubench run: --min-time {} must be a number of seconds above 0 and at most {}\n", min_time, max_min_time_s);
    return 2;
  }
  if (!valid_list(kernels, {"gemm", "conv2d", "reduction", "peak", "bandwidth", "latency"}, "kernel") ||
      !valid_list(precisions, {"fp32", "fp16", "bf16", "int8"}, "precision"))
    return 2;
  run_options options;
  options.devices = devices;
  options.kernels = kernels;
  options.precisions = precisions;
  options.noisy_threshold = noisy_threshold;
  if (!parse_injections(inject_slowdown, options.inject_slowdown)) return 2;
  options.seed = seed;
  if (!filter.empty()) {
    try {
      options.filter = std::regex(filter);
    } catch (const std::regex_error& e) {
      fmt::print(stderr, "xpubench run: --filter '{}' is not a valid regular expression: {}\n", filter, e.what());
      return 2;
    }
  }
  auto loaded = suite_load(suite);
  if (!loaded) {
    fmt::print(stderr, "xpubench run: {}\n", loaded.error().message);
    return 2;
  }
  if (json == "-" && csv == "-") {
    fmt::print(stderr, "xpubench run: --json and --csv cannot both be standard output ('-'): write one of them to a file\n");
    return 2;
  }
  for (const auto* out : {&json, &csv})
    if (!out->empty())
      if (auto ok = output_check(*out); !ok) return fmt::print(stderr, "xpubench run: {}\n", ok.error().message), 2;
  // A backend no selected device needs is not loaded: `--device cpu0` works beside a broken driver.
  const auto wanted = [&](std::string_view backend) {
    return devices.empty() || std::ranges::any_of(devices, [&](const std::string& id) { return id.starts_with(backend); });
  };
  probe_options probing;
  probing.opencl = !no_opencl && wanted("opencl");
  probing.vulkan = !no_vulkan && wanted("vulkan");
  auto inv = probe_machine(probing);
  if (!inv) {
    fmt::print(stderr, "xpubench run: {}\n", inv.error().message);
    return 2;
  }
  if (const int limit = 8 * std::max(1, inv->cpu.topology.pus); threads > limit) {
    fmt::print(stderr, "xpubench run: --threads {} is more than 8 per processing unit ({} here): use {} or fewer\n", threads,
               inv->cpu.topology.pus, limit);
    return 2;
  }
  for (const auto& id : devices)
    if (!inv->find_device(id)) {
      const bool off = (id.starts_with("opencl") && no_opencl) || (id.starts_with("vulkan") && no_vulkan);
      fmt::print(stderr, "xpubench run: no device '{}' on this machine{}\n", id,
                 off ? " (its backend is switched off by --no-opencl/--no-vulkan)" : " (run `xpubench probe` for the ids)");
      return 2;
    }
  // With the run on standard output, the report goes to standard error.
  std::FILE* report_to = json == "-" || csv == "-" ? stderr : stdout;
  const report_style style{color_allowed(report_to), false};
  if (show_probe) fmt::print(report_to, "{}\n", inventory_report(*inv, style));

  // Devices with a kernel backend; the others are named once, with the reason.
  std::vector<std::unique_ptr<device>> owned;
  std::vector<device*> devs;
  // The CPU clock, calibrated once (chains, the fp32 peak kernel, the system's maximum); the CPU
  // device re-measures the chosen chain before each benchmark that reports % of peak.
  const int run_threads = threads > 0 ? threads : std::max(1, inv->cpu.topology.cores);
  auto clock = std::make_shared<const cpu_clock>(list ? cpu_clock{} : cpu_clock_calibrate(inv->cpu, run_threads));
  owned.push_back(cpu_device_create(inv->devices.front(), inv->cpu, {threads, list ? nullptr : clock}));
  devs.push_back(owned.back().get());
  std::vector<std::string> without;
  auto add = [&](const device_info& d, result<std::unique_ptr<device>> opened) {
    if (!opened) {
      without.push_back(fmt::format("{} ({}): cannot be opened: {}", d.id, d.name, opened.error().message));
      return;
    }
    owned.push_back(std::move(*opened));
    devs.push_back(owned.back().get());
  };
  for (const auto& d : inv->devices) {
    if (d.backend == "cpu" || (!devices.empty() && std::ranges::find(devices, d.id) == devices.end())) continue;
#if XPU_WITH_OPENCL
    if (d.backend == "opencl") {
      opencl_options cl;
      cl.tune = !no_tune;
      add(d, opencl_device_open(d, cl));
      continue;
    }
#endif
#if XPU_WITH_VULKAN
    if (d.backend == "vulkan") {
      add(d, vulkan_device_open(d));
      continue;
    }
#endif
    without.push_back(fmt::format("{} ({}): the {} kernel backend is not in this build of xpubench", d.id, d.name, d.backend));
  }

  const auto cases = plan_cases(*loaded, devs, options);
  if (list) {
    for (const auto& c : cases)
      fmt::print("{}  {}{}\n", c.name, to_string(c.sup.level), c.implementation.empty() ? ": " + c.sup.reason : "");
    for (const auto& w : without) fmt::print("{}\n", w);
    fmt::print("{} benchmark(s) from suite '{}'\n", cases.size(), loaded->name);
    return 0;
  }
  if (cases.empty()) {
    fmt::print(stderr, "xpubench run: the selection matches no benchmark of suite '{}' (try --list without filters)\n", loaded->name);
    return 2;
  }

  xpu::run r;
  r.context.xpubench_version = xpu::version;
  r.context.git_sha = xpu::git_sha;
  r.context.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  r.context.command_line = command_line;
  r.context.suite = loaded->source;
  r.context.repetitions = repetitions > 0 ? repetitions : loaded->repetitions;
  r.context.min_time_s = min_time > 0 ? min_time : loaded->min_time_s;
  r.context.noisy_threshold = noisy_threshold;
  r.context.threads = threads > 0 ? threads : inv->cpu.topology.cores;
  r.context.seed = seed;
  r.context.libraries = cpu_libraries();
  r.context.clock = to_record(*clock);
  if (clock->hz > 0) r.context.measured_clock_hz = clock->hz;
  r.context.machine = std::move(*inv);
  if (idle_baseline) {
    fmt::print(stderr, "xpubench run: measuring idle power for 1 s per device with a sensor...\n");
    std::vector<device_info> infos;
    for (device* d : devs) infos.push_back(d->info());
    r.context.idle_w = xpu::idle_baseline(infos, r.context.machine.power, options.energy);
  }

  // Each output is rewritten after every benchmark when it is a file (a crash keeps what was
  // measured), written once at the end when it is a stream; each distinct error is printed once.
  struct output {
    const std::string& path;
    std::string (*render)(const xpu::run&);
    bool rewritable = false;
    std::string last_error = {};
    bool final_ok = false;
  };
  std::vector<output> outputs;
  if (!json.empty()) outputs.push_back({json, [](const xpu::run& x) { return run_to_json(x).dump(1) + "\n"; }});
  if (!csv.empty()) outputs.push_back({csv, [](const xpu::run& x) { return run_to_csv(x); }});
  for (auto& o : outputs) o.rewritable = output_rewritable(o.path);
  auto write_outputs = [&](const xpu::run& current, bool final) {
    for (auto& o : outputs) {
      if (!final && !o.rewritable) continue;
      auto ok = write_output(o.path, o.render(current));
      if (!ok && ok.error().message != o.last_error) fmt::print(stderr, "xpubench run: {}\n", ok.error().message);
      o.last_error = ok ? "" : ok.error().message;
      if (final) o.final_ok = ok.has_value();
    }
  };
  auto write = [&](const xpu::run& current) { write_outputs(current, false); };
  // An output that cannot take even the empty run is refused before anything is measured.
  write(r);
  for (const auto& o : outputs)
    if (!o.last_error.empty()) return 2;

  g_stop = false;
  g_signal = 0;
  auto previous_int = std::signal(SIGINT, on_interrupt);
  auto previous_term = std::signal(SIGTERM, on_interrupt);
  fmt::print(stderr, "xpubench run: suite '{}', {} benchmark(s), CPU clock {:.2f} GHz ({})\n", loaded->name, cases.size(),
             clock->hz / 1e9, r.context.clock.method.empty() ? "unknown" : r.context.clock.method);
  for (const auto& why : clock->rejected) fmt::print(stderr, "xpubench run: clock reading rejected: {}\n", why);
  run_cases(cases, options, r, write, g_stop);
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  if (r.context.interrupted) r.context.interrupted_by = g_signal.load() == SIGTERM ? "SIGTERM" : "SIGINT";
  r.context.finished = !r.context.interrupted && r.measurements.size() == cases.size();
  write_outputs(r, true);

  fmt::print(report_to, "{}", run_report(r, style));
  for (const auto& w : without) fmt::print(report_to, "{}\n", w);
  std::fflush(report_to);
  bool write_failed = false;
  for (const auto& o : outputs) {
    if (o.final_ok && o.path != "-") fmt::print(stderr, "xpubench run: wrote {}\n", o.path);
    if (!o.final_ok) fmt::print(stderr, "xpubench run: {} was NOT written: the results above are all that is left of this run\n", o.path);
    write_failed = write_failed || !o.final_ok;
  }
  if (r.context.interrupted) return g_signal.load() == SIGTERM ? 143 : 130;
  if (write_failed) return 2;
  const bool any_invalid = std::ranges::any_of(r.measurements, [](const measurement& m) { return m.state == status::invalid; });
  return fail_on_invalid && any_invalid ? 1 : 0;
}

}  // namespace xpu
