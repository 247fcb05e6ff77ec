#pragma once
// GGUF's quantized blocks (ggml's block_q8_0 and block_q4_0): 32 weights share an fp16 scale d.
//   Q8_0: d (2 bytes, little-endian fp16), then 32 int8 q: w = d x q                     (34 bytes)
//   Q4_0: d, then 16 bytes of nibbles: byte j holds weight j (low nibble) and weight j + 16
//         (high nibble), each q in 0..15: w = d x (q - 8)                                  (18 bytes)
// Used by the qgemm and moe operations (ops/qgemm/, ops/moe/), their references and the backends' host code.
#include <cstddef>
#include <cstdint>
#include <random>

#include "core/buffers.hpp"
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

// Blocks of non-zero values (blocks.cpp): scales of magnitude [0.5, 1.5] / 64 (fp16), Q8_0 values
// in -127..127 without 0, Q4_0 nibbles without 8 (a zero weight).
void fill_blocks(host_buffer& b, quant_format f, std::mt19937_64& rng);

// Copies 1.. of a weight matrix of copy_bytes (copy 0 filled at random): copy c is copy 0 rotated by
// c x 7919 blocks, a memcpy's work per copy (a 1 GiB working set of random blocks took seconds to
// fill), with the scale of its block c % blocks negated: every copy differs from copy 0 (also where
// the rotation comes round to none), so that a kernel reading copy 0 for every copy (qgemm's
// streamed copies, moe's experts) fails verification.
void fill_copies(host_buffer& w, std::size_t copy_bytes, std::size_t copies, quant_format f);

}  // namespace xpu::quant
