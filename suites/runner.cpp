#include "suites/runner.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "core/units.hpp"
#include "probe/cpu_load.hpp"
#include "suites/workload.hpp"

namespace xpu {
namespace {

bool selected(const std::vector<std::string>& wanted, std::string_view value) {
  return wanted.empty() || std::ranges::find(wanted, value) != wanted.end();
}

// Kernel order within a device: peaks first, so % of peak can use a measured peak.
int kind_rank(kernel_kind k) {
  switch (k) {
    case kernel_kind::latency: return 0;
    case kernel_kind::peak: return 1;
    case kernel_kind::bandwidth: return 2;
    default: return 3;
  }
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
  if (d.opencl && d.type != "cpu") return d.opencl->global_memory_bytes;
  if (d.vulkan && d.type != "cpu") {
    std::uint64_t local = 0;
    for (const auto& h : d.vulkan->heaps)
      if (h.device_local) local = std::max(local, h.size_bytes);
    return local;
  }
  return inv.cpu.memory.available_bytes;
}

void percent_of_peak(measurement& m, const planned_case& c, const run& r, std::optional<double> clock_hz) {
  if (!m.ops_per_s || !(c.prob.kind() == kernel_kind::gemm || c.prob.kind() == kernel_kind::conv2d || c.prob.kind() == kernel_kind::peak))
    return;
  // The precision the implementation computes in (fp16 storage with fp32 arithmetic: fp32's peak).
  const precision computes = c.sup.arithmetic_of(c.implementation, c.prob.type);
  const precision_support* ps = c.dev->info().support_for(computes);
  // CPU: cores x clock x ops/cycle of the ISA path (the probe's factors); the clock re-measured
  // right before the benchmark where the calibrated chain allows, else the run's calibration.
  const clock_record& cal = r.context.clock;
  const bool fresh = clock_hz.has_value();
  if (!clock_hz && cal.hz > 0) clock_hz = cal.hz;
  if (!clock_hz) clock_hz = r.context.measured_clock_hz;
  if (c.dev->info().backend == "cpu" && ps && ps->peak && ps->peak->ops_per_cycle > 0 && clock_hz) {
    const double peak = ps->peak->cores * *clock_hz * ps->peak->ops_per_cycle;
    m.percent_of_peak = 100.0 * *m.ops_per_s / peak;
    const std::string how = fresh ? fmt::format("{} measured right before the benchmark", cal.method.empty() ? "clock" : cal.method)
                                  : fmt::format("{} clock of the run", cal.method.empty() ? "measured" : cal.method);
    m.peak_basis = fmt::format("cores x clock x ops/cycle = {} x {:.2f} GHz ({}) x {} (the per-cycle figure is the probe's estimate)",
                               ps->peak->cores, *clock_hz / 1e9, how, ps->peak->ops_per_cycle);
    return;
  }
  // Otherwise a measured peak of the same device and precision, else the estimate.
  if (c.prob.kind() != kernel_kind::peak) {
    const std::string peak_name = fmt::format("{}/peak/{}/", c.dev->info().id, to_string(computes));
    for (const auto& other : r.measurements)
      if (other.name.rfind(peak_name, 0) == 0 && other.state == status::ok && other.ops_per_s) {
        m.percent_of_peak = 100.0 * *m.ops_per_s / *other.ops_per_s;
        m.peak_basis = fmt::format("measured {} = {}OP/s{}", other.name, format_si(*other.ops_per_s),
                                   computes != c.prob.type ? fmt::format(" (the kernel computes in {})", to_string(computes)) : "");
        return;
      }
  }
  if (ps && ps->peak) {
    m.percent_of_peak = 100.0 * *m.ops_per_s / ps->peak->ops_per_s;
    m.peak_basis = ps->peak->basis;
  }
}

// What one Google Benchmark invocation of a case measured beside the device time: host wall time
// around its launches and, where a meter runs, the energy.
struct invocation {
  double host_seconds = 0;
  std::int64_t launches = 0;
  double joules = 0, seconds = 0;  // energy meter
  std::optional<double> sample_hz;
  std::string error;               // the meter's
};

// The invocations that were the repetitions: the last `repetitions` (earlier ones calibrated the
// launch count).
std::span<const invocation> repetitions_of(const std::vector<invocation>& all, std::size_t repetitions) {
  const std::size_t n = std::min(repetitions, all.size());
  return std::span(all).subspan(all.size() - n);
}

void energy_finish(measurement& m, std::span<const invocation> reps, std::size_t repetitions, const run& r) {
  if (reps.size() < repetitions || repetitions == 0) {
    if (m.energy_reason.empty()) m.energy_reason = "no energy readings for the repetitions";
    return;
  }
  double joules = 0, seconds = 0;
  for (const invocation& e : reps) {
    if (!e.error.empty()) {
      m.energy_reason = e.error;
      m.energy_samples_j.clear();
      return;
    }
    m.energy_samples_j.push_back(e.joules / static_cast<double>(std::max<std::int64_t>(e.launches, 1)));
    joules += e.joules;
    seconds += e.seconds;
    if (e.sample_hz) m.energy_sample_hz = e.sample_hz;
  }
  m.energy_j = stats_of(m.energy_samples_j).median;
  if (seconds > 0) m.average_w = joules / seconds;
  if (auto it = r.context.idle_w.find(m.device); it != r.context.idle_w.end() && m.average_w) m.idle_corrected_w = *m.average_w - it->second;
  if (*m.energy_j > 0 && m.ops > 0) m.ops_per_joule = m.ops / *m.energy_j;
}

// Test-only fault injection: the slowdown fraction for this benchmark (the first rule that matches).
double injected_slowdown(const run_options& options, const std::string& name) {
  for (const auto& [pattern, fraction] : options.inject_slowdown)
    if (std::regex_search(name, pattern)) return fraction;
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

verification_result to_result(const verification& v) {
  return {v.checked, v.passed, v.rel_l2_error, v.max_abs_error, v.elements_checked, v.elements_total, v.tol.exact, v.tol.rel_l2,
          v.tol.basis, v.message};
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

measurement run_one(const planned_case& c, const run_options& options, const run& r, int repetitions, double min_time) {
  measurement m = measurement_skeleton(c);
  if (m.state != status::ok) return m;
  const workload& w = workload_for(c.prob.kind());

  if (c.implementation.empty()) {
    m.state = status::unsupported;
    m.reason = c.sup.reason;
    return m;
  }
  const auto limit = memory_limit(c.dev->info(), r.context.machine);
  if (const std::uint64_t need = needed_bytes(c.prob); limit && need > *limit * 8 / 10) {
    m.state = status::skipped;
    m.reason = fmt::format("needs about {} but the device has {} available: skipped to stay clear of swapping and the OOM killer",
                           format_bytes(need), format_bytes(*limit));
    return m;
  }
  try {
    host_buffers buffers = w.make_buffers(c.prob, options.seed);
    auto ready = c.dev->prepare(c.prob, buffers, c.implementation);
    if (!ready) {
      m.state = ready.error().code == status::ok ? status::failed : ready.error().code;
      m.reason = ready.error().message;
      return m;
    }
    prepared* raw = ready->get();
    m.notes = raw->notes();
    const prepared::choice picked = raw->dispatch();
    m.dispatch = picked.what;
    m.dispatch_warning = picked.warning;
    // Warm up (first touch, JIT, clocks), then verify the output once, before any timing.
    if (auto t = raw->run_seconds(1); !t) {
      m.state = t.error().code;
      m.reason = t.error().message;
      return m;
    }
    if (auto ok = raw->read_back(buffers); !ok) {
      m.state = ok.error().code;
      m.reason = ok.error().message;
      return m;
    }
    m.verification = to_result(w.verify(c.prob, buffers, options.seed, raw->accumulation()));
    if (m.verification.checked && !m.verification.passed) {
      m.state = status::invalid;
      m.reason = "verification failed: " + m.verification.message;
      return m;
    }

    std::unique_ptr<energy_meter> meter;
    if (auto opened = energy_meter_open(sensors_for(c.dev->info(), r.context.machine.power), options.energy); opened) {
      meter = std::move(*opened);
      m.energy_sensor = meter->name();
    } else {
      m.energy_reason = opened.error().message;
    }
    std::vector<invocation> invocations;
    capture reporter;
    m.injected_slowdown = injected_slowdown(options, c.name);
    const double inject = m.injected_slowdown;
    benchmark::RegisterBenchmark(c.name.c_str(),
                                 [raw, inject, &meter, &invocations](benchmark::State& state) {
                                   invocation e;
                                   bool started = false;
                                   if (meter) {
                                     if (auto ok = meter->start(); ok) started = true;
                                     else e.error = ok.error().message;
                                   }
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
                                   e.launches = state.iterations();
                                   if (started) {
                                     if (auto got = meter->stop(); got) {
                                       e.joules = got->joules;
                                       e.seconds = got->seconds;
                                       e.sample_hz = got->sample_hz;
                                     } else {
                                       e.error = got.error().message;
                                     }
                                   }
                                   invocations.push_back(std::move(e));
                                 })
        ->UseManualTime()
        ->Repetitions(repetitions)
        ->MinTime(min_time)
        ->Unit(benchmark::kMicrosecond);
    const auto load_before = cpu_times_read();
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();
    m.load = sentinel(load_before, cpu_times_read());
    if (!reporter.error.empty()) {
      m.state = status::failed;
      m.reason = reporter.error;
    }
    m.samples_s = std::move(reporter.samples);
    m.launches = reporter.launches;
    const auto reps = repetitions_of(invocations, m.samples_s.size());
    for (const invocation& e : reps)
      if (e.launches > 0) m.host_samples_s.push_back(e.host_seconds / static_cast<double>(e.launches));
    if (meter) energy_finish(m, reps, m.samples_s.size(), r);
    if (m.samples_s.empty() && m.state == status::ok) {
      m.state = status::failed;
      m.reason = "Google Benchmark produced no repetition";
    }
  } catch (const std::bad_alloc&) {
    m.state = status::skipped;
    m.reason = "out of host memory";
  } catch (const std::exception& e) {
    m.state = status::failed;
    m.reason = fmt::format("exception: {}", e.what());
  }
  return m;
}

}  // namespace

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

void measurement_finish(measurement& m, double noisy_threshold) {
  if (m.samples_s.empty()) return;
  m.time_s = stats_of(m.samples_s);
  if (m.time_s->median > 0) {
    if (m.ops > 0) m.ops_per_s = m.ops / m.time_s->median;
    if (m.bytes > 0) m.bytes_per_s = m.bytes / m.time_s->median;
    // Noisy: the median itself is uncertain by more than the threshold (an outlier or two move
    // the cv, not this interval).
    if (const auto ci = median_interval(m.samples_s)) {
      m.median_uncertainty = (ci->high - ci->low) / 2 / m.time_s->median;
      m.noisy = *m.median_uncertainty > noisy_threshold;
    }
  }
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
      if (std::regex_search(case_name(d.id, p, ""), *options.filter)) return true;
      for (std::string_view impl : implementation_names)
        if (std::regex_search(case_name(d.id, p, impl), *options.filter)) return true;
    }
  }
  return false;
}

std::vector<planned_case> plan_cases(const suite& s, const std::vector<device*>& devices, const run_options& options) {
  std::vector<planned_case> out;
  for (device* d : devices) {
    if (!selected(options.devices, d->info().id)) continue;
    std::vector<problem> problems = s.problems;
    std::ranges::stable_sort(problems, {}, [](const problem& p) { return kind_rank(p.kind()); });
    for (const problem& p : problems) {
      if (!selected(options.kernels, to_string(p.kind())) || !selected(options.precisions, to_string(p.type))) continue;
      const support sup = d->supports(p);
      std::vector<std::string> impls = sup.implementations;
      if (impls.empty()) impls.push_back("");
      for (const std::string& impl : impls) {
        if (!impl.empty() && !s.implementations.empty() && std::ranges::find(s.implementations, impl) == s.implementations.end()) continue;
        planned_case c{d, p, impl, sup, case_name(d->info().id, p, impl)};
        if (options.filter && !std::regex_search(c.name, *options.filter)) continue;
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
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (stop.load()) {
      r.context.interrupted = true;
      break;
    }
    const planned_case& c = cases[i];
    if (on_start) on_start(measurement_skeleton(c));
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.progress) {
      std::fprintf(options.progress, "[%zu/%zu %3.0fs] %s ...", i + 1, cases.size(), elapsed, terminal_safe(c.name).c_str());
      std::fflush(options.progress);
    }
    // The clock right before the kernel: hosts change it under our feet (this VM: 3.7-4.1 GHz).
    const bool uses_peak = c.prob.kind() == kernel_kind::gemm || c.prob.kind() == kernel_kind::conv2d || c.prob.kind() == kernel_kind::peak;
    const std::optional<double> clock = uses_peak && !c.implementation.empty() ? c.dev->clock_hz_measure() : std::nullopt;
    measurement m = run_one(c, options, r, r.context.repetitions, r.context.min_time_s);
    measurement_finish(m, options.noisy_threshold);
    percent_of_peak(m, c, r, clock);
    if (options.progress) {
      if (m.state == status::ok && m.ops_per_s)
        std::fprintf(options.progress, " %s%s/s%s\n", format_si(*m.ops_per_s).c_str(), m.ops_unit.c_str(), m.noisy ? " (noisy)" : "");
      else std::fprintf(options.progress, " %s: %s\n", std::string(to_string(m.state)).c_str(), terminal_safe(m.reason).c_str());
    }
    r.measurements.push_back(std::move(m));
    if (on_result) on_result(r);
  }
}

}  // namespace xpu
