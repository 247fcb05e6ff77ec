#pragma once
// The escaping of text a user did not write, one rule per output kind, as properties: whatever the
// bytes, terminal text holds no control character or escape sequence but the painter's colours;
// Markdown text has every syntax character escaped and no control character; a code span's fence
// is longer than any backtick run inside; a preformatted block's fence cannot be closed from inside;
// HTML text holds no markup character; a CSV cell is never a formula; a TOML string always parses
// and keeps valid text as it was. A violated property aborts (the fuzzer saves the input; the unit
// test, tests/reporters/escaping_test.cpp, dies with it). Shared by fuzz_escaping and that test.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/toml.hpp"

#include "core/units.hpp"
#include "models/model_suite.hpp"
#include "reporters/document.hpp"
#include "reporters/run_csv.hpp"

namespace xpu::escaping {

[[noreturn]] inline void violated(const char* property, int line) {
  std::fprintf(stderr, "escaping property violated (fuzz/escaping_properties.hpp:%d): %s\n", line, property);
  std::abort();
}
#define XPU_ESCAPING_REQUIRE(expr) ((expr) ? void() : ::xpu::escaping::violated(#expr, __LINE__))

inline bool control(unsigned char c) { return c < 0x20 || c == 0x7f; }

inline void terminal_text(std::string_view in) {
  const std::string out = xpu::terminal_safe(in);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c == 0x1b) {  // only ESC [ n m with n a painter colour
      const std::size_t m = out.find('m', i);
      XPU_ESCAPING_REQUIRE(m != std::string::npos && out[i + 1] == '[');
      const std::string_view code(out.data() + i + 2, m - i - 2);
      XPU_ESCAPING_REQUIRE(code == "0" || code == "1" || code == "2" || code == "31" || code == "32" || code == "33");
      i = m;
      continue;
    }
    XPU_ESCAPING_REQUIRE(!control(c) || c == '\n' || c == '\t');
    XPU_ESCAPING_REQUIRE(!(c == 0xc2 && i + 1 < out.size() && static_cast<unsigned char>(out[i + 1]) >= 0x80 && static_cast<unsigned char>(out[i + 1]) <= 0x9f));
  }
}

inline void markdown_text(std::string_view in) {
  const std::string out = xpu::md_escape(in);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    XPU_ESCAPING_REQUIRE(!control(c));
    if (c == '\\') {  // an escape: the next character is taken as text
      XPU_ESCAPING_REQUIRE(i + 1 < out.size());
      ++i;
      continue;
    }
    XPU_ESCAPING_REQUIRE(std::string_view("`*_[]<>|~#!&").find(static_cast<char>(c)) == std::string_view::npos);
  }
  // No block opens at the start, after any indentation: a list marker ("-", "+", "12." or "12)"
  // then a space or the end), a thematic break or setext underline ("--", "==", "++").
  const std::size_t start = std::min(out.find_first_not_of(' '), out.size());
  const auto ends_marker = [&](std::size_t at) { return at + 1 >= out.size() || out[at + 1] == ' '; };
  if (start < out.size() && (out[start] == '-' || out[start] == '+' || out[start] == '='))
    XPU_ESCAPING_REQUIRE(!ends_marker(start) && out[start + 1] != out[start]);
  const std::size_t digits = std::min(out.find_first_not_of("0123456789", start), out.size());
  if (digits > start && digits < out.size() && (out[digits] == '.' || out[digits] == ')')) XPU_ESCAPING_REQUIRE(!ends_marker(digits));
}

inline void markdown_code(std::string_view in) {
  const std::string out = xpu::md_code(in);
  std::size_t fence = 0;
  while (fence < out.size() && out[fence] == '`') ++fence;
  XPU_ESCAPING_REQUIRE(fence > 0 && out.size() >= 2 * fence && out.substr(out.size() - fence) == std::string(fence, '`'));
  const std::string_view inside(out.data() + fence, out.size() - 2 * fence);
  std::size_t run = 0;
  for (std::size_t i = 0; i < inside.size(); ++i) {
    const char c = inside[i];
    XPU_ESCAPING_REQUIRE(!control(static_cast<unsigned char>(c)));
    run = c == '`' ? run + 1 : 0;
    XPU_ESCAPING_REQUIRE(run < fence);
    if (c == '|') XPU_ESCAPING_REQUIRE(i > 0 && inside[i - 1] == '\\');
  }
}

inline void markdown_block(std::string_view in) {
  const std::string out = xpu::md_fenced(in);
  const std::size_t fence = out.find('\n');
  XPU_ESCAPING_REQUIRE(fence != std::string::npos && fence >= 4);
  // No line inside starts with as many ~ as the fence (which would close it).
  const std::string_view inside(out.data() + fence + 1, out.size() - 2 * (fence + 1));
  std::size_t start = 0;
  while (start <= inside.size()) {
    const std::size_t end = std::min(inside.find('\n', start), inside.size());
    const std::string_view line = inside.substr(start, end - start);
    const std::size_t lead = line.find_first_not_of(' ');
    if (lead != std::string_view::npos && lead < 4) XPU_ESCAPING_REQUIRE(line.substr(lead).find(std::string(fence, '~')) != 0);
    start = end + 1;
  }
}

inline void html_text(std::string_view in) {
  const std::string out = xpu::html_escape(in);
  XPU_ESCAPING_REQUIRE(out.find_first_of("<>\"'") == std::string::npos);
  for (char c : out) XPU_ESCAPING_REQUIRE(!control(static_cast<unsigned char>(c)) || c == '\n' || c == '\t');
}

inline void csv_cell(std::string_view in) {
  const std::string out = xpu::csv_quote(in);
  std::string value = out;
  if (!out.empty() && out.front() == '"') {  // RFC 4180: quoted, with "" for a quote
    XPU_ESCAPING_REQUIRE(out.size() >= 2 && out.back() == '"');
    value.clear();
    for (std::size_t i = 1; i + 1 < out.size(); ++i) {
      if (out[i] == '"') XPU_ESCAPING_REQUIRE(out[++i] == '"');
      value += out[i];
    }
  } else {
    XPU_ESCAPING_REQUIRE(out.find_first_of(",\"\r\n") == std::string::npos);
  }
  if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) {
    double v = 0;  // only a number may start so
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    XPU_ESCAPING_REQUIRE(ec == std::errc{} && end == value.data() + value.size());
  }
}

inline bool plain_utf8(std::string_view s) {  // valid UTF-8 without control characters (C0, DEL, C1)
  if (!valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 && control(c)) return false;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9f) return false;  // U+0080-U+009F
  }
  return true;
}

inline void toml_string(std::string_view in) {
  const std::string doc = "x = " + xpu::toml_quoted(in) + "\n# " + xpu::toml_comment(in) + "\ny = 1\n";
  toml::table parsed;
  try {
    parsed = toml::parse(doc);
  } catch (const toml::parse_error&) {
    XPU_ESCAPING_REQUIRE(false);
  }
  XPU_ESCAPING_REQUIRE(parsed["y"].value<std::int64_t>() == 1);  // the comment did not end early
  if (plain_utf8(in)) XPU_ESCAPING_REQUIRE(parsed["x"].value<std::string>() == std::string(in));
}

// Every property above on one input.
inline void check_all(std::string_view in) {
  terminal_text(in);
  markdown_text(in);
  markdown_code(in);
  markdown_block(in);
  html_text(in);
  csv_cell(in);
  toml_string(in);
}

}  // namespace xpu::escaping

