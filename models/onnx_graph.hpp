#pragma once
// Inside the ONNX reader (models/onnx.cpp and onnx_fold.cpp only; built with libonnx): the graph's
// attributes and tensor shapes as plain values.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

namespace xpu::onnx_graph {

// A tensor type's dimensions; -1 for one shape inference could not fix (or a symbolic one).
inline std::vector<std::int64_t> dims_of(const onnx::TypeProto& t) {
  std::vector<std::int64_t> d;
  if (!t.has_tensor_type() || !t.tensor_type().has_shape()) return d;
  for (const auto& dim : t.tensor_type().shape().dim()) d.push_back(dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value() : -1);
  return d;
}

// Every dimension known (a rank-0 shape is not: it is what an unknown shape reads as).
inline bool known(const std::vector<std::int64_t>& d) { return !d.empty() && std::ranges::all_of(d, [](std::int64_t x) { return x > 0; }); }

inline const onnx::AttributeProto* attribute(const onnx::NodeProto& n, std::string_view name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
inline std::int64_t int_attribute(const onnx::NodeProto& n, std::string_view name, std::int64_t otherwise) {
  const auto* a = attribute(n, name);
  return a ? a->i() : otherwise;
}
inline std::vector<std::int64_t> ints_attribute(const onnx::NodeProto& n, std::string_view name, std::vector<std::int64_t> otherwise) {
  const auto* a = attribute(n, name);
  return a && a->ints_size() > 0 ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : otherwise;
}

}  // namespace xpu::onnx_graph
