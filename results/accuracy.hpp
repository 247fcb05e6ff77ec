#pragma once
// Accuracy beside speed: per device, kernel and precision (qgemm, moe: weight format x activations),
// the worst error against the float64 (or exact integer) reference over the run's verified rows,
// next to the best verified throughput, so what a precision costs in accuracy reads in one table.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "results/run.hpp"

namespace xpu {

struct accuracy_row {
  std::string device, kernel;
  std::string precision;                 // "fp16"; qgemm, moe: "q4_0 x int8"
  std::size_t verified = 0, failed = 0;  // rows checked against the reference: passed, failed
  bool exact = true;                     // every checked row compared for equality (integer kernels)
  double worst_nmse = 0;                 // the largest normalised MSE (relative L2 error squared), as test-backend-ops reports it
  double worst_max_rel = 0;              // the largest element-wise relative error (verification::max_rel_error)
  std::optional<double> best_ops_per_s;  // the fastest verified row's throughput
  std::string ops_unit;
  std::optional<double> storage_nmse;    // what storing N(0,1) data in the precision (qgemm, moe: the weights' format) costs
};

// The normalised MSE of rounding 65536 seeded N(0,1) values to a storage type: fp16, bf16, int8
// (one symmetric scale, amax / 127), and GGUF's q8_0 / q4_0 blocks as ggml quantizes them; 0 for
// fp32 and wider, nullopt for a type it does not know. The kernels' errors are measured on inputs
// already in their precision: this is the part of a precision's cost that they leave out.
std::optional<double> storage_nmse(std::string_view type);

// Rows of the kernels that compute (peak, bandwidth and latency have no accuracy to weigh), in the
// run's order of devices and kernels, precisions in the order first measured.
std::vector<accuracy_row> accuracy_table(const run& r);

}  // namespace xpu
