#pragma once
// How reports look on a terminal: the one colour helper every reporter uses, and the options a
// report takes. Colour only on a terminal and never with NO_COLOR (cli/output.cpp decides).
#include <string>

namespace xpu {

struct report_style {
  bool color = false;    // ANSI colours
  bool verbose = false;  // full extension lists
};

struct painter {
  bool on = false;
  std::string bold(const std::string& s) const { return paint("1", s); }
  std::string dim(const std::string& s) const { return paint("2", s); }
  std::string good(const std::string& s) const { return paint("32", s); }  // green
  std::string bad(const std::string& s) const { return paint("33", s); }   // yellow: missing, unavailable, a warning
  std::string red(const std::string& s) const { return paint("31", s); }   // a regression

 private:
  std::string paint(const char* sgr, const std::string& s) const { return on ? "\033[" + std::string(sgr) + "m" + s + "\033[0m" : s; }
};

}  // namespace xpu
