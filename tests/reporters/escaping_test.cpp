// The escaping property test (issue 28): random bytes, and the hostile names of the issue, through
// every output kind's writer never give an element, an escape sequence, a formula cell or a TOML
// file that does not parse. The properties are fuzz_escaping's (fuzz/escaping_properties.hpp);
// a violation aborts this test naming the property.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "fuzz/escaping_properties.hpp"

namespace xpu {
namespace {

TEST(escaping, hostile_names_keep_every_property) {
  const std::string hostile[] = {
      "\x1b]0;pwned\x07",         "\x1b[2J\x1b[8mhidden",           "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
      "![x](http://e.example/)",  "[click](javascript:alert(1))",   "~~~~\n# heading\n~~~~",     "a`b``c```",
      "| cell | split |",          "=cmd|' /C calc'!A0",             "+1+1",                      "-2+3",
      "@SUM(A1:A9)",               "\tTAB",                          "\rCR",                      "-5",
      "12. numbered",              "- item",                         "caf\xc3\xa9 \xf0\x9f\x98\x80", "a\x7f" "b\xc2\x85" "c\xff\xfe",
      std::string("nul\0in", 6), "quote \" back \\ \n[model]\nx = 1", "\t- indented", "   1. indented", "\x01+ x", "---", "===",
      "- - -",                     "++"};
  for (const auto& name : hostile) escaping::check_all(name);
}

TEST(escaping, random_bytes_keep_every_property) {
  std::mt19937_64 random(28);
  std::uniform_int_distribution<int> length(0, 48), byte(0, 255), pick(0, 15);
  const std::string syntax = "\x1b[]<>`|~#!&*_-+=@\"'\\\n\r\t;0123456789m";
  for (int n = 0; n < 20000; ++n) {
    std::string s(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : s)  // half syntax characters, half any byte
      c = pick(random) < 8 ? syntax[static_cast<std::size_t>(byte(random)) % syntax.size()] : static_cast<char>(byte(random));
    escaping::check_all(s);
  }
}

}  // namespace
}  // namespace xpu
