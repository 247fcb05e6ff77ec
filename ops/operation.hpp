#pragma once
// One descriptor per operation: everything the layers above need to know about an operation,
// declared once in ops/<name>/<name>.cpp and listed by one line in ops/operation.cpp. The suite
// parser reads its TOML section through it, the runner its workload, order and peak, the CLI its
// lists, and every backend's supports() its shared rules (backends only add what is theirs).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/problem.hpp"
#include "ops/workload.hpp"

namespace xpu {

struct section_context;  // ops/suite_reader.hpp: one [[name]] table of a suite file and where it goes

// What an operation's rows measure: the work of a kernel (compared across devices, checked for
// accuracy, placed on the roofline), or a property of the device (its ceilings and latency).
enum class measures { work, peak, bandwidth, latency };

// What an operation is in a model's token bound (results/token_bounds.cpp).
enum class model_role {
  none,
  matrix,            // the weights' products (gemm, conv2d): each dense precision is a row of the table
  block_matrix,      // the same products with the weights in quantized blocks (qgemm): a row per block format
  float_layer,       // kept in float storage (attention, RMSNorm, softmax, SiLU): fp16, then fp32 where a row's precision has none
  memory,            // the read bandwidth the decode memory bound divides by
};

struct operation {
  kernel_kind kind;
  std::string_view name;                  // the TOML section, the --kernel value, the benchmarks' second name part
  std::span<const precision> precisions;  // every precision some backend may run it in
  // % of peak: compared with the device's compute peak of the precision it computes in (GEMM,
  // conv2d and the peak chains); memory-bound operations are not.
  bool compute_bound;
  int order;                              // within a device's plan: lower first (peaks before what is compared with them)
  const workload& (*work)();              // counts, input fill, reference, tolerance
  result<void> (*parse)(const section_context& section);  // one [[name]] table -> problems
  // Size rules of this operation (checked before the generic ones of problem_size_error).
  std::optional<std::string> (*size_error)(const problem& p);
  // Why no backend runs p (a precision the operation does not have); nullopt: ask the backend.
  std::optional<std::string> (*unsupported)(const problem& p);
  // Small problems that reach each kernel path of every backend (odd sizes, edges, variants), in
  // fp32: tests/kernels/operation_test.cpp runs each in every precision on every backend present
  // and verifies it against the reference.
  std::vector<problem> (*cases)();
  measures what = measures::work;
  model_role role = model_role::none;
  // The writer beside the parser: p as one entry of its section's `shapes` list ("{ m = 1, n = 64,
  // k = 32, trans_b = true }"), which `parse` reads back as p; null where the section is not a list
  // of shapes (bandwidth, reduction, peak, latency).
  std::string (*entry)(const problem& p) = nullptr;
  // The section's other keys p needs beside `precisions` and `shapes` (qgemm: its block format).
  std::string (*keys)(const problem& p) = nullptr;
};

// The [[name]] section of a suite file for these problems, written through op.entry: the precisions,
// op.keys (one section per distinct value: qgemm's block formats), and each problem's entry with
// its comment ("" for none; written after `#`, the caller's text made safe for a TOML comment). An
// operation without an entry writer gives a comment line saying so.
std::string operation_section(const operation& op, std::span<const precision> precisions,
                              const std::vector<std::pair<problem, std::string>>& entries);

// The traits of a run's `kernel` name; a name no operation has (a newer run file) measures work
// and has no role.
measures operation_measures(std::string_view kernel);
model_role operation_role(std::string_view kernel);

// Every operation, in the registry's order (ops/operation.cpp).
std::span<const operation* const> operations();
const operation& operation_for(kernel_kind kind);
const operation* operation_find(std::string_view name);

// Every precision some operation has, in all_precisions order (the CLI's --precision list).
std::vector<precision> operation_precisions();
// "gemm, conv2d, ..." and "[[gemm]], [[conv2d]], ..." for help and error messages.
std::string operation_names(std::string_view separator = ", ", std::string_view before = "", std::string_view after = "");

}  // namespace xpu
