// SiLU on the CPU: blocks of 4096 elements per OpenMP step, each in one vectorized pass (fp16 and
// bf16 blocks converted through fp32 on the way in and out). The exponential is vector_math.hpp's.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.hpp"
#include "kernels/cpu/vector_math.hpp"
#include "ops/rows.hpp"

namespace xpu::cpu {
namespace {

#define XPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

// y = x / (1 + e^-x), with e^-|x| (never above 1) for both signs: x >= 0 gives x / (1 + e),
// x < 0 gives x e / (1 + e).
XPU_CLONES void silu_block(const float* x, float* y, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float e = exp_nonpositive(v < 0 ? v : -v);
    y[i] = v * (v < 0 ? e : 1.0f) / (1.0f + e);
  }
}

class silu_kernel final : public timed {
 public:
  silu_kernel(const host_buffers& in, int threads) : m_threads(threads), m_x(in.inputs[0]), m_y(in.inputs[0].type, in.inputs[0].count()) {}
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override {
    return fmt::format("{}-element blocks per OpenMP step, vectorized{}", block,
                       m_x.type == element_type::f32 ? "" : fmt::format("; {}", stored_conversion(m_x.type)));
  }
  result<void> read_back(host_buffers& out) override {
    out.outputs.at(0).bytes = m_y.bytes;
    return {};
  }

 protected:
  result<void> run_once() override {
    const std::size_t n = m_x.count(), blocks = (n + block - 1) / block;
    const bool stored = m_x.type != element_type::f32;
#pragma omp parallel num_threads(m_threads)
    {
      std::vector<float> in(stored ? block : 0), out(stored ? block : 0);
#pragma omp for schedule(static)
      for (std::size_t b = 0; b < blocks; ++b) {
        const std::size_t first = b * block, count = std::min(block, n - first);
        const float* x = stored ? in.data() : m_x.as<float>().data() + first;
        float* y = stored ? out.data() : m_y.as<float>().data() + first;
        if (stored) stored_to_float(m_x, first, count, in.data());
        silu_block(x, y, count);
        if (stored) float_to_stored(out.data(), m_y, first, count);
      }
    }
    return {};
  }

 private:
  static constexpr std::size_t block = 4096;
  int m_threads;
  host_buffer m_x, m_y;
};

}  // namespace

XPU_OP_ROW(cpu_device, silu){
    kernel_kind::silu, model_layer_support,
    [](cpu_device& d, const problem&, const host_buffers& in, std::string_view) -> result<std::unique_ptr<prepared>> {
      return std::make_unique<silu_kernel>(in, d.kernel_context().threads);
    }};

}  // namespace xpu::cpu
