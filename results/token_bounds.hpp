#pragma once
// What a model's token (or an ONNX graph's inference) costs on each device, from a run of its suite (the run's [model] profile,
// core/model_profile.hpp): the measured kernel time of each phase's steps x their counts, as an
// upper bound on tokens/s (kernels only: RoPE, SiLU, residual adds, sampling and launch gaps are
// not in it), beside the memory bound of decoding (weight bytes / the device's measured read
// bandwidth) and the worst verification error of the kernels summed.
#include <optional>
#include <string>
#include <vector>

#include "results/run.hpp"

namespace xpu {

struct phase_bound {
  std::optional<double> seconds;          // kernel time of the phase (per token for decode, per prompt for prefill, per
                                          // inference); absent if a step is missing
  std::optional<double> per_s;            // decode: tokens/s = 1 / seconds; prefill: tokens / seconds; inference: 1 / seconds
  std::vector<std::string> missing;       // steps with no verified measurement, and why
};

struct token_bound {
  std::string device;
  std::string precision;                  // the matrices' precision ("fp16"), or quantized weights x activations ("q4_0 x int8")
  // decode: a quantized row's matrices from their streamed rows (qgemm copies: weights from memory,
  // as an engine reads them once per token) where the run has them; decode_cached: from the rows that
  // time one matrix again and again (its weights stay in the caches: a bound a model never reaches
  // once it is larger than the caches).
  phase_bound decode, prefill, inference, decode_cached;
  int matrix_steps = 0, streamed_steps = 0;      // decode's quantized matrix steps, and how many came from streamed rows
  std::optional<double> decode_working_set;      // the largest streamed row's weight bytes
  std::string not_streamed;                      // the first streamed row the device did not run, and why (its cached row stood in)
  std::vector<std::string> substituted;   // kernels measured in another precision (attention has no int8): "attention in fp16"
  double worst_rel_l2 = 0;                // the largest relative L2 error among the measurements used
  std::optional<double> decode_memory_bound;  // tokens/s = read bandwidth / decode_bytes
  std::optional<double> decode_bytes;     // the matrices' bytes in this row's type (one decoded token reads each once)
  std::optional<double> read_bytes_per_s; // the device's fastest verified bandwidth read row
  std::string read_problem;               // that row's problem
  std::string memory_basis;               // why there is no memory bound (empty when there is one)
};

// One entry per device and way the run measured some of the model's matrices (a dense GEMM precision,
// or qgemm's quantized weights with fp32 or int8 activations); empty without a model profile.
std::vector<token_bound> token_bounds(const run& r);

// What b's decode figure is made of: "streamed matrices (...)", "cache-resident rows (...)".
std::string decode_made_of(const token_bound& b);

}  // namespace xpu
