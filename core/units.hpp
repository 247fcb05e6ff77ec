#pragma once
#include <cstdint>
#include <string>

namespace xpu {

// 1536 -> "1.5 KiB"; binary prefixes for memory sizes.
std::string format_bytes(std::uint64_t bytes);
// 3.6e9 -> "3.60 GHz"
std::string format_hz(double hz);
// 1.2e12 -> "1.20 T" (decimal prefixes for rates: ops/s, bytes/s)
std::string format_si(double value);

}  // namespace xpu
