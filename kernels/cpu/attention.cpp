// Attention on the CPU, flash-style: for each (batch, head, block of 32 queries), in parallel, the
// keys are visited in blocks of 64: the block's scores (K transposed as it is staged; four query
// rows x 32 keys in registers), the online softmax (running maximum and sum, the output rescaled
// when the maximum moves) and P V (four rows x 32 of head_dim in registers). Nothing of size seq_q x
// seq_kv is stored. Causal masks stop each query block at its last visible key. fp16 inputs are
// converted to fp32 as they are staged; the output is written in the input's type.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/cpu/cpu_kernels.hpp"
#include "kernels/cpu/vector_math.hpp"

namespace xpu::cpu {
namespace {

constexpr std::size_t block_q = 32, block_k = 64;

struct tile_state {
  std::vector<float> q, kt, v, s, acc, top, sum;  // q: bq x d (pre-scaled), kt: d x bk, v: bk x d, s: bq x bk, acc: bq x d
  explicit tile_state(std::size_t d)
      : q(block_q * d), kt(d * block_k), v(block_k * d), s(block_q * block_k), acc(block_q * d), top(block_q), sum(block_q) {}
};

// 16 floats, one AVX-512 register (two AVX2 ones): the register tiles below keep their sums in these.
// The helpers are always inlined into the clones of key_block, so no v16 crosses a call boundary
// (GCC's -Wpsabi note about passing 64-byte vectors without AVX-512 does not apply).
typedef float v16 __attribute__((vector_size(64)));
#pragma GCC diagnostic push  // to the end of key_block
#pragma GCC diagnostic ignored "-Wpsabi"
[[gnu::always_inline]] inline v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store16(float* p, const v16& v) { std::memcpy(p, &v, sizeof v); }

// Scores of R query rows against the block's 64 keys: S = Q Kt, 32 keys at a time in R x 2
// registers, each step one row of Kt loaded and R broadcasts of Q.
template <int R>
[[gnu::always_inline]] inline void scores_tile(const float* q, const float* kt, std::size_t d, float* s) {
  for (std::size_t j0 = 0; j0 < block_k; j0 += 32) {
    v16 a[R][2] = {};
    for (std::size_t c = 0; c < d; ++c) {
      const v16 k0 = load16(kt + c * block_k + j0), k1 = load16(kt + c * block_k + j0 + 16);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        const float qv = q[static_cast<std::size_t>(r) * d + c];
        a[r][0] += qv * k0;
        a[r][1] += qv * k1;
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) store16(s + static_cast<std::size_t>(r) * block_k + j0, a[r][0]), store16(s + static_cast<std::size_t>(r) * block_k + j0 + 16, a[r][1]);
  }
}

// O[R rows] += P V over keys [0, n): 32 columns of head_dim at a time in R x 2 registers.
template <int R>
[[gnu::always_inline]] inline void values_tile(const float* p, const float* v, std::size_t n, std::size_t d, float* acc) {
  for (std::size_t c0 = 0; c0 < d; c0 += 32) {
    v16 a[R][2];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) a[r][0] = load16(acc + static_cast<std::size_t>(r) * d + c0), a[r][1] = load16(acc + static_cast<std::size_t>(r) * d + c0 + 16);
    for (std::size_t j = 0; j < n; ++j) {
      const v16 v0 = load16(v + j * d + c0), v1 = load16(v + j * d + c0 + 16);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        const float pv = p[static_cast<std::size_t>(r) * block_k + j];
        a[r][0] += pv * v0;
        a[r][1] += pv * v1;
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) store16(acc + static_cast<std::size_t>(r) * d + c0, a[r][0]), store16(acc + static_cast<std::size_t>(r) * d + c0 + 16, a[r][1]);
  }
}

// Row i's online softmax over its scores s[0, n): the running maximum and sum move, its output row
// is rescaled, s becomes the weights (0 past n).
[[gnu::always_inline]] inline void softmax_step(tile_state& t, std::size_t i, std::size_t d, std::size_t n) {
  float* s = t.s.data() + i * block_k;
  if (n == 0) {  // no visible key in this block: nothing moves (and -inf - -inf must not be taken)
    for (std::size_t j = 0; j < block_k; ++j) s[j] = 0;
    return;
  }
  float top = t.top[i];
  for (std::size_t j = 0; j < n; ++j) top = std::max(top, s[j]);
  const float correction = exp_nonpositive(t.top[i] - top);  // 0 on the first block (-inf - top)
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::size_t j = 0; j < n; ++j) {
    s[j] = exp_nonpositive(s[j] - top);
    sum += s[j];
  }
  for (std::size_t j = n; j < block_k; ++j) s[j] = 0;
  t.top[i] = top;
  t.sum[i] = t.sum[i] * correction + sum;
  float* acc = t.acc.data() + i * d;
#pragma omp simd
  for (std::size_t c = 0; c < d; ++c) acc[c] *= correction;
}

// One key block against one query block: rows [0, nq), keys [0, nk); row i sees keys < visible[i].
// head_dim a multiple of 32: four rows at a time in register tiles; else row by row.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void key_block(tile_state& t, std::size_t d, std::size_t nq,
                                                                                              std::size_t nk, const std::size_t* visible) {
  const bool tiled = d % 32 == 0;
  for (std::size_t i0 = 0; i0 < nq; i0 += 4) {
    const std::size_t rows = std::min<std::size_t>(4, nq - i0);
    if (tiled && rows == 4) scores_tile<4>(t.q.data() + i0 * d, t.kt.data(), d, t.s.data() + i0 * block_k);
    for (std::size_t i = i0; i < i0 + rows; ++i) {
      float* s = t.s.data() + i * block_k;
      if (!tiled || rows != 4) {
        if (tiled) {
          scores_tile<1>(t.q.data() + i * d, t.kt.data(), d, s);
        } else {
          const float* q = t.q.data() + i * d;
#pragma omp simd
          for (std::size_t j = 0; j < block_k; ++j) s[j] = 0;
          for (std::size_t c = 0; c < d; ++c) {
            const float qc = q[c];
            const float* kt = t.kt.data() + c * block_k;
#pragma omp simd
            for (std::size_t j = 0; j < block_k; ++j) s[j] += qc * kt[j];
          }
        }
      }
      softmax_step(t, i, d, std::min(nk, visible[i]));
    }
    std::size_t most = 0;  // the group's longest visible run in this block (weights past a row's own are 0)
    for (std::size_t i = i0; i < i0 + rows; ++i) most = std::max(most, std::min(nk, visible[i]));
    if (most == 0) continue;
    if (tiled && rows == 4) {
      values_tile<4>(t.s.data() + i0 * block_k, t.v.data(), most, d, t.acc.data() + i0 * d);
      continue;
    }
    for (std::size_t i = i0; i < i0 + rows; ++i) {
      if (tiled) {
        values_tile<1>(t.s.data() + i * block_k, t.v.data(), most, d, t.acc.data() + i * d);
        continue;
      }
      float* acc = t.acc.data() + i * d;
      for (std::size_t j = 0; j < most; ++j) {
        const float p = t.s[i * block_k + j];
        const float* v = t.v.data() + j * d;
#pragma omp simd
        for (std::size_t c = 0; c < d; ++c) acc[c] += p * v[c];
      }
    }
  }
}
#pragma GCC diagnostic pop

class attention_kernel final : public timed {
 public:
  attention_kernel(const attention_shape& a, const host_buffers& in, int threads)
      : m_a(a), m_threads(threads), m_q(in.inputs[0]), m_k(in.inputs[1]), m_v(in.inputs[2]), m_o(in.inputs[0].type, in.inputs[0].count()) {}
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override {
    return fmt::format("flash-style: {} queries x {} keys per step, online softmax, one (batch, head, query block) per OpenMP task{}", block_q,
                       block_k, m_q.type == element_type::f32 ? "" : fmt::format("; {}, staged as fp32", stored_conversion(m_q.type)));
  }
  result<void> read_back(host_buffers& out) override {
    out.outputs.at(0).bytes = m_o.bytes;
    return {};
  }

 protected:
  result<void> run_once() override {
    const auto d = static_cast<std::size_t>(m_a.head_dim), sq = static_cast<std::size_t>(m_a.seq_q), skv = static_cast<std::size_t>(m_a.seq_kv);
    const auto heads = static_cast<std::size_t>(m_a.heads), group = static_cast<std::size_t>(m_a.heads / m_a.kv_heads);
    const std::size_t qblocks = (sq + block_q - 1) / block_q, tasks = static_cast<std::size_t>(m_a.batch) * heads * qblocks;
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
#pragma omp parallel num_threads(m_threads)
    {
      tile_state t(d);
      std::vector<float> staged(block_k * d);
      std::size_t visible[block_q];
#pragma omp for schedule(dynamic)
      for (std::size_t task = 0; task < tasks; ++task) {
        const std::size_t bh = task / qblocks, i0 = (task % qblocks) * block_q, nq = std::min(block_q, sq - i0);
        const std::size_t b = bh / heads, h = bh % heads, kv_base = (b * static_cast<std::size_t>(m_a.kv_heads) + h / group) * skv * d;
        const std::size_t q_base = (bh * sq + i0) * d;
        load(m_q, q_base, nq * d, t.q.data());
        for (std::size_t x = 0; x < nq * d; ++x) t.q[x] *= scale;
        std::fill(t.acc.begin(), t.acc.end(), 0.0f);
        std::fill(t.top.begin(), t.top.end(), -std::numeric_limits<float>::infinity());
        std::fill(t.sum.begin(), t.sum.end(), 0.0f);
        for (std::size_t i = 0; i < block_q; ++i) visible[i] = m_a.causal ? std::min(skv, i0 + i + 1 + (skv - sq)) : skv;
        const std::size_t last = visible[nq - 1];  // the block's last query sees the most keys
        for (std::size_t j0 = 0; j0 < last; j0 += block_k) {
          const std::size_t nk = std::min(block_k, last - j0);
          load(m_k, kv_base + j0 * d, nk * d, staged.data());
          for (std::size_t j = 0; j < block_k; ++j)  // transpose K; keys past the end score 0 and are masked by nk
            for (std::size_t c = 0; c < d; ++c) t.kt[c * block_k + j] = j < nk ? staged[j * d + c] : 0.0f;
          load(m_v, kv_base + j0 * d, nk * d, t.v.data());
          std::size_t rel[block_q];
          for (std::size_t i = 0; i < nq; ++i) rel[i] = visible[i] > j0 ? visible[i] - j0 : 0;
          key_block(t, d, nq, nk, rel);
        }
        for (std::size_t i = 0; i < nq; ++i)
          for (std::size_t c = 0; c < d; ++c) t.acc[i * d + c] /= t.sum[i];
        store(t.acc.data(), q_base, nq * d);
      }
    }
    return {};
  }

 private:
  static void load(const host_buffer& from, std::size_t first, std::size_t n, float* to) { stored_to_float(from, first, n, to); }
  void store(const float* from, std::size_t first, std::size_t n) { float_to_stored(from, m_o, first, n); }

  attention_shape m_a;
  int m_threads;
  host_buffer m_q, m_k, m_v, m_o;
};

}  // namespace

result<std::unique_ptr<prepared>> attention_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  return std::make_unique<attention_kernel>(std::get<attention_shape>(p.dims), in, ctx.threads);
}

XPU_OP_ROW(cpu_device, attention){
    kernel_kind::attention, model_layer_support,
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return attention_cpu(p, in, d.kernel_context()); }};

}  // namespace xpu::cpu
