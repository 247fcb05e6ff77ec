#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

struct comparison;
struct compare_options;
// Writes the comparison as text, md or json to `output` (standard output when empty); false
// (with the message printed) when the file cannot be written.
bool compare_emit(const comparison& c, const compare_options& o, const std::string& format, const std::string& output);

// `xpubench compare BASE.json HEAD.json` or `xpubench compare BASE... -- HEAD...`: exit 0 no
// regression, 1 regression (a row slower, invalid or lost, or an unfinished head run), 2 bad input.
struct compare_command {
  std::vector<std::string> files;  // BASE HEAD, or the base runs when --head is given
  std::vector<std::string> head;   // the head runs (`--` before them is rewritten to --head)
  double threshold_percent = 5;
  double alpha = 0.05;
  std::string metric = "time";
  std::string format = "text";
  std::string output;
  bool allow_different_machine = false;
  bool allow_missing = false;
  bool paired = false;
  std::string history;             // a history file: each benchmark's threshold from its own spread

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
