#include "results/workload_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace xpu {
namespace {

// Which row explains a cell without a result: a failure outranks "unsupported".
int severity(const std::string& state) { return state.empty() ? -1 : state == "unsupported" || state == "skipped" ? 0 : 1; }

}  // namespace

workload_matrix workload_matrix_of(std::span<const run> runs) {
  workload_matrix out;
  std::map<std::string, std::size_t> runs_of_host;
  for (const run& r : runs) ++runs_of_host[r.context.machine.host.hostname];
  const bool several_hosts = runs_of_host.size() > 1;
  std::map<std::pair<std::size_t, std::string>, std::size_t> column_of;
  for (std::size_t i = 0; i < runs.size(); ++i)
    for (const measurement& m : runs[i].measurements) {
      if (column_of.contains({i, m.device})) continue;
      const inventory& inv = runs[i].context.machine;
      const device_info* d = inv.find_device(m.device);
      std::string label = m.device;
      if (several_hosts) label = inv.host.hostname + " " + label;
      if (runs_of_host[inv.host.hostname] > 1) label = fmt::format("run {} {}", i + 1, label);
      column_of[{i, m.device}] = out.columns.size();
      out.columns.push_back({i, inv.host.hostname, m.device, d ? d->name : "", label});
    }
  std::map<std::string, std::size_t> row_of;
  for (std::size_t i = 0; i < runs.size(); ++i)
    for (const measurement& m : runs[i].measurements) {
      auto [it, added] = row_of.try_emplace(m.problem, out.rows.size());
      if (added) out.rows.push_back({m.problem, m.kernel, m.precision, m.ops_unit, std::vector<matrix_cell>(out.columns.size()), {}, {}});
      matrix_cell& cell = out.rows[it->second].cells[column_of.at({i, m.device})];
      if (usable_result(m)) {
        ++cell.implementations;
        if (!cell.best || *m.ops_per_s > *cell.best->ops_per_s) cell.best = &m;
        continue;
      }
      const bool failed_check = m.state == status::ok && m.verification.checked && !m.verification.passed;
      const std::string state = failed_check ? "invalid" : m.state == status::ok ? "no throughput" : std::string(to_string(m.state));
      if (severity(state) > severity(cell.state)) {
        cell.state = state;
        cell.reason = failed_check ? "verification FAILED: " + m.verification.message
                      : m.state == status::ok ? m.implementation + ": the row has no throughput"
                                              : m.implementation + (m.implementation.empty() ? "" : ": ") + m.reason;
      }
    }
  for (workload_row& row : out.rows) {
    double fastest = 0, efficient = 0;
    std::size_t with = 0, with_energy = 0;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      const measurement* m = row.cells[c].best;
      if (!m) continue;
      ++with;
      if (*m->ops_per_s > fastest) fastest = *m->ops_per_s, row.fastest = c;
      if (!m->ops_per_joule) continue;
      ++with_energy;
      if (*m->ops_per_joule > efficient) efficient = *m->ops_per_joule, row.most_efficient = c;
    }
    if (with < 2) row.fastest.reset();  // a ranking of one is no ranking
    if (with_energy < 2) row.most_efficient.reset();
  }
  // Rankings: per kernel and precision, over the shapes every device with a result in the group measured.
  std::vector<std::pair<std::string, std::string>> groups;
  for (const workload_row& row : out.rows)
    if (std::ranges::find(groups, std::pair{row.kernel, row.precision}) == groups.end()) groups.emplace_back(row.kernel, row.precision);
  for (const auto& [kernel, prec] : groups) {
    std::vector<const workload_row*> members;
    std::set<std::size_t> devices;
    for (const workload_row& row : out.rows)
      if (row.kernel == kernel && row.precision == prec) {
        members.push_back(&row);
        for (std::size_t c = 0; c < row.cells.size(); ++c)
          if (row.cells[c].best) devices.insert(c);
      }
    if (devices.size() < 2) continue;
    std::vector<const workload_row*> common;
    for (const workload_row* row : members)
      if (std::ranges::all_of(devices, [&](std::size_t c) { return row->cells[c].best != nullptr; })) common.push_back(row);
    if (common.empty()) continue;
    workload_ranking rank{kernel, prec, common.front()->ops_unit, common.size(), {}};
    for (std::size_t c : devices) {
      double log_sum = 0;
      for (const workload_row* row : common) log_sum += std::log(*row->cells[c].best->ops_per_s);
      rank.ranks.push_back({c, std::exp(log_sum / static_cast<double>(common.size()))});
    }
    std::ranges::sort(rank.ranks, std::greater{}, &device_rank::geomean_ops_per_s);
    out.rankings.push_back(std::move(rank));
  }
  return out;
}

}  // namespace xpu
