// Softmax, RMSNorm and LayerNorm on the CPU: one row per step of an OpenMP loop, each row in three
// (softmax, LayerNorm) or two (RMSNorm) vectorized passes over a cache-resident fp32 copy (fp16 rows converted with F16C
// on the way in and out). The exponential is vector_math.hpp's, so the passes vectorize.
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

#define XPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

// y = softmax(x) in place in y (x and y may alias).
XPU_CLONES void softmax_row(const float* x, float* y, std::size_t n) {
  float top = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : top)
  for (std::size_t i = 0; i < n; ++i) top = x[i] > top ? x[i] : top;
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = exp_nonpositive(x[i] - top);
    sum += y[i];
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) y[i] *= inv;
}

XPU_CLONES void rmsnorm_row(const float* x, const float* g, float* y, std::size_t n) {
  float squares = 0;
#pragma omp simd reduction(+ : squares)
  for (std::size_t i = 0; i < n; ++i) squares += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(squares / static_cast<float>(n) + static_cast<float>(rmsnorm_eps));
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] * scale * g[i];
}

XPU_CLONES void layernorm_row(const float* x, const float* g, const float* b, float* y, std::size_t n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::size_t i = 0; i < n; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(n);
  float squares = 0;  // about the mean: no cancellation for rows far from zero
#pragma omp simd reduction(+ : squares)
  for (std::size_t i = 0; i < n; ++i) squares += (x[i] - mean) * (x[i] - mean);
  const float scale = 1.0f / std::sqrt(squares / static_cast<float>(n) + static_cast<float>(layernorm_eps));
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * scale * g[i] + b[i];
}

// Rows of x (fp32, fp16 or bf16) through `row(in, out, n)` into y of the same type.
class row_kernel final : public timed {
 public:
  row_kernel(kernel_kind kind, std::int64_t rows, std::int64_t cols, const host_buffers& in, int threads)
      : m_kind(kind), m_rows(static_cast<std::size_t>(rows)), m_cols(static_cast<std::size_t>(cols)), m_threads(threads),
        m_x(in.inputs[0]), m_y(in.inputs[0].type, in.inputs[0].count()) {
    for (std::size_t v = 1; v < in.inputs.size() && v <= 2; ++v) {  // the weights (and biases), once, as fp32
      const host_buffer& g = in.inputs[v];
      auto& to = v == 1 ? m_g : m_b;
      to.resize(g.count());
      for (std::size_t i = 0; i < g.count(); ++i) to[i] = static_cast<float>(g.at(i));
    }
  }
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override {
    return fmt::format("one row per OpenMP step, vectorized{}", m_x.type == element_type::f32 ? "" : fmt::format("; {}", stored_conversion(m_x.type)));
  }
  result<void> read_back(host_buffers& out) override {
    out.outputs.at(0).bytes = m_y.bytes;
    return {};
  }

 protected:
  result<void> run_once() override {
    const bool stored = m_x.type != element_type::f32;  // fp16 or bf16 rows: converted through fp32 row buffers
#pragma omp parallel num_threads(m_threads)
    {
      std::vector<float> in(stored ? m_cols : 0), out(stored ? m_cols : 0);
#pragma omp for schedule(static)
      for (std::size_t r = 0; r < m_rows; ++r) {
        const float* x = stored ? in.data() : m_x.as<float>().data() + r * m_cols;
        float* y = stored ? out.data() : m_y.as<float>().data() + r * m_cols;
        if (stored) stored_to_float(m_x, r * m_cols, m_cols, in.data());
        if (m_kind == kernel_kind::softmax) softmax_row(x, y, m_cols);
        else if (m_kind == kernel_kind::layernorm) layernorm_row(x, m_g.data(), m_b.data(), y, m_cols);
        else rmsnorm_row(x, m_g.data(), y, m_cols);
        if (stored) float_to_stored(out.data(), m_y, r * m_cols, m_cols);
      }
    }
    return {};
  }

 private:
  kernel_kind m_kind;
  std::size_t m_rows, m_cols;
  int m_threads;
  host_buffer m_x, m_y;
  std::vector<float> m_g, m_b;
};

}  // namespace

result<std::unique_ptr<prepared>> softmax_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  const auto& s = std::get<softmax_shape>(p.dims);
  return std::make_unique<row_kernel>(kernel_kind::softmax, s.rows, s.cols, in, ctx.threads);
}

result<std::unique_ptr<prepared>> rmsnorm_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  const auto& s = std::get<rmsnorm_shape>(p.dims);
  return std::make_unique<row_kernel>(kernel_kind::rmsnorm, s.rows, s.cols, in, ctx.threads);
}

result<std::unique_ptr<prepared>> layernorm_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  const auto& s = std::get<layernorm_shape>(p.dims);
  return std::make_unique<row_kernel>(kernel_kind::layernorm, s.rows, s.cols, in, ctx.threads);
}

// softmax, RMSNorm and attention (attention.cpp): fp16 and bf16 storage read into fp32.
support model_layer_support(const cpu_device&, const problem& p) {
  if (p.type == precision::fp16 || p.type == precision::bf16)
    return {support_level::emulated,
            p.type == precision::fp16 ? "fp16 storage converted to fp32 (F16C) as it is read, fp32 arithmetic"
                                      : "bf16 storage converted to fp32 as it is read, fp32 arithmetic",
            {"xpubench"}, {{"xpubench", precision::fp32}}};
  return {support_level::native, p.kind() == kernel_kind::attention ? "flash-style tiles, vectorized, multi-threaded" : "vectorized, multi-threaded",
          {"xpubench"}};
}

XPU_OP_ROW(cpu_device, softmax){
    kernel_kind::softmax, model_layer_support,
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return softmax_cpu(p, in, d.kernel_context()); }};
XPU_OP_ROW(cpu_device, rmsnorm){
    kernel_kind::rmsnorm, model_layer_support,
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return rmsnorm_cpu(p, in, d.kernel_context()); }};
XPU_OP_ROW(cpu_device, layernorm){
    kernel_kind::layernorm, model_layer_support,
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return layernorm_cpu(p, in, d.kernel_context()); }};

}  // namespace xpu::cpu
