#include "core/buffers.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

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

namespace {
template <class T, class Widen>
void widen_as(const std::byte* base, std::size_t stride, std::size_t count, double* out, Widen w) {
  for (std::size_t e = 0; e < count; ++e) {
    T v;
    std::memcpy(&v, base + e * stride * sizeof(T), sizeof(T));
    out[e] = w(v);
  }
}
}  // namespace

void host_buffer::widen(std::size_t first, std::size_t stride, std::size_t count, double* out) const {
  if (count == 0) return;
  XPU_ASSERT(first + (count - 1) * stride < this->count());
  const std::byte* p = bytes.data() + first * size_of(type);
  const auto same = [](auto v) { return static_cast<double>(v); };
  switch (type) {
    case element_type::f32: return widen_as<float>(p, stride, count, out, same);
    case element_type::f16: return widen_as<std::uint16_t>(p, stride, count, out, [](std::uint16_t v) { return double{half_to_float(v)}; });
    case element_type::bf16: return widen_as<std::uint16_t>(p, stride, count, out, [](std::uint16_t v) { return double{bf16_to_float(v)}; });
    case element_type::u8: return widen_as<std::uint8_t>(p, stride, count, out, same);
    case element_type::s8: return widen_as<std::int8_t>(p, stride, count, out, same);
    case element_type::s32: return widen_as<std::int32_t>(p, stride, count, out, same);
    case element_type::f64: return widen_as<double>(p, stride, count, out, same);
  }
}

namespace {
template <class T>
T saturated(double v) {
  if (std::isnan(v)) return 0;
  return static_cast<T>(std::clamp(v, static_cast<double>(std::numeric_limits<T>::min()), static_cast<double>(std::numeric_limits<T>::max())));
}
}  // namespace

void host_buffer::set(std::size_t i, double v) {
  std::byte* p = bytes.data() + i * size_of(type);
  const auto put = [p](const auto value) { std::memcpy(p, &value, sizeof value); };
  switch (type) {
    case element_type::f32: put(static_cast<float>(v)); break;
    case element_type::f16: put(half_from_float(static_cast<float>(v))); break;
    case element_type::bf16: put(bf16_from_float(static_cast<float>(v))); break;
    case element_type::u8: put(saturated<std::uint8_t>(v)); break;
    case element_type::s8: put(saturated<std::int8_t>(v)); break;
    case element_type::s32: put(saturated<std::int32_t>(v)); break;
    case element_type::f64: put(v); break;
  }
}

}  // namespace xpu
