#include <immintrin.h>

#include <algorithm>

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
// fp32 -> bf16 with AVX512-BF16's VCVTNEPS2BF16: round to nearest even and NaN kept a NaN, as
// bf16_from_float does in portable code (which compilers do not vectorize), except that denormal
// inputs are read as zero and denormal results flushed (below 2^-126 the two paths differ).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void float_to_bf16_avx512(const float* in, std::uint16_t* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(_mm512_loadu_ps(in + i))));
  for (; i < n; ++i) out[i] = bf16_from_float(in[i]);
}
#endif

bool has_avx512_bf16() {
#if defined(__x86_64__)
  static const bool bf16 = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return bf16;
#else
  return false;
#endif
}

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

void stored_to_float(const host_buffer& from, std::size_t first, std::size_t n, float* to) {
  switch (from.type) {
    case element_type::f16: return half_to_float_bulk_block(from.as<std::uint16_t>().data() + first, to, n);
    case element_type::bf16: {
      const std::uint16_t* in = from.as<std::uint16_t>().data() + first;
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) to[i] = bf16_to_float(in[i]);
      return;
    }
    default: std::copy_n(from.as<float>().data() + first, n, to);
  }
}

void float_to_stored(const float* from, host_buffer& to, std::size_t first, std::size_t n) {
  switch (to.type) {
    case element_type::f16: return float_to_half_bulk_block(from, to.as<std::uint16_t>().data() + first, n);
    case element_type::bf16: {
      std::uint16_t* out = to.as<std::uint16_t>().data() + first;
#if defined(__x86_64__)
      if (has_avx512_bf16()) return float_to_bf16_avx512(from, out, n);
#endif
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) out[i] = bf16_from_float(from[i]);
      return;
    }
    default: std::copy_n(from, n, to.as<float>().data() + first);
  }
}

std::string_view stored_conversion(element_type t) {
  if (t == element_type::f16) return "fp16 storage converted to fp32 and back (F16C)";
  if (t == element_type::bf16)
    return has_avx512_bf16() ? "bf16 storage converted to fp32 and back (a 16-bit shift; VCVTNEPS2BF16)"
                             : "bf16 storage converted to fp32 and back (a 16-bit shift; rounded to nearest even)";
  return "";
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
