#include "results/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <system_error>

#include "results/run.hpp"
#include "results/run_json.hpp"

namespace xpu {

earlier_times earlier_times_load(const std::filesystem::path& folder, const std::string& hostname, const std::function<bool(const run_context&)>& like,
                                 std::size_t newest) {
  namespace fs = std::filesystem;
  // Candidates newest first by modification time, so that a folder of many runs costs only the few
  // read: at most 4 x `newest` files are parsed.
  std::vector<std::pair<fs::file_time_type, fs::path>> candidates;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e;
    fs::path p = it->is_directory(e) ? it->path() / "run.json" : it->path();
    if (p.extension() != ".json" || !fs::is_regular_file(p, e)) continue;  // not a FIFO, a device or a folder
    if (const auto t = fs::last_write_time(p, e); !e) candidates.emplace_back(t, std::move(p));
  }
  std::ranges::sort(candidates, std::greater<>{}, &std::pair<fs::file_time_type, fs::path>::first);
  struct found {
    std::string started_at;
    std::string path;
    std::vector<std::pair<std::string, double>> rows;
  };
  std::vector<found> runs;
  std::size_t parsed = 0;
  for (const auto& [when, p] : candidates) {
    if (runs.size() >= newest || parsed >= 4 * newest) break;
    std::error_code e;
    if (fs::file_size(p, e) > (std::uintmax_t{32} << 20) || e) continue;  // larger than any run of ours worth reading for this
    ++parsed;
    auto r = run_file_load(p.string());
    if (!r || r->context.machine.host.hostname != hostname || !r->fleet.empty() || (like && !like(r->context))) continue;
    found f{r->context.started_at, p.string(), {}};
    for (const measurement& m : r->measurements)
      if (std::isfinite(m.wall_s) && m.wall_s > 0 && m.wall_s < 1e6) f.rows.emplace_back(m.name, m.wall_s);
    if (!f.rows.empty()) runs.push_back(std::move(f));
  }
  std::ranges::stable_sort(runs, std::greater<>{}, &found::started_at);  // ISO-8601 UTC: sorts as time
  earlier_times out;
  for (const found& f : runs) {
    out.files.push_back(f.path);
    for (const auto& [name, s] : f.rows) out.wall_s.try_emplace(name, s);  // the newest run's time stays
  }
  return out;
}

std::vector<device_estimate> estimate_devices(const std::vector<std::pair<std::string, std::string>>& benchmarks, const earlier_times& earlier,
                                              double least_each_s) {
  std::vector<device_estimate> out;
  for (const auto& [device, name] : benchmarks) {
    auto it = std::ranges::find(out, device, &device_estimate::device);
    if (it == out.end()) it = out.insert(out.end(), device_estimate{device});
    ++it->benchmarks;
    if (auto t = earlier.wall_s.find(name); t != earlier.wall_s.end()) {
      ++it->known;
      it->known_s += t->second;
    } else {
      it->unknown_least_s += least_each_s;
    }
  }
  return out;
}

}  // namespace xpu
