// layernorm: each row of a rows x cols matrix centred on its mean, scaled by 1 / sqrt(its variance +
// eps), multiplied by a weight and shifted by a bias per column (core/problem.hpp: layernorm_shape),
// the normalisation of GPT-2-style models (and BERT, Whisper, ViT); memory-bound. Buffers: inputs X
// (rows x cols), G and B (cols), output Y (rows x cols, X's type); ops/rows.hpp.
#include "ops/layernorm/reference.hpp"
#include "ops/rows.hpp"

namespace xpu {
namespace {

using layernorm_workload = ops::row_workload<layernorm_shape>;

const workload& work() {
  static const layernorm_workload w(2, [](const layernorm_shape& s, const host_buffers& in, std::span<const std::size_t> at) {
    return reference::layernorm(s, in.inputs[0], in.inputs[1], in.inputs[2], at);
  });
  return w;
}

// Small verification cases: a row longer than a work-group, a short one, one of no whole vectors.
std::vector<problem> cases() {
  return {{layernorm_shape{3, 1001}, precision::fp32}, {layernorm_shape{2, 64}, precision::fp32}, {layernorm_shape{3, 257}, precision::fp32}};
}

}  // namespace

const operation& layernorm_operation() {
  static const operation op{kernel_kind::layernorm, "layernorm", ops::model_layer_precisions, false, 3, work,
                            layernorm_workload::parse, layernorm_workload::size_error, ops::only_float_storage, cases, measures::work,
                            model_role::float_layer, layernorm_workload::entry};
  return op;
}

}  // namespace xpu
