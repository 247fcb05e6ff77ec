#include "kernels/cpu/cpu_device.hpp"

#include <cblas.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <fmt/format.h>

#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu {
namespace cpu {

cpu_device::cpu_device(device_info info, const cpu_info& cpu, const cpu_options& options)
    : m_info(std::move(info)), m_cpu(cpu), m_isa(cpu.isa), m_clock(options.clock) {
  m_threads = options.threads > 0 ? options.threads : std::max(1, cpu.topology.cores);
  omp_set_num_threads(m_threads);
  openblas_set_num_threads(m_threads);
}

std::optional<double> cpu_device::clock_hz_measure() {
  omp_set_num_threads(m_threads);
  if (!m_clock) m_clock = std::make_shared<const cpu_clock>(cpu_clock_calibrate(m_cpu, m_threads));
  return cpu_clock_recheck(*m_clock);
}

support cpu_device::precision_level(const problem& p) const {
  const precision_support* ps = m_info.support_for(p.type);
  return {ps ? ps->level : support_level::unsupported, ps ? ps->reason : "unknown precision", {}};
}

std::optional<support> cpu_device::common_support(const problem& p) const {
  if (is_fp8(p.type)) return support{support_level::unsupported, fmt::format("xpubench has no fp8 kernels ({})", precision_level(p).reason), {}};
  return std::nullopt;
}

result<void> cpu_device::prepare_check(const problem&, const host_buffers&) {
  omp_set_num_threads(m_threads);
  return {};
}

// The operations: one name per row, each row defined in its host file (kernels/cpu/<file>.cpp):
// gemm and conv2d in onednn.cpp (OpenBLAS's GEMM beside it), reduction and bandwidth in
// streams.cpp, peak and latency in peak.cpp, softmax and rmsnorm in normalize.cpp.
#define XPU_CPU_OPS(X) X(gemm) X(conv2d) X(reduction) X(bandwidth) X(peak) X(latency) X(softmax) X(rmsnorm) X(attention) X(qgemm) X(silu) X(layernorm) X(moe)
XPU_OP_TABLE(cpu_device, XPU_CPU_OPS)

}  // namespace cpu

std::unique_ptr<device> cpu_device_create(const device_info& info, const cpu_info& cpu, const cpu_options& options) {
  return std::make_unique<cpu::cpu_device>(info, cpu, options);
}

std::string cpu_libraries() {
  const dnnl_version_t* v = dnnl_version();
  return fmt::format("oneDNN {}.{}.{} (cpu runtime {}); {}", v->major, v->minor, v->patch, v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other",
                     openblas_get_config());
}

}  // namespace xpu
