#include "reporters/run_csv.hpp"

#include <charconv>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace xpu {

namespace {

// Whether the whole cell is a number (a negative figure is data, not a formula).
bool is_number(std::string_view field) {
  double v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  return ec == std::errc{} && end == field.data() + field.size();
}

}  // namespace

std::string csv_quote(std::string_view field, csv_cells cells) {
  std::string text(field);
  if (cells == csv_cells::defended && !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos && !is_number(text))
    text.insert(0, 1, '\'');
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string run_to_csv(const run& r, csv_cells cells) {
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
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_quote(fields[i], cells);
    out += "\r\n";
  }
  return out;
}

}  // namespace xpu
