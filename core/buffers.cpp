#include "core/buffers.hpp"

#include <cstring>

#include "core/half.hpp"

namespace xpu {

std::size_t size_of(element_type t) {
  switch (t) {
    case element_type::f32: return 4;
    case element_type::f16: return 2;
    case element_type::bf16: return 2;
    case element_type::u8: return 1;
    case element_type::s8: return 1;
    case element_type::s32: return 4;
    case element_type::f64: return 8;
  }
  return 1;
}

std::string_view to_string(element_type t) {
  switch (t) {
    case element_type::f32: return "f32";
    case element_type::f16: return "f16";
    case element_type::bf16: return "bf16";
    case element_type::u8: return "u8";
    case element_type::s8: return "s8";
    case element_type::s32: return "s32";
    case element_type::f64: return "f64";
  }
  return "?";
}

double host_buffer::at(std::size_t i) const {
  const std::byte* p = bytes.data() + i * size_of(type);
  switch (type) {
    case element_type::f32: { float v; std::memcpy(&v, p, 4); return v; }
    case element_type::f16: { std::uint16_t v; std::memcpy(&v, p, 2); return half_to_float(v); }
    case element_type::bf16: { std::uint16_t v; std::memcpy(&v, p, 2); return bf16_to_float(v); }
    case element_type::u8: return static_cast<double>(std::to_integer<std::uint8_t>(*p));
    case element_type::s8: return static_cast<double>(static_cast<std::int8_t>(std::to_integer<std::uint8_t>(*p)));
    case element_type::s32: { std::int32_t v; std::memcpy(&v, p, 4); return v; }
    case element_type::f64: { double v; std::memcpy(&v, p, 8); return v; }
  }
  return 0;
}

}  // namespace xpu
