// The qgemm and moe operations' weight fills (ops/qgemm/blocks.hpp).
#include "ops/qgemm/blocks.hpp"

#include <cstring>

namespace xpu::quant {

void fill_blocks(host_buffer& b, quant_format f, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> scale(0.5f / 64, 1.5f / 64);
  std::uniform_int_distribution<int> q8(1, 127), nibble(0, 14);
  std::bernoulli_distribution neg(0.5);
  auto* p = reinterpret_cast<std::uint8_t*>(b.bytes.data());
  const std::size_t size = block_bytes(f), blocks = b.bytes.size() / size;
  for (std::size_t i = 0; i < blocks; ++i, p += size) {
    const std::uint16_t d = half_from_float(scale(rng));
    p[0] = static_cast<std::uint8_t>(d & 0xff), p[1] = static_cast<std::uint8_t>(d >> 8);
    for (std::size_t t = 2; t < size; ++t) {
      if (f == quant_format::q8_0) {
        p[t] = static_cast<std::uint8_t>(static_cast<std::int8_t>(neg(rng) ? -q8(rng) : q8(rng)));
      } else {
        const auto low = nibble(rng), high = nibble(rng);
        p[t] = static_cast<std::uint8_t>((low >= 8 ? low + 1 : low) | ((high >= 8 ? high + 1 : high) << 4));
      }
    }
  }
}

void fill_copies(host_buffer& w, std::size_t copy_bytes, std::size_t copies, quant_format f) {
  auto* base = reinterpret_cast<std::uint8_t*>(w.bytes.data());
  const std::size_t size = block_bytes(f), blocks = copy_bytes / size;
  for (std::size_t c = 1; c < copies; ++c) {
    const std::size_t shift = c * 7919 % blocks * size;
    std::uint8_t* dst = base + c * copy_bytes;
    std::memcpy(dst, base + shift, copy_bytes - shift);
    std::memcpy(dst + copy_bytes - shift, base, shift);
    dst[c % blocks * size + 1] ^= 0x80;  // the fp16 scale's sign bit
  }
}

}  // namespace xpu::quant
