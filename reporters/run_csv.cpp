#include "reporters/run_csv.hpp"

#include <vector>

#include <fmt/format.h>

namespace xpu {

std::string csv_quote(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string run_to_csv(const run& r) {
  std::string out =
      "name,device,backend,kernel,precision,problem,implementation,status,reason,support,median_s,min_s,p90_s,"
      "stddev_s,cv,noisy,repetitions,ops_per_s,ops_unit,bytes_per_s,percent_of_peak,peak_basis,verified,rel_l2_error,"
      "max_abs_error,notes,dispatch,dispatch_warning,median_uncertainty,busy,max_rel_error\r\n";
  auto num = [](std::optional<double> v) { return v ? fmt::format("{:.6g}", *v) : std::string(); };
  for (const auto& m : r.measurements) {
    const auto& t = m.time_s;
    const std::string verified = !m.verification.checked ? "n/a" : m.verification.passed ? "yes" : "no";
    const std::vector<std::string> fields{
        m.name, m.device, m.backend, m.kernel, m.precision, m.problem, m.implementation, std::string(to_string(m.state)), m.reason,
        m.support, num(t ? std::optional(t->median) : std::nullopt), num(t ? std::optional(t->min) : std::nullopt),
        num(t ? std::optional(t->p90) : std::nullopt), num(t ? std::optional(t->stddev) : std::nullopt),
        num(t ? std::optional(t->cv) : std::nullopt), m.noisy ? "yes" : "no", std::to_string(m.samples_s.size()), num(m.ops_per_s),
        m.ops_unit, num(m.bytes_per_s), num(m.percent_of_peak), m.peak_basis, verified,
        m.verification.checked ? num(m.verification.rel_l2_error) : "", m.verification.checked ? num(m.verification.max_abs_error) : "",
        m.notes, m.dispatch, m.dispatch_warning, num(m.median_uncertainty), !m.load.measured ? "" : m.load.busy ? "yes" : "no",
        m.verification.checked ? num(m.verification.max_rel_error) : ""};
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_quote(fields[i]);
    out += "\r\n";
  }
  return out;
}

}  // namespace xpu
