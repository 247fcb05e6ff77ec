#include "probe/cpu_load.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace xpu {

result<cpu_times> cpu_times_read(const std::filesystem::path& root) {
  cpu_times t;
  const auto stat_path = root / "proc/stat";
  std::ifstream stat(stat_path);
  std::string label;
  if (!stat || !(stat >> label) || label != "cpu")
    return fail(status::unsupported, "cannot read the 'cpu' line of {}", stat_path.string());
  // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user/nice]
  std::uint64_t f[8] = {};
  for (auto& v : f)
    if (!(stat >> v)) return fail(status::unsupported, "{}: the 'cpu' line has fewer than 8 numbers (kernel older than 2.6.11?)",
                                  stat_path.string());
  for (auto v : f) t.total += v;
  t.busy = f[0] + f[1] + f[2] + f[5] + f[6];
  t.steal = f[7];

  const auto self_path = root / "proc/self/stat";
  std::ifstream self(self_path);
  std::string line;
  if (!self || !std::getline(self, line)) return fail(status::unsupported, "cannot read {}", self_path.string());
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return fail(status::unsupported, "{}: no ')' after the command name", self_path.string());
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string w; rest >> w;) fields.push_back(w);
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  if (fields.size() < 13) return fail(status::unsupported, "{}: fewer than 15 fields", self_path.string());
  try {
    t.self = std::stoull(fields[11]) + std::stoull(fields[12]);
  } catch (const std::exception&) {
    return fail(status::unsupported, "{}: utime/stime are not numbers", self_path.string());
  }
  return t;
}

load_fractions load_between(const cpu_times& a, const cpu_times& b) {
  load_fractions out;
  if (b.total <= a.total) return out;
  const double total = static_cast<double>(b.total - a.total);
  const double busy = b.busy > a.busy ? static_cast<double>(b.busy - a.busy) : 0;
  const double self = b.self > a.self ? static_cast<double>(b.self - a.self) : 0;
  out.steal = b.steal > a.steal ? static_cast<double>(b.steal - a.steal) / total : 0;
  out.other = std::clamp((busy - self) / total, 0.0, 1.0);
  return out;
}

}  // namespace xpu
