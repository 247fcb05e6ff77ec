#include "results/measurement_figures.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/units.hpp"
#include "ops/operation.hpp"
#include "results/statistics.hpp"

namespace xpu {

void measurement_finish(measurement& m, double noisy_threshold) {
  if (m.samples_s.empty()) return;
  m.time_s = stats_of(m.samples_s);
  if (m.time_s->median > 0) {
    if (m.ops > 0) m.ops_per_s = m.ops / m.time_s->median;
    if (m.bytes > 0) m.bytes_per_s = m.bytes / m.time_s->median;
    // Noisy: the median itself is uncertain by more than the threshold (an outlier or two move
    // the cv, not this interval).
    m.median_uncertainty = median_uncertainty(m.samples_s);
    m.noisy = m.median_uncertainty && *m.median_uncertainty > noisy_threshold;
  }
}

std::string sampling_summary(const run& r) {
  const run_context& c = r.context;
  if (c.sampling == "fixed") return fmt::format("fixed sampling: {} repetition(s) of at least {} each", c.repetitions, format_seconds(c.min_time_s));
  if (c.sampling != "adaptive") return "";
  std::size_t converged = 0, budget = 0, cap = 0;
  for (const measurement& m : r.measurements) {
    converged += m.stopped_by == "converged";
    budget += m.stopped_by == "budget";
    cap += m.stopped_by == "max_repetitions";
  }
  return fmt::format("adaptive sampling ({} to {} repetitions of at least {}, at most {} of them each, until the median is known to "
                     "±{:.1f}%): {} converged, {} stopped at the budget, {} at the cap",
                     c.repetitions, c.max_repetitions, format_seconds(c.min_time_s), format_seconds(c.budget_s), c.noisy_threshold * 100,
                     converged, budget, cap);
}

void energy_finish(measurement& m, std::span<const energy_window_reading> reps, std::size_t repetitions, const run& r) {
  if (reps.size() < repetitions || repetitions == 0) {
    if (m.energy_reason.empty()) m.energy_reason = "no energy readings for the repetitions";
    return;
  }
  double joules = 0, seconds = 0;
  for (const energy_window_reading& e : reps) {
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

void percent_of_peak(measurement& m, const device_info& d, precision stored, precision computes, const run& r, std::optional<double> clock_hz) {
  if (!m.ops_per_s) return;
  const precision_support* ps = d.support_for(computes);
  // CPU: cores x clock x ops/cycle of the ISA path (the probe's factors); the clock re-measured
  // right before the benchmark where the calibrated chain allows, else the run's calibration.
  const clock_record& cal = r.context.clock;
  const bool fresh = clock_hz.has_value();
  if (!clock_hz && cal.hz > 0) clock_hz = cal.hz;
  if (!clock_hz) clock_hz = r.context.measured_clock_hz;
  // A GPU whose backend measured its clock right before the benchmark (CUDA: SMs x clock x the
  // architecture's ops per clock per SM) likewise.
  if (!is_host_cpu(d.backend) && fresh && ps && ps->peak && ps->peak->ops_per_cycle > 0) {
    const double peak = ps->peak->cores * *clock_hz * ps->peak->ops_per_cycle;
    m.percent_of_peak = 100.0 * *m.ops_per_s / peak;
    m.peak_basis = fmt::format("SMs x clock x ops/clock/SM = {} x {:.0f} MHz (measured under load right before the benchmark) x {} "
                               "(the per-clock figure is the probe's estimate)",
                               ps->peak->cores, *clock_hz / 1e6, ps->peak->ops_per_cycle);
    return;
  }
  if (is_host_cpu(d.backend) && ps && ps->peak && ps->peak->ops_per_cycle > 0 && clock_hz) {
    const double peak = ps->peak->cores * *clock_hz * ps->peak->ops_per_cycle;
    m.percent_of_peak = 100.0 * *m.ops_per_s / peak;
    const std::string how = fresh ? fmt::format("{} measured right before the benchmark", cal.method.empty() ? "clock" : cal.method)
                                  : fmt::format("{} clock of the run", cal.method.empty() ? "measured" : cal.method);
    m.peak_basis = fmt::format("cores x clock x ops/cycle = {} x {:.2f} GHz ({}) x {} (the per-cycle figure is the probe's estimate)",
                               ps->peak->cores, *clock_hz / 1e9, how, ps->peak->ops_per_cycle);
    return;
  }
  // Otherwise a measured peak of the same device and precision, else the estimate.
  if (operation_measures(m.kernel) != measures::peak) {
    const std::string peak_name = fmt::format("{}/peak/{}/", d.id, to_string(computes));
    for (const auto& other : r.measurements)
      if (other.name.rfind(peak_name, 0) == 0 && other.state == status::ok && other.ops_per_s) {
        m.percent_of_peak = 100.0 * *m.ops_per_s / *other.ops_per_s;
        m.peak_basis = fmt::format("measured {} = {}OP/s{}", other.name, format_si(*other.ops_per_s),
                                   computes != stored ? fmt::format(" (the kernel computes in {})", to_string(computes)) : "");
        return;
      }
  }
  if (ps && ps->peak) {
    m.percent_of_peak = 100.0 * *m.ops_per_s / ps->peak->ops_per_s;
    m.peak_basis = ps->peak->basis;
  }
}

}  // namespace xpu
