// Quantized GEMM on the CPU (ops/qgemm/): weights in GGUF's Q8_0 or Q4_0 blocks, parallel over the
// weight rows (n) with OpenMP; each thread works through its rows once, so the weights stream from
// memory once per launch (what decoding is bound by).
//  - fp32 activations: each block's 32 values widened to fp32 in registers (AVX2) and multiplied
//    with the activations, the block's sum scaled once; without AVX2, dequantized block by block.
//  - int8 activations (Q8_0 blocks): per block an exact int32 dot product of the 32 value pairs,
//    scaled by both blocks' scales into 8 fp32 lanes; with AVX-512 VNNI or AVX-VNNI the dot is
//    vpdpbusd on |x| and w x sign(x) (llama.cpp's form), with AVX2 vpmaddubsw + vpmaddwd, else scalar;
//    Q4_0 with AVX-512 VNNI: two blocks per 512-bit vpdpbusd on the unsigned nibbles (q4_pair).
// GCC 12's AVX-512 intrinsics hand their builtins an uninitialized source and warn where they are
// inlined (GCC PR 105593, fixed in 13): the warnings are off for the header's lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#include <omp.h>

#include <cstring>
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

// Q4_0 weights x Q8_0 activations with AVX-512 VNNI, two blocks per 512-bit register. The nibbles
// are unsigned 0..15 and the activations signed: vpdpbusd takes them as they are, and the -8 of
// every weight becomes a per-lane correction, -8 x the sum of the 4 activations the lane covers,
// that the dot product starts from. Activations are laid out once per launch to match the weights'
// register (prepare_q4_pairs): per pair of blocks A, B, 64 bytes [A 0-15, B 0-15, A 16-31, B 16-31]
// (the order of [A low nibbles, B low, A high, B high]), 16 int32 corrections, and 16 fp32 scales
// of A or B per lane. Per pair: two 16-byte loads, 3 bit operations, one insert, one vpdpbusd, the
// two weight scales converted together, a multiply and an FMA (the 256-bit path per block: about 15).
constexpr std::size_t q4_pair_bytes = 64 + 64 + 64;
#define XPU_AVX512 XPU_SIMD ",avx512f,avx512bw,avx512vl,avx512vnni"

void prepare_q4_pairs(const std::uint8_t* x, std::size_t blocks, std::uint8_t* out) {
  constexpr std::size_t xs = quant::block_bytes(quant_format::q8_0);
  for (std::size_t p = 0; p < blocks / 2; ++p, out += q4_pair_bytes) {
    auto* xq = reinterpret_cast<std::int8_t*>(out);
    auto* corr = reinterpret_cast<std::int32_t*>(out + 64);
    auto* dx = reinterpret_cast<float*>(out + 128);
    for (int half = 0; half < 2; ++half)      // low nibbles (values 0-15), then high (16-31)
      for (int blk = 0; blk < 2; ++blk) {     // A, then B
        const std::uint8_t* b = x + (2 * p + static_cast<std::size_t>(blk)) * xs;
        const int at = 32 * half + 16 * blk;  // byte offset in the register, lane = at / 4 + ...
        for (int t = 0; t < 16; ++t) xq[at + t] = static_cast<std::int8_t>(b[2 + 16 * half + t]);
        for (int l = 0; l < 4; ++l) {
          int s = 0;
          for (int t = 0; t < 4; ++t) s += xq[at + 4 * l + t];
          corr[at / 4 + l] = -8 * s;
          dx[at / 4 + l] = quant::scale(b);
        }
      }
  }
}

// One pair of blocks into `acc`.
__attribute__((target(XPU_AVX512))) inline __m512 q4_pair(const std::uint8_t* px, const std::uint8_t* w, __m512 acc) {
  constexpr std::size_t ws = quant::block_bytes(quant_format::q4_0);
  const __m256i low4 = _mm256_set1_epi8(15);
  const __m512i which = _mm512_set_epi32(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0);  // lanes of B take scale 1
  const __m256i v = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(w + ws + 2), reinterpret_cast<const __m128i*>(w + 2));
  const __m256i lo = _mm256_and_si256(v, low4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
  const __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
  const __m512i dot = _mm512_dpbusd_epi32(_mm512_loadu_si512(px + 64), q, _mm512_loadu_si512(px));
  std::uint16_t sa = 0, sb = 0;  // A's and B's fp16 scales, converted side by side
  std::memcpy(&sa, w, 2);
  std::memcpy(&sb, w + ws, 2);
  const __m128 d2 = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(sa | (static_cast<std::uint32_t>(sb) << 16))));
  const __m512 dw = _mm512_permutexvar_ps(which, _mm512_castps128_ps512(d2));
  return _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_loadu_ps(reinterpret_cast<const float*>(px + 128))), _mm512_cvtepi32_ps(dot), acc);
}

__attribute__((target(XPU_AVX512))) float q4_pairs_dot_avx512vnni(const std::uint8_t* px, const std::uint8_t* w, std::size_t blocks) {
  constexpr std::size_t ws = quant::block_bytes(quant_format::q4_0);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();  // two chains: the FMA's latency is not the limit
  const std::size_t pairs = blocks / 2;
  std::size_t p = 0;
  for (; p + 2 <= pairs; p += 2) {
    acc0 = q4_pair(px + p * q4_pair_bytes, w + 2 * p * ws, acc0);
    acc1 = q4_pair(px + (p + 1) * q4_pair_bytes, w + 2 * (p + 1) * ws, acc1);
  }
  if (p < pairs) acc0 = q4_pair(px + p * q4_pair_bytes, w + 2 * p * ws, acc0);
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}
#endif

// Outputs of one activation row (fp32, or Q8_0 blocks) against `rows` weight rows `stride` bytes
// apart (rows <= row_block). One row at a time: 4 rows per pass over x (sharing its loads) measured
// slower on Zen 5 (m = 1, 14336 x 4096, Q8_0 x int8: 2.3 ms against 1.2; the weights stream from 4
// places at once).
constexpr std::size_t row_block = 1;
using rows_dot_fn = void (*)(const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, std::size_t rows, float* out);

// `prepare`, when set, lays each activation row out once per launch (`prepared_per_block` bytes a
// block) and `fn` reads that layout instead of the Q8_0 blocks.
using prepare_fn = void (*)(const std::uint8_t* x, std::size_t blocks, std::uint8_t* out);
struct dot_path {
  rows_dot_fn fn;
  const char* what;
  prepare_fn prepare = nullptr;
  std::size_t prepared_per_block = 0;
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
dot_path path_for(const cpu_isa& isa, bool int8, bool even_blocks) {
#if defined(__x86_64__)
  const bool avx2 = isa.has("avx2") && isa.has("fma") && isa.has("f16c") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  if (avx2 && !int8) return {XPU_ROWS(f32_dot_avx2, F), "AVX2: blocks widened to fp32 in registers"};
  if constexpr (F == quant_format::q4_0)
    if (avx2 && even_blocks && isa.has("avx512f") && isa.has("avx512vl") && isa.has("avx512_vnni") && isa.has("avx512bw") &&
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
        __builtin_cpu_supports("avx512bw"))
      return {[](const std::uint8_t* x, const std::uint8_t* w, std::size_t stride, std::size_t blocks, std::size_t rows, float* out) {
                for (std::size_t r = 0; r < rows; ++r) out[r] = q4_pairs_dot_avx512vnni(x, w + r * stride, blocks);
              },
              "AVX-512 VNNI, two blocks per 512-bit vpdpbusd on the unsigned nibbles (activations laid out once per launch)",
              prepare_q4_pairs, q4_pair_bytes / 2};
  if (avx2 && isa.has("avx512_vnni") && isa.has("avx512vl") && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl"))
    return {XPU_ROWS(q8_dot_avx512vnni, F), "AVX-512 VNNI (vpdpbusd on 256-bit registers)"};
  if (avx2 && isa.has("avx_vnni") && __builtin_cpu_supports("avxvnni"))
    return {XPU_ROWS(q8_dot_avxvnni, F), "AVX-VNNI (vpdpbusd)"};
  if (avx2) return {XPU_ROWS(q8_dot_avx2, F), "AVX2 (vpmaddubsw + vpmaddwd; no VNNI on this CPU)"};
#endif
  (void)isa, (void)even_blocks;
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

dot_path dot_path_for(const cpu_isa& isa, quant_format f, bool int8, std::int64_t k) {
  const bool even_blocks = (k / quant_block_weights) % 2 == 0;
  return f == quant_format::q8_0 ? path_for<quant_format::q8_0>(isa, int8, even_blocks) : path_for<quant_format::q4_0>(isa, int8, even_blocks);
}

class qgemm_kernel final : public timed {
 public:
  qgemm_kernel(const qgemm_shape& s, precision activations, const host_buffers& in, const cpu_isa& isa, int threads)
      : m_s(s), m_int8(activations == precision::int8), m_threads(threads), m_x(in.inputs[0]), m_w(in.inputs[1]),
        m_y(element_type::f32, static_cast<std::size_t>(s.m * s.n)), m_path(dot_path_for(isa, s.weights, m_int8, s.k)) {
    if (m_path.prepare) m_prepared.resize(static_cast<std::size_t>(s.m) * static_cast<std::size_t>(s.k / quant_block_weights) * m_path.prepared_per_block);
  }
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override {
    return m_int8 ? fmt::format("{} x Q8_0 activations: int32 dot per block, {}", to_string(m_s.weights), m_path.what)
                  : fmt::format("{} x fp32 activations: {}", to_string(m_s.weights), m_path.what);
  }
  result<void> read_back(host_buffers& out) override {
    out.outputs.at(0).bytes = m_y.bytes;
    return {};
  }

 protected:
  result<void> run_once() override {
    const auto m = static_cast<std::size_t>(m_s.m), n = static_cast<std::size_t>(m_s.n), k = static_cast<std::size_t>(m_s.k), blocks = k / bw;
    const std::size_t wrow = blocks * quant::block_bytes(m_s.weights);
    std::size_t xrow = m_int8 ? blocks * quant::block_bytes(quant_format::q8_0) : k * sizeof(float);
    const auto* w = reinterpret_cast<const std::uint8_t*>(m_w.bytes.data());
    const auto* x = reinterpret_cast<const std::uint8_t*>(m_x.bytes.data());
    if (m_path.prepare) {  // the activations in the layout the dot reads, once per launch
      const std::size_t prow = blocks * m_path.prepared_per_block;
#pragma omp parallel for num_threads(m_threads) schedule(static)
      for (std::size_t i = 0; i < m; ++i) m_path.prepare(x + i * xrow, blocks, m_prepared.data() + i * prow);
      x = m_prepared.data(), xrow = prow;
    }
    float* y = m_y.as<float>().data();
    const std::size_t groups = (n + row_block - 1) / row_block;
#pragma omp parallel for num_threads(m_threads) schedule(static)
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t j = g * row_block, rows = std::min(row_block, n - j);
      float out[row_block];
      for (std::size_t i = 0; i < m; ++i) {
        m_path.fn(x + i * xrow, w + j * wrow, wrow, blocks, rows, out);
        for (std::size_t r = 0; r < rows; ++r) y[i * n + j + r] = out[r];
      }
    }
    return {};
  }

 private:
  qgemm_shape m_s;
  bool m_int8;
  int m_threads;
  const host_buffer& m_x;
  const host_buffer& m_w;
  host_buffer m_y;
  dot_path m_path;
  std::vector<std::uint8_t> m_prepared;
};

}  // namespace

result<std::unique_ptr<prepared>> qgemm_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  return std::make_unique<qgemm_kernel>(std::get<qgemm_shape>(p.dims), p.type, in, ctx.isa, ctx.threads);
}

}  // namespace xpu::cpu
