// rmsnorm: each row of a rows x cols matrix scaled by 1 / sqrt(mean(x^2) + eps) and multiplied by
// a weight per column (core/problem.hpp: rmsnorm_shape), the normalisation of Llama-style models;
// memory-bound. Buffers: inputs X (rows x cols) and G (cols), output Y (rows x cols, X's type);
// ops/rows.hpp.
#include "ops/rmsnorm/reference.hpp"
#include "ops/rows.hpp"

namespace xpu {
namespace {

using rmsnorm_workload = ops::row_workload<rmsnorm_shape>;

const workload& work() {
  static const rmsnorm_workload w(1, [](const rmsnorm_shape& s, const host_buffers& in, std::span<const std::size_t> at) {
    return reference::rmsnorm(s, in.inputs[0], in.inputs[1], at);
  });
  return w;
}

// Small verification cases: a row longer than a work-group, a short one, one of no whole vectors.
std::vector<problem> cases() { return {{rmsnorm_shape{3, 1001}, precision::fp32}, {rmsnorm_shape{2, 64}, precision::fp32}, {rmsnorm_shape{3, 257}, precision::fp32}}; }

}  // namespace

const operation& rmsnorm_operation() {
  static const operation op{kernel_kind::rmsnorm, "rmsnorm", ops::model_layer_precisions, false, 3, work,
                            rmsnorm_workload::parse, rmsnorm_workload::size_error, ops::only_float_storage, cases, measures::work, model_role::float_layer,
                            rmsnorm_workload::entry};
  return op;
}

}  // namespace xpu
