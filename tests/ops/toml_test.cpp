// toml++ as core/toml.hpp includes it: its whitespace lookups answer for every code point without
// reaching TOML_UNREACHABLE (undefined behaviour in toml++ <= 3.4; the sanitizer build aborts on it),
// and suite files with non-ASCII text where the parser asks about whitespace parse or are refused.
#include <gtest/gtest.h>

#include <string>

#include "core/toml.hpp"

namespace xpu {
namespace {

// toml++'s own list of non-ASCII horizontal whitespace (it names them in its errors: TOML allows
// only space and tab).
bool listed_whitespace(char32_t c) {
  return c == 0xA0 || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F ||
         c == 0x2060 || c == 0x3000 || c == 0xFEFF;
}

TEST(toml, horizontal_whitespace_is_answered_for_every_code_point) {
  int wrong = 0;
  for (char32_t c = 0x80; c <= 0x10FFFF; ++c)
    if (toml::impl::is_non_ascii_horizontal_whitespace(c) != listed_whitespace(c) && ++wrong <= 5)
      ADD_FAILURE() << "U+" << std::hex << static_cast<unsigned>(c);
  EXPECT_EQ(wrong, 0);
}

TEST(toml, non_ascii_text_where_whitespace_may_stand_is_parsed_or_refused) {
  // upstream's reproduction (marzer/tomlplusplus #190): U+00A7 after a line-ending backslash
  auto doc = toml::parse("s = \"\"\"\\\n\xc2\xa7\"\"\"\n", std::string("line_ending.toml"));
  EXPECT_EQ(doc["s"].value_or(std::string()), "\xc2\xa7");
  for (const char* text : {"a = 1 \xc3\xa9\n", "a = 1\xc2\xa1\n", "\xc3\xa9 = 1\n", "a = 1\n\xe2\xbf\xb0\n", "a = [1,\xef\xac\x90]\n"}) {
    try {
      (void)toml::parse(text, std::string("bad.toml"));
      ADD_FAILURE() << text << " was accepted";
    } catch (const toml::parse_error&) {
    }
  }
  // real non-ASCII whitespace is still refused with toml++'s own message
  EXPECT_THROW((void)toml::parse("a = 1\xe3\x80\x80\n", std::string("ideographic_space.toml")), toml::parse_error);
}

}  // namespace
}  // namespace xpu
