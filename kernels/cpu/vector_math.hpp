#pragma once
// Math the CPU kernels vectorize: exp in plain float arithmetic (no libm call, so `omp simd` loops
// vectorize without -ffast-math). Internal to kernels/cpu/.
#include <bit>
#include <cstdint>

namespace xpu::cpu {

// e^x for x <= 0 (softmax's x - max), within 2 ulp of expf; 0 below -87 (e^-87 is 1.6e-38).
// Cephes' expf: x = n ln2 + r with |r| <= ln2 / 2, e^r by a degree-6 polynomial, 2^n by the exponent bits.
inline float exp_nonpositive(float x) {
  const bool underflow = x < -87.0f;
  x = underflow ? -87.0f : x;
  constexpr float round = 12582912.0f;  // 1.5 x 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + round) - round;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float scale = std::bit_cast<float>(static_cast<std::int32_t>(static_cast<std::int32_t>(n) + 127) << 23);
  return underflow ? 0.0f : p * scale;
}

}  // namespace xpu::cpu
