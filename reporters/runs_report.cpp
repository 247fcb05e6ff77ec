#include "reporters/runs_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/units.hpp"
#include "reporters/compare_report.hpp"
#include "reporters/fleet_report.hpp"
#include "reporters/footnotes.hpp"
#include "reporters/inventory_report.hpp"
#include "results/measurement_figures.hpp"
#include "results/accuracy.hpp"
#include "results/fleet.hpp"
#include "results/token_bounds.hpp"
#include "results/workload_matrix.hpp"

namespace xpu {
namespace {

std::string rate_unit(const std::string& ops_unit) {
  if (ops_unit == "B") return "B/s";
  if (ops_unit == "element") return "elem/s";
  if (ops_unit == "launch") return "launch/s";
  return ops_unit + "/s";
}

std::string rate_text(double v, const std::string& ops_unit) { return format_si(v) + rate_unit(ops_unit); }

// The exact value a cell shows, for sorting and for tests: the shortest text that reads back as the double.
std::string exact(double v) { return fmt::format("{}", v); }

doc_cell cell(std::string text, std::string title = {}, std::string css = {}) { return {std::move(text), std::move(title), std::move(css), {}, {}}; }

std::string verified_text(const verification& v) {
  if (!v.checked) return "nothing to verify" + (v.message.empty() ? "" : ": " + v.message);
  if (!v.passed) return "verification FAILED: " + v.message;
  return v.exact ? "verified: exact" : fmt::format("verified: rel. L2 error {:.1e} (tolerance {:.1e})", v.rel_l2_error, v.tolerance);
}

struct row_counts {
  std::size_t ok = 0, invalid = 0, unsupported = 0, other = 0;
};
row_counts count_rows(const run& r) {
  row_counts c;
  for (const measurement& m : r.measurements) {
    if (m.state == status::ok) ++c.ok;
    else if (m.state == status::invalid) ++c.invalid;
    else if (m.state == status::unsupported) ++c.unsupported;
    else ++c.other;
  }
  return c;
}

std::string cpu_model(const run& r) {
  const cpu_topology& t = r.context.machine.cpu.topology;
  std::string model = t.model.empty() ? r.context.machine.host.machine : t.model;
  while (!model.empty() && model.back() == ' ') model.pop_back();
  return model;
}

void runs_table(document& doc, const std::vector<report_run>& runs) {
  doc_table t{"runs", {"#", "file", "host", "CPU", "devices measured", "suite", "started (UTC)", "xpubench", "rows", "state"}, {}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const run& r = runs[i].data;
    std::set<std::string> devices;
    for (const measurement& m : r.measurements) devices.insert(m.device);
    const row_counts c = count_rows(r);
    const std::string state = r.context.interrupted ? "interrupted (" + r.context.interrupted_by + ")" : r.context.finished ? "finished" : "unfinished";
    t.rows.push_back({cell(fmt::format("{}", i + 1)), cell(runs[i].file), cell(r.context.machine.host.hostname, r.context.machine.host.os),
                      cell(cpu_model(r)), cell(list_text({devices.begin(), devices.end()}, 8)), cell(r.context.suite), cell(r.context.started_at),
                      cell(r.context.xpubench_version + (r.context.git_sha.empty() ? "" : " " + r.context.git_sha)),
                      cell(fmt::format("{} ok, {} invalid, {} unsupported, {} other", c.ok, c.invalid, c.unsupported, c.other)),
                      cell(state, "", r.context.finished ? "" : "bad")});
  }
  doc.push_back(table_block(std::move(t)));
}

void ranking_section(document& doc, const workload_matrix& mx) {
  if (mx.rankings.empty()) return;
  doc.push_back(heading(2, "Ranking per kernel and precision"));
  doc.push_back(paragraph("Devices ordered by the geometric mean of their best verified throughput over the shapes every ranked device "
                          "measured (peak rows: the micro-benchmark; latency: launches per second)."));
  std::size_t places = 0;
  for (const auto& g : mx.rankings) places = std::max(places, g.ranks.size());
  places = std::min<std::size_t>(places, 6);
  doc_table t{"ranking", {"kernel", "precision", "shapes"}, {}};
  for (std::size_t i = 0; i < places; ++i) t.header.push_back(i == 0 ? "fastest" : fmt::format("#{}", i + 1));
  for (const auto& g : mx.rankings) {
    std::vector<doc_cell> row{cell(g.kernel), cell(g.precision), cell(fmt::format("{}", g.shapes))};
    for (std::size_t i = 0; i < places; ++i) {
      if (i >= g.ranks.size()) {
        row.push_back(cell(""));
        continue;
      }
      const matrix_column& c = mx.columns[g.ranks[i].column];
      const double ratio = g.ranks[i].geomean_ops_per_s / g.ranks[0].geomean_ops_per_s;
      doc_cell x = cell(fmt::format("{} {}{}", c.label, rate_text(g.ranks[i].geomean_ops_per_s, g.ops_unit), i ? fmt::format(" ({:.2f}x)", ratio) : ""),
                        c.device_name, i == 0 ? "best" : "");
      x.sort_value = exact(g.ranks[i].geomean_ops_per_s);
      row.push_back(std::move(x));
    }
    t.rows.push_back(std::move(row));
  }
  doc.push_back(table_block(std::move(t)));
}

void matrix_section(document& doc, const workload_matrix& mx) {
  if (mx.rows.empty()) return;
  doc.push_back(heading(2, "Devices side by side"));
  doc.push_back(paragraph("Each device's best verified result per workload: throughput, % of peak where the kernel is compute-bound, and "
                          "ops per watt where a power sensor covered the device; the fastest is marked. Hover a cell for its "
                          "implementation, time, verification and energy."));
  footnotes notes;
  doc_table t{"matrix", {"workload", "unit"}, {}};
  for (const matrix_column& c : mx.columns) t.header.push_back(c.label);
  t.header.insert(t.header.end(), {"fastest", "most efficient"});
  for (const workload_row& row : mx.rows) {
    std::vector<doc_cell> cells{cell(row.problem), cell(rate_unit(row.ops_unit))};
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      const matrix_cell& x = row.cells[c];
      if (!x.best) {
        cells.push_back(cell(x.state, x.reason, x.state == "unsupported" || x.state == "skipped" || x.state.empty() ? "dim" : "bad"));
        continue;
      }
      const measurement& m = *x.best;
      std::string text = format_si(*m.ops_per_s);
      if (m.percent_of_peak) text += fmt::format(" ({:.0f}%{})", *m.percent_of_peak, notes.marker(peak_basis_note(m.peak_basis)));
      if (m.ops_per_joule) text += fmt::format(", {}{}/W", format_si(*m.ops_per_joule), m.ops_unit);
      std::string title = fmt::format("{}\n{} median, {} implementation(s) measured\n{}", m.name,
                                      m.time_s ? format_seconds(m.time_s->median) : "-", x.implementations, verified_text(m.verification));
      if (m.percent_of_peak) title += "\n% of peak against: " + m.peak_basis;
      if (m.ops_per_joule) title += fmt::format("\n{}{}/J ({}{}/W)", format_si(*m.ops_per_joule), m.ops_unit, format_si(*m.ops_per_joule), rate_unit(m.ops_unit));
      if (m.noisy) title += "\nnoisy: the median is uncertain by more than the run's threshold";
      doc_cell d = cell(std::move(text), std::move(title), row.fastest == c ? "num best" : "num");
      d.sort_value = exact(*m.ops_per_s);
      d.name = m.name;
      cells.push_back(std::move(d));
    }
    cells.push_back(cell(row.fastest ? mx.columns[*row.fastest].label : ""));
    cells.push_back(cell(row.most_efficient ? mx.columns[*row.most_efficient].label : ""));
    t.rows.push_back(std::move(cells));
  }
  doc.push_back(table_block(std::move(t)));
  if (!notes.empty()) {
    doc.push_back(paragraph("% of peak against:"));
    doc.push_back(notes_block(notes.listed()));
  }
}

void machine_section(document& doc, const run& r, std::size_t index) {
  const inventory& inv = r.context.machine;
  const cpu_topology& t = inv.cpu.topology;
  doc.push_back(heading(3, "Machine"));
  std::string caches;
  for (const cache_info& c : t.caches)
    if (c.kind != "instruction" && std::ranges::none_of(t.caches, [&](const cache_info& o) { return &o < &c && o.level == c.level && o.kind == c.kind; }))
      caches += fmt::format("{}L{} {}", caches.empty() ? "" : ", ", c.level, format_bytes(c.size_bytes));
  doc.push_back(paragraph(fmt::format("{} ({}, {}): {}, {} package(s), {} cores, {} threads{}{}; ISA: {}", inv.host.hostname, inv.host.os, inv.host.kernel,
                                      cpu_model(r), t.packages, t.cores, t.pus, caches.empty() ? "" : "; caches " + caches + " (each)",
                                      inv.cpu.memory.total_bytes ? "; memory " + format_bytes(*inv.cpu.memory.total_bytes) : "",
                                      list_text(inv.cpu.isa.present(), 40))));
  doc_table d{fmt::format("devices-{}", index), {"device", "name", "type", "driver", "native", "emulated", "unsupported"}, {}};
  for (const device_info& dev : inv.devices) {
    std::vector<std::string> lists[3];
    std::string reasons;
    for (const precision_support& p : dev.precisions) {
      lists[static_cast<int>(p.level)].emplace_back(to_string(p.type));
      if (p.level == support_level::unsupported) reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "\n", to_string(p.type), p.reason);
    }
    d.rows.push_back({cell(dev.id), cell(dev.name, dev.vendor), cell(dev.type), cell(dev.driver_version), cell(list_text(lists[0], 10)),
                      cell(list_text(lists[1], 10)), cell(list_text(lists[2], 10), reasons, "dim")});
  }
  doc.push_back(table_block(std::move(d)));
  std::vector<std::string> sensors, unreadable;
  for (const power_sensor& s : inv.power.sensors)
    (s.readable ? sensors : unreadable).push_back(s.id + (s.covers.empty() ? "" : " (" + s.covers + ")"));
  std::string power = sensors.empty() ? "no readable power sensor" : "power sensors: " + list_text(sensors, 8);
  for (const power_source& s : inv.power.sources)
    if (!s.available && !s.reason.empty()) power += fmt::format("; {}: {}", s.name, s.reason);
  doc.push_back(paragraph(power));
  doc.push_back(folded("The probe report (xpubench probe)", inventory_report(inv, {false, false})));
}

void roofline_section(document& doc, const run& r, std::size_t index) {
  const auto roofs = rooflines(r);
  if (roofs.empty()) return;
  doc.push_back(heading(3, "Rooflines"));
  doc.push_back(paragraph("Each kernel at its arithmetic intensity (ops per minimum byte moved) and measured throughput, under the ceilings this "
                          "run measured on the same device (solid: the peak micro-benchmark per precision, the read bandwidth per working "
                          "set) and the probe's theoretical estimates (dashed)."));
  doc_table t{fmt::format("ceilings-{}", index), {"device", "ceiling", "value", "kind", "basis"}, {}};
  for (std::size_t i = 0; i < roofs.size(); ++i) {
    const roofline& roof = roofs[i];
    std::string caption = fmt::format("{} {}: {} kernel(s)", roof.device, roof.device_name, roof.points.size());
    if (roof.left_out) caption += fmt::format("; {} measured in elements, bytes or launches are in the tables only", roof.left_out);
    if (!roof.missing.empty()) caption += "; " + roof.missing;
    doc.push_back(figure(roofline_svg(roof, fmt::format("roofline-{}-{}", index, i)), caption));
    for (const roof_ceiling& c : roof.ceilings) {
      doc_cell v = cell(c.memory ? format_si(c.value) + "B/s" : format_si(c.value) + "op/s", "", "num");
      v.sort_value = exact(c.value);
      t.rows.push_back({cell(roof.device), cell(c.label), std::move(v), cell(c.measured ? "measured" : "estimate", "", c.measured ? "" : "dim"), cell(c.basis)});
    }
  }
  doc.push_back(table_block(std::move(t)));
}

void accuracy_section(document& doc, const run& r, std::size_t index) {
  const auto rows = accuracy_table(r);
  if (rows.empty()) return;
  doc.push_back(heading(3, "Accuracy beside speed"));
  doc.push_back(paragraph("Against the float64 or exact-integer reference, the worst over each kernel's shapes. NMSE: the squared relative L2 "
                          "error (as llama.cpp's test-backend-ops reports it); storage NMSE: what storing N(0,1) data in the precision "
                          "costs first."));
  doc_table t{fmt::format("accuracy-{}", index), {"device", "kernel", "precision", "verified", "failed", "best throughput", "worst NMSE", "worst max rel. error", "storage NMSE"}, {}};
  for (const accuracy_row& a : rows) {
    const bool none = a.verified == 0;
    doc_cell best = cell(a.best_ops_per_s ? rate_text(*a.best_ops_per_s, a.ops_unit) : "", "", "num");
    if (a.best_ops_per_s) best.sort_value = exact(*a.best_ops_per_s);
    t.rows.push_back({cell(a.device), cell(a.kernel), cell(a.precision), cell(fmt::format("{}", a.verified), "", "num"),
                      cell(fmt::format("{}", a.failed), "", a.failed ? "num bad" : "num"), std::move(best),
                      cell(none ? "" : a.exact ? "exact" : fmt::format("{:.1e}", a.worst_nmse), "", "num"),
                      cell(none ? "" : a.exact ? "exact" : fmt::format("{:.1e}", a.worst_max_rel), "", "num"),
                      cell(a.storage_nmse ? fmt::format("{:.1e}", *a.storage_nmse) : "", "", "num")});
  }
  doc.push_back(table_block(std::move(t)));
}

std::string per_s(const std::optional<double>& v) { return v ? fmt::format("{:.4g}", *v) : "-"; }

void model_section(document& doc, const run& r, std::size_t index) {
  if (!r.context.model) return;
  const model_profile& m = *r.context.model;
  const auto bounds = token_bounds(r);
  const bool tokens = !m.decode.empty() || !m.prefill.empty();
  doc.push_back(heading(3, fmt::format("Model {}{}", m.name, m.weight_type.empty() ? "" : " (" + m.weight_type + " weights)")));
  doc.push_back(paragraph(tokens ? fmt::format("Tokens/s bounds from the measured kernel time (prompt of {} tokens): each phase's GEMMs, attention and "
                                               "RMSNorm x their counts; not an end-to-end figure. Decode times the quantized matrices streamed (copies "
                                               "of each as large as the model, at most 1 GiB: weights from memory, as an engine reads them); the "
                                               "cached column times one matrix repeatedly, its weights in the caches. The decode memory bound is the "
                                               "matrices' bytes / the device's measured read bandwidth.", m.tokens)
                                 : "Inferences/s bound from the measured kernel time of the graph's GEMMs and convolutions x their counts."));
  doc_table t{fmt::format("model-{}", index),
              tokens ? std::vector<std::string>{"device", "precision", "decode tok/s", "decode tok/s, weights cached", "prefill tok/s", "decode memory bound tok/s",
                                                "worst NMSE", "missing steps"}
                     : std::vector<std::string>{"device", "precision", "inferences/s", "worst NMSE", "missing steps"},
              {}};
  for (const token_bound& b : bounds) {
    std::vector<std::string> missing = b.decode.missing;
    for (const auto* phase : {&b.prefill.missing, &b.inference.missing, &b.decode_cached.missing})
      for (const auto& step : *phase)
        if (std::ranges::find(missing, step) == missing.end()) missing.push_back(step);
    const std::string nmse = fmt::format("{:.1e}", b.worst_rel_l2 * b.worst_rel_l2);
    if (tokens)
      t.rows.push_back({cell(b.device), cell(b.precision), cell(per_s(b.decode.per_s), decode_made_of(b), "num"), cell(per_s(b.decode_cached.per_s), "", "num"),
                        cell(per_s(b.prefill.per_s), "", "num"),
                        cell(per_s(b.decode_memory_bound), b.memory_basis, "num"), cell(nmse, "", "num"), cell(list_text(missing, 2))});
    else
      t.rows.push_back({cell(b.device), cell(b.precision), cell(per_s(b.inference.per_s), "", "num"), cell(nmse, "", "num"), cell(list_text(missing, 2))});
  }
  doc.push_back(table_block(std::move(t)));
  if (!m.notes.empty()) doc.push_back(notes_block(m.notes));
}

void notes_section(document& doc, const run& r) {
  std::vector<std::string> notes;
  const clock_record& clock = r.context.clock;
  if (clock.hz > 0) notes.push_back(fmt::format("CPU clock {:.2f} GHz: {}", clock.hz / 1e9, clock.basis.empty() ? clock.method : clock.basis));
  for (const auto& why : clock.rejected) notes.push_back("clock reading rejected: " + why);
  for (const auto& n : clock.notes) notes.push_back("clock: " + n);
  std::map<std::string, std::vector<std::string>> unsupported, dispatch;
  std::set<std::string> warnings, energy;
  std::size_t busy = 0, noisy = 0;
  for (const measurement& m : r.measurements) {
    if (m.state == status::unsupported) unsupported[m.reason].push_back(m.device + " " + m.problem);
    else if (m.state != status::ok) notes.push_back(fmt::format("{} {}: {}", m.name, to_string(m.state), m.reason));
    else if (m.verification.checked && !m.verification.passed) notes.push_back(fmt::format("{} FAILED verification: {}", m.name, m.verification.message));
    if (!m.dispatch.empty()) dispatch[fmt::format("{} {} on {}: {}", m.implementation, m.kernel, m.device, m.dispatch)].push_back(m.precision);
    if (!m.dispatch_warning.empty()) warnings.insert(m.dispatch_warning);
    if (m.state == status::ok && !m.energy_reason.empty()) energy.insert(m.energy_reason);
    busy += m.load.busy;
    noisy += m.noisy;
  }
  for (const auto& [reason, rows] : unsupported) notes.push_back(fmt::format("unsupported ({}): {}: {}", rows.size(), list_text(rows, 3), reason));
  for (const auto& [what, precisions] : dispatch) {
    std::set<std::string> unique(precisions.begin(), precisions.end());
    notes.push_back(fmt::format("library kernels: {} ({})", what, list_text({unique.begin(), unique.end()}, 8)));
  }
  for (const auto& w : warnings) notes.push_back("library dispatch warning: " + w);
  if (busy) notes.push_back(fmt::format("{} measurement(s) ran while the machine was busy (other processes or the hypervisor): they may read slower than the machine is", busy));
  if (noisy) notes.push_back(fmt::format("{} measurement(s) noisy: the median is uncertain by more than ±{:.1f}%", noisy, r.context.noisy_threshold * 100));
  if (const std::string sampled = sampling_summary(r); !sampled.empty()) notes.push_back(sampled);
  if (!energy.empty()) notes.push_back("no ops/W: " + list_text({energy.begin(), energy.end()}, 4));
  if (r.context.interrupted) notes.push_back("INTERRUPTED by " + r.context.interrupted_by + ": the run stopped early");
  if (!r.context.resumed_from.empty()) notes.push_back("resumed from " + r.context.resumed_from);
  if (!r.context.host_pages.empty()) notes.push_back("host buffers on " + r.context.host_pages);
  if (const auto& p = r.context.prebuild) {
    notes.push_back(fmt::format("kernels built before any timing, {} process(es) per device: {} benchmark(s) in {:.1f} s{}", p->processes, p->built,
                                p->seconds, p->found ? fmt::format(" ({} built by an earlier run, not again)", p->found) : ""));
    for (const auto& n : p->notes) notes.push_back("building before timing: " + n);
  }
  if (notes.empty()) return;
  doc.push_back(heading(3, "Notes"));
  doc.push_back(notes_block(std::move(notes)));
}

void compare_section(document& doc, const report_comparison& c) {
  doc.push_back(heading(2, fmt::format("Compared with {}", c.base_file)));
  doc.push_back(paragraph(fmt::format("{} against base {} on {}: {} (a row is slower when the whole {:.0f}% interval of the ratio lies beyond +{:.0f}%; "
                                      "samples: {}).", c.head_file, c.base_file, to_string(c.result.metric), c.result.regression ? "REGRESSION" : "no regression",
                                      100 * (1 - c.options.alpha), c.options.threshold * 100, c.result.samples)));
  std::vector<std::string> notes;
  for (const auto& d : c.result.machine_differences) notes.push_back("machines differ: " + d);
  for (const auto& p : c.result.problems) notes.push_back("problem: " + p);
  if (!notes.empty()) doc.push_back(notes_block(std::move(notes)));
  doc_table t{"compare", {"benchmark", "base", "head", "change", fmt::format("{:.0f}% interval", 100 * (1 - c.options.alpha)), "verdict"}, {}};
  for (const comparison_row& row : c.result.rows) {
    doc_cell change = cell(row.delta ? fmt::format("{:+.1f}%", *row.delta * 100) : "", "", "num");
    if (row.delta) change.sort_value = exact(*row.delta);
    t.rows.push_back({cell(row.name), cell(value_text(row.base, c.result.metric), "", "num"), cell(value_text(row.head, c.result.metric), "", "num"),
                      std::move(change), cell(interval_text(row), "", "num"),
                      cell(std::string(to_string(row.outcome)) + (row.note.empty() ? "" : " (" + row.note + ")"), "",
                           row.regression ? "bad" : row.outcome == verdict::faster ? "best" : "")});
  }
  doc.push_back(table_block(std::move(t)));
}

// --- the roofline figure ---

const char* precision_colour(const std::string& p) {
  if (p == "fp32") return "#0969da";
  if (p == "fp16") return "#bc4c00";
  if (p == "bf16") return "#8250df";
  if (p == "int8") return "#1a7f37";
  if (p == "fp64") return "#57606a";
  if (p == "int32") return "#bf3989";
  return "#6e7781";
}

// 1e11 -> "100 G": the rate axis' ticks
std::string rate_decade_label(double e) {
  static constexpr const char* prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  const int group = std::clamp(static_cast<int>(std::floor(e / 3)), 0, 6);
  return fmt::format("{:g} {}", std::pow(10.0, e - 3 * group), prefixes[group]);
}

std::string decade_label(double e) {
  const double v = std::pow(10.0, e);
  if (e >= 3 || e <= -3) return fmt::format("1e{:.0f}", e);
  return fmt::format("{:g}", v);
}

}  // namespace

std::string roofline_svg(const roofline& roof, const std::string& id) {
  constexpr double W = 620, H = 380, ml = 58, mr = 150, mt = 14, mb = 42;
  const double pw = W - ml - mr, ph = H - mt - mb;
  double top_compute = 0, top_memory = 0;
  for (const roof_ceiling& c : roof.ceilings) (c.memory ? top_memory : top_compute) = std::max(c.memory ? top_memory : top_compute, c.value);
  const auto plottable = [](const roof_point& p) {  // log axes: positive, finite coordinates only
    return p.intensity > 0 && std::isfinite(p.intensity) && p.ops_per_s > 0 && std::isfinite(p.ops_per_s);
  };
  const auto drawable = std::ranges::count_if(roof.points, plottable);
  std::vector<double> xs, ys;  // positive and finite only: the axes are logarithmic
  const auto add = [](std::vector<double>& v, double x) {
    if (x > 0 && std::isfinite(x)) v.push_back(x);
  };
  for (const roof_point& p : roof.points) add(xs, p.intensity), add(ys, p.ops_per_s);
  for (const roof_ceiling& c : roof.ceilings)
    if (!c.memory) {
      add(ys, c.value);
      if (top_memory > 0) add(xs, c.value / top_memory);
    }
  if (xs.empty()) xs = {0.1, 10};
  if (ys.empty()) ys = {top_memory > 0 ? top_memory : 1e9};
  // Decades from the data, at most 12 per axis (a stray value cannot stretch the plot to nothing).
  const double x1 = std::ceil(std::log10(*std::ranges::max_element(xs) * 2)), y1 = std::ceil(std::log10(*std::ranges::max_element(ys) * 1.5));
  const double x0 = std::clamp(std::floor(std::log10(*std::ranges::min_element(xs) / 2)), x1 - 12, x1 - 1);
  const double y0 = std::clamp(std::floor(std::log10(*std::ranges::min_element(ys) / 2)), y1 - 12, y1 - 1);
  const auto X = [&](double v) { return ml + (std::log10(v) - x0) / (x1 - x0) * pw; };
  const auto Y = [&](double v) { return mt + ph - (std::log10(v) - y0) / (y1 - y0) * ph; };
  std::string s = fmt::format("<svg class=\"roofline chart\" id=\"{0}\" data-points=\"{1}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{2}\" height=\"{3}\" "
                              "viewBox=\"0 0 {2} {3}\" role=\"img\"><title>{4}</title>"
                              "<defs><clipPath id=\"{0}-clip\"><rect x=\"{5}\" y=\"{6}\" width=\"{7}\" height=\"{8}\"/></clipPath></defs>"
                              "<rect class=\"plot\" x=\"{5}\" y=\"{6}\" width=\"{7}\" height=\"{8}\" fill=\"none\" stroke=\"#d0d7de\"/>",
                              html_escape(id), drawable, W, H, html_escape("Roofline of " + roof.device + " " + roof.device_name), ml, mt, pw, ph);
  for (double e = x0; e <= x1; ++e)
    s += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\"/><text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>", X(std::pow(10, e)),
                     mt, mt + ph, mt + ph + 14, decade_label(e));
  for (double e = y0; e <= y1; ++e)
    s += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/><text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>", ml, Y(std::pow(10, e)),
                     ml + pw, ml - 4, Y(std::pow(10, e)) + 4, rate_decade_label(e));
  s += fmt::format("<text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\">ops/s</text>", mt + ph / 2);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">arithmetic intensity (ops per byte)</text>", ml + pw / 2, H - 8);
  const double xmin = std::pow(10, x0), xmax = std::pow(10, x1);
  std::vector<std::pair<double, std::string>> labels;  // right-margin labels, placed top-down without overlap
  for (const roof_ceiling& c : roof.ceilings) {
    const char* colour = c.memory ? "#24292f" : precision_colour(c.precision);
    const std::string dash = c.measured ? "" : " stroke-dasharray=\"5 4\"";
    const std::string tip = fmt::format("<title>{}: {} ({}){}</title>", html_escape(c.label), html_escape(format_si(c.value) + (c.memory ? "B/s" : "op/s")),
                                        c.measured ? "measured" : "estimate", c.basis.empty() ? "" : html_escape("\n" + c.basis));
    if (c.memory) {  // ops/s = bandwidth x intensity, up to the highest compute ceiling
      const double end = top_compute > 0 ? std::min(xmax, top_compute / c.value) : xmax;
      s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"1.8\"{} clip-path=\"url(#{}-clip)\">{}</line>", X(xmin),
                       Y(c.value * xmin), X(end), Y(c.value * end), colour, dash, html_escape(id), tip);
      const double lx = std::max(xmin, std::pow(10, y0) / c.value * 1.5);
      if (lx < xmax && Y(c.value * lx) > mt)
        s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\">{}</text>", X(lx) + 4, Y(c.value * lx) - 4, colour,
                         html_escape(c.label + " " + format_si(c.value) + "B/s"));
    } else {
      const double start = top_memory > 0 ? std::max(xmin, c.value / top_memory) : xmin;
      s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"1.8\"{}>{}</line>", X(start), Y(c.value), X(xmax),
                       Y(c.value), colour, dash, tip);
      labels.emplace_back(Y(c.value), c.precision + (c.measured ? " " : " est. ") + format_si(c.value) + "op/s");
    }
  }
  std::ranges::sort(labels);
  double next = 0;
  for (const auto& [y, text] : labels) {
    const double at = std::max(y + 4, next);
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\">{}</text>", ml + pw + 4, at, html_escape(text));
    next = at + 13;
  }
  std::vector<std::string> legend;
  for (const roof_point& p : roof.points) {
    if (!plottable(p)) continue;  // not counted in data-points either
    if (std::ranges::find(legend, p.precision) == legend.end()) legend.push_back(p.precision);
    std::string tip = fmt::format("{}\n{} at {:.3g} ops/B\n{} median", p.name, rate_text(p.ops_per_s, p.ops_unit), p.intensity, format_seconds(p.median_s));
    if (p.percent_of_peak) tip += fmt::format("\n{:.0f}% of peak", *p.percent_of_peak);
    tip += "\n" + verified_text(p.verification);
    s += fmt::format("<circle class=\"pt\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4.5\" fill=\"{}\" data-name=\"{}\"><title>{}</title></circle>",
                     std::clamp(X(p.intensity), ml, ml + pw), std::clamp(Y(p.ops_per_s), mt, mt + ph), precision_colour(p.precision), html_escape(p.name), html_escape(tip));
  }
  for (std::size_t i = 0; i < legend.size(); ++i)
    s += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>", ml + pw + 10, mt + ph - 12.0 * static_cast<double>(legend.size() - i) + 4,
                     precision_colour(legend[i]), ml + pw + 18, mt + ph - 12.0 * static_cast<double>(legend.size() - i) + 8, html_escape(legend[i]));
  return s + "</svg>";
}

std::vector<report_run> report_runs_of(const std::string& label, const run& r) {
  std::vector<report_run> out;
  auto fleet = r.fleet.empty() ? nullptr : std::make_shared<const run>(r);  // its ranks and outliers, shown once
  for (auto& [name, one] : fleet_expand(label, r)) out.push_back({name, std::move(one), std::exchange(fleet, nullptr)});
  return out;
}

document runs_document(const std::vector<report_run>& runs, const std::optional<report_comparison>& compared) {
  document doc;
  std::vector<run> data;
  for (const report_run& r : runs) data.push_back(r.data);
  const workload_matrix mx = workload_matrix_of(data);
  std::set<std::string> hosts;
  for (const run& r : data) hosts.insert(r.context.machine.host.hostname);
  doc.push_back(heading(1, "xpubench report"));
  doc.push_back(paragraph(fmt::format("{} run(s) from {} host(s). Every number is a median over the run's repetitions of a result verified against "
                                      "an independent reference; estimates are labelled as such.", runs.size(), hosts.size())));
  runs_table(doc, runs);
  for (const report_run& r : runs)
    if (r.fleet)
      for (doc_block& b : fleet_document(*r.fleet)) doc.push_back(std::move(b));
  ranking_section(doc, mx);
  matrix_section(doc, mx);
  if (compared) compare_section(doc, *compared);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const run& r = runs[i].data;
    doc.push_back(heading(2, fmt::format("Run {}: {} ({})", i + 1, r.context.machine.host.hostname, runs[i].file)));
    machine_section(doc, r, i);
    roofline_section(doc, r, i);
    accuracy_section(doc, r, i);
    model_section(doc, r, i);
    notes_section(doc, r);
  }
  return doc;
}

}  // namespace xpu

namespace xpu {

std::string runs_report_render(const std::vector<report_run>& runs, const std::optional<report_comparison>& compared, std::string_view format,
                               std::size_t width) {
  const document doc = runs_document(runs, compared);
  if (format == "md") return render_markdown(doc);
  if (format == "text") return render_text(doc, width);
  std::string title = "xpubench report";
  for (std::size_t i = 0; i < runs.size() && i < 3; ++i) title += (i ? ", " : ": ") + runs[i].data.context.machine.host.hostname;
  return render_html(doc, title);
}

}  // namespace xpu
