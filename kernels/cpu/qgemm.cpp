// Quantized GEMM on the CPU (ops/qgemm/): weights in GGUF's Q8_0 or Q4_0 blocks, parallel over the
// weight rows (n) with OpenMP; each thread works through its rows once, so the weights stream from
// memory once per launch (what decoding is bound by).
//  - fp32 activations: each block's 32 values widened to fp32 in registers (AVX2) and multiplied
//    with the activations, the block's sum scaled once; without AVX2, dequantized block by block.
//  - int8 activations (Q8_0 blocks): per block an exact int32 dot product of the 32 value pairs,
//    scaled by both blocks' scales into 8 fp32 lanes; with AVX-512 VNNI or AVX-VNNI the dot is
//    vpdpbusd on |x| and w x sign(x) (llama.cpp's form), with AVX2 vpmaddubsw + vpmaddwd, else scalar;
//    with AVX-512 VNNI, 16 rows per vpdpbusd on weights repacked at load (group_dot_avx512vnni).
// GCC 12's AVX-512 intrinsics hand their builtins an uninitialized source and warn where they are
// inlined (GCC PR 105593, fixed in 13): the warnings are off for the header's lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#include <omp.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "kernels/cpu/cpu_kernels.hpp"
#include "ops/qgemm/blocks.hpp"

namespace xpu::cpu {
namespace {

constexpr std::size_t bw = quant::block_weights;

// Weight row j (its k / 32 blocks) into fp32.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void dequantize_row(const std::uint8_t* row, quant_format f,
                                                                                                   std::size_t blocks, float* out) {
  const std::size_t size = quant::block_bytes(f);
  for (std::size_t b = 0; b < blocks; ++b, row += size, out += bw) {
    const float d = quant::scale(row);
    const std::uint8_t* q = row + 2;
    if (f == quant_format::q8_0) {
#pragma omp simd
      for (std::size_t t = 0; t < bw; ++t) out[t] = d * static_cast<float>(static_cast<std::int8_t>(q[t]));
    } else {
#pragma omp simd
      for (std::size_t t = 0; t < bw / 2; ++t) {
        out[t] = d * static_cast<float>((q[t] & 15) - 8);
        out[t + bw / 2] = d * static_cast<float>((q[t] >> 4) - 8);
      }
    }
  }
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) float dot(const float* a, const float* b, std::size_t n) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// The 32 signed values of a weight block (Q4_0: q - 8).
inline void block_values(const std::uint8_t* block, quant_format f, std::int8_t* out) {
  for (int t = 0; t < static_cast<int>(bw); ++t) out[t] = static_cast<std::int8_t>(quant::value(f, block, t));
}

// sum over blocks of dx dw (x . w) for one activation row and one weight row; `vnni`: 0 none, 1 AVX-512 VNNI, 2 AVX-VNNI.
float q8_dot_scalar(const std::uint8_t* x, const std::uint8_t* w, quant_format f, std::size_t blocks) {
  const std::size_t xs = quant::block_bytes(quant_format::q8_0), ws = quant::block_bytes(f);
  float sum = 0;
  std::int8_t wv[bw];
  for (std::size_t b = 0; b < blocks; ++b, x += xs, w += ws) {
    block_values(w, f, wv);
    std::int32_t d = 0;
    for (std::size_t t = 0; t < bw; ++t) d += static_cast<std::int8_t>(x[2 + t]) * wv[t];
    sum += quant::scale(x) * quant::scale(w) * static_cast<float>(d);
  }
  return sum;
}

#if defined(__x86_64__)
#define XPU_SIMD "avx2,fma,f16c"
// A block's fp16 scale (F16C).
__attribute__((target(XPU_SIMD))) inline float scale_f16c(const std::uint8_t* block) {
  return _cvtsh_ss(static_cast<unsigned short>(block[0] | (block[1] << 8)));
}

// The 32 weight values of a block as signed bytes in a 256-bit register.
__attribute__((target(XPU_SIMD))) inline __m256i weight_values(const std::uint8_t* w, quant_format f) {
  if (f == quant_format::q8_0) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2));
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2));
  const __m256i nibbles = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(15));
  return _mm256_sub_epi8(nibbles, _mm256_set1_epi8(8));
}

__attribute__((target(XPU_SIMD))) inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// x (fp32, k) . R weight rows (`stride` bytes apart): each block's 32 values widened to fp32 and
// multiplied with x in registers (no dequantized copy), the block's sum scaled once; x's loads are
// shared by the R rows.
template <quant_format F, int R>
__attribute__((target(XPU_SIMD))) void f32_dot_avx2(const std::uint8_t* xb, const std::uint8_t* w, std::size_t stride, std::size_t blocks, float* out) {
  constexpr std::size_t ws = quant::block_bytes(F);
  const float* x = reinterpret_cast<const float*>(xb);
  __m256 acc[R];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (std::size_t b = 0; b < blocks; ++b, w += ws, x += bw) {
    const __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8), x2 = _mm256_loadu_ps(x + 16), x3 = _mm256_loadu_ps(x + 24);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const std::uint8_t* wr = w + static_cast<std::size_t>(r) * stride;
      const __m256i wv = weight_values(wr, F);
      const __m128i lo = _mm256_castsi256_si128(wv), hi = _mm256_extracti128_si256(wv, 1);
      __m256 s = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), x0);
      s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), x1, s);
      s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), x2, s);
      s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), x3, s);
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(scale_f16c(wr)), s, acc[r]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) out[r] = hsum(acc[r]);
}

// Q8_0 activations . R weight rows: per block an exact int32 dot (DOT of |x| and w x sign(x)),
// scaled by both scales into 8 fp32 lanes; x's load, |x| and scale are shared by the R rows.
#define XPU_Q8_DOT(name, isa, DOT)                                                                                        \
  template <quant_format F, int R>                                                                                        \
  __attribute__((target(isa))) void name(const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, float* out) { \
    constexpr std::size_t xs = quant::block_bytes(quant_format::q8_0), ws = quant::block_bytes(F);                        \
    __m256 acc[R];                                                                                                        \
    _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();                                   \
    for (std::size_t b = 0; b < blocks; ++b, x += xs, w += ws) {                                                          \
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 2));                                    \
      const __m256i ax = _mm256_sign_epi8(xv, xv);                                                                        \
      const float dx = scale_f16c(x);                                                                                     \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                                             \
        const std::uint8_t* wr = w + static_cast<std::size_t>(r) * stride;                                                \
        const __m256i sw = _mm256_sign_epi8(weight_values(wr, F), xv);                                                    \
        const __m256i d = DOT;                                                                                            \
        acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(dx * scale_f16c(wr)), _mm256_cvtepi32_ps(d), acc[r]);                     \
      }                                                                                                                   \
    }                                                                                                                     \
    _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) out[r] = hsum(acc[r]);                                          \
  }
XPU_Q8_DOT(q8_dot_avx512vnni, XPU_SIMD ",avx512vnni,avx512vl", _mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sw))
XPU_Q8_DOT(q8_dot_avxvnni, XPU_SIMD ",avxvnni", _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), ax, sw))
XPU_Q8_DOT(q8_dot_avx2, XPU_SIMD, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sw), _mm256_set1_epi16(1)))
#undef XPU_Q8_DOT

// Int8 activations with AVX-512 VNNI on weights repacked once at load (not timed; llama.cpp's
// CPU "repack" buffers are the same idea): groups of 16 rows, each block of the group stored as
// its 16 rows' values interleaved 4 bytes at a time, so that one 512-bit register holds 4
// consecutive weights of each of the 16 rows and one vpdpbusd with 4 activations broadcast adds
// them into the 16 rows' sums at once. No horizontal sums: a group's 16 outputs are one register.
// A group is, per block, the 16 rows' fp16 scales then their values: the same bytes as the 16 rows,
// read as one stream (the scales after all the values, a second stream, measured 0.72-0.82 x a read
// of the same bytes against 0.81-0.96 x on Zen 5 for Q4_0; Q8_0 0.79-0.94 against 0.96-1.16).
//  - Q4_0: register i of a block holds bytes 4i..4i+3 of each row's 16 nibble bytes, i.e. weights
//    4i..4i+3 in the low nibbles and 16+4i..16+4i+3 in the high ones (ggml's order), so an AND
//    with 0x0F and one with 0xF0 give both halves as unsigned bytes (the high half times 16).
//  - Q8_0: register i holds weights 4i..4i+3 of each row, stored plus 128 (unsigned).
// vpdpbusd takes unsigned weights and signed activations; the offsets (-8 x the block's activation
// sum for Q4_0's nibbles, -128 x it for Q8_0's bias) are one int32 per activation block, laid out
// with its scale once per launch (prepare_vnni_blocks: 32 values, the correction, the scale).
constexpr std::size_t group_rows = 16;
constexpr std::size_t vnni_block_bytes = 32 + 4 + 4;
#define XPU_AVX512 XPU_SIMD ",avx512f,avx512bw,avx512vl,avx512vnni"

// Rows [16 g, 16 g + 16) of w (`blocks` blocks a row) into group g's layout at `out`.
void repack_group(quant_format f, const std::uint8_t* w, std::size_t blocks, std::uint8_t* out) {
  const std::size_t size = quant::block_bytes(f), row = blocks * size, values = size - 2;
  const std::uint8_t bias = f == quant_format::q8_0 ? 0x80 : 0;
  for (std::size_t b = 0; b < blocks; ++b, out += group_rows * size)
    for (std::size_t r = 0; r < group_rows; ++r) {
      const std::uint8_t* src = w + r * row + b * size;
      std::memcpy(out + r * 2, src, 2);
      for (std::size_t i = 0; i < values / 4; ++i)
        for (std::size_t t = 0; t < 4; ++t) out[32 + i * 64 + r * 4 + t] = src[2 + 4 * i + t] ^ bias;
    }
}

void prepare_vnni_blocks(quant_format f, const std::uint8_t* x, std::size_t blocks, std::uint8_t* out) {
  constexpr std::size_t xs = quant::block_bytes(quant_format::q8_0);
  for (std::size_t b = 0; b < blocks; ++b, x += xs, out += vnni_block_bytes) {
    std::int32_t sum = 0;
    for (std::size_t t = 0; t < bw; ++t) sum += static_cast<std::int8_t>(x[2 + t]);
    const std::int32_t corr = -128 * sum;  // Q4_0: 16 x (-8 x sum), the dot being 16 x too
    const float dx = quant::scale(x) / (f == quant_format::q4_0 ? 16.0f : 1.0f);
    std::memcpy(out, x + 2, 32);
    std::memcpy(out + 32, &corr, 4);
    std::memcpy(out + 36, &dx, 4);
  }
}

__attribute__((target(XPU_AVX512))) inline __m512i bcast4(const std::uint8_t* p) {
  std::int32_t v = 0;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// One activation row (prepared) . one group of 16 rows -> out[0..16).
template <quant_format F>
__attribute__((target(XPU_AVX512))) void group_dot_avx512vnni(const std::uint8_t* px, const std::uint8_t* g, std::size_t blocks, float* out) {
  constexpr std::size_t gb = group_rows * quant::block_bytes(F);
  __m512 acc = _mm512_setzero_ps();
  for (std::size_t b = 0; b < blocks; ++b, g += gb, px += vnni_block_bytes) {
    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g)));
    const std::uint8_t* v = g + 32;
    __m512i s0, s1, s2, s3;
    std::int32_t corr = 0;
    std::memcpy(&corr, px + 32, 4);
    if constexpr (F == quant_format::q4_0) {
      const __m512i low = _mm512_set1_epi8(0x0F), high = _mm512_set1_epi8(static_cast<char>(0xF0));
      const __m512i v0 = _mm512_loadu_si512(v), v1 = _mm512_loadu_si512(v + 64), v2 = _mm512_loadu_si512(v + 128), v3 = _mm512_loadu_si512(v + 192);
      s0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(v0, low), bcast4(px));
      s1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(v1, low), bcast4(px + 4));
      s2 = _mm512_dpbusd_epi32(_mm512_set1_epi32(corr), _mm512_and_si512(v0, high), bcast4(px + 16));
      s3 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(v1, high), bcast4(px + 20));
      s0 = _mm512_dpbusd_epi32(s0, _mm512_and_si512(v2, low), bcast4(px + 8));
      s1 = _mm512_dpbusd_epi32(s1, _mm512_and_si512(v3, low), bcast4(px + 12));
      s2 = _mm512_dpbusd_epi32(s2, _mm512_and_si512(v2, high), bcast4(px + 24));
      s3 = _mm512_dpbusd_epi32(s3, _mm512_and_si512(v3, high), bcast4(px + 28));
      // 16 x the low halves' dot + the high halves' (already 16 x, with the correction)
      s0 = _mm512_add_epi32(_mm512_slli_epi32(_mm512_add_epi32(s0, s1), 4), _mm512_add_epi32(s2, s3));
    } else {
      s0 = _mm512_dpbusd_epi32(_mm512_set1_epi32(corr), _mm512_loadu_si512(v), bcast4(px));
      s1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(v + 64), bcast4(px + 4));
      s2 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(v + 128), bcast4(px + 8));
      s3 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(v + 192), bcast4(px + 12));
      s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(v + 256), bcast4(px + 16));
      s1 = _mm512_dpbusd_epi32(s1, _mm512_loadu_si512(v + 320), bcast4(px + 20));
      s2 = _mm512_dpbusd_epi32(s2, _mm512_loadu_si512(v + 384), bcast4(px + 24));
      s3 = _mm512_dpbusd_epi32(s3, _mm512_loadu_si512(v + 448), bcast4(px + 28));
      s0 = _mm512_add_epi32(_mm512_add_epi32(s0, s1), _mm512_add_epi32(s2, s3));
    }
    float dx = 0;
    std::memcpy(&dx, px + 36, 4);
    acc = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(dx)), _mm512_cvtepi32_ps(s0), acc);
  }
  _mm512_storeu_ps(out, acc);
}
#endif

// Outputs of one activation row (fp32, or Q8_0 blocks) against `rows` weight rows `stride` bytes
// apart (rows <= row_block). One row at a time: 4 rows per pass over x (sharing its loads) measured
// slower on Zen 5 (m = 1, 14336 x 4096, Q8_0 x int8: 2.3 ms against 1.2; the weights stream from 4
// places at once).
constexpr std::size_t row_block = 1;
using rows_dot_fn = void (*)(const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, std::size_t rows, float* out);

// `group`, when set, works on weights repacked at load into groups of 16 rows (repack_group) and
// reads each activation row laid out once per launch by `prepare` (`prepared_per_block` bytes a
// block); `fn` takes the rows past the last full group, on the weights and activations as they are.
using prepare_fn = void (*)(const std::uint8_t* x, std::size_t blocks, std::uint8_t* out);
using group_fn = void (*)(const std::uint8_t* px, const std::uint8_t* group, std::size_t blocks, float* out);
struct dot_path {
  rows_dot_fn fn;
  const char* what;
  prepare_fn prepare = nullptr;
  std::size_t prepared_per_block = 0;
  group_fn group = nullptr;
};

template <quant_format F>
void portable_dot(bool int8, const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, std::size_t rows, float* out) {
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint8_t* wr = w + r * stride;
    if (int8) {
      out[r] = q8_dot_scalar(x, wr, F, blocks);
      continue;
    }
    float row[bw];
    out[r] = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      dequantize_row(wr + b * quant::block_bytes(F), F, 1, row);
      out[r] += dot(reinterpret_cast<const float*>(x) + b * bw, row, bw);
    }
  }
}

// A kernel of R rows at a time as rows_dot_fn: R = row_block, or the tail one row at a time.
#define XPU_ROWS(kernel, F)                                                                                        \
  [](const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, std::size_t rows, float* out) { \
    if (rows == row_block) return kernel<F, static_cast<int>(row_block)>(x, w, stride, blocks, out);                \
    for (std::size_t r = 0; r < rows; ++r) kernel<F, 1>(x, w + r * stride, stride, blocks, out + r);                 \
  }

template <quant_format F>
dot_path path_for(const cpu_isa& isa, bool int8) {
#if defined(__x86_64__)
  const bool avx2 = isa.has("avx2") && isa.has("fma") && isa.has("f16c") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  if (avx2 && !int8) return {XPU_ROWS(f32_dot_avx2, F), "AVX2: blocks widened to fp32 in registers"};
  if (avx2 && isa.has("avx512f") && isa.has("avx512bw") && isa.has("avx512vl") && isa.has("avx512_vnni") && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
    return {XPU_ROWS(q8_dot_avx512vnni, F),
            "AVX-512 VNNI on weights repacked at load into groups of 16 rows (one vpdpbusd: 4 weights of each of 16 rows; the same "
            "bytes; rows past the last full group: 256-bit vpdpbusd)",
            [](const std::uint8_t* x, std::size_t blocks, std::uint8_t* out) { prepare_vnni_blocks(F, x, blocks, out); }, vnni_block_bytes,
            group_dot_avx512vnni<F>};
  if (avx2 && isa.has("avx_vnni") && __builtin_cpu_supports("avxvnni"))
    return {XPU_ROWS(q8_dot_avxvnni, F), "AVX-VNNI (vpdpbusd)"};
  if (avx2) return {XPU_ROWS(q8_dot_avx2, F), "AVX2 (vpmaddubsw + vpmaddwd; no VNNI on this CPU)"};
#endif
  (void)isa;
  if (int8)
    return {[](const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, std::size_t rows, float* out) {
              portable_dot<F>(true, x, w, stride, blocks, rows, out);
            },
            "scalar: no AVX2 on this CPU"};
  return {[](const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, std::size_t rows, float* out) {
            portable_dot<F>(false, x, w, stride, blocks, rows, out);
          },
          "portable vector code: no AVX2 on this CPU"};
}
#undef XPU_ROWS

dot_path dot_path_for(const cpu_isa& isa, quant_format f, bool int8) {
  return f == quant_format::q8_0 ? path_for<quant_format::q8_0>(isa, int8) : path_for<quant_format::q4_0>(isa, int8);
}

// qgemm (copies of the weights, each over every row of X) and moe (experts: each over the rows of
// the tokens that chose it) as passes of one product: weights `copy`, the X rows listed, each into
// its listed output row.
class qgemm_kernel final : public timed {
 public:
  // moe: s.copies is layers x experts matrices, ids the tokens' choices (m x used), the same in every
  // layer; qgemm: ids null.
  qgemm_kernel(const qgemm_shape& s, precision activations, const host_buffers& in, const cpu_isa& isa, int threads, const host_buffer* ids = nullptr,
               std::int64_t used = 1, std::int64_t layers = 1)
      : m_s(s), m_int8(activations == precision::int8), m_threads(threads), m_x(in.inputs[0]), m_w(in.inputs[1]), m_ids(ids),
        m_used(static_cast<std::size_t>(used)), m_layers(static_cast<std::size_t>(layers)),
        m_y(element_type::f32, static_cast<std::size_t>((ids ? layers * used : s.copies) * s.m * s.n)), m_path(dot_path_for(isa, s.weights, m_int8)) {
    const auto blocks = static_cast<std::size_t>(s.k / quant_block_weights), n = static_cast<std::size_t>(s.n), m = static_cast<std::size_t>(s.m);
    if (m_path.prepare) m_prepared.resize((ids ? m * m_used : m) * blocks * m_path.prepared_per_block);  // a pass's rows at most
    if (m_path.group) {  // the weights repacked once, as a model's loader would (not timed), on huge pages; each copy's full groups
      const std::size_t gbytes = group_rows * blocks * quant::block_bytes(s.weights), full = n / group_rows;
      const std::size_t copies = static_cast<std::size_t>(s.copies), copy_bytes = n * blocks * quant::block_bytes(s.weights);
      if (full > 0) m_packed = huge_alloc<std::uint8_t>(copies * full * gbytes);  // written below by the threads that read it in run_once
      const auto* w = reinterpret_cast<const std::uint8_t*>(m_w.bytes.data());
      for (std::size_t c = 0; c < copies; ++c) {  // each copy split among the threads as run_once splits it (first touch)
#pragma omp parallel for num_threads(m_threads) schedule(static)
        for (std::size_t g = 0; g < full; ++g)
          repack_group(s.weights, w + c * copy_bytes + g * gbytes, blocks, m_packed.get() + (c * full + g) * gbytes);
      }
    }
    m_x_rows.resize(ids ? m * m_used : m), m_y_rows.resize(m_x_rows.size());
    if (!ids) std::iota(m_x_rows.begin(), m_x_rows.end(), std::size_t{0}), std::iota(m_y_rows.begin(), m_y_rows.end(), std::size_t{0});
  }
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override {
    const std::string routed = m_ids ? "; tokens grouped by expert each launch, one pass per expert chosen" : "";
    return m_int8 ? fmt::format("{} x Q8_0 activations: int32 dot per block, {}{}", to_string(m_s.weights), m_path.what, routed)
                  : fmt::format("{} x fp32 activations: {}{}", to_string(m_s.weights), m_path.what, routed);
  }
  result<void> read_back(host_buffers& out) override {
    out.outputs.at(0).bytes = m_y.bytes;
    return {};
  }

 protected:
  // One launch. qgemm: the product over each copy of the weights in turn, each into its own output (a
  // decoded token's layers: one parallel region each, as an engine runs one operation at a time).
  // moe: the (token, choice) pairs grouped by expert (a counting sort, as MUL_MAT_ID groups its rows),
  // then one pass per expert chosen over its tokens' rows, each into the pair's output row.
  result<void> run_once() override {
    const std::size_t m = static_cast<std::size_t>(m_s.m), copies = static_cast<std::size_t>(m_s.copies);
    if (!m_ids) {
      for (std::size_t c = 0; c < copies; ++c) pass(c, m_x_rows.data(), m_y_rows.data(), m, c * m);
      return {};
    }
    const auto ids = m_ids->as<std::int32_t>();
    const std::size_t experts = copies / m_layers;
    std::vector<std::size_t> start(experts + 1, 0);
    for (std::int32_t e : ids) {
      if (e < 0 || static_cast<std::size_t>(e) >= experts) return fail(status::failed, "expert id {} outside 0..{}", e, experts - 1);
      ++start[static_cast<std::size_t>(e) + 1];
    }
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for (std::size_t pair = 0; pair < ids.size(); ++pair) {
      const std::size_t at = next[static_cast<std::size_t>(ids[pair])]++;
      m_x_rows[at] = pair / m_used, m_y_rows[at] = pair;
    }
    for (std::size_t layer = 0; layer < m_layers; ++layer)  // each layer's experts into its own output
      for (std::size_t e = 0; e < experts; ++e)
        if (start[e + 1] > start[e])
          pass(layer * experts + e, m_x_rows.data() + start[e], m_y_rows.data() + start[e], start[e + 1] - start[e], layer * ids.size());
    return {};
  }

 private:
  // Weights `c` times the `rows` X rows x_rows[], into Y rows y_base + y_rows[].
  void pass(std::size_t c, const std::size_t* x_rows, const std::size_t* y_rows, std::size_t rows, std::size_t y_base) {
    const auto n = static_cast<std::size_t>(m_s.n), k = static_cast<std::size_t>(m_s.k), blocks = k / bw;
    const std::size_t wrow = blocks * quant::block_bytes(m_s.weights);
    const std::size_t xrow = m_int8 ? blocks * quant::block_bytes(quant_format::q8_0) : k * sizeof(float);
    const auto* x = reinterpret_cast<const std::uint8_t*>(m_x.bytes.data());
    const std::size_t full = m_path.group ? n / group_rows : 0, gbytes = group_rows * wrow;
    const auto* w = reinterpret_cast<const std::uint8_t*>(m_w.bytes.data()) + c * n * wrow;
    float* y = m_y.as<float>().data() + y_base * n;
    std::size_t first = 0;  // the first row `fn` takes
    if (m_path.group) {
      const std::size_t prow = blocks * m_path.prepared_per_block;
      const std::uint8_t* packed = m_packed.get() + c * full * gbytes;
      std::uint8_t* px = m_prepared.data();
#pragma omp parallel num_threads(m_threads)
      {
#pragma omp for schedule(static)
        for (std::size_t i = 0; i < rows; ++i) m_path.prepare(x + x_rows[i] * xrow, blocks, px + i * prow);
#pragma omp for schedule(static)
        for (std::size_t g = 0; g < full; ++g)
          for (std::size_t i = 0; i < rows; ++i) m_path.group(px + i * prow, packed + g * gbytes, blocks, y + y_rows[i] * n + g * group_rows);
      }
      first = full * group_rows;
    }
    const std::size_t groups = (n - first + row_block - 1) / row_block;
    if (groups == 0) return;
#pragma omp parallel for num_threads(m_threads) schedule(static)
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t j = first + g * row_block, count = std::min(row_block, n - j);
      float out[row_block];
      for (std::size_t i = 0; i < rows; ++i) {
        m_path.fn(x + x_rows[i] * xrow, w + j * wrow, wrow, blocks, count, out);
        for (std::size_t r = 0; r < count; ++r) y[y_rows[i] * n + j + r] = out[r];
      }
    }
  }

  qgemm_shape m_s;
  bool m_int8;
  int m_threads;
  const host_buffer& m_x;
  const host_buffer& m_w;
  const host_buffer* m_ids;  // moe's choices, else null
  std::size_t m_used, m_layers;
  host_buffer m_y;
  dot_path m_path;
  std::vector<std::uint8_t> m_prepared;
  huge_buffer<std::uint8_t> m_packed;  // the repacked weights (groups of 16 rows)
  std::vector<std::size_t> m_x_rows, m_y_rows;  // a pass's rows: qgemm's 0..m-1; moe's grouped by expert each launch
};

}  // namespace

result<std::unique_ptr<prepared>> qgemm_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  return std::make_unique<qgemm_kernel>(std::get<qgemm_shape>(p.dims), p.type, in, ctx.isa, ctx.threads);
}

result<std::unique_ptr<prepared>> moe_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  const auto& e = std::get<moe_shape>(p.dims);
  return std::make_unique<qgemm_kernel>(qgemm_shape{e.m, e.n, e.k, e.weights, e.copies * e.experts}, p.type, in, ctx.isa, ctx.threads, &in.inputs[2],
                                        e.used, e.copies);
}

XPU_OP_ROW(cpu_device, moe){
    kernel_kind::moe,
    [](const cpu_device&, const problem& p) {
      return support{support_level::native,
                     p.type == precision::int8 ? "Q8_0 activations: int32 dot products per block (VNNI or AVX2 where present), grouped by expert"
                                               : "weight rows dequantized to fp32, vectorized dot products, grouped by expert",
                     {"xpubench"}};
    },
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return moe_cpu(p, in, d.kernel_context()); }};

XPU_OP_ROW(cpu_device, qgemm){
    kernel_kind::qgemm,
    [](const cpu_device&, const problem& p) {
      return support{support_level::native,
                     p.type == precision::int8 ? "Q8_0 activations: int32 dot products per block (VNNI or AVX2 where present)"
                                               : "weight rows dequantized to fp32, vectorized dot products",
                     {"xpubench"}};
    },
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return qgemm_cpu(p, in, d.kernel_context()); }};

}  // namespace xpu::cpu
