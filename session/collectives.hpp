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

#include "core/problem.hpp"
#include "results/run.hpp"
#include "session/fleet.hpp"

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

struct collective_outcome {
  std::vector<measurement> rows;  // rank 0's: every row measured (also when the job stopped early)
  std::string stopped;            // why the job stopped before the end (every rank has it), "" if it did not
};

// Every rank calls it (the operations run in lockstep). First the ranks agree on the plan: a rank
// started with other options (operations, sizes, types, repetitions, time, seed) stops every rank
// before the first operation, instead of ranks waiting forever in different collectives. Before
// each size every rank allocates its buffers; one that cannot stops the job on every rank with
// the rank and the bytes named (rows measured until then are kept).
collective_outcome collectives_measure(const fleet_member& f, const collective_options& o);

}  // namespace xpu
