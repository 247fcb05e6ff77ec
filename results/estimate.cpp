#include "results/estimate.hpp"

#include <algorithm>
#include <system_error>

#include "results/run_json.hpp"

namespace xpu {

earlier_times earlier_times_load(const std::filesystem::path& folder, const std::string& hostname, std::size_t newest) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && fs::is_regular_file(it->path() / "run.json", ec)) candidates.push_back(it->path() / "run.json");
    else if (it->is_regular_file(ec) && it->path().extension() == ".json") candidates.push_back(it->path());
  }
  struct found {
    std::string started_at;
    std::string path;
    std::vector<std::pair<std::string, double>> rows;
  };
  std::vector<found> runs;
  for (const fs::path& p : candidates) {
    if (fs::file_size(p, ec) > (std::uintmax_t{256} << 20) || ec) continue;  // not a run file of ours
    auto r = run_file_load(p.string());
    if (!r || r->context.machine.host.hostname != hostname || !r->fleet.empty()) continue;
    found f{r->context.started_at, p.string(), {}};
    for (const measurement& m : r->measurements)
      if (m.wall_s > 0) f.rows.emplace_back(m.name, m.wall_s);
    if (!f.rows.empty()) runs.push_back(std::move(f));
  }
  std::ranges::sort(runs, std::greater<>{}, &found::started_at);  // ISO-8601 UTC: sorts as time
  if (runs.size() > newest) runs.resize(newest);
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
