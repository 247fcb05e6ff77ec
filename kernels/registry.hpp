#pragma once
// The registry of kernel backends: how a probed device is opened for measurement. One line per
// backend in kernels/registry.cpp; the CLI and the workers open devices through it and nothing
// else. A device backend without a line here is probed only (its devices are listed, not run).
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kernels/backend.hpp"
#include "inventory/cpu.hpp"

namespace xpu {

// Per-backend options as key=value pairs: `run --backend-option opencl.tune=off` gives the OpenCL
// backend {"tune": "off"}. Each backend refuses a key it does not know (exit 2 with the keys it has).
using backend_options = std::map<std::string, std::string, std::less<>>;

struct cpu_clock;  // kernels/cpu/cpu_device.hpp: the CPU backend's calibration

struct open_context {
  const cpu_info& cpu;
  int threads = 0;                         // CPU threads (0: every core)
  std::shared_ptr<const cpu_clock> clock;  // the run's calibration (CPU)
  backend_options options;                 // this backend's key=value options
};

struct kernel_backend {
  std::string_view name;  // the device backend's name ("cpu", "opencl", ...)
  result<std::unique_ptr<device>> (*open)(const device_info& d, const open_context& c);
  // The options `open` takes, with what each does (for errors and --help); empty: none.
  std::string_view option_help;
  // Why `key`=`value` is not an option of this backend, or nullopt when it is.
  std::optional<std::string> (*option_error)(std::string_view key, std::string_view value);
  // The option that turns off first-use tuning (`run --no-tune`), "key=value"; empty: it tunes nothing.
  std::string_view no_tune_option = "";
};

std::span<const kernel_backend> kernel_backends();
// The kernel backend of a device backend; nullptr: its devices are probed only.
const kernel_backend* kernel_backend_find(std::string_view name);
// Opens d with the backend that measures it; an `unsupported` error when this build has none.
result<std::unique_ptr<device>> device_open(const device_info& d, const open_context& c);

// "opencl.tune=off" -> options["opencl"]["tune"] = "off"; an error naming what was wrong (an
// unknown backend, no '.', no '=', a key the backend does not take).
result<void> backend_option_parse(std::string_view spec, std::map<std::string, backend_options, std::less<>>& out);

}  // namespace xpu
