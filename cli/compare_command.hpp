#pragma once
#include <CLI/CLI.hpp>

#include <string>

namespace xpu {

// `xpubench compare BASE.json HEAD.json`: exit 0 no regression, 1 regression (or an invalid
// result in HEAD), 2 bad input.
struct compare_command {
  std::string base, head;
  double threshold_percent = 5;
  double alpha = 0.05;
  double noisy_cv = 0.05;
  std::string metric = "time";
  std::string format = "text";
  std::string output;
  bool allow_different_machine = false;

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
