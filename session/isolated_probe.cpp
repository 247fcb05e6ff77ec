#include "session/isolated_probe.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
}  // namespace

void probe_backend_isolated(std::string_view backend, double timeout_s, inventory& inv) {
  std::vector<std::string> argv{self_executable(), "probe", "--in-process", "--format", "json"};
  for (const auto& other : device_backends_except(backend)) argv.push_back("--no-" + other);
  const auto t0 = subprocess::clock::now();
  auto note = [&](std::string reason) {
    status_set(inv, {std::string(backend), false, "", std::move(reason), std::chrono::duration<double, std::milli>(subprocess::clock::now() - t0).count(), ""});
  };
  auto child = subprocess::start(argv, "", nullptr);
  if (!child) return note(fmt::format("cannot start the probe process: {}", child.error().message));
  std::string text, line;
  const auto deadline = subprocess::after(timeout_s);
  for (;;) {
    const auto ev = child->next(line, deadline, [] { return false; });
    if (ev == subprocess::event::line) {
      text += line + '\n';
      continue;
    }
    if (ev == subprocess::event::deadline) {
      child->kill_and_reap();
      return note(child->with_tail(fmt::format("probing {} took more than {:.0f} s; the probe process was killed (a hung driver?); "
                                        "`--no-{}` skips it",
                                        backend, timeout_s, backend)));
    }
    break;
  }
  if (child->ended_by_signal() || child->exit_code() != 0)
    return note(child->with_tail(fmt::format("the {} probe process died ({}): a broken driver or ICD; `--no-{}` skips it", backend, child->how_it_ended(),
                                      backend)));
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
  // A saved topology is first tried in a forked child (core/forked.hpp): that fork happens before
  // the threads start, in a process that is still single-threaded.
  std::optional<result<inventory>> first;
  if (options.topology_xml) {
    first = probe_machine(options);
    if (!*first) return std::move(*first);
  }
  std::vector<inventory> parts(isolated.size());
  std::vector<std::jthread> children;
  for (std::size_t i = 0; i < isolated.size(); ++i)
    children.emplace_back([&, i] { probe_backend_isolated(isolated[i], timeout_s, parts[i]); });
  auto inv = first ? std::move(*first) : probe_machine(options);
  children.clear();  // joins
  if (!inv) return inv;
  for (inventory& part : parts) {  // in the registry's order
    for (auto& dev : part.devices) inv->devices.push_back(std::move(dev));
    for (auto& s : part.backends) status_set(*inv, std::move(s));
  }
  std::ranges::stable_sort(inv->devices, {}, [](const device_info& x) { return device_backend_rank(x.backend); });
  return inv;
}

}  // namespace xpu
