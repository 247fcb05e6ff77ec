#pragma once
// Host-side tensors: the inputs a workload fills and a backend uploads, and the outputs a backend
// reads back for verification. Element types are explicit; bytes are owned by std::vector.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace xpu {

enum class element_type { f32, f16, bf16, u8, s8, s32, f64 };
std::size_t size_of(element_type t);
std::string_view to_string(element_type t);

struct host_buffer {
  element_type type = element_type::f32;
  std::vector<std::byte> bytes;

  host_buffer() = default;
  host_buffer(element_type t, std::size_t count) : type(t), bytes(count * size_of(t)) {}
  std::size_t count() const { return bytes.size() / size_of(type); }

  template <class T>
  std::span<T> as() {
    XPU_ASSERT(sizeof(T) == size_of(type));
    return {reinterpret_cast<T*>(bytes.data()), count()};
  }
  template <class T>
  std::span<const T> as() const {
    XPU_ASSERT(sizeof(T) == size_of(type));
    return {reinterpret_cast<const T*>(bytes.data()), count()};
  }
  // Element i widened to double, whatever the type (for references and verification).
  double at(std::size_t i) const;
  // Elements first, first + stride, ... (count of them) widened to double into out: at() over a
  // run of elements with the type resolved once (the references' inner loops).
  void widen(std::size_t first, std::size_t stride, std::size_t count, double* out) const;
  // Element i set to v, rounded to the type (floats to nearest, integers truncated and saturated).
  void set(std::size_t i, double v);
};

struct host_buffers {
  std::vector<host_buffer> inputs;
  std::vector<host_buffer> outputs;
};

}  // namespace xpu
