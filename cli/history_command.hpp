#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

// `xpubench history add|list|show|export|check`: runs kept in SQLite, a benchmark's series, its steps.
struct history_command {
  std::string db;
  bool csv_raw = false;            // export: CSV cells without the formula defence                    // empty: default_history_path()
  std::vector<std::string> files;    // add
  std::string benchmark;             // show
  std::string since;                 // show, check
  std::string filter;                // check: benchmarks matching this regex
  std::string format = "text";       // export: json or csv
  std::string output = "-";          // export
  double alpha = 0.01;
  bool skip_existing = false;        // add
  CLI::App* add = nullptr;
  CLI::App* list = nullptr;
  CLI::App* show = nullptr;
  CLI::App* exporter = nullptr;
  CLI::App* check = nullptr;
  CLI::App* report = nullptr;
  std::string report_format;         // report: html, md or text (default: from -o's extension, else html)

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
