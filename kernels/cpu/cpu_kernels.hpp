#pragma once
// Internal to the CPU backend: one factory per operation, and the timing base class.
#include <chrono>
#include <memory>
#include <string>

#include "kernels/backend.hpp"
#include "probe/cpu.hpp"

namespace xpu::cpu {

// A CPU kernel times launches with the steady clock around a loop of run_once().
class timed : public prepared {
 public:
  result<double> run_seconds(int launches) final {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < launches; ++i)
      if (auto ok = run_once(); !ok) return std::unexpected(ok.error());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

 protected:
  virtual result<void> run_once() = 0;
};

struct context {
  const cpu_isa& isa;
  int threads;
};

result<std::unique_ptr<prepared>> gemm_onednn(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> conv_onednn(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> gemm_openblas(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> reduction_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> bandwidth_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> peak_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> latency_cpu(const problem& p, const host_buffers& in, const context& ctx);

// fp16 -> fp32 in bulk (F16C where the CPU has it), for the emulated fp16 paths.
void half_to_float_bulk(const std::uint16_t* in, float* out, std::size_t n);
// The same on the calling thread only (for kernels that are already parallel).
void half_to_float_bulk_block(const std::uint16_t* in, float* out, std::size_t n);

// Which peak paths this CPU has, by precision; empty reason = supported.
std::string peak_unsupported_reason(const cpu_isa& isa, precision p);

}  // namespace xpu::cpu
