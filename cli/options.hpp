#pragma once
// Options several commands share. Checks for numbers read from the command line: CLI11's Range
// lets NaN through (every comparison with NaN is false): `compare --threshold nan` was a gate that
// could not fail and `run --noisy-threshold nan` flagged nothing. Every floating-point option goes
// through finite_range.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "probe/registry.hpp"

namespace xpu {

// A finite number from lo to hi; NaN, infinities and out-of-range values are refused by name.
inline CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        errno = 0;
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) return fmt::format("'{}' is not a number", text);
        if (!std::isfinite(v) || errno == ERANGE) return fmt::format("{} is not a finite number; give one from {} to {}", text, lo, hi);
        if (v < lo || v > hi) return fmt::format("{} is outside {} to {}", text, lo, hi);
        return "";
      },
      fmt::format("FLOAT in [{} - {}]", lo, hi));
}

// The `--no-<backend>` flags of every device backend, each adding its name to `off`.
inline void backend_off_flags(CLI::App& sub, std::vector<std::string>& off, std::string_view what) {
  for (const device_backend& b : device_backends()) {
    const std::string name(b.name);
    sub.add_flag_callback(fmt::format("--no-{}", b.name), [&off, name] { off.push_back(name); },
                          fmt::format("Do not {} {}", what, b.title));
  }
}

}  // namespace xpu
