#pragma once
// The processes that build a run's kernels side by side before any timing (issue 30: OpenCL
// programs, Vulkan pipelines, GEMM tile tuning) share one gate, two lock files in a folder the
// supervisor made: building holds it shared, so they compile together; a tuner's timed launch
// holds it exclusive, so no other helper compiles while it times (a new builder waits at the
// turnstile while a timer waits, so a timer is never starved). A process that never opened the
// gate (every ordinary run, the measuring worker) passes through both at once.
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace xpu::build_gate {

// This process joins the gate in `dir` (created by the supervisor; the lock files are made there).
result<void> open(const std::filesystem::path& dir);

// The next index of the work queue `name` in the gate's folder (0, 1, 2, ... across every process
// that asks), for the helpers to share a device's cases out as each becomes free; an error when
// the gate is not open or its file cannot be used.
result<std::uint64_t> next_claim(std::string_view name);

// Held while this process builds (shared with the other builders). Nested sections are free.
class building {
 public:
  building();
  ~building();
  building(const building&) = delete;
  building& operator=(const building&) = delete;
};

// Held while this process times something whose result it keeps (exclusive). Inside a `building`
// section it gives the shared hold up while it waits and takes it back after.
class timing {
 public:
  timing();
  ~timing();
  timing(const timing&) = delete;
  timing& operator=(const timing&) = delete;
};

}  // namespace xpu::build_gate
