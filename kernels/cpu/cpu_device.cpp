#include "kernels/cpu/cpu_device.hpp"

#include <cblas.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <fmt/format.h>

#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu {
namespace {

class cpu_device final : public device {
 public:
  cpu_device(device_info info, const cpu_info& cpu, const cpu_options& options)
      : m_info(std::move(info)), m_cpu(cpu), m_isa(cpu.isa), m_clock(options.clock) {
    m_threads = options.threads > 0 ? options.threads : std::max(1, cpu.topology.cores);
    omp_set_num_threads(m_threads);
    openblas_set_num_threads(m_threads);
  }
  const device_info& info() const override { return m_info; }
  std::optional<double> clock_hz_measure() override {
    omp_set_num_threads(m_threads);
    if (!m_clock) m_clock = std::make_shared<const cpu_clock>(cpu_clock_calibrate(m_cpu, m_threads));
    return cpu_clock_recheck(*m_clock);
  }

  support supports_op(const problem& p) const override {
    const precision_support* ps = m_info.support_for(p.type);
    const support_level level = ps ? ps->level : support_level::unsupported;
    const std::string why = ps ? ps->reason : "unknown precision";
    if (is_fp8(p.type)) return {support_level::unsupported, fmt::format("xpubench has no fp8 kernels ({})", why), {}};
    switch (p.kind()) {
      case kernel_kind::gemm:
      case kernel_kind::conv2d: {
        if (level == support_level::unsupported) return {level, why, {}};
        std::vector<std::string> impls{"onednn"};
        if (p.kind() == kernel_kind::gemm && p.type == precision::fp32) impls.push_back("openblas");
        if (p.type == precision::fp16)
          return {support_level::emulated, "fp16 converted to fp32 (F16C) every launch, fp32 compute in oneDNN", impls};
        return {level, why, impls};
      }
      case kernel_kind::reduction:
        if (p.type == precision::bf16) return {support_level::unsupported, "no bf16 reduction on the CPU backend", {}};
        return {p.type == precision::fp16 ? support_level::emulated : support_level::native,
                p.type == precision::fp16 ? "fp16 converted to fp32 block by block" : "vectorized, multi-threaded", {"xpubench"}};
      case kernel_kind::bandwidth:
        if (const auto op = std::get<bandwidth_shape>(p.dims).op; op == bandwidth_op::upload || op == bandwidth_op::download)
          return {support_level::unsupported, "the CPU backend computes in host memory: there is no host-device transfer", {}};
        return {support_level::native, "vectorized, multi-threaded, NUMA first touch", {"xpubench"}};
      case kernel_kind::peak:
        if (auto why_not = cpu::peak_unsupported_reason(m_isa, p.type); !why_not.empty()) return {support_level::unsupported, why_not, {}};
        return {support_level::native, "register-resident multiply-accumulate chains", {"xpubench"}};
      case kernel_kind::latency:
        return {support_level::native, "empty OpenMP parallel region", {"xpubench"}};
      case kernel_kind::qgemm:
        return {support_level::native,
                p.type == precision::int8 ? "Q8_0 activations: int32 dot products per block (VNNI or AVX2 where present)"
                                          : "weight rows dequantized to fp32, vectorized dot products",
                {"xpubench"}};
      case kernel_kind::softmax:
      case kernel_kind::rmsnorm:
      case kernel_kind::attention:
        if (p.type == precision::fp16 || p.type == precision::bf16)
          return {support_level::emulated,
                  p.type == precision::fp16 ? "fp16 storage converted to fp32 (F16C) as it is read, fp32 arithmetic"
                                            : "bf16 storage converted to fp32 as it is read, fp32 arithmetic",
                  {"xpubench"}, {{"xpubench", precision::fp32}}};
        return {support_level::native, p.kind() == kernel_kind::attention ? "flash-style tiles, vectorized, multi-threaded" : "vectorized, multi-threaded",
                {"xpubench"}};
    }
    return {support_level::unsupported, "unknown kernel", {}};
  }

  result<std::unique_ptr<prepared>> prepare(const problem& p, const host_buffers& in, std::string_view impl) override {
    if (auto ok = support_check(*this, p, impl); !ok) return std::unexpected(ok.error());
    omp_set_num_threads(m_threads);
    const cpu::context ctx{m_isa, m_threads};
    switch (p.kind()) {
      case kernel_kind::gemm: return impl == "openblas" ? cpu::gemm_openblas(p, in, ctx) : cpu::gemm_onednn(p, in, ctx);
      case kernel_kind::conv2d: return cpu::conv_onednn(p, in, ctx);
      case kernel_kind::reduction: return cpu::reduction_cpu(p, in, ctx);
      case kernel_kind::bandwidth: return cpu::bandwidth_cpu(p, in, ctx);
      case kernel_kind::peak: return cpu::peak_cpu(p, in, ctx);
      case kernel_kind::latency: return cpu::latency_cpu(p, in, ctx);
      case kernel_kind::softmax: return cpu::softmax_cpu(p, in, ctx);
      case kernel_kind::rmsnorm: return cpu::rmsnorm_cpu(p, in, ctx);
      case kernel_kind::attention: return cpu::attention_cpu(p, in, ctx);
      case kernel_kind::qgemm: return cpu::qgemm_cpu(p, in, ctx);
    }
    return fail(status::unsupported, "unknown kernel");
  }

 private:
  device_info m_info;
  cpu_info m_cpu;
  cpu_isa m_isa;
  std::shared_ptr<const cpu_clock> m_clock;
  int m_threads = 1;
};

}  // namespace

std::unique_ptr<device> cpu_device_create(const device_info& info, const cpu_info& cpu, const cpu_options& options) {
  return std::make_unique<cpu_device>(info, cpu, options);
}

std::string cpu_libraries() {
  const dnnl_version_t* v = dnnl_version();
  return fmt::format("oneDNN {}.{}.{} (cpu runtime {}); {}", v->major, v->minor, v->patch, v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other",
                     openblas_get_config());
}

}  // namespace xpu
