#pragma once
// Collectives between the ranks of an MPI job (`mpirun -np N xpubench collective`), measured the
// way nccl-tests measures them: per message size, the time of one operation (the slowest rank's,
// over a timed loop, median of repetitions), the algorithm bandwidth (bytes / time) and the bus
// bandwidth (what each link carries: x 2(n-1)/n for all-reduce, x (n-1)/n for all-gather and
// reduce-scatter, x 1 for broadcast and point-to-point). Every rank checks its result exactly
// (seeded non-zero small integers, whose sums every payload type holds exactly) and the row is
// valid only when all ranks agree. Host buffers (the MPI library's device-aware paths are not used).
#include <cstdint>
#include <string>
#include <vector>

#include "cli/fleet.hpp"
#include "core/problem.hpp"
#include "results/run.hpp"

namespace xpu {

inline constexpr const char* collective_ops[] = {"all_reduce", "all_gather", "reduce_scatter", "broadcast", "send_recv"};

struct collective_options {
  std::vector<std::string> ops;
  std::vector<std::uint64_t> bytes;
  std::vector<precision> precisions;  // fp32, fp16, int8
  int repetitions = 5;
  double min_time_s = 0.05;           // per repetition
  std::uint64_t seed = 42;
};

// Every rank calls it with the same options (the operations run in lockstep); rank 0 gets the rows.
std::vector<measurement> collectives_measure(const fleet_member& f, const collective_options& o);

}  // namespace xpu
