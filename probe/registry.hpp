#pragma once
// The registry of device backends: the APIs devices are found through beside the host CPU (cpu0).
// The probe, the inventory, the peaks, the reports, the CLI and the runner iterate this table and
// nothing else; a new backend is a folder (probe/<name>/), one line in probe/registry.cpp and one
// CMake option. What a backend learns about a device travels as data: its precision support, and
// either its typed details (OpenCL, Vulkan: the schema documents every field) or key/value facts.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probe/backends.hpp"

namespace xpu {

struct device_backend {
  std::string_view name;          // "opencl": the device ids' prefix ("opencl0"), the status name, `--no-opencl`
  std::string_view title;         // "OpenCL": how reports name it
  std::string_view build_option;  // "XPUBENCH_WITH_OPENCL"
  // Its probe: the devices, and a status saying why none when none; nullptr when the backend is
  // not built into this xpubench. `root`: the procfs/sysfs root (tests give fake trees).
  backend_probe (*probe)(const std::filesystem::path& root);
  // Precision support and peak estimates of one of its devices (host_cpu: the CPU device, whose
  // estimates CPU-type devices borrow); nullptr: the probe fills them itself.
  std::vector<precision_support> (*precisions)(const device_info& d, const device_info* host_cpu);
  // Loads a driver into the process (a driver that crashes or hangs there takes the process with
  // it): `probe` and `run` probe it in a child process unless told --in-process.
  bool loads_drivers;
  // The device memory a benchmark may use; nullptr or nullopt: the host's available memory
  // (CPU-type devices share it).
  std::optional<std::uint64_t> (*memory_budget)(const device_info& d);
  // Why this build lacks the backend, where the configure step knew (no toolkit found); empty: it
  // was switched off, or its headers were not found.
  std::string_view missing_reason = {};
  // Compiles its kernels when a run starts (OpenCL programs, Vulkan pipelines): `run` builds every
  // benchmark's kernels side by side before any timing (session/worker.hpp: prebuild_devices).
  bool builds_at_run_time = false;
};

// Every device backend, in the order devices are listed (after cpu0).
std::span<const device_backend> device_backends();
const device_backend* device_backend_find(std::string_view name);
// The backend whose devices have this id ("opencl1" -> opencl); nullptr for cpu0 and unknown ids.
const device_backend* device_backend_of(std::string_view device_id);
// The names of every device backend but `keep` (probe_options::skip for probing one backend).
std::vector<std::string> device_backends_except(std::string_view keep);
// How reports name a backend: "CPU", the registry's title, else the name itself.
std::string backend_title(std::string_view backend);
// Where a backend's devices go in the inventory: cpu 0, then the registry's order.
int device_backend_rank(std::string_view backend);

}  // namespace xpu
