#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

// `xpubench report RUN.json... [--format html|md|text] [-o FILE|-] [--base BASE.json]`: one
// document over the runs (several hosts side by side); exit 2 on a file that is not a run.
struct report_command {
  std::vector<std::string> files;
  std::string format;   // empty: from -o's extension (.md, .txt), else html
  std::string output = "-";
  std::string base;
  std::string metric = "time";

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
