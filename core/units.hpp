#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace xpu {

// 1536 -> "1.5 KiB"; binary prefixes for memory sizes.
std::string format_bytes(std::uint64_t bytes);
// 2.5e-6 -> "2.50 us", 0.0123 -> "12.300 ms", 2 -> "2.000 s"
std::string format_seconds(double s);
// 3.6e9 -> "3.60 GHz"
std::string format_hz(double hz);
// 1.2e12 -> "1.20 T" (decimal prefixes for rates: ops/s, bytes/s)
std::string format_si(double value);

// Whether `text` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view text);

// A name from a file as an error or note quotes it: at most `limit` bytes (cut on a UTF-8 character
// boundary), then "... (N bytes)": a damaged name of megabytes stays a line.
std::string quoted_name(std::string_view name, std::size_t limit = 200);

// Text safe for a terminal: control characters that strings from drivers and files may carry
// (escape sequences that move the cursor or set the title, carriage returns, C1 controls) are
// written as \xNN; newlines, tabs and the colours reporters/style.hpp's painter writes (ESC [ n m
// with n one of 0, 1, 2, 31, 32, 33) stay. Any other SGR is escaped too: conceal (8), reverse or a
// foreground equal to the background would hide text such as a verdict.
std::string terminal_safe(std::string_view text);

// The one writer of messages and tables meant for a terminal (every command's errors, notes and
// text output): fmt::print with the whole text through terminal_safe, so a name from a file, a
// driver or the command line reaches the terminal as visible escapes, never as a sequence.
template <class... Args>
void say(std::FILE* to, fmt::format_string<Args...> format, Args&&... args) {
  const std::string text = terminal_safe(fmt::format(format, std::forward<Args>(args)...));
  std::fwrite(text.data(), 1, text.size(), to);
}

}  // namespace xpu
