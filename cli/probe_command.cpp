#include "cli/probe_command.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "cli/output.hpp"
#include "core/units.hpp"
#include "probe/inventory.hpp"
#include "reporters/inventory_report.hpp"
#include "results/inventory_json.hpp"

namespace xpu {

void probe_command::add_options(CLI::App& sub) {
  sub.add_option("--format", format, "Output format: text (a readable report) or json (schema version 1, docs/schema.md)")
      ->check(CLI::IsMember({"text", "json"}));
  sub.add_option("-o,--output", output, "Write the report to FILE instead of standard output ('-': standard output)");
  sub.add_option("--topology", topology, "Probe a saved hwloc topology (lstopo --of xml FILE.xml) instead of this machine's");
  sub.add_flag("-v,--verbose", verbose, "List every OpenCL and Vulkan extension");
  sub.add_flag("--no-opencl", no_opencl, "Do not probe OpenCL");
  sub.add_flag("--no-vulkan", no_vulkan, "Do not probe Vulkan");
}

int probe_command::run() const {
  probe_options options;
  if (!topology.empty()) options.topology_xml = topology;
  options.opencl = !no_opencl;
  options.vulkan = !no_vulkan;
  auto inv = probe_machine(options);
  if (!inv) {
    fmt::print(stderr, "xpubench probe: {}\n", inv.error().message);
    return 2;
  }
  std::string text;
  if (format == "json") text = probe_document(*inv).dump(2) + "\n";
  else text = terminal_safe(inventory_report(*inv, {(output.empty() || output == "-") && color_allowed(stdout), verbose}));

  if (auto ok = write_output(output.empty() ? "-" : output, text); !ok) {
    fmt::print(stderr, "xpubench probe: {}\n", ok.error().message);
    return 2;
  }
  if (output.empty() || output == "-") return 0;
  fmt::print(stderr, "xpubench probe: wrote {}\n", output);
  return 0;
}

}  // namespace xpu
