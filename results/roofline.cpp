#include "results/roofline.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/units.hpp"
#include "ops/operation.hpp"

namespace xpu {
namespace {

bool counts_ops(const measurement& m) { return m.ops_unit == "FLOP" || m.ops_unit == "OP"; }

}  // namespace

std::optional<std::int64_t> read_working_set(const measurement& m) {
  const auto p = problem_from_id(m.problem);
  const auto* b = p ? std::get_if<bandwidth_shape>(&p->dims) : nullptr;
  return b && b->op == bandwidth_op::read ? std::optional(b->bytes) : std::nullopt;
}

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
    } else if (const auto bytes = what == measures::bandwidth ? read_working_set(m) : std::nullopt) {  // device memory read, per working set
      const std::string label = "read " + format_bytes(static_cast<std::uint64_t>(*bytes));
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
