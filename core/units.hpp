#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace xpu {

// 1536 -> "1.5 KiB"; binary prefixes for memory sizes.
std::string format_bytes(std::uint64_t bytes);
// 2.5e-6 -> "2.50 us", 0.0123 -> "12.300 ms", 2 -> "2.000 s"
std::string format_seconds(double s);
// 3.6e9 -> "3.60 GHz"
std::string format_hz(double hz);
// 1.2e12 -> "1.20 T" (decimal prefixes for rates: ops/s, bytes/s)
std::string format_si(double value);

// Text safe for a terminal: control characters that strings from drivers and files may carry
// (escape sequences that move the cursor or set the title, carriage returns, C1 controls) are
// written as \xNN; newlines, tabs and colour-only sequences (ESC [ digits ; m) stay.
std::string terminal_safe(std::string_view text);

}  // namespace xpu
