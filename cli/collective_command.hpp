#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

// `mpirun -np N xpubench collective [--op ...] [--bytes ...] [--precision ...] [--json FILE]`:
// all-reduce, all-gather, reduce-scatter, broadcast and point-to-point between the job's ranks,
// per message size, verified on every rank (session/collectives.hpp); rank 0 prints and writes.
struct collective_command {
  std::vector<std::string> ops, bytes, precisions;
  int repetitions = 5;
  double min_time = 0.05;
  std::uint64_t seed = 42;
  std::string json;
  bool quiet = false;
  std::string command_line;

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
