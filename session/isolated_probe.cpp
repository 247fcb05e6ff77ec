#include "session/isolated_probe.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/forked.hpp"
#include "results/inventory_json.hpp"
#include "session/subprocess.hpp"

namespace xpu {
namespace {
// Sets the status of `backend` in inv, in place where it is listed.
void status_set(inventory& inv, backend_status s) {
  s.title = backend_title(s.name);
  auto it = std::ranges::find(inv.backends, s.name, &backend_status::name);
  if (it != inv.backends.end()) *it = std::move(s);
  else inv.backends.push_back(std::move(s));
}
// What a child that probed `backend` left: its devices and status into inv, or the backend
// unavailable with the reason. `ended`: how it ended ("" when it exited 0); `tail`: its last
// stderr lines (the driver's words); `hung`: it outlived the timeout and was killed.
void take_probe_reply(std::string_view backend, const std::string& text, const std::string& ended, bool hung, const std::string& tail, double timeout_s,
                      double ms, inventory& inv) {
  const auto note = [&](std::string reason) {
    if (!tail.empty()) reason += fmt::format("; its last stderr lines: {}", tail);
    status_set(inv, {std::string(backend), false, "", std::move(reason), ms, ""});
  };
  if (hung)
    return note(fmt::format("probing {} took more than {:.0f} s; the probe process was killed (a hung driver?); `--no-{}` skips it", backend,
                            timeout_s, backend));
  if (!ended.empty()) return note(fmt::format("the {} probe process died ({}): a broken driver or ICD; `--no-{}` skips it", backend, ended, backend));
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

// Whether this process runs one thread only (then a fork without exec is safe).
bool single_threaded() {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) ++n;
  return !ec && n == 1;
}

// The options of a probe of `backend` alone.
probe_options alone(std::string_view backend) {
  probe_options o;
  for (const auto& other : device_backends_except(backend)) o.skip.push_back(other);
  return o;
}

}  // namespace

void probe_backend_isolated(std::string_view backend, double timeout_s, inventory& inv) {
  std::vector<std::string> argv{self_executable(), "probe", "--in-process", "--format", "json"};
  for (const auto& other : device_backends_except(backend)) argv.push_back("--no-" + other);
  const auto t0 = subprocess::clock::now();
  const auto ms = [&] { return std::chrono::duration<double, std::milli>(subprocess::clock::now() - t0).count(); };
  auto child = subprocess::start(argv, "", nullptr);
  if (!child) return status_set(inv, {std::string(backend), false, "", fmt::format("cannot start the probe process: {}", child.error().message), ms(), ""});
  std::string text, line;
  const auto deadline = subprocess::after(timeout_s);
  bool hung = false;
  for (;;) {
    const auto ev = child->next(line, deadline, [] { return false; });
    if (ev == subprocess::event::line) {
      text += line + '\n';
      continue;
    }
    if (ev == subprocess::event::deadline) {
      child->kill_and_reap();
      hung = true;
    }
    break;
  }
  const bool failed = !hung && (child->ended_by_signal() || child->exit_code() != 0);
  take_probe_reply(backend, text, failed ? child->how_it_ended() : "", hung, hung || failed ? child->stderr_tail() : "", timeout_s, ms(), inv);
}

result<inventory> probe_machine_isolated(probe_options options, bool in_process, double timeout_s) {
  std::vector<std::string_view> isolated;
  for (const device_backend& b : device_backends())
    if (!in_process && b.loads_drivers && b.probe && options.probes(b.name)) {
      isolated.push_back(b.name);
      options.skip.emplace_back(b.name);
    }
  // The driver children start together (forked, or exec'd each from a thread of its own), while this
  // process probes the CPU and the rest: a slow driver holds up the report only as long as it is the
  // slowest.
  // A saved topology is first tried in a forked child (core/forked.hpp): that fork happens before
  // the threads start, in a process that is still single-threaded.
  std::optional<result<inventory>> first;
  if (options.topology_xml) {
    first = probe_machine(options);
    if (!*first) return std::move(*first);
  }
  std::vector<inventory> parts(isolated.size());
  std::optional<result<inventory>> inv;
  if (single_threaded()) {
    // Forked without exec: a child starts at once with this binary already loaded (an exec'd one
    // pays 30 ms of dynamic loading first, a third of what the probe took on a 2-core VM).
    std::vector<std::optional<forked_child>> forks;
    const auto t0 = subprocess::clock::now();
    for (std::string_view name : isolated) {
      auto child = forked_child::start(
          [name](std::string& reply) {
            auto alone_inv = probe_machine(alone(name));
            if (!alone_inv) return std::fprintf(stderr, "%s\n", alone_inv.error().message.c_str()), 3;
            reply = probe_document(*alone_inv).dump();
            return 0;
          },
          true);
      forks.push_back(child ? std::optional(std::move(*child)) : std::nullopt);
    }
    inv = first ? std::move(*first) : probe_machine(options);  // beside them
    for (std::size_t i = 0; i < isolated.size(); ++i) {
      if (!forks[i]) {
        probe_backend_isolated(isolated[i], timeout_s, parts[i]);  // no fork: an exec'd child
        continue;
      }
      auto end = forks[i]->wait(timeout_s);
      const double ms = std::chrono::duration<double, std::milli>(subprocess::clock::now() - t0).count();
      if (!end) {
        status_set(parts[i], {std::string(isolated[i]), false, "", "the probe process could not be waited for: " + end.error().message, ms, ""});
        continue;
      }
      const bool failed = !end->timed_out && !(end->exited() && end->exit_code == 0);
      const std::string tail = end->timed_out || failed ? forks[i]->stderr_tail() : "";
      take_probe_reply(isolated[i], end->reply, failed ? end->how_it_ended(timeout_s) : "", end->timed_out, tail, timeout_s, ms, parts[i]);
    }
  } else {
    std::vector<std::jthread> children;
    for (std::size_t i = 0; i < isolated.size(); ++i)
      children.emplace_back([&, i] { probe_backend_isolated(isolated[i], timeout_s, parts[i]); });
    inv = first ? std::move(*first) : probe_machine(options);
  }  // the threads join here
  if (!*inv) return std::move(*inv);
  inventory& whole = **inv;
  for (inventory& part : parts) {  // in the registry's order
    for (auto& dev : part.devices) whole.devices.push_back(std::move(dev));
    for (auto& s : part.backends) status_set(whole, std::move(s));
  }
  std::ranges::stable_sort(whole.devices, {}, [](const device_info& x) { return device_backend_rank(x.backend); });
  return std::move(*inv);
}

}  // namespace xpu
