#include "session/run_plan.hpp"

#include <gnu/libc-version.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include "kernels/registry.hpp"
#include "probe/registry.hpp"
#include "probe/sysfs.hpp"
#include "session/isolated_probe.hpp"

namespace xpu {

result<device_selection> select_devices(const selection_request& request, const suite& s, const run_options& options, fleet_member* fleet,
                                        const std::atomic<bool>& stop) {
  const auto refuse = [](std::string message) { return std::unexpected(error{status::failed, std::move(message)}); };
  probe_options probing;
  probing.skip = request.backends_off;
  for (const device_backend& b : device_backends())
    if (!request.devices.empty() && std::ranges::none_of(request.devices, [&](const std::string& id) { return device_backend_of(id) == &b; }))
      probing.skip.emplace_back(b.name);
  if (fleet && !fleet_wait_turn(*fleet, stop)) return refuse("");  // the node's ranks probe and measure in turn
  device_selection out;
  out.skipped_backends = probing.skip;
  auto probed = probe_machine_isolated(probing, !request.isolated, request.open_timeout_s);
  if (!probed) return refuse(probed.error().message);
  out.machine = std::move(*probed);
  const inventory& inv = out.machine;
  if (const int limit = 8 * std::max(1, inv.cpu.topology.pus); request.threads > limit)
    return refuse(fmt::format("--threads {} is more than 8 per processing unit ({} here): use {} or fewer", request.threads, inv.cpu.topology.pus, limit));
  for (const auto& id : request.devices)
    if (!inv.find_device(id)) {
      const device_backend* backend = device_backend_of(id);
      const bool off = backend && std::ranges::find(request.backends_off, backend->name) != request.backends_off.end();
      std::string why = off ? fmt::format(" (its backend is switched off by --no-{})", backend->name) : " (run `xpubench probe` for the ids)";
      for (const auto& b : inv.backends)
        if (!off && backend && !b.available && !b.reason.empty() && b.name == backend->name) why = fmt::format(": {} is unavailable: {}", b.name, b.reason);
      return refuse(fmt::format("no device '{}' on this machine{}", id, why));
    }
  for (const auto& d : inv.devices) {
    if (!request.devices.empty() && std::ranges::find(request.devices, d.id) == request.devices.end()) continue;
    if (!kernel_backend_find(d.backend)) {  // probed only: no worker to start
      out.without.push_back(fmt::format("{} ({}): probed only: xpubench has no {} kernels", d.id, d.name, backend_title(d.backend)));
      continue;
    }
    out.selected.push_back(d);
  }
  if (fleet && fleet->local_size > 1 && request.devices.empty() && !out.selected.empty()) {  // the node's devices shared out, one turn each
    std::vector<device_info> mine;
    for (std::size_t i = 0; i < out.selected.size(); ++i)
      if (static_cast<int>(i % static_cast<std::size_t>(fleet->local_size)) == fleet->local_rank) mine.push_back(out.selected[i]);
    out.none_left = mine.empty();
    out.selected = std::move(mine);
  }
  if (out.selected.empty() && !out.without.empty() && !request.list && !out.none_left) {
    std::string message;
    for (const auto& w : out.without) message += w + "\nxpubench run: ";
    return refuse(message + "no selected device can be measured");
  }
  if (request.isolated && !out.none_left && !plan_may_match(s, out.selected, options))
    return refuse(fmt::format("the selection matches no benchmark of suite '{}' (try --list without filters)", s.name));
  return out;
}

std::map<std::string, double> measure_devices(const std::vector<device_info>& selected, const isolation* iso, const std::vector<planned_case>& cases,
                                              const run_options& options, run& r, const std::function<void(const run&)>& on_result,
                                              interruption in, std::vector<std::string>& without) {
  std::map<std::string, double> seconds;
  if (!iso) {
    std::vector<planned_case> left;  // a resumed run's rows are kept, not measured again
    for (const planned_case& pc : cases)
      if (std::ranges::find(r.measurements, pc.name, &measurement::name) == r.measurements.end()) left.push_back(pc);
    run_cases(left, options, r, on_result, in.stop);
    return seconds;
  }
  if (iso->prebuild_helpers > 0 && !in.stop.load()) r.context.prebuild = prebuild_devices(selected, *iso, r, in);
  for (const auto& d : selected) {
    if (in.stop.load()) {
      r.context.interrupted = true;
      break;
    }
    const auto started = std::chrono::steady_clock::now();
    supervise_device(d, *iso, r, on_result, in, without);
    seconds[d.id] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  return seconds;
}

host_pages_choice host_pages(bool workers) {
  std::string mode;
  if (const auto text = sysfs_read_line("/sys/kernel/mm/transparent_hugepage/enabled")) {  // "always [madvise] never"
    const auto open = text->find('['), close = text->find(']');
    if (open != std::string::npos && close != std::string::npos && close > open) mode = text->substr(open + 1, close - open - 1);
  }
  const char* set = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = set ? set : "";
  constexpr std::string_view key = "glibc.malloc.hugetlb=";
  std::string chosen;  // what GLIBC_TUNABLES already says
  if (const auto at = tunables.find(key); at != std::string::npos) chosen = tunables.substr(at + key.size()), chosen = chosen.substr(0, chosen.find(':'));
  if (mode.empty()) return {"4 KiB pages (this kernel offers no transparent huge pages)", {}};
  if (mode == "always") return {"transparent huge pages (THP always)", {}};
  if (mode != "madvise") return {fmt::format("4 KiB pages (THP {})", mode), {}};
  if (!chosen.empty())
    return {chosen == "1" ? "transparent huge pages for buffers of 2 MiB and more (THP madvise; GLIBC_TUNABLES sets glibc.malloc.hugetlb=1)"
                          : fmt::format("as GLIBC_TUNABLES's glibc.malloc.hugetlb={} asks (THP madvise)", chosen),
            {}};
  int major = 0, minor = 0;
  if (std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) != 2 || major < 2 || (major == 2 && minor < 35))
    return {fmt::format("4 KiB pages (THP madvise; glibc {} has no glibc.malloc.hugetlb tunable to ask for them)", gnu_get_libc_version()), {}};
  if (!workers) return {"4 KiB pages (THP madvise; not asked for in this process)", {}};
  const std::string entry = "GLIBC_TUNABLES=" + tunables + (tunables.empty() ? "" : ":") + "glibc.malloc.hugetlb=1";
  return {fmt::format("transparent huge pages for buffers of 2 MiB and more (THP madvise; the workers' {})", entry), {entry}};
}

void fleet_gather(fleet_member& fleet, run& r, bool none_left, double own_seconds, double timeout_s, const std::atomic<bool>& stop) {
  const std::string state = r.context.interrupted ? "interrupted" : "ok";
  std::string reason = r.context.interrupted ? fmt::format("stopped by {}", r.context.interrupted_by) : "";
  if (none_left) reason = fmt::format("nothing to measure: the node's devices went to its other {} rank(s)", fleet.local_size - 1);
  if (!fleet.unbound.empty() && reason.empty()) reason = fmt::format("the launcher's binding to CPUs {} was lifted to measure the whole node", fleet.unbound);
  if (fleet.rank != 0) {
    fleet_send(fleet, state, reason, 0, &r);
    fleet_finish_turns(fleet, stop);
  } else {
    // The node with the most ranks takes that many turns after rank 0's (each about as long as rank 0's, with its devices).
    const double wait = timeout_s > 0 ? timeout_s : std::max(3600.0, 4 * own_seconds * fleet.most_local);
    fleet.missing = fleet_collect(fleet, r, state, reason, 0, wait, stop);
  }
  fleet.reported = true;
}

}  // namespace xpu
