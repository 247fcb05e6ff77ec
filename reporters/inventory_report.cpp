#include "reporters/inventory_report.hpp"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/units.hpp"
#include "inventory/device.hpp"
#include "reporters/text_table.hpp"
#include "xpubench/version.hpp"

namespace xpu {
namespace {

// {0,1,2,3,8} -> "0-3,8"
std::string ranges(const std::vector<int>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + (j == i ? std::to_string(v[i]) : fmt::format("{}-{}", v[i], v[j]));
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

std::string plural(long n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }
std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string cache_name(const cache_info& c) {
  const char* suffix = c.kind == "data" ? "d" : c.kind == "instruction" ? "i" : "";
  return fmt::format("L{}{}", c.level, suffix);
}

void cpu_section(std::string& out, const inventory& inv, const painter& p) {
  const cpu_info& cpu = inv.cpu;
  const cpu_topology& t = cpu.topology;
  out += p.bold(fmt::format("CPU  {}", t.model.empty() ? "(model not reported)" : t.model));
  out += fmt::format("  [{}{}{}]\n", t.vendor.empty() ? "vendor not reported" : t.vendor,
                     t.architecture.empty() ? "" : ", ", t.architecture);
  const bool smt = t.pus > t.cores;
  out += fmt::format("  topology   {}, {}, {} ({}); source: {}\n", plural(t.packages, "package"), plural(t.cores, "core"),
                     plural(t.pus, "PU"), smt ? fmt::format("SMT x{}", t.cores ? t.pus / t.cores : 0) : "no SMT", t.source);

  // Caches grouped by level, kind, size, line and how many cores share one.
  std::map<std::tuple<int, std::string, std::uint64_t, std::uint32_t, std::size_t>, int> groups;
  for (const auto& c : t.caches) ++groups[{c.level, c.kind, c.size_bytes, c.line_bytes, c.cores.size()}];
  bool first = true;
  for (const auto& [key, count] : groups) {
    const auto& [level, kind, size, line, sharing] = key;
    cache_info c{level, kind, size, line, 0, {}, {}};
    out += fmt::format("  {:<10} {} {} x{}, {} each, {} lines\n", first ? "caches" : "", cache_name(c), format_bytes(size),
                       count, sharing == 1 ? "private to 1 core" : fmt::format("shared by {} cores", sharing),
                       line ? format_bytes(line) : "unknown");
    first = false;
  }
  if (t.caches.empty()) out += "  caches     none reported\n";
  for (const auto& n : t.numa_nodes)
    out += fmt::format("  numa       node {}: {} local memory, PUs {}\n", n.os_index, format_bytes(n.local_memory_bytes), ranges(n.pus));

  const os_memory& m = cpu.memory;
  std::string mem = m.total_bytes ? fmt::format("OS: {} total", format_bytes(*m.total_bytes)) : "OS total unknown";
  if (m.available_bytes) mem += fmt::format(", {} available", format_bytes(*m.available_bytes));
  mem += fmt::format("; NUMA nodes: {}", format_bytes(t.numa_memory_bytes));
  if (m.total_bytes && t.numa_memory_bytes && *m.total_bytes != t.numa_memory_bytes)
    mem += p.bad(" (they differ; buffers are sized from the OS figure)");
  out += fmt::format("  memory     {}\n", mem);
  if (!m.reason.empty()) out += fmt::format("             {}\n", p.dim(m.reason));

  const cpu_frequency& f = cpu.frequency;
  std::vector<std::string> parts;
  if (f.base_mhz) parts.push_back(fmt::format("base {:.0f} MHz", *f.base_mhz));
  if (f.max_mhz) parts.push_back(fmt::format("max {:.0f} MHz", *f.max_mhz));
  if (f.min_mhz) parts.push_back(fmt::format("min {:.0f} MHz", *f.min_mhz));
  if (f.current_mhz) parts.push_back(fmt::format("current {:.0f} MHz", *f.current_mhz));
  out += fmt::format("  frequency  {}{}\n", parts.empty() ? "unknown" : fmt::format("{}", fmt::join(parts, ", ")),
                     f.source.empty() ? "" : fmt::format(" ({})", f.source));
  if (!f.reason.empty()) out += fmt::format("             {}\n", p.dim(f.reason));

  std::vector<std::string> have, lack;
  for (const auto& feat : cpu.isa.features) (feat.present ? have : lack).push_back(feat.name);
  out += fmt::format("  ISA ({})  {}\n", cpu.isa.family, p.good(have.empty() ? "none of the ML features" : fmt::format("{}", fmt::join(have, " "))));
  if (!lack.empty()) out += fmt::format("             {}\n", p.dim(fmt::format("absent: {}", fmt::join(lack, " "))));
  for (const auto& feat : cpu.isa.features)
    if (!feat.note.empty()) out += fmt::format("             {}: {}\n", feat.name, p.bad(feat.note));
  if (cpu.isa.sve_vector_bits) out += fmt::format("             SVE vector length {} bits\n", *cpu.isa.sve_vector_bits);
}

std::string support_cell(const precision_support* s) {
  if (!s) return "-";
  std::string cell(to_string(s->level));
  if (s->peak) cell += fmt::format(" ~{}OP/s", format_si(s->peak->ops_per_s));
  return cell;
}

void devices_section(std::string& out, const inventory& inv, const painter& p) {
  out += p.bold("Devices") + p.dim("  (precision support; ~ marks a theoretical peak estimate)") + "\n";
  text_table table({"id", "type", "name", "fp32", "fp16", "bf16", "int8", "fp8 e4m3"});
  for (const auto& d : inv.devices)
    table.add_row({d.id, d.type, d.name, support_cell(d.support_for(precision::fp32)), support_cell(d.support_for(precision::fp16)),
                   support_cell(d.support_for(precision::bf16)), support_cell(d.support_for(precision::int8)),
                   support_cell(d.support_for(precision::fp8_e4m3))});
  out += table.render();
}

void opencl_device(std::string& out, const device_info& d, const report_style& style, const painter& p) {
  const opencl_details& o = *d.opencl;
  out += fmt::format("  {}  {} ({}, {})\n", p.bold(d.id), d.name, d.vendor, o.platform_name);
  out += fmt::format("      {}; {}; driver {}\n", o.device_version, o.c_version, d.driver_version);
  out += fmt::format("      {} compute units @ {} MHz; global {} (max alloc {}); local {}; constant {}; cache {}\n",
                     o.compute_units, o.max_clock_mhz, format_bytes(o.global_memory_bytes), format_bytes(o.max_alloc_bytes),
                     format_bytes(o.local_memory_bytes), format_bytes(o.constant_memory_bytes), format_bytes(o.global_cache_bytes));
  out += fmt::format("      max work-group {} ({}); timer resolution {} ns\n", o.max_work_group_size,
                     fmt::join(o.max_work_item_sizes, "x"), o.timer_resolution_ns);
  out += fmt::format("      preferred vector widths char {} short {} int {} long {} float {} double {} half {}\n",
                     o.vector_width_char, o.vector_width_short, o.vector_width_int, o.vector_width_long,
                     o.vector_width_float, o.vector_width_double, o.vector_width_half);
  out += fmt::format("      fp16 {}  fp64 {}  integer dot product {}  sub-groups {}  ({} extensions{})\n", yes_no(o.fp16),
                     yes_no(o.fp64), yes_no(o.integer_dot_product), yes_no(o.subgroups), o.extensions.size(),
                     style.verbose ? "" : "; --verbose lists them");
  if (style.verbose) out += fmt::format("      {}\n", fmt::join(o.extensions, " "));
  for (const auto& e : o.errors) out += fmt::format("      {}\n", p.bad("query failed: " + e));
}

std::string shapes(const std::vector<coop_matrix_shape>& v) {
  std::vector<std::string> s;
  for (const auto& c : v) s.push_back(fmt::format("{}x{}x{} {}*{}+{}->{}", c.m, c.n, c.k, c.a_type, c.b_type, c.c_type, c.result_type));
  return s.empty() ? "no shapes listed" : fmt::format("{}", fmt::join(s, ", "));
}

void vulkan_device(std::string& out, const device_info& d, const report_style& style, const painter& p) {
  const vulkan_details& v = *d.vulkan;
  out += fmt::format("  {}  {} ({}, vendor 0x{:04x} device 0x{:04x})\n", p.bold(d.id), d.name, d.vendor, v.vendor_id, v.device_id);
  out += fmt::format("      Vulkan {}; driver {} {}{}\n", v.api_version, d.driver_version, v.driver_name,
                     v.driver_info.empty() ? "" : " (" + v.driver_info + ")");
  std::vector<std::string> heaps;
  for (const auto& h : v.heaps) heaps.push_back(format_bytes(h.size_bytes) + (h.device_local ? " device-local" : " host"));
  out += fmt::format("      heaps: {}\n", fmt::join(heaps, ", "));
  out += fmt::format("      work-group max {} invocations ({}), count {}; shared memory {}; storage buffer range {}\n",
                     v.max_workgroup_invocations, fmt::join(v.max_workgroup_size, "x"), fmt::join(v.max_workgroup_count, "x"),
                     format_bytes(v.max_shared_memory_bytes), format_bytes(v.max_storage_buffer_range));
  out += fmt::format("      subgroup size {}{} ({}); timestamps {} bits, period {} ns\n", v.subgroup_size,
                     v.max_subgroup_size ? fmt::format(" [{}..{}]", v.min_subgroup_size, v.max_subgroup_size) : "",
                     fmt::join(v.subgroup_operations, " "), v.timestamp_valid_bits, v.timestamp_period_ns);
  out += fmt::format("      shaderFloat16 {}  shaderInt8 {}  shaderInt16 {}  shaderFloat64 {}  16-bit storage {}  8-bit storage {}\n",
                     yes_no(v.shader_float16), yes_no(v.shader_int8), yes_no(v.shader_int16), yes_no(v.shader_float64),
                     yes_no(v.storage_16bit), yes_no(v.storage_8bit));
  out += fmt::format("      integer dot product {}{}\n", yes_no(v.integer_dot_product),
                     v.integer_dot_product ? (v.integer_dot_product_8bit_accelerated ? " (8-bit accelerated)" : " (8-bit not accelerated)") : "");
  out += fmt::format("      cooperative matrix: KHR {}, NV {}\n",
                     v.coop_matrix_khr ? shapes(v.coop_matrix_khr_shapes) : "no",
                     v.coop_matrix_nv ? shapes(v.coop_matrix_nv_shapes) : "no");
  out += fmt::format("      {} extensions{}\n", v.extensions.size(), style.verbose ? ":" : " (--verbose lists them)");
  if (style.verbose) out += fmt::format("      {}\n", fmt::join(v.extensions, " "));
  for (const auto& e : v.errors) out += fmt::format("      {}\n", p.dim(e));
}

// A device of a backend without typed details: its facts, in the order the backend found them.
void device_facts(std::string& out, const device_info& d, const report_style& style, const painter& p) {
  out += fmt::format("  {}  {}{}\n", p.bold(d.id), d.name, d.vendor.empty() ? "" : fmt::format(" ({})", d.vendor));
  for (const auto& f : d.facts) out += fmt::format("      {}: {}\n", f.name, f.value);
  if (!d.extensions.empty())
    out += style.verbose || d.extensions.size() <= 8 ? fmt::format("      {}\n", fmt::join(d.extensions, " "))
                                                     : fmt::format("      {} capabilities (--verbose lists them)\n", d.extensions.size());
}

void backends_section(std::string& out, const inventory& inv, const report_style& style, const painter& p) {
  for (const auto& b : inv.backends) {
    if (is_host_cpu(b.name)) continue;  // the CPU has its own section
    out += p.bold(b.title.empty() ? b.name : b.title);
    if (b.available) out += fmt::format("  {} ({:.0f} ms)\n", b.version, b.probe_ms);
    else out += "  " + p.bad("unavailable: " + b.reason) + "\n";
    if (b.available && !b.reason.empty()) out += fmt::format("  {}\n", p.dim(b.reason));
    for (const auto& d : inv.devices) {
      if (d.backend != b.name) continue;
      if (d.opencl) opencl_device(out, d, style, p);
      else if (d.vulkan) vulkan_device(out, d, style, p);
      else device_facts(out, d, style, p);
    }
  }
}

void power_section(std::string& out, const inventory& inv, const painter& p) {
  out += p.bold("Power sensors") + "\n";
  for (const auto& s : inv.power.sources) {
    if (s.available) out += fmt::format("  {:<6} {}\n", s.name, p.good("readable"));
    else out += fmt::format("  {:<6} {}\n", s.name, p.bad("unavailable: " + s.reason));
  }
  if (inv.power.sensors.empty()) {
    out += p.dim("  no readable sensor: ops/W will be absent from runs on this machine") + "\n";
    return;
  }
  text_table table({"sensor", "kind", "covers", "readable"});
  for (const auto& s : inv.power.sensors)
    table.add_row({s.id, s.kind + " (" + s.unit + ")", s.covers, s.readable ? "yes" : "no: " + s.reason});
  out += table.render();
}

void estimates_section(std::string& out, const inventory& inv, const painter& p) {
  out += p.bold("Peak estimates") + p.dim("  (theoretical, not measured; the suite measures real peaks)") + "\n";
  for (const auto& d : inv.devices) {
    for (const auto& s : d.precisions) {
      if (s.peak) out += fmt::format("  {} {}: ~{}OP/s, {}\n", d.id, to_string(s.type), format_si(s.peak->ops_per_s), s.peak->basis);
    }
  }
  for (const auto& d : inv.devices)
    for (const auto& s : d.precisions)
      if (s.level != support_level::native)
        out += p.dim(fmt::format("  {} {} {}: {}", d.id, to_string(s.type), to_string(s.level), s.reason)) + "\n";
}

}  // namespace

std::string inventory_report(const inventory& inv, const report_style& style) {
  const painter p{style.color};
  std::string out;
  out += p.bold(fmt::format("xpubench {} ({})", version, git_sha));
  out += fmt::format(" probe of {}: {}, {}; {} in {:.0f} ms\n\n", inv.host.hostname.empty() ? "this machine" : inv.host.hostname,
                     inv.host.os.empty() ? "unknown OS" : inv.host.os, inv.host.kernel, inv.probed_at, inv.probe_ms);
  cpu_section(out, inv, p);
  out += '\n';
  devices_section(out, inv, p);
  out += '\n';
  backends_section(out, inv, style, p);
  out += '\n';
  power_section(out, inv, p);
  out += '\n';
  estimates_section(out, inv, p);
  return out;
}

}  // namespace xpu
