#pragma once
// A device's roofline from one run: the ceilings the run measured on that device (the peak
// micro-benchmark per precision, the read bandwidth per working set) beside the probe's
// theoretical estimates (always labelled estimates), and every kernel that ran as a point at its
// arithmetic intensity (ops per minimum byte moved) and its measured throughput.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "results/run.hpp"

namespace xpu {

struct roof_ceiling {
  std::string label;        // "fp32 peak", "read 256 MiB"
  bool memory = false;      // a bandwidth (bytes/s) rather than a compute rate (ops/s)
  bool measured = true;     // false: the probe's theoretical estimate
  double value = 0;         // ops/s, or bytes/s for memory
  std::string precision;    // compute ceilings
  std::string basis;        // the measured row's name, or the estimate's basis
};

struct roof_point {
  std::string name, kernel, precision, problem, implementation, ops_unit;
  double intensity = 0;     // ops per byte: the row's ops / its minimum bytes
  double ops_per_s = 0;
  double median_s = 0;
  std::optional<double> percent_of_peak;
  xpu::verification verification;
};

struct roofline {
  std::string device, device_name;
  std::vector<roof_ceiling> ceilings;   // measured first, then estimates
  std::vector<roof_point> points;
  std::size_t left_out = 0;             // ok rows that are not points: element, byte or launch rates
  std::string missing;                  // why there is no measured ceiling of a kind, empty when both are there
};

// One roofline per device that has a point or a ceiling, in the run's device order. Points are
// the usable rows (usable_result) counted in FLOP or OP with positive op and byte counts (not the
// peak rows: they are the ceilings).
std::vector<roofline> rooflines(const run& r);

// The working set of a device-memory read row ("bandwidth/read/b268435456": the roofline's memory
// ceilings, the decode memory bound), nullopt for any other row.
std::optional<std::int64_t> read_working_set(const measurement& m);

}  // namespace xpu
