#include "results/fleet.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "results/statistics.hpp"

namespace xpu {

std::vector<std::pair<const fleet_host*, const run*>> fleet_runs(const run& r) {
  std::vector<std::pair<const fleet_host*, const run*>> out;
  for (const fleet_host& h : r.fleet)
    if (h.rank == 0) out.emplace_back(&h, &r);
    else if (h.measured) out.emplace_back(&h, h.measured.get());
  return out;
}

std::vector<std::pair<std::string, run>> fleet_expand(const std::string& file, const run& r) {
  if (r.fleet.empty()) return {{file, r}};
  std::vector<std::pair<std::string, run>> out;
  std::vector<std::string> hosts, ranks;  // per entry of out
  for (const auto& [host, measured] : fleet_runs(r)) {
    // The host's run so far, unless it has one of this rank's benchmarks already (ranks that
    // chose the same devices with --device): then the rank stays a run of its own.
    auto at = std::ranges::find(hosts, host->host);
    if (at != hosts.end()) {
      const auto& rows = out[static_cast<std::size_t>(at - hosts.begin())].second.measurements;
      for (const measurement& m : measured->measurements)
        if (std::ranges::find(rows, m.name, &measurement::name) != rows.end()) {
          at = hosts.end();
          break;
        }
    }
    if (at == hosts.end()) {
      run one = *measured;
      one.fleet.clear();
      out.emplace_back(file, std::move(one));
      hosts.push_back(host->host);
      ranks.push_back(std::to_string(host->rank));
      continue;
    }
    const auto i = static_cast<std::size_t>(at - hosts.begin());
    auto& rows = out[i].second.measurements;
    rows.insert(rows.end(), measured->measurements.begin(), measured->measurements.end());
    ranks[i] += ", " + std::to_string(host->rank);
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i].first = fmt::format("{}: {} (rank{} {})", file, hosts[i], ranks[i].find(',') == std::string::npos ? "" : "s", ranks[i]);
  return out;
}

std::vector<fleet_outlier> fleet_outliers(const run& r, double floor, double k) {
  struct point {
    const fleet_host* host;
    double value;
  };
  std::map<std::string, std::vector<point>> by_benchmark;
  for (const auto& [host, measured] : fleet_runs(r))
    for (const measurement& m : measured->measurements) {
      if (m.state != status::ok || (m.verification.checked && !m.verification.passed)) continue;
      const double v = m.ops_per_s && *m.ops_per_s > 0 ? *m.ops_per_s : m.time_s && m.time_s->median > 0 ? 1 / m.time_s->median : 0;
      if (v > 0 && std::isfinite(v)) by_benchmark[m.name].push_back({host, v});
    }
  std::vector<fleet_outlier> out;
  for (const auto& [name, points] : by_benchmark) {
    if (points.size() < 3) continue;
    std::vector<double> logs, dev;
    for (const point& p : points) logs.push_back(std::log(p.value));
    const double med = stats_of(logs).median;
    for (double l : logs) dev.push_back(std::fabs(l - med));
    const double limit = std::max(std::log1p(floor), k * 1.4826 * stats_of(dev).median);
    for (std::size_t i = 0; i < points.size(); ++i)
      if (std::fabs(logs[i] - med) > limit)
        out.push_back({name, points[i].host->host, points[i].host->rank, points[i].value, std::exp(med), points[i].value / std::exp(med) - 1,
                       std::expm1(limit)});
  }
  return out;
}

}  // namespace xpu
