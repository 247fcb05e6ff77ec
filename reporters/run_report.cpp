#include "reporters/run_report.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/units.hpp"
#include "reporters/text_table.hpp"

namespace xpu {
namespace {

std::string duration(double s) {
  if (s < 1e-3) return fmt::format("{:.2f} us", s * 1e6);
  if (s < 1) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.3f} s", s);
}

std::string throughput(const measurement& m) {
  if (!m.ops_per_s) return "";
  if (m.ops_unit == "B") return format_si(*m.ops_per_s) + "B/s";
  if (m.ops_unit == "launch")  // latency: the caller's view beside the device's
    return m.host_samples_s.empty() ? "" : "host " + duration(stats_of(m.host_samples_s).median) + " per launch";
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

}  // namespace

std::string run_report(const run& r, const report_style& style) {
  const auto bold = [&](const std::string& s) { return style.color ? "\033[1m" + s + "\033[0m" : s; };
  const auto warn = [&](const std::string& s) { return style.color ? "\033[33m" + s + "\033[0m" : s; };
  std::string out;
  std::vector<std::string> device_order;
  std::map<std::string, std::vector<const measurement*>> by_device;
  for (const auto& m : r.measurements) {
    if (!by_device.contains(m.device)) device_order.push_back(m.device);
    by_device[m.device].push_back(&m);
  }
  std::set<std::string> bases, energy_reasons;
  const bool any_energy = std::ranges::any_of(r.measurements, [](const measurement& m) { return m.ops_per_joule.has_value(); });
  for (const auto& id : device_order) {
    const device_info* d = r.context.machine.find_device(id);
    out += bold(fmt::format("{}  {}", id, d ? d->name : "")) + "\n";
    std::vector<std::string> header{"benchmark", "impl", "support", "status", "median", "throughput", "% peak", "verified", "cv"};
    if (any_energy) header.insert(header.end(), {"ops/W", "W"});
    text_table table(header);
    std::vector<std::string> problems;
    for (const measurement* m : by_device[id]) {
      std::string st(to_string(m->state));
      if (m->state != status::ok) st = warn(st);
      std::vector<std::string> row{m->problem, m->implementation, m->support, st, m->time_s ? duration(m->time_s->median) : "",
                                   throughput(*m), m->percent_of_peak ? fmt::format("{:.0f}%", *m->percent_of_peak) : "", verified(*m),
                                   m->time_s ? fmt::format("{:.1f}%{}", m->time_s->cv * 100, m->noisy ? " noisy" : "") : ""};
      if (any_energy)
        row.insert(row.end(), {m->ops_per_joule ? format_si(*m->ops_per_joule) + m->ops_unit + "/W" : "",
                               m->average_w ? fmt::format("{:.1f}", m->idle_corrected_w.value_or(*m->average_w)) : ""});
      table.add_row(std::move(row));
      if (m->state == status::ok && !m->energy_reason.empty()) energy_reasons.insert(m->energy_reason);
      if (m->percent_of_peak) bases.insert(m->peak_basis);
    }
    out += table.render();
    for (const measurement* m : by_device[id])
      if (m->state != status::ok) out += fmt::format("    {} {}: {}\n", m->problem, to_string(m->state), m->reason);
    out += "\n";
  }
  if (!bases.empty()) {
    out += "% of peak against:\n";
    for (const auto& b : bases) out += "  " + b + "\n";
  }
  if (!energy_reasons.empty()) {
    out += "No ops/W:";
    for (const auto& reason : energy_reasons) out += " " + reason + ".";
    out += " RAPL needs /sys/class/powercap (intel_rapl or amd RAPL driver) and read access to energy_uj (root, or "
           "`sudo chmod o+r /sys/class/powercap/*/energy_uj`); GPUs need hwmon energy/power inputs or NVML.\n";
  }
  if (any_energy && !r.context.idle_w.empty()) out += "W: idle-corrected (average minus the idle baseline)\n";
  std::size_t ok = 0, invalid = 0, other = 0, noisy = 0;
  for (const auto& m : r.measurements) {
    ok += m.state == status::ok;
    invalid += m.state == status::invalid;
    other += m.state != status::ok && m.state != status::invalid;
    noisy += m.noisy;
  }
  out += fmt::format("{} measurements: {} ok ({} noisy, cv > {:.0f}%), {} invalid, {} not run{}\n", r.measurements.size(), ok, noisy,
                     r.context.noisy_cv * 100, invalid, other, r.context.interrupted ? "; INTERRUPTED: the run stopped early" : "");
  return out;
}

}  // namespace xpu
