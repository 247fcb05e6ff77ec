#pragma once
// IEEE 754 binary16 and bfloat16 conversions in portable code (round to nearest even), used to
// fill inputs and by references; backends use hardware conversion where they have it.
#include <bit>
#include <cstdint>

namespace xpu {

inline std::uint16_t bf16_from_float(float f) {
  std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

inline float bf16_to_float(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

std::uint16_t half_from_float(float f);
float half_to_float(std::uint16_t h);

}  // namespace xpu
