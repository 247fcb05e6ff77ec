#include "cli/probe_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "cli/options.hpp"
#include "cli/output.hpp"
#include "core/units.hpp"
#include "probe/machine.hpp"
#include "reporters/inventory_report.hpp"
#include "results/inventory_json.hpp"
#include "session/isolated_probe.hpp"
#include "session/subprocess.hpp"

namespace xpu {

void probe_command::add_options(CLI::App& sub) {
  sub.add_option("--format", format, "Output format: text (a readable report) or json (schema version 1, docs/schema.md)")
      ->check(CLI::IsMember({"text", "json"}));
  sub.add_option("-o,--output", output, "Write the report to FILE instead of standard output ('-': standard output)");
  sub.add_option("--topology", topology, "Probe a saved hwloc topology (lstopo --of xml FILE.xml) instead of this machine's");
  sub.add_flag("-v,--verbose", verbose, "List every extension of every device");
  backend_off_flags(sub, backends_off, "probe");
  sub.add_flag("--in-process", in_process,
               "Load the drivers (OpenCL, Vulkan, Level Zero) in this process (by default each backend is probed in a child "
               "process, so that a driver that crashes or hangs costs only its backend)");
}

int probe_command::run() const {
  probe_options options;
  if (!topology.empty()) options.topology_xml = topology;
  options.skip = backends_off;
  supervisor_process_setup();
  // Drivers print to stdout while they load: that goes to stderr, so that the report or the JSON
  // on stdout is never mixed with it.
  std::fflush(stdout);
  const int saved_stdout = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (saved_stdout >= 0) ::dup2(STDERR_FILENO, STDOUT_FILENO);
  constexpr double driver_timeout_s = 120;
  auto inv = probe_machine_isolated(options, in_process, driver_timeout_s);
  if (saved_stdout >= 0) {
    std::fflush(stdout);
    ::dup2(saved_stdout, STDOUT_FILENO);
    ::close(saved_stdout);
  }
  if (!inv) {
    say(stderr, "xpubench probe: {}\n", inv.error().message);
    return 2;
  }
  std::string text;
  if (format == "json") text = probe_document(*inv).dump(2) + "\n";
  else text = terminal_safe(inventory_report(*inv, {(output.empty() || output == "-") && color_allowed(stdout), verbose}));

  if (auto ok = write_output(output.empty() ? "-" : output, text); !ok) {
    say(stderr, "xpubench probe: {}\n", ok.error().message);
    return 2;
  }
  if (output.empty() || output == "-") return 0;
  say(stderr, "xpubench probe: wrote {}\n", output);
  return 0;
}

}  // namespace xpu
