#pragma once
// A workload is an operation's meaning, independent of any backend: how much work a problem is,
// the least bytes it must move, how its inputs are filled (seeded, non-zero), its reference and
// its tolerance. Each operation's workload lives in ops/<name>/<name>.cpp beside its descriptor.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu {

struct tolerance {
  bool exact = false;     // integer results must match exactly
  double rel_l2 = 0;      // bound on ||y - ref||_2 / ||ref||_2
  std::string basis;      // how the bound was derived (docs/methodology.md)
};

// What one check of a kernel's output against the reference measured: the one struct a workload
// returns and a run's row keeps (results/run.hpp: measurement::verification; schema "verification").
struct verification {
  bool checked = false;         // false: nothing to verify (an empty task; the reason is in message)
  bool passed = false;
  double rel_l2_error = 0;
  double max_abs_error = 0;
  double max_rel_error = 0;    // largest |got - ref| / |ref| over elements with |ref| >= max|ref| / 1000
  std::uint64_t elements_checked = 0;
  std::uint64_t elements_total = 0;
  bool exact = false;           // the tolerance: exact equality, ...
  double tolerance = 0;         // ... else this bound on the relative L2 error
  std::string tolerance_basis;  // how the bound was derived (docs/methodology.md)
  std::string message;          // why it failed, or "n/a" with the reason

  void tolerate(const xpu::tolerance& t) {
    exact = t.exact;
    tolerance = t.rel_l2;
    tolerance_basis = t.basis;
  }
};

class workload {
 public:
  virtual ~workload() = default;
  virtual double ops(const problem& p) const = 0;        // 2*M*N*K for GEMM
  virtual double min_bytes(const problem& p) const = 0;  // each input read once, each output written once (per product: qgemm's copies)
  virtual std::string_view ops_unit(const problem& p) const = 0;  // "FLOP", "OP" (integer), "B" (bandwidth), "launch"
  // Inputs filled from seed (never zero); outputs allocated and filled with a sentinel.
  virtual host_buffers make_buffers(const problem& p, std::uint64_t seed) const = 0;
  // `accumulation`: the precision the implementation sums products in (prepared::accumulation()),
  // which sets the tolerance of float results; integer results are exact whatever it says.
  virtual verification verify(const problem& p, const host_buffers& buffers, std::uint64_t seed, precision accumulation) const = 0;
  verification verify(const problem& p, const host_buffers& buffers, std::uint64_t seed) const {
    return verify(p, buffers, seed, precision::fp32);
  }
};

// The workload of an operation (operation_for(kind).work()).
const workload& workload_for(kernel_kind kind);

// Element types of a problem's inputs and output, by precision (the buffer conventions of
// ops/<name>/reference.hpp).
element_type input_type(precision p, int which = 0);
// Products and sums (GEMM, conv2d, reductions) write what they accumulate in: int32, fp64 or fp32.
element_type accumulated_output_type(precision p);
// The model-layer operations (softmax, RMSNorm, attention, SiLU) write their storage type, as a
// model's layers do: fp16 and bf16 as themselves, else as accumulated_output_type.
element_type stored_output_type(precision p);

// Sizes no device holds: the largest tensor may have at most this many elements (2^46: 512 TiB of
// fp64), so every byte count and the runner's 3x memory estimate stay far inside 64 bits.
inline constexpr std::int64_t max_tensor_elements = std::int64_t{1} << 46;

// Why a problem cannot be run at any size on any device (the operation's own rules: a filter that
// does not fit its input, a bandwidth working set that holds no element, ...; then a size product
// that overflows or a tensor beyond max_tensor_elements), or nullopt. Checked where problems are
// read (suite files) and again by the runner.
std::optional<std::string> problem_size_error(const problem& p);

// Output elements verified: all when the reference is cheap, else a seeded sample of this many.
inline constexpr std::size_t verify_sample = 2048;

}  // namespace xpu
