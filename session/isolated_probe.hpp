#pragma once
// GPU backends probed in child processes (`xpubench probe --in-process` of one backend) under a
// timeout: a driver that crashes or hangs while it is asked what it has leaves its backend
// unavailable with the reason, and the rest of the report stands.
#include <string_view>

#include "core/error.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"

namespace xpu {

// Probes device backend `backend` (probe/registry.cpp) in a child process (`xpubench probe
// --in-process --format json` with every other backend off) and puts its devices and status into
// inv; a probe that crashes or outlives timeout_s leaves the backend unavailable with the reason.
void probe_backend_isolated(std::string_view backend, double timeout_s, inventory& inv);

// Probes the machine, minus the backends in options.skip; the backends that load drivers are
// probed in child processes (probe_backend_isolated), all at once and beside the in-process probe,
// unless in_process.
result<inventory> probe_machine_isolated(probe_options options, bool in_process, double timeout_s);

}  // namespace xpu
