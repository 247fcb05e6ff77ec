#include "core/units.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>

namespace xpu {

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 6> names{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < names.size()) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  if (value == std::floor(value)) return fmt::format("{:.0f} {}", value, names[unit]);
  return fmt::format("{:.1f} {}", value, names[unit]);
}

std::string format_si(double value) {
  static constexpr std::array<const char*, 6> names{"", "k", "M", "G", "T", "P"};
  std::size_t unit = 0;
  while (std::fabs(value) >= 1000.0 && unit + 1 < names.size()) {
    value /= 1000.0;
    ++unit;
  }
  return fmt::format("{:.2f} {}", value, names[unit]);
}

std::string format_hz(double hz) { return format_si(hz) + "Hz"; }

}  // namespace xpu
