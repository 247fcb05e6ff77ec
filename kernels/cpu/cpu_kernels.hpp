#pragma once
// Internal to the CPU backend: one factory per operation, and the timing base class.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "kernels/backend.hpp"
#include "kernels/cpu/cpu_device.hpp"
#include "kernels/op_table.hpp"
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

// Memory for large streams: 2 MiB-aligned and advised onto transparent huge pages (madvise mode is
// Debian's default; 4 KiB pages make a large stream depend on where its pages happened to land, run
// to run). Left untouched: the threads that will stream it write it first (first touch, NUMA).
struct free_deleter {
  void operator()(void* p) const { std::free(p); }
};
template <class T>
using huge_buffer = std::unique_ptr<T[], free_deleter>;
void* huge_pages(std::size_t bytes);  // throws std::bad_alloc
template <class T>
huge_buffer<T> huge_alloc(std::size_t count) {
  return huge_buffer<T>(static_cast<T*>(huge_pages(count * sizeof(T))));
}

struct context {
  const cpu_isa& isa;
  int threads;
};

// The CPU device: its operations are the rows of rows() (ops.cpp), each in its host file.
class cpu_device final : public table_device<cpu_device> {
 public:
  cpu_device(device_info info, const cpu_info& cpu, const cpu_options& options);
  const device_info& info() const override { return m_info; }
  std::optional<double> clock_hz_measure() override;
  static std::span<const op_row<cpu_device>* const> rows();

  const cpu_isa& isa() const { return m_isa; }
  context kernel_context() const { return {m_isa, m_threads}; }
  // The device's support level and reason for p's precision (what the probe found).
  support precision_level(const problem& p) const;

 protected:
  std::optional<support> common_support(const problem& p) const override;
  result<void> prepare_check(const problem& p, const host_buffers& in) override;

 private:
  device_info m_info;
  cpu_info m_cpu;
  cpu_isa m_isa;
  std::shared_ptr<const cpu_clock> m_clock;
  int m_threads = 1;
};

result<std::unique_ptr<prepared>> gemm_onednn(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> conv_onednn(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> gemm_openblas(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> reduction_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> bandwidth_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> peak_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> softmax_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> rmsnorm_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> layernorm_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> attention_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> qgemm_cpu(const problem& p, const host_buffers& in, const context& ctx);
result<std::unique_ptr<prepared>> latency_cpu(const problem& p, const host_buffers& in, const context& ctx);

// What OpenBLAS picked (its core name: "Haswell", "SkylakeX", "Prescott"), the ISA tier of that
// core's kernels (0 SSE, 1 AVX, 2 AVX2, 3 AVX-512), and a warning with the fix where the tier is
// below the CPU's. coretype_env: OPENBLAS_CORETYPE's value or null; parallel: openblas_get_parallel().
int openblas_core_tier(std::string_view corename);
prepared::choice openblas_choice(std::string_view corename, const cpu_isa& isa, const char* coretype_env, int threads, int parallel);
// What oneDNN picked: its implementation string and the ISA it dispatches up to; a warning for
// its reference implementation or an ISA cap below the CPU's.
prepared::choice onednn_choice(std::string_view impl_info, const cpu_isa& isa);

// softmax, RMSNorm and attention's support: fp16 and bf16 storage read into fp32 (normalize.cpp).
support model_layer_support(const cpu_device& d, const problem& p);

// fp16 -> fp32 in bulk (F16C where the CPU has it), for the emulated fp16 paths.
void half_to_float_bulk(const std::uint16_t* in, float* out, std::size_t n);
// The same on the calling thread only (for kernels that are already parallel).
void half_to_float_bulk_block(const std::uint16_t* in, float* out, std::size_t n);

// fp32 -> fp16 (round to nearest even) on the calling thread.
void float_to_half_bulk_block(const float* in, std::uint16_t* out, std::size_t n);

// Elements [first, first + n) of a stored fp32, fp16 or bf16 buffer as fp32, and back (round to
// nearest even), on the calling thread: how the model-layer kernels (attention, softmax, RMSNorm)
// read and write their storage type while computing in fp32.
void stored_to_float(const host_buffer& from, std::size_t first, std::size_t n, float* to);
void float_to_stored(const float* from, host_buffer& to, std::size_t first, std::size_t n);
// What the conversion is, for a kernel's notes ("" for fp32).
std::string_view stored_conversion(element_type t);

// Which peak paths this CPU has, by precision; empty reason = supported.
std::string peak_unsupported_reason(const cpu_isa& isa, precision p);

}  // namespace xpu::cpu
