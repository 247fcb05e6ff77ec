#include "suites/runner.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <cmath>
#include <span>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "core/build_gate.hpp"
#include "core/units.hpp"
#include "probe/cpu_load.hpp"
#include "probe/registry.hpp"
#include "ops/operation.hpp"
#include "ops/shared.hpp"

namespace xpu {
namespace {

bool selected(const std::vector<std::string>& wanted, std::string_view value) {
  return wanted.empty() || std::ranges::find(wanted, value) != wanted.end();
}

// Collects Google Benchmark's per-repetition runs; prints nothing (the runner reports progress).
class capture final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      if (run.error_occurred) {
        error = run.error_message;
        continue;
      }
      if (run.iterations > 0) {
        samples.push_back(run.real_accumulated_time / static_cast<double>(run.iterations));
        launches = run.iterations;
      }
    }
  }
  std::vector<double> samples;
  std::int64_t launches = 0;
  std::string error;
};

std::uint64_t needed_bytes(const problem& p) {
  const workload& w = workload_for(p.kind());
  // Inputs and outputs on the host, the backend's copies, and the reference's reads: 3x the minimum.
  return static_cast<std::uint64_t>(3.0 * std::max(w.min_bytes(p), 1.0));
}

// The device memory a case may use: the OS's available memory for CPU-side devices, the
// device's global memory otherwise.
std::optional<std::uint64_t> memory_limit(const device_info& d, const inventory& inv) {
  if (const device_backend* b = device_backend_find(d.backend); b && b->memory_budget)
    if (auto budget = b->memory_budget(d)) return budget;
  return inv.cpu.memory.available_bytes;
}

// What one Google Benchmark invocation of a case measured beside the device time: host wall time
// around its launches and, where a meter runs, the energy of its window.
struct invocation {
  double host_seconds = 0;
  energy_window_reading energy;
};

// The invocations that were the repetitions: the last `repetitions` (earlier ones calibrated the
// launch count).
std::span<const invocation> repetitions_of(const std::vector<invocation>& all, std::size_t repetitions) {
  const std::size_t n = std::min(repetitions, all.size());
  return std::span(all).subspan(all.size() - n);
}

// Test-only fault injection: the slowdown fraction for this benchmark (the first rule that matches).
double injected_slowdown(const run_options& options, const std::string& name) {
  for (const auto& [pattern, fraction] : options.inject_slowdown)
    if (pattern.found_in(name)) return fraction;
  return 0;
}

// Spins on the calling thread for `seconds`; returns the time spun (real busy time, so the
// slowdown is one the clock, the sentinel and the energy meter all see).
double busy_wait(double seconds) {
  const auto start = std::chrono::steady_clock::now();
  double spun = 0;
  while ((spun = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()) < seconds) {
  }
  return spun;
}

contention sentinel(const result<cpu_times>& before, const result<cpu_times>& after) {
  contention out;
  if (!before || !after) {
    out.reason = !before ? before.error().message : after.error().message;
    return out;
  }
  const load_fractions f = load_between(*before, *after);
  out.measured = true;
  out.steal_fraction = f.steal;
  out.other_fraction = f.other;
  out.busy = f.steal > busy_steal_fraction || f.other > busy_other_fraction;
  return out;
}


}  // namespace

measurement measurement_skeleton(const planned_case& c) {
  measurement m;
  m.name = c.name;
  m.device = c.dev->info().id;
  m.backend = c.dev->info().backend;
  m.kernel = std::string(to_string(c.prob.kind()));
  m.precision = std::string(to_string(c.prob.type));
  m.problem = c.prob.id();
  m.implementation = c.implementation;
  m.support = std::string(to_string(c.sup.level));
  m.support_reason = c.sup.reason;
  if (auto e = problem_size_error(c.prob)) {  // suite files are checked when read; this guards every other caller
    m.state = status::invalid;
    m.reason = *e;
    return m;
  }
  const workload& w = workload_for(c.prob.kind());
  m.ops = w.ops(c.prob);
  m.ops_unit = std::string(w.ops_unit(c.prob));
  m.bytes = w.min_bytes(c.prob);
  return m;
}

namespace {

// Step 1: the case fits the device's memory, its inputs are made and the device prepares it;
// nullptr with m saying why not.
// The inputs of the last case, kept for the next when it measures the same problem (another
// implementation: the three of a 256 MiB stream on OpenCL, oneDNN and OpenBLAS on the CPU): made
// from the same seed, they would be the same bytes; the backends only read them.
struct kept_buffers {
  std::string id;  // the problem's id; "" when nothing is kept
  host_buffers buffers;
};

std::unique_ptr<prepared> prepare_case(const planned_case& c, const run_options& options, const run& r, host_buffers& buffers, kept_buffers& kept,
                                       measurement& m) {
  if (c.implementation.empty()) {
    m.state = status::unsupported;
    m.reason = c.sup.reason;
    return nullptr;
  }
  const auto limit = memory_limit(c.dev->info(), r.context.machine);
  if (const std::uint64_t need = needed_bytes(c.prob); limit && need > *limit * 8 / 10) {
    m.state = status::skipped;
    m.reason = fmt::format("needs about {} but the device has {} available: skipped to stay clear of swapping and the OOM killer",
                           format_bytes(need), format_bytes(*limit));
    return nullptr;
  }
  if (kept_buffers last = std::exchange(kept, {}); !last.id.empty() && last.id == c.prob.id()) {  // taken once, whatever follows
    buffers = std::move(last.buffers);
    for (host_buffer& o : buffers.outputs) ops::reset_output(o);  // the last case's results go
  } else {
    buffers = workload_for(c.prob.kind()).make_buffers(c.prob, options.seed);
  }
  auto ready = c.dev->prepare(c.prob, buffers, c.implementation);
  if (!ready) {
    m.state = ready.error().code == status::ok ? status::failed : ready.error().code;
    m.reason = ready.error().message;
    return nullptr;
  }
  m.notes = (*ready)->notes();
  const prepared::choice picked = (*ready)->dispatch();
  m.dispatch = picked.what;
  m.dispatch_warning = picked.warning;
  return std::move(*ready);
}

// Step 2: a warm-up launch (first touch, JIT, clocks), then the output read back and verified
// against the reference, before any timing; false with m saying why.
// `warm_s`: the device time of that launch.
bool verify_case(const planned_case& c, prepared& ready, host_buffers& buffers, std::uint64_t seed, measurement& m, double& warm_s) {
  const auto t = ready.run_seconds(1);
  if (!t) {
    m.state = t.error().code;
    m.reason = t.error().message;
    return false;
  }
  warm_s = *t;
  if (auto ok = ready.read_back(buffers); !ok) {
    m.state = ok.error().code;
    m.reason = ok.error().message;
    return false;
  }
  m.verification = workload_for(c.prob.kind()).verify(c.prob, buffers, seed, ready.accumulation());
  if (m.verification.checked && !m.verification.passed) {
    m.state = status::invalid;
    m.reason = "verification failed: " + m.verification.message;
    return false;
  }
  return true;
}

// The energy meter of a device, read around each Google Benchmark invocation (a window).
class energy_window {
 public:
  energy_window(const device_info& d, const run& r, const energy_options& options, measurement& m) {
    if (auto opened = energy_meter_open(sensors_for(d, r.context.machine.power), options); opened) {
      m_meter = std::move(*opened);
      m.energy_sensor = m_meter->name();
    } else {
      m.energy_reason = opened.error().message;
    }
  }
  explicit operator bool() const { return m_meter != nullptr; }
  void open(energy_window_reading& e) {
    if (!m_meter) return;
    if (auto ok = m_meter->start(); ok) m_started = true;
    else e.error = ok.error().message;
  }
  void close(energy_window_reading& e) {
    if (!m_started) return;
    m_started = false;
    if (auto got = m_meter->stop(); got) {
      e.joules = got->joules;
      e.seconds = got->seconds;
      e.sample_hz = got->sample_hz;
    } else {
      e.error = got.error().message;
    }
  }

 private:
  std::unique_ptr<energy_meter> m_meter;
  bool m_started = false;
};

// Google Benchmark sizes a repetition by the manual (device) time. Where a launch costs the host
// far more wall time than the device time it reports (an empty kernel on PoCL here: 4-7 us
// between launches, 40 us of wall time each), reaching min_time of device time would take many
// times min_time (3-16 s for that row from a cold start). Such a row gets a fixed launch count per repetition that fills min_time of wall
// time (nullopt: the device time sizes it as usual); a short probe of launches decides, unless
// the warm-up launch alone (`warm_s` of device time) took as long as the probe would.
std::optional<std::int64_t> host_bound_launches(prepared& ready, double min_time, double warm_s, measurement& m) {
  const double probe_s = std::min(0.01, min_time / 2);
  if (warm_s >= probe_s || !ready.run_seconds(1)) return std::nullopt;  // the first launch after verifying is not counted (caches, clocks)
  double device_s = 0;
  std::int64_t launches = 0;
  const auto start = std::chrono::steady_clock::now();
  double wall_s = 0;
  while (wall_s < probe_s && launches < 1000) {
    const auto t = ready.run_seconds(1);
    if (!t) return std::nullopt;  // the measurement itself reports it
    device_s += *t;
    ++launches;
    wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (launches == 0 || !(wall_s > 4 * device_s)) return std::nullopt;
  const double wall_each = wall_s / static_cast<double>(launches);
  const auto fixed = static_cast<std::int64_t>(std::clamp(std::ceil(min_time / wall_each), 1.0, 1e7));
  m.notes += fmt::format("{}host-bound: {} launch(es) per repetition (the host spends {} per launch, the device {}: a repetition of "
                         "{} of device time would take {} of wall time)",
                         m.notes.empty() ? "" : "; ", fixed, format_seconds(wall_each), format_seconds(device_s / static_cast<double>(launches)),
                         format_seconds(min_time), format_seconds(min_time * wall_s / std::max(device_s, 1e-12)));
  return fixed;
}

// Step 3: Google Benchmark's repetitions with the backend's own times (manual time), host time
// around the launches, an energy window per invocation and the load sentinel around it all. The
// first invocation sizes the launch count (min_time, or the host-bound count) and is the first
// repetition; every later one is an invocation of its own at that count (fewer after an overrun)
// until the rule says stop (suites/sampling.hpp: the fixed count, or adaptive sampling's).
// `stop` (a signal) ends the adaptive repetitions early, as the cap would.
void measure_case(const planned_case& c, prepared& ready, const run_options& options, const run& r, double warm_s, const std::atomic<bool>& stop,
                  measurement& m) {
  const sampling_rule rule = sampling_of(r.context);
  const auto fixed_launches = host_bound_launches(ready, r.context.min_time_s, warm_s, m);
  energy_window energy(c.dev->info(), r, options.energy, m);
  std::vector<invocation> invocations;
  capture reporter;
  m.injected_slowdown = injected_slowdown(options, c.name);
  const double inject = m.injected_slowdown;
  prepared* raw = &ready;
  const auto invoke = [&](int repetitions, std::optional<std::int64_t> launches) {
    benchmark::internal::Benchmark* bench = benchmark::RegisterBenchmark(c.name.c_str(),
                                 [raw, inject, &energy, &invocations](benchmark::State& state) {
                                   invocation e;
                                   energy.open(e.energy);
                                   for (auto _ : state) {
                                     const auto host_start = std::chrono::steady_clock::now();
                                     auto t = raw->run_seconds(1);
                                     if (t && inject > 0) *t += busy_wait(*t * inject);
                                     e.host_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
                                     if (!t) {
                                       state.SkipWithError(t.error().message.c_str());
                                       break;
                                     }
                                     state.SetIterationTime(*t);
                                   }
                                   e.energy.launches = state.iterations();
                                   energy.close(e.energy);
                                   invocations.push_back(std::move(e));
                                 })
        ->UseManualTime()
        ->Repetitions(repetitions)
        ->Unit(benchmark::kMicrosecond);
    if (launches) bench->Iterations(*launches);  // Google Benchmark takes a launch count or a minimum time, not both
    else bench->MinTime(r.context.min_time_s);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();
  };
  const auto load_before = cpu_times_read();
  const auto start = std::chrono::steady_clock::now();
  invoke(1, fixed_launches);  // sizes the launch count
  std::int64_t launches = reporter.launches;
  sampling_stop why = sampling_stop::more;
  while (reporter.error.empty() && launches > 0 && !stop.load() &&
         (why = sampling_next(rule, reporter.samples, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count())) ==
             sampling_stop::more) {
    // A repetition that took over 10x min_time of wall time (another process took the cores after
    // the count was sized: a 2-thread launch then waits whole time slices) gets fewer launches
    // next, so that the budget and the watchdog are not outrun by one repetition.
    if (const double wall = invocations.empty() ? 0 : invocations.back().host_seconds; launches > 1 && wall > 10 * r.context.min_time_s)
      launches = std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(launches) * r.context.min_time_s / wall));
    const std::size_t before = reporter.samples.size();
    invoke(1, launches);
    if (reporter.samples.size() == before) break;  // Google Benchmark gave nothing: the row says why below
  }
  if (why != sampling_stop::more) m.stopped_by = std::string(to_string(why));
  else if (stop.load() && !reporter.samples.empty()) m.stopped_by = "interrupted";
  m.load = sentinel(load_before, cpu_times_read());
  if (!reporter.error.empty()) {
    m.state = status::failed;
    m.reason = reporter.error;
  }
  m.samples_s = std::move(reporter.samples);
  m.launches = reporter.launches;
  const auto reps = repetitions_of(invocations, m.samples_s.size());
  std::vector<energy_window_reading> readings;
  for (const invocation& e : reps) {
    if (e.energy.launches > 0) m.host_samples_s.push_back(e.host_seconds / static_cast<double>(e.energy.launches));
    readings.push_back(e.energy);
  }
  if (energy) energy_finish(m, readings, m.samples_s.size(), r);
  if (m.samples_s.empty() && m.state == status::ok) {
    m.state = status::failed;
    m.reason = "Google Benchmark produced no repetition";
  }
}

// One case: prepare, verify, measure; every failure is the row's status and reason.
// `next`: the case after this one (null: none), for which the inputs are kept when it measures the same problem.
measurement run_one(const planned_case& c, const planned_case* next, const run_options& options, const run& r, kept_buffers& kept,
                    const std::atomic<bool>& stop) {
  measurement m = measurement_skeleton(c);
  if (m.state != status::ok) return m;
  try {
    host_buffers buffers;
    auto ready = prepare_case(c, options, r, buffers, kept, m);
    double warm_s = 0;
    if (ready && verify_case(c, *ready, buffers, options.seed, m, warm_s)) measure_case(c, *ready, options, r, warm_s, stop, m);
    ready.reset();  // nothing refers to the buffers any more
    if (next && !buffers.inputs.empty() && next->prob.id() == c.prob.id()) kept = {c.prob.id(), std::move(buffers)};
  } catch (const std::bad_alloc&) {
    kept = {};
    m.state = status::skipped;
    m.reason = "out of host memory";
  } catch (const std::exception& e) {
    kept = {};
    m.state = status::failed;
    m.reason = fmt::format("exception: {}", e.what());
  }
  return m;
}

}  // namespace

void prebuild_cases(const std::vector<planned_case>& cases, const run_options& options, const run& r, double memory_share,
                    const std::function<std::optional<std::size_t>()>& claim, const std::function<void(const planned_case&)>& started,
                    const std::function<void(const planned_case&)>& built) {
  kept_buffers kept;
  for (auto i = claim(); i && *i < cases.size(); i = claim()) {
    const planned_case& c = cases[*i];
    measurement m = measurement_skeleton(c);
    if (m.state != status::ok || c.implementation.empty()) continue;
    // The helpers run side by side: a case that needs more than this one's share of the memory is
    // left to the measuring worker, which runs alone.
    if (const auto limit = memory_limit(c.dev->info(), r.context.machine);
        limit && static_cast<double>(needed_bytes(c.prob)) > static_cast<double>(*limit) * 0.8 * memory_share)
      continue;
    started(c);
    if (kept.id != c.prob.id()) kept = {};  // one case's buffers at a time: the last ones go before new ones are made
    try {
      host_buffers buffers;
      build_gate::building section;
      auto ready = prepare_case(c, options, r, buffers, kept, m);
      if (!ready || !ready->run_seconds(1)) continue;
      ready.reset();
      kept = {c.prob.id(), std::move(buffers)};  // the next case this helper claims may measure the same problem
    } catch (const std::exception&) {  // out of memory, or anything else: the measuring worker says what
      kept = {};
      continue;
    }
    built(c);
  }
}

sampling_rule sampling_of(const run_context& c) {
  sampling_rule rule;
  rule.mode = c.sampling == "adaptive" ? sampling_mode::adaptive : sampling_mode::fixed;
  rule.repetitions = std::max(c.repetitions, 1);
  rule.max_repetitions = c.max_repetitions;
  rule.budget_s = c.budget_s;
  rule.target = c.noisy_threshold > 0 ? c.noisy_threshold : rule.target;
  return sampling_resolved(rule, c.min_time_s);
}

void sampling_record(run_context& c, const sampling_rule& rule) {
  const sampling_rule resolved = sampling_resolved(rule, c.min_time_s);
  c.sampling = std::string(to_string(resolved.mode));
  c.repetitions = resolved.repetitions;
  c.max_repetitions = resolved.mode == sampling_mode::adaptive ? resolved.max_repetitions : 0;
  c.budget_s = resolved.mode == sampling_mode::adaptive ? resolved.budget_s : 0;
}

std::map<std::string, double> idle_baseline(const std::vector<device_info>& devices, const power_inventory& power,
                                            const energy_options& options, double seconds) {
  std::map<std::string, double> out;
  for (const device_info& d : devices) {
    auto meter = energy_meter_open(sensors_for(d, power), options);
    if (!meter || !(*meter)->start()) continue;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    if (auto e = (*meter)->stop(); e && e->seconds > 0) out[d.id] = e->joules / e->seconds;
  }
  return out;
}

progress_sink progress_to(std::FILE* f) {
  return [f](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fflush(f);
  };
}

progress_sink progress_to_terminal(std::FILE* f, std::size_t width) {
  auto line = std::make_shared<std::string>();
  return [f, width, line](std::string_view text) {
    const bool start = !text.ends_with('\n');
    if (start) line->clear();
    *line += text.substr(0, text.size() - (start ? 0 : 1));
    std::string shown = *line;
    if (width > 4 && shown.size() >= width) shown = shown.substr(0, width - 4) + "...";
    std::fprintf(f, "\r\033[K%s", shown.c_str());
    std::fflush(f);
  };
}

std::optional<double> progress_left(std::span<const double> estimates, std::size_t index, double elapsed_s) {
  double known = 0;
  std::size_t count = 0;
  for (double e : estimates)
    if (e >= 0) known += e, ++count;
  if (count == 0) return std::nullopt;
  const double mean = known / static_cast<double>(count);
  double done = 0, left = 0;
  for (std::size_t i = 0; i < estimates.size(); ++i) (i < index ? done : left) += estimates[i] >= 0 ? estimates[i] : mean;
  const double pace = index > 0 && done > 0 && elapsed_s > 0 ? std::clamp(elapsed_s / done, 0.1, 10.0) : 1.0;
  return left * pace;
}

std::vector<double> earlier_estimates(const std::vector<planned_case>& cases, const std::map<std::string, double>& earlier) {
  std::vector<double> out;
  for (const planned_case& c : cases) {
    const auto it = earlier.find(c.name);
    out.push_back(c.implementation.empty() ? 0 : it != earlier.end() ? it->second : -1);
  }
  return out;
}

std::string progress_start(std::size_t index, std::size_t total, double elapsed_s, std::string_view name, std::optional<double> left_s) {
  if (!left_s && index > 0 && total > index) left_s = elapsed_s / static_cast<double>(index) * static_cast<double>(total - index);
  const std::string left = left_s && total > index ? fmt::format(" ~{:.0f}s left", *left_s) : "";
  return fmt::format("[{}/{} {:3.0f}s{}] {} ...", index + 1, total, elapsed_s, left, terminal_safe(name));
}

std::string progress_end(const measurement& m) {
  if (m.state == status::ok && m.ops_per_s) return fmt::format(" {}{}/s{}\n", format_si(*m.ops_per_s), m.ops_unit, m.noisy ? " (noisy)" : "");
  return fmt::format(" {}: {}\n", to_string(m.state), terminal_safe(m.reason));
}

std::string case_name(std::string_view device_id, const problem& p, std::string_view implementation) {
  return fmt::format("{}/{}{}{}", device_id, p.id(), implementation.empty() ? "" : "/", implementation);
}

bool plan_may_match(const suite& s, const std::vector<device_info>& devices, const run_options& options) {
  for (const device_info& d : devices) {
    if (!selected(options.devices, d.id)) continue;
    for (const problem& p : s.problems) {
      if (!selected(options.kernels, to_string(p.kind())) || !selected(options.precisions, to_string(p.type))) continue;
      if (!options.filter) return true;
      if (options.filter->found_in(case_name(d.id, p, ""))) return true;
      for (std::string_view impl : implementation_names)
        if (options.filter->found_in(case_name(d.id, p, impl))) return true;
    }
  }
  return false;
}

std::vector<planned_case> plan_cases(const suite& s, const std::vector<device*>& devices, const run_options& options) {
  std::vector<planned_case> out;
  for (device* d : devices) {
    if (!selected(options.devices, d->info().id)) continue;
    std::vector<problem> problems = s.problems;
    std::ranges::stable_sort(problems, {}, [](const problem& p) { return operation_for(p.kind()).order; });  // peaks first
    for (const problem& p : problems) {
      if (!selected(options.kernels, to_string(p.kind())) || !selected(options.precisions, to_string(p.type))) continue;
      const support sup = d->supports(p);
      std::vector<std::string> impls = sup.implementations;
      if (impls.empty()) impls.push_back("");
      for (const std::string& impl : impls) {
        if (!impl.empty() && !s.implementations.empty() && std::ranges::find(s.implementations, impl) == s.implementations.end()) continue;
        planned_case c{d, p, impl, sup, case_name(d->info().id, p, impl)};
        if (options.filter && !options.filter->found_in(c.name)) continue;
        out.push_back(std::move(c));
      }
    }
  }
  return out;
}

void run_cases(const std::vector<planned_case>& cases, const run_options& options, run& r,
               const std::function<void(const run&)>& on_result, const std::atomic<bool>& stop,
               const std::function<void(const measurement&)>& on_start) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> estimates = earlier_estimates(cases, options.earlier_wall_s);
  kept_buffers kept;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (stop.load()) {
      r.context.interrupted = true;
      break;
    }
    const planned_case& c = cases[i];
    if (on_start) on_start(measurement_skeleton(c));
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.progress) options.progress(progress_start(i, cases.size(), elapsed, c.name, progress_left(estimates, i, elapsed)));
    // The clock right before the kernel: hosts change it under our feet (this VM: 3.7-4.1 GHz).
    const bool uses_peak = operation_for(c.prob.kind()).compute_bound;
    const std::optional<double> clock = uses_peak && !c.implementation.empty() ? c.dev->clock_hz_measure() : std::nullopt;
    const auto case_start = std::chrono::steady_clock::now();
    measurement m = run_one(c, i + 1 < cases.size() ? &cases[i + 1] : nullptr, options, r, kept, stop);
    m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - case_start).count();
    measurement_finish(m, options.noisy_threshold);
    if (uses_peak) percent_of_peak(m, c.dev->info(), c.prob.type, c.sup.arithmetic_of(c.implementation, c.prob.type), r, clock);
    if (options.progress) options.progress(progress_end(m));
    r.measurements.push_back(std::move(m));
    if (on_result) on_result(r);
  }
}

}  // namespace xpu
