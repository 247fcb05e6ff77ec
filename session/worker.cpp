#include "session/worker.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "core/files.hpp"
#include "probe/registry.hpp"
#include "results/run_json.hpp"
#include "session/subprocess.hpp"

namespace xpu {
namespace {

using clock = subprocess::clock;

// "plan 12" -> ("plan", "12"); a line with no space is all kind.
std::pair<std::string_view, std::string_view> split_line(std::string_view line) {
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos) return {line, {}};
  return {line.substr(0, sp), line.substr(sp + 1)};
}

std::optional<measurement> parse_row(std::string_view payload) {
  const auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  auto m = measurement_from_json(j);
  if (!m) return std::nullopt;
  return std::move(*m);
}

// What a worker of device `id` is sent: the options, the run's clock and idle baseline, and the
// rows the device already has (a resumed run's, or those of a worker that died).
worker_input worker_input_for(const std::string& id, const nlohmann::json& options, const run& r) {
  worker_input sent{options, id, r.context.clock, r.context.idle_w, {}};
  for (const auto& m : r.measurements)
    if (m.device == id) sent.rows.push_back(m);
  return sent;
}

}  // namespace

std::string worker_input_text(const worker_input& in) {
  std::string text = fmt::format("options {}\ndevice {}\nclock {}\n", in.options.dump(), nlohmann::json(in.device).dump(),
                                 clock_record_to_json(in.clock).dump());
  if (!in.idle.empty()) text += fmt::format("idle {}\n", nlohmann::json(in.idle).dump());
  for (const auto& m : in.rows) text += fmt::format("row {}\n", measurement_to_json(m).dump());
  return text;
}

// ---- the worker's side

result<worker_input> worker_input_read(std::istream& in) {
  worker_input got;
  for (std::string line; std::getline(in, line);) {
    const auto [kind, text] = split_line(line);
    const auto payload = nlohmann::json::parse(text.empty() ? std::string_view("null") : text, nullptr, false);
    if (payload.is_discarded()) return fail(status::invalid, "the supervisor sent a line that is not JSON: {:.80}", line);
    if (kind == "options") {
      if (!payload.is_object()) return fail(status::invalid, "the supervisor's options are not a JSON object: {:.80}", line);
      got.options = payload;
    } else if (kind == "device") {
      if (!payload.is_string()) return fail(status::invalid, "the supervisor's device is not a JSON string: {:.80}", line);
      got.device = payload.get<std::string>();
    } else if (kind == "clock") {
      if (auto c = clock_record_from_json(payload)) got.clock = *c;
    } else if (kind == "idle" && payload.is_object()) {
      for (const auto& [dev, watts] : payload.items())
        if (watts.is_number()) got.idle[dev] = watts.get<double>();
    } else if (kind == "row") {
      if (auto m = measurement_from_json(payload)) got.rows.push_back(std::move(*m));
    }
  }
  return got;
}

result<worker_output> worker_output::take_stdout() {
  // The protocol goes to the original stdout, on a descriptor that what a driver starts does not inherit.
  const int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  std::FILE* out = fd >= 0 ? ::fdopen(fd, "w") : nullptr;
  if (!out) return fail(status::failed, "the worker cannot keep its standard output for the protocol");
  std::fflush(stdout);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  return worker_output(out);
}

worker_output::~worker_output() {
  if (m_out) std::fclose(m_out);
}

void worker_output::start(const measurement& m) { line("start", measurement_to_json(m).dump()); }
void worker_output::finished(const measurement& m) { line("result", measurement_to_json(m).dump()); }
void worker_output::building(const std::string& name) { line("building", nlohmann::json(name).dump()); }
void worker_output::built(const std::string& name) { line("built", nlohmann::json(name).dump()); }
void worker_output::found(const std::string& name) { line("found", nlohmann::json(name).dump()); }

void worker_output::line(std::string_view kind, std::string_view payload) {
  // One write per line, flushed: the supervisor must see each line as soon as it is true.
  std::string text(kind);
  if (!payload.empty()) text += ' ' + std::string(payload);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), m_out);
  std::fflush(m_out);
}

// ---- the supervisor's side

// The plan line's estimates: a JSON array of numbers, else none (anything else is ignored: they
// only shape the progress line).
std::vector<double> plan_estimates(std::string_view text) {
  std::vector<double> out;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array() || j.size() > 10'000'000) return out;
  for (const auto& e : j) {
    if (!e.is_number()) return {};
    const double v = e.get<double>();
    out.push_back(std::isfinite(v) && v <= 1e9 ? v : -1);
  }
  return out;
}

void supervise_device(const device_info& d, const isolation& iso, run& r, const std::function<void(const run&)>& on_result,
                      interruption in, std::vector<std::string>& without) {
  const std::vector<std::string> argv{self_executable(), "run", "--worker"};
  const auto input = [&] { return worker_input_text(worker_input_for(d.id, iso.options, r)); };  // what it has of this device so far
  const auto start = clock::now();
  const auto rows_of_device = [&] {
    return static_cast<std::size_t>(std::ranges::count(r.measurements, d.id, &measurement::device));
  };
  std::size_t total = 0;  // rows this device will have: known from the first plan line
  int signals_seen = in.count.load();
  int fruitless = 0;      // consecutive workers that ended early without adding a row
  for (;;) {
    const std::size_t rows_at_start = rows_of_device();
    auto started = subprocess::start(argv, input(), stderr, 12, iso.environment);
    if (!started) {
      without.push_back(fmt::format("{} ({}): cannot start a worker process: {}", d.id, d.name, started.error().message));
      return;
    }
    subprocess& worker = *started;
    std::optional<measurement> in_flight;
    bool planned = false, forwarded = false, killed_on_request = false;
    std::vector<double> estimates;  // this worker's cases' earlier times (the plan line)
    std::size_t plan_rows = 0;      // the device's rows when it planned
    auto plan_start = clock::now(), case_start = clock::now();
    auto deadline = subprocess::after(iso.open_timeout_s);
    const auto interrupt = [&] { return in.count.load() != signals_seen; };
    std::string line;
    for (;;) {
      const auto ev = worker.next(line, deadline, interrupt);
      if (ev == subprocess::event::ended) break;
      if (ev == subprocess::event::interrupted) {
        signals_seen = in.count.load();
        if (!forwarded) {  // the first signal: the worker finishes its benchmark, then stops
          worker.signal_group(SIGINT);
          forwarded = true;
          continue;
        }
        worker.kill_and_reap();  // the second: at once
        killed_on_request = true;
        break;
      }
      if (ev == subprocess::event::deadline) {
        const double waited = in_flight ? iso.timeout_s : iso.open_timeout_s;
        worker.kill_and_reap();
        if (!in_flight) {
          without.push_back(worker.with_tail(fmt::format("{} ({}): opening the device and planning took more than {:.0f} s; the worker was killed",
                                                  d.id, d.name, waited)));
          return;
        }
        measurement m = std::move(*in_flight);
        m.state = status::timeout;
        m.wall_s = waited;  // what it cost the run (the estimate of the next one counts it)
        m.reason = worker.with_tail(fmt::format("no result after {:.0f} s (--timeout); the worker process was killed", waited));
        if (iso.progress) iso.progress(fmt::format(" timeout after {:.0f} s\n", waited));
        r.measurements.push_back(std::move(m));
        if (on_result) on_result(r);
        in_flight.reset();
        break;  // a fresh worker goes on with the rest
      }
      const auto [kind, payload] = split_line(line);
      if (kind == "unavailable") {
        without.push_back(fmt::format("{} ({}): cannot be opened: {}", d.id, d.name, payload));
      } else if (kind == "plan") {
        planned = true;
        const auto [count, listed] = split_line(payload);
        if (total == 0) total = rows_of_device() + static_cast<std::size_t>(std::strtoull(std::string(count).c_str(), nullptr, 10));
        estimates = plan_estimates(listed);
        plan_rows = rows_of_device();
        plan_start = clock::now();
        deadline = subprocess::after(iso.open_timeout_s);
      } else if (kind == "start") {
        in_flight = parse_row(payload);
        case_start = clock::now();
        deadline = subprocess::after(iso.timeout_s);
        if (in_flight && iso.progress)
          iso.progress(progress_start(rows_of_device(), std::max(total, rows_of_device() + 1),
                                      std::chrono::duration<double>(clock::now() - start).count(), in_flight->name,
                                      progress_left(estimates, rows_of_device() - plan_rows,
                                                    std::chrono::duration<double>(clock::now() - plan_start).count())));
      } else if (kind == "result") {
        auto m = parse_row(payload);
        if (!m) continue;
        if (iso.progress) iso.progress(progress_end(*m));
        r.measurements.push_back(std::move(*m));
        in_flight.reset();
        if (on_result) on_result(r);
        deadline = subprocess::after(iso.open_timeout_s);  // until the next start line
      } else if (kind == "interrupted") {
        r.context.interrupted = true;
      }
    }
    if (killed_on_request || in.stop.load()) {
      if (in_flight && iso.progress) iso.progress(" killed (second interrupt)\n");
      r.context.interrupted = true;
      return;
    }
    worker.kill_and_reap();  // reaps a worker that closed its output but lingers, and whatever it started
    if (in_flight) {         // it died in the middle of a benchmark: that row says so, a new worker goes on
      measurement m = std::move(*in_flight);
      m.state = status::crashed;
      m.wall_s = std::chrono::duration<double>(clock::now() - case_start).count();
      m.reason = worker.with_tail(fmt::format("the worker process measuring this benchmark died ({})", worker.how_it_ended()));
      if (iso.progress) iso.progress(fmt::format(" crashed ({})\n", worker.how_it_ended()));
      r.measurements.push_back(std::move(m));
      if (on_result) on_result(r);
      continue;
    }
    if (!planned) {
      if (worker.ended_by_signal() || worker.exit_code() != 0)
        without.push_back(
            worker.with_tail(fmt::format("{} ({}): the worker died while opening the device ({})", d.id, d.name, worker.how_it_ended())));
      return;
    }
    if (rows_of_device() >= total) return;  // every row is in (a crash at exit after the last one loses nothing)
    // It ended between benchmarks (or a timeout row was just written): a fresh worker goes on, unless
    // workers keep ending without adding a row.
    fruitless = rows_of_device() > rows_at_start ? 0 : fruitless + 1;
    if (fruitless >= 3) {
      without.push_back(worker.with_tail(fmt::format("{} ({}): {} benchmark(s) not run: three workers in a row ended between benchmarks ({})", d.id,
                                              d.name, total - rows_of_device(), worker.how_it_ended())));
      return;
    }
  }
}

// ---- kernels built before any timing

namespace {

constexpr const char* record_file = "prebuilt.json";
constexpr std::size_t record_devices = 32, record_cases = 4096;

// This binary, for the record: another build may build other kernels.
std::string binary_identity() {
  struct stat st {};
  if (::stat(self_executable().c_str(), &st) != 0) return "";
  return fmt::format("{} bytes, modified {}.{:09}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

std::string record_key(const device_info& d, const std::string& binary) { return fmt::format("{} | {} | {}", d.name, d.driver_version, binary); }

// The record: {key: [case names without the device id]}; a damaged one (or one too big to be
// ours) is only a record: empty.
nlohmann::json record_read(const std::filesystem::path& dir) {
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(dir / record_file, ec); ec || size > (std::uintmax_t{8} << 20)) return nlohmann::json::object();
  std::ifstream in(dir / record_file);
  if (!in) return nlohmann::json::object();
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

result<void> record_add(const std::filesystem::path& dir, const std::map<std::string, std::vector<std::string>>& built) {
  nlohmann::json record = record_read(dir);
  for (const auto& [key, names] : built) {
    nlohmann::json& list = record[key];
    if (!list.is_array()) list = nlohmann::json::array();
    for (const auto& n : names)
      if (list.size() < record_cases && std::ranges::find(list, nlohmann::json(n)) == list.end()) list.push_back(n);
  }
  // Small: past the cap, entries this run did not touch go (`ab` alternates two binaries, so an
  // entry per binary is kept until then).
  for (auto it = record.begin(); record.size() > record_devices && it != record.end();)
    it = built.contains(it.key()) ? std::next(it) : record.erase(it);
  if (auto ok = private_folder(dir, "cache"); !ok) return ok;
  return replace_file(dir / record_file, record.dump(1) + "\n", (dir / record_file).string(), 0600);
}

}  // namespace

std::optional<prebuild_record> prebuild_devices(const std::vector<device_info>& devices, const isolation& iso, const run& r, interruption in) {
  const int signals_seen = in.count.load();
  prebuild_record out;
  std::vector<const device_info*> builders;
  for (const device_info& d : devices)
    if (const device_backend* b = device_backend_find(d.backend); b && b->builds_at_run_time) builders.push_back(&d);
  if (builders.empty() || iso.prebuild_helpers < 1) return std::nullopt;
  out.processes = iso.prebuild_helpers;
  const auto begun = clock::now();
  std::error_code ec;
  const auto temp = std::filesystem::temp_directory_path(ec);
  std::string folder = ((ec ? std::filesystem::path("/tmp") : temp) / "xpubench-build.XXXXXX").string();
  if (!::mkdtemp(folder.data())) {
    out.notes.push_back(fmt::format("no kernels built before timing: cannot create {}: {}", folder, std::strerror(errno)));
    return out;
  }
  const auto cache = user_cache_dir();
  const nlohmann::json record = cache ? record_read(*cache) : nlohmann::json::object();
  const std::string binary = binary_identity();
  struct helper {
    const device_info* d;
    subprocess p;
    std::string building;  // the case it builds now
    double waited;         // what its deadline allows
    clock::time_point deadline;
    bool done = false;
  };
  std::vector<helper> helpers;
  std::string ids;
  for (const device_info* d : builders) {
    nlohmann::json done = nlohmann::json::array();
    if (const auto it = record.find(record_key(*d, binary)); !binary.empty() && it != record.end() && it->is_array())
      for (const auto& n : *it)
        if (n.is_string()) done.push_back(fmt::format("{}/{}", d->id, n.get<std::string>()));
    nlohmann::json options = iso.options;
    options["prebuild"] = {{"gate", folder}, {"done", std::move(done)}, {"memory_share", 1.0 / (static_cast<double>(builders.size()) * iso.prebuild_helpers)}};
    const std::string input = worker_input_text(worker_input_for(d->id, options, r));  // a resumed run's rows: not built again
    for (int i = 0; i < iso.prebuild_helpers; ++i) {
      auto p = subprocess::start({self_executable(), "run", "--worker"}, input, nullptr, 12, iso.environment);
      if (!p) {
        out.notes.push_back(fmt::format("{}: cannot start a process to build kernels: {}", d->id, p.error().message));
        break;
      }
      helpers.push_back({d, std::move(*p), {}, iso.open_timeout_s, subprocess::after(iso.open_timeout_s)});
    }
    ids += (ids.empty() ? "" : ", ") + d->id;
    out.devices.push_back(d->id);
  }
  if (iso.progress) iso.progress(fmt::format("building the kernels of {} before timing ({} processes each)", ids, iso.prebuild_helpers));
  // A case that builds for longer than this is left to the measuring worker: a driver that hangs
  // costs the run the measuring worker's --timeout, and at most two minutes more here.
  const double case_limit = std::min(iso.timeout_s, 120.0);
  std::map<std::string, std::vector<std::string>> built;  // record key -> case names without the device id
  const auto interrupt = [&] { return in.stop.load() || in.count.load() != signals_seen; };
  for (bool stopped = false, running = true; running && !stopped;) {
    running = false;
    for (helper& h : helpers) {
      if (h.done || stopped) continue;
      running = true;
      std::string line;
      const auto ev = h.p.next(line, std::min(h.deadline, clock::now() + std::chrono::milliseconds(20)), interrupt);
      if (ev == subprocess::event::line) {
        const auto [kind, payload] = split_line(line);
        const auto name = nlohmann::json::parse(payload, nullptr, false);
        if (kind == "found" && name.is_string()) {
          ++out.found;
        } else if ((kind == "building" || kind == "built") && name.is_string()) {
          h.building = kind == "building" ? name.get<std::string>() : "";
          h.waited = case_limit;
          h.deadline = subprocess::after(case_limit);
          if (const std::string n = name.get<std::string>(); kind == "built" && n.starts_with(h.d->id + "/"))
            built[record_key(*h.d, binary)].push_back(n.substr(h.d->id.size() + 1)), ++out.built;
        } else if (kind == "unavailable") {
          out.notes.push_back(fmt::format("{}: a process building kernels could not open the device: {:.300}", h.d->id, payload));
        }
      } else if (ev == subprocess::event::ended) {
        h.done = true;
        h.p.kill_and_reap();  // what it started goes with it (its process group), before any timing
        if (h.p.ended_by_signal() || h.p.exit_code() != 0 || !h.building.empty())
          out.notes.push_back(h.p.with_tail(fmt::format("{}: a process building kernels{} ended with {}; the measuring worker builds what is left",
                                                        h.d->id, h.building.empty() ? "" : " (" + h.building + ")", h.p.how_it_ended())));
      } else if (ev == subprocess::event::deadline && clock::now() >= h.deadline) {
        h.p.kill_and_reap();
        h.done = true;
        out.notes.push_back(fmt::format("{}: a process building kernels took more than {:.0f} s {}; it was killed", h.d->id, h.waited,
                                        h.building.empty() ? "opening the device" : "on " + h.building));
      } else if (ev == subprocess::event::interrupted) {
        stopped = true;
      }
    }
  }
  for (helper& h : helpers)
    if (!h.done) h.p.kill_and_reap();  // interrupted
  if (cache && !built.empty() && !binary.empty())
    if (auto ok = record_add(*cache, built); !ok) out.notes.push_back("the record of the kernels built was not kept: " + ok.error().message);
  std::filesystem::remove_all(folder, ec);
  out.seconds = std::chrono::duration<double>(clock::now() - begun).count();
  if (iso.progress) iso.progress(fmt::format(" {:.1f} s, {} built{}\n", out.seconds, out.built, out.found ? fmt::format(", {} built before", out.found) : ""));
  return out;
}

}  // namespace xpu
