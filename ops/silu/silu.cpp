// silu: y = x / (1 + exp(-x)) for every element of a rows x cols matrix (core/problem.hpp:
// silu_shape), the activation of Llama-style gated FFNs; memory-bound, one element of work each.
// fp16 and bf16 are stored and written in their type, computed in fp32 (ops/rows.hpp).
#include "ops/rows.hpp"
#include "ops/silu/reference.hpp"

namespace xpu {
namespace {

using silu_workload = ops::row_workload<silu_shape>;

const workload& work() {
  static const silu_workload w(0, [](const silu_shape&, const host_buffers& in, std::span<const std::size_t> at) {
    return reference::silu(in.inputs[0], at);
  });
  return w;
}

// Small verification cases: whole vectors, a length of no whole vectors, one row.
std::vector<problem> cases() { return {{silu_shape{3, 1001}, precision::fp32}, {silu_shape{2, 64}, precision::fp32}, {silu_shape{1, 4099}, precision::fp32}}; }

}  // namespace

const operation& silu_operation() {
  static const operation op{kernel_kind::silu, "silu", ops::model_layer_precisions, false, 3, work,
                            silu_workload::parse, silu_workload::size_error, ops::only_float_storage, cases, measures::work, model_role::float_layer,
                            silu_workload::entry};
  return op;
}

}  // namespace xpu
