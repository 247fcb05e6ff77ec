#pragma once
// How long a run will take, from what earlier runs on this machine took: each benchmark's wall
// time (measurement::wall_s: preparing, compiling, tuning, verifying and measuring) in the newest
// run files of a results folder written on this host. Benchmarks no earlier run has get only the
// suite settings' lower bound (repetitions x min_time), said as such.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace xpu {

struct run_context;

struct earlier_times {
  std::map<std::string, double> wall_s;  // benchmark name -> seconds, from the newest run that has it
  std::vector<std::string> files;        // the run files read, newest first
};

// The run files (`*/run.json`, the main job's HOST-STAMP folders, and `*.json` runs directly in
// `folder`) written on `hostname`, newest first by their started_at, at most `newest` of them
// (of the 4 x `newest` files modified last, each at most 32 MiB), and only runs `like` accepts
// (the same sampling settings: a run of other repetitions says little of this one's time). Files
// that are not readable runs are passed over; a missing folder gives nothing.
earlier_times earlier_times_load(const std::filesystem::path& folder, const std::string& hostname, const std::function<bool(const run_context&)>& like = {},
                                 std::size_t newest = 8);

struct device_estimate {
  std::string device;
  std::size_t benchmarks = 0;  // that run (an unsupported one takes no time)
  std::size_t known = 0;       // of them, with an earlier time
  double known_s = 0;          // their earlier times
  double unknown_least_s = 0;  // the rest's lower bound: repetitions x min_time each
  double seconds() const { return known_s + unknown_least_s; }
};

// Per device, in the order first seen: `benchmarks` are (device, name) of the runnable cases.
std::vector<device_estimate> estimate_devices(const std::vector<std::pair<std::string, std::string>>& benchmarks, const earlier_times& earlier,
                                              double least_each_s);

}  // namespace xpu
