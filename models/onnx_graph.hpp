#pragma once
// Inside the ONNX reader (models/onnx.cpp and onnx_fold.cpp only; built with libonnx): the graph's
// attributes and tensor shapes as plain values.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
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

// Shape vectors; a tensor of more integers is data, not shape arithmetic.
inline constexpr std::size_t max_elements = 64;

// The integers of a small (rank 0 or 1, at most max_elements) int64 or int32 tensor (an initializer,
// a Constant's value): shape arithmetic (onnx_fold.cpp) and a Loop's trip count (onnx.cpp).
inline std::optional<std::vector<std::int64_t>> tensor_values(const onnx::TensorProto& t) {
  if (t.dims_size() > 1) return std::nullopt;
  std::vector<std::int64_t> v;
  if (t.data_type() == onnx::TensorProto::INT64) {
    if (t.has_raw_data()) {
      if (t.raw_data().size() % 8 != 0 || t.raw_data().size() / 8 > max_elements) return std::nullopt;
      v.resize(t.raw_data().size() / 8);
      if (!v.empty()) std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());  // little-endian, as ONNX stores it and as we run
    } else {
      v.assign(t.int64_data().begin(), t.int64_data().end());
    }
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    if (t.has_raw_data()) {
      if (t.raw_data().size() % 4 != 0 || t.raw_data().size() / 4 > max_elements) return std::nullopt;
      std::vector<std::int32_t> w(t.raw_data().size() / 4);
      if (!w.empty()) std::memcpy(w.data(), t.raw_data().data(), t.raw_data().size());
      v.assign(w.begin(), w.end());
    } else {
      v.assign(t.int32_data().begin(), t.int32_data().end());
    }
  } else {
    return std::nullopt;
  }
  if (v.size() > max_elements) return std::nullopt;
  return v;
}

}  // namespace xpu::onnx_graph
