#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

// `xpubench ab --base OLD --head NEW`: an interleaved A/B gate. Runs the two builds in
// alternating processes (ABBA order: AB, BA, AB, ...; `rounds` processes of each), each process
// running the selected suite into its own run file, then compares the runs round by round (each
// process's median is one sample; a round's two processes are a pair, so drift common to the
// round cancels). Exit codes as `compare`.
struct ab_command {
  std::string base, head;          // the xpubench executables
  int rounds = 8;
  bool unpaired = false;
  std::string suite = "ci";
  std::vector<std::string> devices;
  std::string filter;
  int repetitions = 0;
  int threads = 0;
  double min_time = 0;
  std::string keep;                // directory for the per-process runs and logs
  std::string json;                // the comparison, JSON
  std::vector<std::string> inject_head;  // test-only: --inject-slowdown for the head processes
  double threshold_percent = 5;
  double alpha = 0.05;
  std::string format = "text";
  std::string output;
  bool allow_missing = false;
  double timeout_s = 3600;         // per process: past it the process is stopped and its round lost

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
