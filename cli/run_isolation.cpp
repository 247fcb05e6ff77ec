#include "cli/run_isolation.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/subprocess.hpp"
#include "core/units.hpp"
#include "probe/registry.hpp"
#include "results/inventory_json.hpp"
#include "results/run_json.hpp"

namespace xpu {
namespace {

using clock = std::chrono::steady_clock;

clock::time_point after(double seconds) {
  return clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
}

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

std::string with_tail(std::string reason, const subprocess& p) {
  if (const std::string tail = p.stderr_tail(); !tail.empty()) reason += fmt::format("; its last stderr lines: {}", tail);
  return reason;
}

// The input a worker reads before it starts.
std::string worker_input(const device_info& d, const run& r) {
  std::string in = fmt::format("clock {}\n", clock_record_to_json(r.context.clock).dump());
  if (!r.context.idle_w.empty()) in += fmt::format("idle {}\n", nlohmann::json(r.context.idle_w).dump());
  for (const auto& m : r.measurements)
    if (m.device == d.id) in += fmt::format("row {}\n", measurement_to_json(m).dump());
  return in;
}

}  // namespace

std::string self_executable() {
  // The kernel's link to the very file this process runs: a binary rebuilt or upgraded during a
  // long run still starts workers of the same version (the old inode stays reachable through it).
  return "/proc/self/exe";
}

// What a supervisor needs from the process it starts in: descriptors 0-2 open (a child's pipes
// must not land on them), SIGCHLD not ignored (else children are reaped behind waitpid's back),
// SIGPIPE ignored (a reader that goes away is a write error, reported, not a silent death).
void supervisor_process_setup() {
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) == -1) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
  std::signal(SIGCHLD, SIG_DFL);
  std::signal(SIGPIPE, SIG_IGN);
}

void protocol_line(std::FILE* out, std::string_view kind, std::string_view payload) {
  // One write per line, flushed: the supervisor must see each line as soon as it is true.
  std::string line(kind);
  if (!payload.empty()) line += ' ' + std::string(payload);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

void supervise_device(const device_info& d, const isolation& iso, run& r, const std::function<void(const run&)>& on_result,
                      interruption in, std::vector<std::string>& without) {
  std::vector<std::string> argv = iso.worker_argv;
  argv.insert(argv.end(), {"--device", d.id});
  const auto start = clock::now();
  const auto rows_of_device = [&] {
    return static_cast<std::size_t>(std::ranges::count(r.measurements, d.id, &measurement::device));
  };
  std::size_t total = 0;  // rows this device will have: known from the first plan line
  int signals_seen = in.count.load();
  int fruitless = 0;      // consecutive workers that ended early without adding a row
  for (;;) {
    const std::size_t rows_at_start = rows_of_device();
    auto started = subprocess::start(argv, worker_input(d, r), stderr);
    if (!started) {
      without.push_back(fmt::format("{} ({}): cannot start a worker process: {}", d.id, d.name, started.error().message));
      return;
    }
    subprocess& worker = *started;
    std::optional<measurement> in_flight;
    bool planned = false, forwarded = false, killed_on_request = false;
    auto deadline = after(iso.open_timeout_s);
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
          without.push_back(with_tail(fmt::format("{} ({}): opening the device and planning took more than {:.0f} s; the worker was killed",
                                                  d.id, d.name, waited),
                                      worker));
          return;
        }
        measurement m = std::move(*in_flight);
        m.state = status::timeout;
        m.reason = with_tail(fmt::format("no result after {:.0f} s (--timeout); the worker process was killed", waited), worker);
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
        if (total == 0) total = rows_of_device() + static_cast<std::size_t>(std::strtoull(std::string(payload).c_str(), nullptr, 10));
        deadline = after(iso.open_timeout_s);
      } else if (kind == "start") {
        in_flight = parse_row(payload);
        deadline = after(iso.timeout_s);
        if (in_flight && iso.progress)
          iso.progress(progress_start(rows_of_device(), std::max(total, rows_of_device() + 1),
                                      std::chrono::duration<double>(clock::now() - start).count(), in_flight->name));
      } else if (kind == "result") {
        auto m = parse_row(payload);
        if (!m) continue;
        if (iso.progress) iso.progress(progress_end(*m));
        r.measurements.push_back(std::move(*m));
        in_flight.reset();
        if (on_result) on_result(r);
        deadline = after(iso.open_timeout_s);  // until the next start line
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
      m.reason = with_tail(fmt::format("the worker process measuring this benchmark died ({})", worker.how_it_ended()), worker);
      if (iso.progress) iso.progress(fmt::format(" crashed ({})\n", worker.how_it_ended()));
      r.measurements.push_back(std::move(m));
      if (on_result) on_result(r);
      continue;
    }
    if (!planned) {
      if (worker.ended_by_signal() || worker.exit_code() != 0)
        without.push_back(
            with_tail(fmt::format("{} ({}): the worker died while opening the device ({})", d.id, d.name, worker.how_it_ended()), worker));
      return;
    }
    if (rows_of_device() >= total) return;  // every row is in (a crash at exit after the last one loses nothing)
    // It ended between benchmarks (or a timeout row was just written): a fresh worker goes on, unless
    // workers keep ending without adding a row.
    fruitless = rows_of_device() > rows_at_start ? 0 : fruitless + 1;
    if (fruitless >= 3) {
      without.push_back(with_tail(fmt::format("{} ({}): {} benchmark(s) not run: three workers in a row ended between benchmarks ({})", d.id,
                                              d.name, total - rows_of_device(), worker.how_it_ended()),
                                  worker));
      return;
    }
  }
}

namespace {
// Sets the status of `backend` in inv, in place where it is listed.
void status_set(inventory& inv, backend_status s) {
  s.title = backend_title(s.name);
  auto it = std::ranges::find(inv.backends, s.name, &backend_status::name);
  if (it != inv.backends.end()) *it = std::move(s);
  else inv.backends.push_back(std::move(s));
}
}  // namespace

void probe_backend_isolated(std::string_view backend, double timeout_s, inventory& inv) {
  std::vector<std::string> argv{self_executable(), "probe", "--in-process", "--format", "json"};
  for (const auto& other : device_backends_except(backend)) argv.push_back("--no-" + other);
  const auto t0 = clock::now();
  auto note = [&](std::string reason) {
    status_set(inv, {std::string(backend), false, "", std::move(reason), std::chrono::duration<double, std::milli>(clock::now() - t0).count(), ""});
  };
  auto child = subprocess::start(argv, "", nullptr);
  if (!child) return note(fmt::format("cannot start the probe process: {}", child.error().message));
  std::string text, line;
  const auto deadline = after(timeout_s);
  for (;;) {
    const auto ev = child->next(line, deadline, [] { return false; });
    if (ev == subprocess::event::line) {
      text += line + '\n';
      continue;
    }
    if (ev == subprocess::event::deadline) {
      child->kill_and_reap();
      return note(with_tail(fmt::format("probing {} took more than {:.0f} s; the probe process was killed (a hung driver?); "
                                        "`--no-{}` skips it",
                                        backend, timeout_s, backend),
                            *child));
    }
    break;
  }
  if (child->ended_by_signal() || child->exit_code() != 0)
    return note(with_tail(fmt::format("the {} probe process died ({}): a broken driver or ICD; `--no-{}` skips it", backend, child->how_it_ended(),
                                      backend),
                          *child));
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  auto probed = doc.is_discarded() ? result<inventory>(fail(status::failed, "not JSON")) : probe_document_read(doc, "the probe process");
  if (!probed) return note(fmt::format("the {} probe process wrote no inventory: {}", backend, probed.error().message));
  for (auto& dev : probed->devices)
    if (dev.backend == backend) inv.devices.push_back(std::move(dev));
  // cpu0 first, then the registry's order, as an in-process probe orders them.
  std::ranges::stable_sort(inv.devices, {}, [](const device_info& x) { return device_backend_rank(x.backend); });
  for (auto& s : probed->backends)
    if (s.name == backend) status_set(inv, std::move(s));
}

result<inventory> probe_machine_isolated(probe_options options, bool in_process, double timeout_s) {
  std::vector<std::string_view> isolated;
  for (const device_backend& b : device_backends())
    if (!in_process && b.loads_drivers && b.probe && options.probes(b.name)) {
      isolated.push_back(b.name);
      options.skip.emplace_back(b.name);
    }
  // The driver children start together, each on a thread of its own, while this process probes the
  // CPU and the rest: a slow driver holds up the report only as long as it is the slowest.
  std::vector<inventory> parts(isolated.size());
  std::vector<std::jthread> children;
  for (std::size_t i = 0; i < isolated.size(); ++i)
    children.emplace_back([&, i] { probe_backend_isolated(isolated[i], timeout_s, parts[i]); });
  auto inv = probe_machine(options);
  children.clear();  // joins
  if (!inv) return inv;
  for (inventory& part : parts) {  // in the registry's order
    for (auto& dev : part.devices) inv->devices.push_back(std::move(dev));
    for (auto& s : part.backends) status_set(*inv, std::move(s));
  }
  std::ranges::stable_sort(inv->devices, {}, [](const device_info& x) { return device_backend_rank(x.backend); });
  return inv;
}

void backend_off_flags(CLI::App& sub, std::vector<std::string>& off, std::string_view what) {
  for (const device_backend& b : device_backends()) {
    const std::string name(b.name);
    sub.add_flag_callback(fmt::format("--no-{}", b.name), [&off, name] { off.push_back(name); },
                          fmt::format("Do not {} {}", what, b.title));
  }
}

}  // namespace xpu
