#include <immintrin.h>

#include "core/half.hpp"
#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu::cpu {
namespace {

#if defined(__x86_64__)
__attribute__((target("avx2,f16c"))) void half_to_float_f16c(const std::uint16_t* in, float* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  for (; i < n; ++i) out[i] = half_to_float(in[i]);
}
__attribute__((target("avx2,f16c"))) void float_to_half_f16c(const float* in, std::uint16_t* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) out[i] = half_from_float(in[i]);
}
#endif

bool has_f16c() {
#if defined(__x86_64__)
  static const bool f16c = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2");
  return f16c;
#else
  return false;
#endif
}

}  // namespace

void float_to_half_bulk_block(const float* in, std::uint16_t* out, std::size_t n) {
#if defined(__x86_64__)
  if (has_f16c()) return float_to_half_f16c(in, out, n);
#endif
  for (std::size_t i = 0; i < n; ++i) out[i] = half_from_float(in[i]);
}

void half_to_float_bulk_block(const std::uint16_t* in, float* out, std::size_t n) {
#if defined(__x86_64__)
  if (has_f16c()) return half_to_float_f16c(in, out, n);
#endif
  for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
}

void half_to_float_bulk(const std::uint16_t* in, float* out, std::size_t n) {
  constexpr std::size_t piece = 65536;
#pragma omp parallel for schedule(static)
  for (std::size_t block = 0; block < (n + piece - 1) / piece; ++block) {
    const std::size_t first = block * piece;
    half_to_float_bulk_block(in + first, out + first, std::min(piece, n - first));
  }
}

}  // namespace xpu::cpu
