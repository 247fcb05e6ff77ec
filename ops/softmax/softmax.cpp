// softmax: row-wise over a rows x cols matrix (core/problem.hpp: softmax_shape), the memory-bound
// companion of attention; fp16 is stored and written in half, computed in fp32 (ops/rows.hpp).
#include "ops/rows.hpp"
#include "ops/softmax/reference.hpp"

namespace xpu {
namespace {

using softmax_workload = ops::row_workload<softmax_shape>;

const workload& work() {
  static const softmax_workload w(0, [](const softmax_shape& s, const host_buffers& in, std::span<const std::size_t> at) {
    return reference::softmax(s, in.inputs[0], at);
  });
  return w;
}

// Small verification cases: a row longer than a work-group, a short one, one of no whole vectors.
std::vector<problem> cases() { return {{softmax_shape{3, 1001}, precision::fp32}, {softmax_shape{2, 64}, precision::fp32}, {softmax_shape{5, 300}, precision::fp32}}; }

}  // namespace

const operation& softmax_operation() {
  static const operation op{kernel_kind::softmax, "softmax", ops::model_layer_precisions, false, 3, work,
                            softmax_workload::parse, softmax_workload::size_error, ops::only_float_storage, cases, measures::work, model_role::float_layer,
                            softmax_workload::entry};
  return op;
}

}  // namespace xpu
