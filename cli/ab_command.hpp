#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

// `xpubench ab --base OLD --head NEW`: an interleaved A/B gate. Runs the two builds in
// alternating processes (ABBA order: AB, BA, AB, ...; `rounds` processes of each), each process
// running the selected suite into its own run file, then compares the runs round by round (each
// process's median is one sample; a round's two processes are a pair, so drift common to the
// round cancels). It looks at the rounds after 6, 8, ... of them and stops once every row's verdict
// is settled (results/sequential.hpp: each look's interval is widened so that all the looks
// together keep the confidence asked for). A round that other processes disturbed (the contention
// sentinel, against the cores the round left free) is run again, within a budget; while something
// else runs, a round's processes use the cores that are free. Exit codes as `compare`.
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
  bool every_round = false;        // no early stop: run all `rounds` (the fixed design)
  int inject_disturbed = 0;        // test-only: the first N whole rounds count as disturbed
  int busy_retries = -1;           // rounds that other processes disturbed, re-run at most this often (-1: `rounds`)

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
