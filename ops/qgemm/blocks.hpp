#pragma once
// GGUF's quantized blocks (ggml's block_q8_0 and block_q4_0): 32 weights share an fp16 scale d.
//   Q8_0: d (2 bytes, little-endian fp16), then 32 int8 q: w = d x q                     (34 bytes)
//   Q4_0: d, then 16 bytes of nibbles: byte j holds weight j (low nibble) and weight j + 16
//         (high nibble), each q in 0..15: w = d x (q - 8)                                  (18 bytes)
// Used by the qgemm operation (ops/qgemm/), its reference and the backends' host code.
#include <cstddef>
#include <cstdint>

#include "core/half.hpp"
#include "core/problem.hpp"

namespace xpu::quant {

inline constexpr int block_weights = quant_block_weights;

constexpr std::size_t block_bytes(quant_format f) { return quant_block_bytes(f); }

// The block's scale.
inline float scale(const std::uint8_t* block) { return half_to_float(static_cast<std::uint16_t>(block[0] | (block[1] << 8))); }

// The integer value of weight t (0..31) of a block: Q8_0's q, Q4_0's q - 8.
inline int value(quant_format f, const std::uint8_t* block, int t) {
  if (f == quant_format::q8_0) return static_cast<std::int8_t>(block[2 + t]);
  const std::uint8_t b = block[2 + (t & 15)];
  return (t < 16 ? (b & 15) : (b >> 4)) - 8;
}

}  // namespace xpu::quant
