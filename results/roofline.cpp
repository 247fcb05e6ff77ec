#include "results/roofline.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/units.hpp"
#include "ops/operation.hpp"

namespace xpu {
namespace {

bool counts_ops(const measurement& m) { return m.ops_unit == "FLOP" || m.ops_unit == "OP"; }

// "bandwidth/read/b268435456" -> the working set in bytes (0 when the id has none).
std::uint64_t working_set(const std::string& problem) {
  const auto b = problem.rfind("/b");
  if (b == std::string::npos) return 0;
  std::uint64_t v = 0;
  for (char c : problem.substr(b + 2)) {
    if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) return 0;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

std::vector<roofline> rooflines(const run& r) {
  std::vector<roofline> out;
  const auto of = [&](const std::string& device) -> roofline& {
    auto it = std::ranges::find(out, device, &roofline::device);
    if (it != out.end()) return *it;
    const device_info* d = r.context.machine.find_device(device);
    return out.emplace_back(roofline{device, d ? d->name : "", {}, {}, 0, ""});
  };
  for (const measurement& m : r.measurements) {
    if (!usable_result(m) || !std::isfinite(*m.ops_per_s)) continue;
    roofline& roof = of(m.device);
    const measures what = operation_measures(m.kernel);
    if (what == measures::peak) {  // the best implementation per precision
      auto it = std::ranges::find_if(roof.ceilings, [&](const roof_ceiling& c) { return !c.memory && c.precision == m.precision; });
      if (it == roof.ceilings.end()) it = roof.ceilings.insert(roof.ceilings.end(), roof_ceiling{m.precision + " peak", false, true, 0, m.precision, ""});
      if (*m.ops_per_s > it->value) it->value = *m.ops_per_s, it->basis = m.name;
    } else if (what == measures::bandwidth && m.problem.starts_with("bandwidth/read/")) {  // device memory read, per working set
      const std::uint64_t bytes = working_set(m.problem);
      const std::string label = "read " + (bytes ? format_bytes(bytes) : m.problem);
      auto it = std::ranges::find(roof.ceilings, label, &roof_ceiling::label);
      if (it == roof.ceilings.end()) it = roof.ceilings.insert(roof.ceilings.end(), roof_ceiling{label, true, true, 0, "", ""});
      if (*m.ops_per_s > it->value) it->value = *m.ops_per_s, it->basis = m.name;
    } else if (counts_ops(m) && m.ops > 0 && m.bytes > 0 && std::isfinite(m.ops / m.bytes) && m.time_s) {
      roof.points.push_back({m.name, m.kernel, m.precision, m.problem, m.implementation, m.ops_unit, m.ops / m.bytes, *m.ops_per_s,
                             m.time_s->median, m.percent_of_peak, m.verification});
    } else {
      ++roof.left_out;
    }
  }
  for (roofline& roof : out) {
    const bool compute = std::ranges::any_of(roof.ceilings, [](const roof_ceiling& c) { return !c.memory; });
    const bool memory = std::ranges::any_of(roof.ceilings, [](const roof_ceiling& c) { return c.memory; });
    if (!compute || !memory)
      roof.missing = fmt::format("the run measured no {} on {}", !compute && !memory ? "peak and no read bandwidth" : !compute ? "peak" : "read bandwidth",
                                 roof.device);
    if (const device_info* d = r.context.machine.find_device(roof.device))
      for (const precision_support& p : d->precisions)
        if (p.peak && p.level != support_level::unsupported && p.peak->ops_per_s > 0)
          roof.ceilings.push_back({std::string(to_string(p.type)) + " peak (estimate)", false, false, p.peak->ops_per_s, std::string(to_string(p.type)),
                                   p.peak->basis});
  }
  std::erase_if(out, [](const roofline& roof) { return roof.points.empty() && roof.ceilings.empty(); });
  return out;
}

}  // namespace xpu
