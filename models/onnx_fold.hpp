#pragma once
// ONNX shape arithmetic folded where libonnx 1.12's data propagation stops (models/onnx.cpp only).
// Exporters compute Reshape targets from the graph's own shapes: PaddleOCR's recognizer writes
// Shape -> Cast -> Slice -> Cast -> Concat, and libonnx leaves every Reshape behind such a chain,
// and every MatMul after it, without a shape, though all input dimensions are fixed. This folds
// the small integer tensors such chains carry (Shape, Cast, Slice, Gather, Concat, Squeeze and
// Unsqueeze of one element, Add/Sub/Mul/Div, Constant, initializers) and gives each Reshape whose
// target it then knows its output shape in the graph's value_info, for the next inference round.
#include <cstddef>

#include <onnx/onnx_pb.h>

namespace xpu {

// Reshape outputs given a shape this round (0: nothing more to fold).
std::size_t fold_reshape_targets(onnx::ModelProto& model);

}  // namespace xpu
