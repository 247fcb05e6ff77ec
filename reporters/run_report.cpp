#include "reporters/run_report.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/units.hpp"
#include "inventory/device.hpp"
#include "reporters/footnotes.hpp"
#include "reporters/text_table.hpp"
#include "results/measurement_figures.hpp"
#include "results/accuracy.hpp"
#include "results/token_bounds.hpp"

namespace xpu {
namespace {

std::string throughput(const measurement& m) {
  if (!m.ops_per_s) return "";
  if (m.ops_unit == "B") return format_si(*m.ops_per_s) + "B/s";
  if (m.ops_unit == "launch")  // latency: the caller's view beside the device's
    return m.host_samples_s.empty() ? "" : "host " + format_seconds(stats_of(m.host_samples_s).median) + " per launch";
  if (m.ops_unit == "element") return format_si(*m.ops_per_s) + "elem/s" + (m.bytes_per_s ? fmt::format(" ({}B/s)", format_si(*m.bytes_per_s)) : "");
  return format_si(*m.ops_per_s) + m.ops_unit + "/s";
}

std::string verified(const measurement& m) {
  const auto& v = m.verification;
  if (!v.checked) return m.state == status::ok ? "n/a" : "";
  if (!v.passed) return "FAILED";
  if (v.exact) return "exact";
  return fmt::format("ok {:.1e}", v.rel_l2_error);
}

std::string rate(const std::optional<double>& tokens_per_s) {
  if (!tokens_per_s) return "-";
  return *tokens_per_s >= 100 ? fmt::format("{:.0f}", *tokens_per_s) : fmt::format("{:.3g}", *tokens_per_s);
}

// Accuracy beside speed: each kernel's precisions side by side (only where a kernel ran in more
// than one: the table is about what a precision costs).
std::string accuracy_report(const run& r, const painter& p, std::size_t width) {
  const auto rows = accuracy_table(r);
  const bool compared = std::ranges::any_of(rows, [&](const accuracy_row& a) {
    return std::ranges::count_if(rows, [&](const accuracy_row& b) { return b.device == a.device && b.kernel == a.kernel; }) > 1;
  });
  if (!compared) return "";
  std::string out = p.bold("Accuracy beside speed") + "\n" +
                    wrap_text("(against the float64 or exact-integer reference; the worst over each kernel's shapes)", width, "  ");
  text_table table({"device", "kernel", "precision", "verified", "best throughput", "worst NMSE", "worst max rel. error", "storage NMSE"});
  for (const accuracy_row& a : rows) {
    const std::string verified = a.failed ? p.bad(fmt::format("{} ok, {} FAILED", a.verified, a.failed)) : fmt::format("{}", a.verified);
    const bool none = a.verified == 0;
    table.add_row({a.device, a.kernel, a.precision, verified, a.best_ops_per_s ? format_si(*a.best_ops_per_s) + a.ops_unit + "/s" : "",
                   none ? "" : a.exact ? "exact" : fmt::format("{:.1e}", a.worst_nmse), none ? "" : a.exact ? "exact" : fmt::format("{:.1e}", a.worst_max_rel),
                   a.storage_nmse ? fmt::format("{:.1e}", *a.storage_nmse) : ""});
  }
  table.fit(width, {7, 6, 3});  // storage NMSE, max rel. error, verified count: the least needed on a narrow terminal
  return out + table.render() +
         wrap_text("(NMSE: the squared relative L2 error, as llama.cpp's test-backend-ops reports it; max rel. error: the largest |got - ref| / |ref| "
                   "over elements at least a thousandth of the largest |ref|. Both are the kernel's own error on inputs already stored in its precision; "
                   "storage NMSE is what storing N(0,1) data in that precision costs first (qgemm, moe: in the weights' blocks; int8: one scale per tensor).)",
                   width, "  ") +
         "\n";
}

// The run's model (a suite from `suite from-model`): tokens/s (or inferences/s) bounds per device and precision.
std::string model_report(const run& r, const painter& p, std::size_t width) {
  const auto bounds = token_bounds(r);
  if (!r.context.model) return "";
  const model_profile& m = *r.context.model;
  const bool tokens = !m.decode.empty() || !m.prefill.empty();
  std::string out;
  if (tokens) {
    out = p.bold(fmt::format("Model {}{}, prompt of {} tokens: tokens/s from the measured kernel time", m.name,
                             m.weight_type.empty() ? "" : fmt::format(" ({} weights)", m.weight_type), m.tokens)) +
          "\n";
    out += wrap_text("(each phase's GEMMs, attention, RMSNorm and SiLU x their counts: a bound for a runtime whose kernels are these; RoPE, residual "
                     "adds, the gate's product, sampling, quantizing activations and the gaps between kernels are not in it. Decode times the quantized "
                     "matrices streamed, over copies of each that together are the model's size (at most 1 GiB), as an engine reads every matrix once "
                     "per token; `cached` times one matrix again and again, its weights left in the caches (what a model smaller than the caches gets). "
                     "The memory bound holds for any runtime: one decoded token reads every matrix once, `matrices` bytes in the row's type.)", width, "  ");
  } else {
    out = p.bold(fmt::format("Model {}{}: inferences/s from the measured kernel time", m.name,
                             m.weight_type.empty() ? "" : fmt::format(" ({} weights)", m.weight_type))) +
          "\n";
    out += wrap_text("(the graph's GEMMs and convolutions x their counts: a bound for a runtime whose kernels are these; element-wise operators, "
                     "normalizations, reshapes and the gaps between kernels are not in it.)", width, "  ");
  }
  for (const auto& note : m.notes) out += wrap_text("note: " + note, width, "  ");
  if (bounds.empty()) return out + "  no device measured the model's matrices\n\n";
  text_table table(tokens ? std::vector<std::string>{"device", "precision", "decode tok/s", "cached", "prefill tok/s", "matrices", "decode memory bound tok/s",
                                                     "worst NMSE"}
                          : std::vector<std::string>{"device", "precision", "inferences/s", "ms per inference", "worst NMSE"});
  std::vector<std::string> notes;
  std::map<std::string, std::vector<std::string>> substituted;  // "attention in fp16" -> "cpu0 int8", ...
  for (const token_bound& b : bounds) {
    const std::string nmse = fmt::format("{:.1e}", b.worst_rel_l2 * b.worst_rel_l2);
    if (tokens)
      table.add_row({b.device, b.precision, rate(b.decode.per_s), rate(b.decode_cached.per_s), rate(b.prefill.per_s),
                     b.decode_bytes ? format_bytes(static_cast<std::uint64_t>(*b.decode_bytes)) : "", rate(b.decode_memory_bound), nmse});
    else
      table.add_row({b.device, b.precision, rate(b.inference.per_s), b.inference.seconds ? fmt::format("{:.3g}", *b.inference.seconds * 1e3) : "-", nmse});
    const std::string who = fmt::format("{} {}", b.device, b.precision);
    std::vector<std::string> missing = b.decode.missing;
    for (const auto* phase : {&b.prefill.missing, &b.inference.missing, &b.decode_cached.missing})
      for (const auto& step : *phase)
        if (std::ranges::find(missing, step) == missing.end()) missing.push_back(step);
    if (!missing.empty())
      notes.push_back(fmt::format("{}: {} step(s) without a verified measurement, e.g. {}", who, missing.size(), missing.front()));
    for (const auto& sub : b.substituted) substituted[sub].push_back(who);
    if (tokens && !b.decode_memory_bound && !b.memory_basis.empty()) notes.push_back(who + ": no memory bound: " + b.memory_basis);
    if (tokens && b.decode.per_s) notes.push_back(who + ": decode from " + decode_made_of(b));
    if (b.decode.per_s && b.decode_memory_bound && *b.decode.per_s > *b.decode_memory_bound)
      notes.push_back(fmt::format("{}: decode above its memory bound: the kernels read the weights faster than the bandwidth row ({})", who,
                                  b.streamed_steps < b.matrix_steps || b.matrix_steps == 0 ? "cache-resident weights" : "a read row slower than this device's streams"));
  }
  for (const auto& [sub, whom] : substituted) {
    std::string list;
    for (const auto& w : whom) list += (list.empty() ? "" : ", ") + w;
    notes.push_back(fmt::format("{} for {} (not measured in the row's own form)", sub, list));
  }
  table.fit(width, tokens ? std::vector<std::size_t>{7, 5, 3} : std::vector<std::size_t>{4});  // NMSE, the matrices' bytes, cached
  out += table.render();
  std::set<std::string> bases;
  for (const token_bound& b : bounds)
    if (b.read_bytes_per_s && bases.insert(b.device).second)
      out += fmt::format("  {} memory bound: the matrices' bytes / {}B/s read ({})\n", b.device, format_si(*b.read_bytes_per_s), b.read_problem);
  for (const auto& n : notes) out += "  " + n + "\n";
  return out + "\n";
}

}  // namespace

std::string run_report(const run& r, const report_style& style, const std::map<std::string, double>& device_seconds, std::size_t width) {
  const painter p{style.color};
  const auto bold = [&](const std::string& s) { return p.bold(s); };
  const auto warn = [&](const std::string& s) { return p.bad(s); };
  std::string out;
  std::vector<std::string> device_order;
  std::map<std::string, std::vector<const measurement*>> by_device;
  for (const auto& m : r.measurements) {
    if (!by_device.contains(m.device)) device_order.push_back(m.device);
    by_device[m.device].push_back(&m);
  }
  std::set<std::string> energy_reasons, dispatch_warnings;
  bool cpu_peak = false;
  std::size_t busy = 0;
  const bool any_energy = std::ranges::any_of(r.measurements, [](const measurement& m) { return m.ops_per_joule.has_value(); });
  for (const auto& id : device_order) {
    const device_info* d = r.context.machine.find_device(id);
    const auto& rows = by_device[id];
    std::string took;
    if (auto t = device_seconds.find(id); t != device_seconds.end()) took = fmt::format("  ({} benchmarks in {:.0f} s)", rows.size(), t->second);
    std::string name = d ? d->name : "";
    while (!name.empty() && name.back() == ' ') name.pop_back();  // CPU model strings end in padding
    out += bold(fmt::format("{}  {}", id, name)) + took + "\n";
    std::vector<std::string> header{"benchmark", "impl", "support", "status", "median", "throughput", "% peak", "verified", "±median"};
    if (any_energy) header.insert(header.end(), {"ops/W", "W"});
    text_table table(header);
    footnotes bases;  // % of peak against what, one marker per basis
    std::vector<std::pair<std::string, std::vector<std::string>>> not_ok;  // "unsupported: reason" -> problems, each reason once
    for (const measurement* m : rows) {
      std::string st(to_string(m->state));
      if (m->state != status::ok) st = warn(st);
      std::string peak;
      if (m->percent_of_peak) {
        peak = fmt::format("{:.0f}%", *m->percent_of_peak) + bases.marker(peak_basis_note(m->peak_basis));
        cpu_peak = cpu_peak || is_host_cpu(m->backend);
      }
      std::vector<std::string> row{m->problem, m->implementation, m->support, st, m->time_s ? format_seconds(m->time_s->median) : "",
                                   throughput(*m), peak, verified(*m),
                                   m->median_uncertainty ? fmt::format("{:.1f}%{}{}", *m->median_uncertainty * 100, m->noisy ? " noisy" : "",
                                                                       m->load.busy ? " busy" : "")
                                                         : ""};
      if (any_energy)
        row.insert(row.end(), {m->ops_per_joule ? format_si(*m->ops_per_joule) + m->ops_unit + "/W" : "",
                               m->average_w ? fmt::format("{:.1f}", m->idle_corrected_w.value_or(*m->average_w)) : ""});
      table.add_row(std::move(row));
      if (m->state != status::ok) {
        const std::string key = fmt::format("{}: {}", to_string(m->state), m->reason);
        auto it = std::ranges::find(not_ok, key, &std::pair<std::string, std::vector<std::string>>::first);
        if (it == not_ok.end()) it = not_ok.insert(not_ok.end(), {key, {}});
        it->second.push_back(m->problem);
      }
      if (m->state == status::ok && !m->energy_reason.empty()) energy_reasons.insert(m->energy_reason);
      if (!m->dispatch_warning.empty()) dispatch_warnings.insert(m->dispatch_warning);
      busy += m->load.busy;
    }
    // Narrow terminals lose the columns that matter least first.
    const auto dropped = table.fit(width, any_energy ? std::vector<std::size_t>{2, 8, 10, 1, 7, 4, 9} : std::vector<std::size_t>{2, 8, 1, 7, 4});
    out += table.render();
    for (const auto& [why, problems] : not_ok) {
      std::string list;
      for (std::size_t i = 0; i < problems.size() && i < 3; ++i) list += (i ? ", " : "") + problems[i];
      if (problems.size() > 3) list += fmt::format(" and {} more", problems.size() - 3);
      out += wrap_text(fmt::format("{} ({})", why, list), width, "    ");
    }
    for (const auto& note : bases.listed()) out += wrap_text(note, width, "    ");
    if (!dropped.empty()) {
      std::string names;
      for (const auto& n : dropped) names += (names.empty() ? "" : ", ") + n;
      out += wrap_text(fmt::format("(columns left out to fit {} columns: {}; the run's JSON and `xpubench report` have them)", width, names), width, "    ");
    }
    out += "\n";
  }
  const clock_record& clock = r.context.clock;
  const auto line = [&](const std::string& text, const std::string& indent = "") { out += wrap_text(text, width, indent); };
  if (cpu_peak)
    line(fmt::format("CPU % of peak: cores x clock x the probe's ops/cycle estimate; clock {:.2f} GHz, {}", clock.hz / 1e9,
                     clock.basis.empty() ? "measured" : clock.basis));
  for (const auto& why : clock.rejected) line("clock reading rejected: " + why, "  ");
  for (const auto& note : clock.notes) line("note: " + note, "  ");
  for (const auto& w : dispatch_warnings) out += warn(wrap_text("library dispatch: " + w, width, ""));
  if (busy > 0)
    out += warn(wrap_text(fmt::format("{} measurement(s) ran while the machine was busy (other processes above {:.0f}% of the CPU time, or the "
                                      "hypervisor stealing above {:.0f}%): marked 'busy', they may read slower than the machine is",
                                      busy, busy_other_fraction * 100, busy_steal_fraction * 100), width, ""));
  if (!energy_reasons.empty()) {
    std::string text = "No ops/W:";
    for (const auto& reason : energy_reasons) text += " " + reason + ".";
    line(text + " RAPL needs /sys/class/powercap (intel_rapl or amd RAPL driver) and read access to energy_uj (root, or "
                "`sudo chmod o+r /sys/class/powercap/*/energy_uj`); GPUs need hwmon energy/power inputs or NVML.");
  }
  if (any_energy && !r.context.idle_w.empty()) line("W: idle-corrected (average minus the idle baseline)");
  out += accuracy_report(r, p, width);
  out += model_report(r, p, width);
  std::size_t ok = 0, invalid = 0, died = 0, other = 0, noisy = 0;
  for (const auto& m : r.measurements) {
    ok += m.state == status::ok;
    invalid += m.state == status::invalid;
    died += m.state == status::crashed || m.state == status::timeout;
    other += m.state != status::ok && m.state != status::invalid && m.state != status::crashed && m.state != status::timeout;
    noisy += m.noisy;
  }
  line(fmt::format("{} measurements: {} ok ({} noisy: median uncertain by more than ±{:.1f}%), {} invalid, {}{} not run{}",
                   r.measurements.size(), ok, noisy, r.context.noisy_threshold * 100, invalid,
                   died ? fmt::format("{} crashed or timed out (the driver died or hung: see each row), ", died) : "", other,
                   r.context.interrupted ? "; INTERRUPTED: the run stopped early" : ""));
  if (const std::string sampled = sampling_summary(r); !sampled.empty()) line(sampled);
  return out;
}

}  // namespace xpu
