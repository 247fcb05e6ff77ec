#pragma once
// Checked size arithmetic: every product of shape dimensions goes through these, so a size read
// from a file can never wrap into a small allocation (issue 12).
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace xpu {

// a * b, or nullopt when it does not fit an int64 or a factor is negative.
constexpr std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

constexpr std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// The product of every factor, or nullopt on overflow or a negative factor.
constexpr std::optional<std::int64_t> checked_product(std::initializer_list<std::int64_t> factors) {
  std::int64_t r = 1;
  for (std::int64_t f : factors) {
    auto next = checked_mul(r, f);
    if (!next) return std::nullopt;
    r = *next;
  }
  return r;
}

}  // namespace xpu
