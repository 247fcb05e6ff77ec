// Reductions and memory bandwidth on the CPU: vectorized (function multi-versioning picks
// AVX-512, AVX2 or baseline code at run time), multi-threaded with OpenMP, and NUMA-aware:
// each thread first-touches the part of the arrays it will stream.
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu::cpu {

void* huge_pages(std::size_t bytes) {
  constexpr std::size_t huge = 2u << 20;
  bytes = std::max((bytes + huge - 1) / huge * huge, huge);
  void* p = std::aligned_alloc(huge, bytes);
  if (!p) throw std::bad_alloc();
  madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure changes nothing
  return p;
}

namespace {

constexpr std::size_t block = 4096;

struct range {
  std::size_t begin, end;
};
// The part of [0, n) thread `t` of `nt` owns, in whole 64-element pieces.
range split(std::size_t n, int t, int nt) {
  const std::size_t pieces = (n + 63) / 64;
  const std::size_t per = pieces / static_cast<std::size_t>(nt), extra = pieces % static_cast<std::size_t>(nt);
  const auto tt = static_cast<std::size_t>(t);
  const std::size_t first = tt * per + std::min(tt, extra), count = per + (tt < extra ? 1 : 0);
  return {std::min(n, first * 64), std::min(n, (first + count) * 64)};
}

template <class T>
using stream_buffer = huge_buffer<T>;

// A copy on huge pages first-touched by the threads that will read it (same split as the kernels).
template <class T>
stream_buffer<T> numa_copy(std::span<const T> src, int threads) {
  stream_buffer<T> dst = huge_alloc<T>(src.size());
#pragma omp parallel num_threads(threads)
  {
    const range r = split(src.size(), omp_get_thread_num(), omp_get_num_threads());
    if (r.end > r.begin) std::memcpy(dst.get() + r.begin, src.data() + r.begin, (r.end - r.begin) * sizeof(T));
  }
  return dst;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) float sum_block_f32(const float* x, std::size_t n) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) float max_block_f32(const float* x, std::size_t n, float m) {
#pragma omp simd reduction(max : m)
  for (std::size_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

__attribute__((target_clones("arch=skylake-avx512", "avx2", "default"))) std::int32_t sum_block_s8(const std::int8_t* x, std::size_t n) {
  std::int32_t s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

__attribute__((target_clones("arch=skylake-avx512", "avx2", "default"))) std::int32_t max_block_s8(const std::int8_t* x, std::size_t n, std::int32_t m) {
  std::int8_t best = static_cast<std::int8_t>(std::max<std::int32_t>(m, -128));
#pragma omp simd reduction(max : best)
  for (std::size_t i = 0; i < n; ++i) best = x[i] > best ? x[i] : best;
  return best;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void copy_block(const float* __restrict a, float* __restrict c, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) c[i] = a[i];
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void triad_block(const float* __restrict a, const float* __restrict b,
                                                                                  float* __restrict c, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) c[i] = a[i] + 3.0f * b[i];
}

// Sums/maxes blocks in the input type, combines in double (sum) so the result stays accurate.
template <class T>
class reduction final : public timed {
 public:
  reduction(const reduction_shape& s, const host_buffer& in, int threads)
      : m_shape(s), m_threads(threads), m_n(in.count()), m_x(numa_copy(in.as<T>(), threads)), m_out_type(in.type) {}
  std::string_view implementation() const override { return "xpubench"; }
  std::string notes() const override {
    return m_out_type == element_type::f16 ? "fp16 converted to fp32 (F16C) block by block" : "";
  }
  result<void> read_back(host_buffers& out) override {
    host_buffer& y = out.outputs.at(0);
    if (y.type == element_type::s32) y.as<std::int32_t>()[0] = static_cast<std::int32_t>(m_result);
    else y.as<float>()[0] = static_cast<float>(m_result);
    return {};
  }

 protected:
  result<void> run_once() override {
    const bool sum = m_shape.op == reduce_op::sum;
    double total = sum ? 0.0 : -std::numeric_limits<double>::infinity();
#pragma omp parallel num_threads(m_threads)
    {
      const range r = split(m_n, omp_get_thread_num(), omp_get_num_threads());
      double acc = sum ? 0.0 : -std::numeric_limits<double>::infinity();
      for (std::size_t i = r.begin; i < r.end; i += block) {
        const std::size_t len = std::min(block, r.end - i);
        acc = sum ? acc + block_sum(m_x.get() + i, len) : std::max(acc, block_max(m_x.get() + i, len));
      }
#pragma omp critical
      total = sum ? total + acc : std::max(total, acc);
    }
    m_result = total;
    return {};
  }

 private:
  static double block_sum(const T* x, std::size_t n) {
    if constexpr (std::is_same_v<T, float>) return sum_block_f32(x, n);
    else if constexpr (std::is_same_v<T, std::int8_t>) return sum_block_s8(x, n);
    else {
      float tmp[block];
      half_to_float_bulk_block(x, tmp, n);
      return sum_block_f32(tmp, n);
    }
  }
  static double block_max(const T* x, std::size_t n) {
    if constexpr (std::is_same_v<T, float>) return max_block_f32(x, n, -std::numeric_limits<float>::infinity());
    else if constexpr (std::is_same_v<T, std::int8_t>) return max_block_s8(x, n, -128);
    else {
      float tmp[block];
      half_to_float_bulk_block(x, tmp, n);
      return max_block_f32(tmp, n, -std::numeric_limits<float>::infinity());
    }
  }
  reduction_shape m_shape;
  int m_threads;
  std::size_t m_n;
  stream_buffer<T> m_x;
  element_type m_out_type;
  double m_result = 0;
};

class stream final : public timed {
 public:
  stream(const bandwidth_shape& s, const host_buffers& in, int threads) : m_op(s.op), m_threads(threads), m_n(in.inputs[0].count()) {
    m_a = numa_copy(in.inputs[0].as<float>(), threads);
    if (s.op == bandwidth_op::triad) m_b = numa_copy(in.inputs[1].as<float>(), threads);
    if (s.op != bandwidth_op::read) m_c = numa_copy(in.inputs[0].as<float>(), threads);  // first-touch the output too
  }
  std::string_view implementation() const override { return "xpubench"; }
  result<void> read_back(host_buffers& out) override {
    auto y = out.outputs.at(0).as<float>();
    if (m_op == bandwidth_op::read) y[0] = static_cast<float>(m_sum);
    else std::memcpy(y.data(), m_c.get(), m_n * sizeof(float));
    return {};
  }

 protected:
  result<void> run_once() override {
    double total = 0;
#pragma omp parallel num_threads(m_threads) reduction(+ : total)
    {
      const range r = split(m_n, omp_get_thread_num(), omp_get_num_threads());
      for (std::size_t i = r.begin; i < r.end; i += block) {
        const std::size_t len = std::min(block, r.end - i);
        switch (m_op) {
          case bandwidth_op::read: total += sum_block_f32(m_a.get() + i, len); break;
          case bandwidth_op::copy: copy_block(m_a.get() + i, m_c.get() + i, len); break;
          case bandwidth_op::triad: triad_block(m_a.get() + i, m_b.get() + i, m_c.get() + i, len); break;
          case bandwidth_op::upload:
          case bandwidth_op::download: break;  // not offered on the CPU (cpu_device::supports)
        }
      }
    }
    m_sum = total;
    return {};
  }

 private:
  bandwidth_op m_op;
  int m_threads;
  std::size_t m_n;
  stream_buffer<float> m_a, m_b, m_c;
  double m_sum = 0;
};

}  // namespace

result<std::unique_ptr<prepared>> reduction_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  const auto& s = std::get<reduction_shape>(p.dims);
  switch (p.type) {
    case precision::fp32: return std::make_unique<reduction<float>>(s, in.inputs[0], ctx.threads);
    case precision::fp16: return std::make_unique<reduction<std::uint16_t>>(s, in.inputs[0], ctx.threads);
    case precision::int8: return std::make_unique<reduction<std::int8_t>>(s, in.inputs[0], ctx.threads);
    case precision::bf16:
    case precision::fp64:
    case precision::int32:
    case precision::fp8_e4m3:
    case precision::fp8_e5m2: break;
  }
  return fail(status::unsupported, "no {} reduction on the CPU backend", to_string(p.type));
}

result<std::unique_ptr<prepared>> bandwidth_cpu(const problem& p, const host_buffers& in, const context& ctx) {
  return std::make_unique<stream>(std::get<bandwidth_shape>(p.dims), in, ctx.threads);
}

XPU_OP_ROW(cpu_device, reduction){
    kernel_kind::reduction,
    [](const cpu_device&, const problem& p) {
      if (p.type == precision::bf16) return support{support_level::unsupported, "no bf16 reduction on the CPU backend", {}};
      return support{p.type == precision::fp16 ? support_level::emulated : support_level::native,
                     p.type == precision::fp16 ? "fp16 converted to fp32 block by block" : "vectorized, multi-threaded", {"xpubench"}};
    },
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return reduction_cpu(p, in, d.kernel_context()); }};

XPU_OP_ROW(cpu_device, bandwidth){
    kernel_kind::bandwidth,
    [](const cpu_device&, const problem& p) {
      if (const auto op = std::get<bandwidth_shape>(p.dims).op; op == bandwidth_op::upload || op == bandwidth_op::download)
        return support{support_level::unsupported, "the CPU backend computes in host memory: there is no host-device transfer", {}};
      return support{support_level::native, "vectorized, multi-threaded, NUMA first touch", {"xpubench"}};
    },
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return bandwidth_cpu(p, in, d.kernel_context()); }};

}  // namespace xpu::cpu
