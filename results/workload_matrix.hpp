#pragma once
// Devices side by side, across one or more runs (hosts): per workload (a problem: kernel, shape,
// precision) each device's best verified result, which device runs it fastest and which most
// efficiently (ops per joule, where a sensor measured energy), and a ranking per kernel and
// precision over the shapes every ranked device measured.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "results/run.hpp"

namespace xpu {

struct matrix_column {
  std::size_t run = 0;           // index into the runs given
  std::string host, device, device_name;
  std::string label;             // "cpu0", or "host-a cpu0" when the runs come from several hosts
};

struct matrix_cell {
  const measurement* best = nullptr;  // the fastest ok, verified (or unverifiable) row; null when none
  std::string state;             // without a best row: the first row's status ("unsupported", "invalid", ...)
  std::string reason;            // and its reason
  std::size_t implementations = 0;    // ok rows of this workload on this device
};

struct workload_row {
  std::string problem, kernel, precision, ops_unit;
  std::vector<matrix_cell> cells;     // one per column
  std::optional<std::size_t> fastest, most_efficient;  // column indices
};

struct device_rank {
  std::size_t column = 0;
  double geomean_ops_per_s = 0;  // over the group's common shapes
};

struct workload_ranking {
  std::string kernel, precision, ops_unit;
  std::size_t shapes = 0;        // the shapes every ranked device measured
  std::vector<device_rank> ranks;  // fastest first
};

struct workload_matrix {
  std::vector<matrix_column> columns;
  std::vector<workload_row> rows;      // in the order first seen
  std::vector<workload_ranking> rankings;  // groups where two or more devices share a shape
};

// Peak rows join as workloads (they rank devices too); launch latency ranks by launches per second.
workload_matrix workload_matrix_of(std::span<const run> runs);

}  // namespace xpu
