// Peak-compute micro-kernels for the ISA paths the probe found, the empty-task launch latency,
// and the effective clock. Each peak kernel runs independent multiply-accumulate chains held in
// registers (12 vector accumulators, fully unrolled: enough to cover FMA latency on two pipes; both operands stay in registers or L1); the chains'
// final values are checked exactly against the reference, so nothing can be optimized away.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <vector>
#include <cstring>

#include <fmt/format.h>

#include "kernels/cpu/cpu_device.hpp"
#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu::cpu {
namespace {

constexpr int accumulators = 12;

#if defined(__x86_64__)
// One body for every ISA path: `width` chains per vector register, `accumulators` registers per
// block; each chain's operands are `per_chain` elements of the operand arrays A and B.
#define XPU_PEAK_KERNEL(name, isa, acc_t, op_t, vec_t, op_vec_t, width, per_chain, load_acc, load_op, madd, store_acc)     \
  __attribute__((target(isa))) void name(const acc_t* x0, const op_t* a, const op_t* b, acc_t* y, std::size_t chains,  \
                                            std::int64_t iters) {                                                          \
    constexpr std::size_t step = accumulators * (width);                                                                   \
    _Pragma("omp parallel for schedule(static)") for (std::size_t base = 0; base < chains; base += step) {                 \
      vec_t x[accumulators];                                                                                              \
      op_vec_t av[accumulators], bv[accumulators];                                                                         \
      _Pragma("GCC unroll 16") for (int r = 0; r < accumulators; ++r) {                                                    \
        const std::size_t chain = base + (width) * static_cast<std::size_t>(r);                                            \
        x[r] = load_acc(x0 + chain);                                                                                       \
        av[r] = load_op(a + (per_chain) * chain);                                                                          \
        bv[r] = load_op(b + (per_chain) * chain);                                                                          \
      }                                                                                                                    \
      for (std::int64_t i = 0; i < iters; ++i)                                                                             \
        _Pragma("GCC unroll 16") for (int r = 0; r < accumulators; ++r) x[r] = madd(x[r], av[r], bv[r]);                   \
      _Pragma("GCC unroll 16") for (int r = 0; r < accumulators; ++r) store_acc(y + base + (width) * r, x[r]);             \
    }                                                                                                                      \
  }

// Loads, stores and multiply-adds with the signatures the kernel body expects.
#define XPU_LOAD512(p) _mm512_loadu_si512(p)
#define XPU_STORE512(p, v) _mm512_storeu_si512(p, v)
#define XPU_LOAD256(p) _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
#define XPU_STORE256(p, v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v)
#define XPU_FMA512(x, a, b) _mm512_fmadd_ps(a, b, x)
#define XPU_FMA256(x, a, b) _mm256_fmadd_ps(a, b, x)
#define XPU_FMA512D(x, a, b) _mm512_fmadd_pd(a, b, x)
#define XPU_FMA256D(x, a, b) _mm256_fmadd_pd(a, b, x)
#define XPU_LOADBF16(p) reinterpret_cast<__m512bh>(_mm512_loadu_si512(p))

XPU_PEAK_KERNEL(fp32_avx512, "avx512f", float, float, __m512, __m512, 16, 1, _mm512_loadu_ps, _mm512_loadu_ps, XPU_FMA512,
                _mm512_storeu_ps)
XPU_PEAK_KERNEL(fp32_avx2, "avx2,fma", float, float, __m256, __m256, 8, 1, _mm256_loadu_ps, _mm256_loadu_ps, XPU_FMA256,
                _mm256_storeu_ps)
XPU_PEAK_KERNEL(fp64_avx512, "avx512f", double, double, __m512d, __m512d, 8, 1, _mm512_loadu_pd, _mm512_loadu_pd, XPU_FMA512D,
                _mm512_storeu_pd)
XPU_PEAK_KERNEL(fp64_avx2, "avx2,fma", double, double, __m256d, __m256d, 4, 1, _mm256_loadu_pd, _mm256_loadu_pd, XPU_FMA256D,
                _mm256_storeu_pd)
// int8: each int32 chain += dot4(u8 a, s8 b) per step (VPDPBUSD); A is u8 and B s8 in memory,
// both passed here as bytes.
XPU_PEAK_KERNEL(int8_vnni512, "avx512f,avx512vnni", std::int32_t, std::int8_t, __m512i, __m512i, 16, 4, XPU_LOAD512,
                XPU_LOAD512, _mm512_dpbusd_epi32, XPU_STORE512)
XPU_PEAK_KERNEL(int8_avxvnni, "avx2,avxvnni", std::int32_t, std::int8_t, __m256i, __m256i, 8, 4, XPU_LOAD256, XPU_LOAD256,
                _mm256_dpbusd_avx_epi32, XPU_STORE256)
// bf16: each fp32 chain += a0*b0 + a1*b1 per step (VDPBF16PS).
XPU_PEAK_KERNEL(bf16_avx512, "avx512f,avx512bf16", float, std::uint16_t, __m512, __m512bh, 16, 2, _mm512_loadu_ps,
                XPU_LOADBF16, _mm512_dpbf16_ps, _mm512_storeu_ps)
#endif

enum class path { none, fp32_avx512, fp32_avx2, int8_vnni512, int8_avxvnni, bf16_avx512, fp64_avx512, fp64_avx2 };

path choose(const cpu_isa& isa, precision p) {
#if defined(__x86_64__)
  switch (p) {
    case precision::fp32:
      if (isa.has("avx512f")) return path::fp32_avx512;
      if (isa.has("avx2") && isa.has("fma")) return path::fp32_avx2;
      break;
    case precision::int8:
      if (isa.has("avx512_vnni")) return path::int8_vnni512;
      if (isa.has("avx_vnni")) return path::int8_avxvnni;
      break;
    case precision::bf16:
      if (isa.has("avx512_bf16")) return path::bf16_avx512;
      break;
    case precision::fp64:
      if (isa.has("avx512f")) return path::fp64_avx512;
      if (isa.has("avx2") && isa.has("fma")) return path::fp64_avx2;
      break;
    case precision::fp16:
    case precision::int32:
    case precision::fp8_e4m3:
    case precision::fp8_e5m2: break;
  }
#else
  (void)isa, (void)p;
#endif
  return path::none;
}

const char* path_name(path p) {
  switch (p) {
    case path::fp32_avx512: return "AVX-512F VFMADD231PS, 12 zmm chains per thread";
    case path::fp32_avx2: return "AVX2 VFMADD231PS, 12 ymm chains per thread";
    case path::int8_vnni512: return "AVX512-VNNI VPDPBUSD, 12 zmm chains per thread";
    case path::int8_avxvnni: return "AVX-VNNI VPDPBUSD (256-bit), 12 ymm chains per thread";
    case path::bf16_avx512: return "AVX512_BF16 VDPBF16PS, 12 zmm chains per thread";
    case path::fp64_avx512: return "AVX-512F VFMADD231PD, 12 zmm chains per thread";
    case path::fp64_avx2: return "AVX2 VFMADD231PD, 12 ymm chains per thread";
    case path::none: break;
  }
  return "none";
}

class peak final : public timed {
 public:
  peak(path pa, const peak_shape& s, const host_buffers& in, int threads) : m_path(pa), m_iters(s.iterations), m_in(in), m_threads(threads) {
    m_out.resize(peak_chains * 8);  // up to fp64 chains
  }
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override { return path_name(m_path); }
  result<void> read_back(host_buffers& out) override {
    std::memcpy(out.outputs.at(0).bytes.data(), m_out.data(), out.outputs.at(0).bytes.size());
    return {};
  }

 protected:
  result<void> run_once() override {
    omp_set_num_threads(m_threads);
#if defined(__x86_64__)
    const auto& x0 = m_in.inputs[0];
    const auto& a = m_in.inputs[1];
    const auto& b = m_in.inputs[2];
    switch (m_path) {
      case path::fp32_avx512: fp32_avx512(x0.as<float>().data(), a.as<float>().data(), b.as<float>().data(), out_f32(), peak_chains, m_iters); break;
      case path::fp32_avx2: fp32_avx2(x0.as<float>().data(), a.as<float>().data(), b.as<float>().data(), out_f32(), peak_chains, m_iters); break;
      case path::int8_vnni512:
        int8_vnni512(x0.as<std::int32_t>().data(), bytes(a), b.as<std::int8_t>().data(), out_s32(), peak_chains, m_iters);
        break;
      case path::int8_avxvnni:
        int8_avxvnni(x0.as<std::int32_t>().data(), bytes(a), b.as<std::int8_t>().data(), out_s32(), peak_chains, m_iters);
        break;
      case path::bf16_avx512:
        bf16_avx512(x0.as<float>().data(), a.as<std::uint16_t>().data(), b.as<std::uint16_t>().data(), out_f32(), peak_chains, m_iters);
        break;
      case path::fp64_avx512: fp64_avx512(x0.as<double>().data(), a.as<double>().data(), b.as<double>().data(), out_f64(), peak_chains, m_iters); break;
      case path::fp64_avx2: fp64_avx2(x0.as<double>().data(), a.as<double>().data(), b.as<double>().data(), out_f64(), peak_chains, m_iters); break;
      case path::none: return fail(status::unsupported, "no peak path");
    }
#endif
    return {};
  }

 private:
  float* out_f32() { return reinterpret_cast<float*>(m_out.data()); }
  double* out_f64() { return reinterpret_cast<double*>(m_out.data()); }
  static const std::int8_t* bytes(const host_buffer& b) { return reinterpret_cast<const std::int8_t*>(b.bytes.data()); }
  std::int32_t* out_s32() { return reinterpret_cast<std::int32_t*>(m_out.data()); }
  path m_path;
  std::int64_t m_iters;
  const host_buffers& m_in;
  int m_threads;
  std::vector<std::byte> m_out;
};

class empty_task final : public timed {
 public:
  explicit empty_task(int threads) : m_threads(threads) {}
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override { return fmt::format("an empty OpenMP parallel region on {} threads", m_threads); }
  result<void> read_back(host_buffers&) override { return {}; }

 protected:
  result<void> run_once() override {
    int arrived = 0;
#pragma omp parallel num_threads(m_threads)
    {
#pragma omp atomic
      ++arrived;
    }
    if (arrived != m_threads) return fail(status::failed, "only {} of {} threads ran the empty task", arrived, m_threads);
    return {};
  }

 private:
  int m_threads;
};

}  // namespace

std::string peak_unsupported_reason(const cpu_isa& isa, precision p) {
  if (choose(isa, p) != path::none) return "";
  switch (p) {
    case precision::fp32: return "needs AVX2+FMA or AVX-512F";
    case precision::fp16:
      return isa.has("avx512_fp16") ? "AVX512-FP16 peak kernel not written yet"
                                    : "no fp16 arithmetic on this CPU: emulated fp16 computes at the fp32 rate (see peak/fp32)";
    case precision::bf16: return "needs AVX512_BF16";
    case precision::int8: return "needs AVX512-VNNI or AVX-VNNI";
    case precision::fp64: return "needs AVX2+FMA or AVX-512F";
    case precision::int32: return "no int32 peak kernel in the CPU backend (the GPU APIs' integer figure; see the OpenCL and Vulkan devices)";
    case precision::fp8_e4m3:
    case precision::fp8_e5m2: return "no fp8 kernels in xpubench yet";
  }
  return "unsupported";
}

result<std::unique_ptr<prepared>> peak_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  const path pa = choose(ctx.isa, p.type);
  if (pa == path::none) return fail(status::unsupported, "{}", peak_unsupported_reason(ctx.isa, p.type));
  return std::make_unique<peak>(pa, std::get<peak_shape>(p.dims), in, ctx.threads);
}

result<std::unique_ptr<prepared>> latency_cpu(const problem&, const host_buffers&, const context& ctx) {
  return std::make_unique<empty_task>(ctx.threads);
}

XPU_OP_ROW(cpu_device, peak){
    kernel_kind::peak,
    [](const cpu_device& d, const problem& p) {
      if (auto why_not = peak_unsupported_reason(d.isa(), p.type); !why_not.empty()) return support{support_level::unsupported, why_not, {}};
      return support{support_level::native, "register-resident multiply-accumulate chains", {"xpubench"}};
    },
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return peak_cpu(p, in, d.kernel_context()); }};

XPU_OP_ROW(cpu_device, latency){
    kernel_kind::latency, [](const cpu_device&, const problem&) { return support{support_level::native, "empty OpenMP parallel region", {"xpubench"}}; },
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return latency_cpu(p, in, d.kernel_context()); }};

}  // namespace xpu::cpu

namespace xpu {

double cpu_fp32_peak_flops(const cpu_isa& isa, int threads, double seconds) {
#if defined(__x86_64__)
  const cpu::path pa = cpu::choose(isa, precision::fp32);
  if (pa == cpu::path::none) return 0;
  omp_set_num_threads(threads);
  // Operands that keep every chain finite and normal: x grows by 0.25 per step.
  std::vector<float> x0(peak_chains, 1.0f), a(peak_chains, 0.5f), b(peak_chains, 0.5f), y(peak_chains);
  auto launch = [&](std::int64_t iters) {
    const auto start = std::chrono::steady_clock::now();
    if (pa == cpu::path::fp32_avx512) cpu::fp32_avx512(x0.data(), a.data(), b.data(), y.data(), peak_chains, iters);
    else cpu::fp32_avx2(x0.data(), a.data(), b.data(), y.data(), peak_chains, iters);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::int64_t iters = 16;
  while (launch(iters) < seconds / 8 && iters < (std::int64_t{1} << 24)) iters *= 2;
  double best = 0;  // the fastest of twelve short launches, as for the chains
  for (int i = 0; i < 12; ++i) best = std::max(best, 2.0 * static_cast<double>(peak_chains) * static_cast<double>(iters) / launch(iters));
  return best;
#else
  (void)isa, (void)threads, (void)seconds;
  return 0;
#endif
}

}  // namespace xpu
