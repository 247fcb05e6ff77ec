// Minimal direct calls of the libraries and loops xpubench's CPU backend is measured against
// (bench/cpu_vs_libraries.sh). Deliberately independent of xpubench's code: plain oneDNN,
// OpenBLAS, OpenMP, timed with steady_clock, median of repetitions. Prints one line per case:
//   name value unit
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <vector>

namespace {

double median_seconds(const std::function<void()>& fn, int reps = 7, double min_time = 0.2) {
  fn();  // warm up
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r) {
    int n = 0;
    const auto start = std::chrono::steady_clock::now();
    double t = 0;
    do {
      fn();
      ++n;
      t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (t < min_time / reps);
    samples.push_back(t / n);
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

template <class T>
std::vector<T> random_vector(std::size_t n, int lo, int hi) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// Small non-zero values in the memory's type (f32, bf16 as the top half of an f32, u8, s8).
void fill(dnnl::memory& m, dt t, std::int64_t count) {
  void* p = m.get_data_handle();
  const auto n = static_cast<std::size_t>(count);
  if (t == dt::f32) {
    auto v = random_vector<float>(n, 1, 4);
    std::copy(v.begin(), v.end(), static_cast<float*>(p));
  } else if (t == dt::bf16) {
    auto v = random_vector<std::uint16_t>(n, 0x3f80, 0x4080);  // 1.0 .. 4.0
    std::copy(v.begin(), v.end(), static_cast<std::uint16_t*>(p));
  } else {
    auto v = random_vector<std::int8_t>(n, 1, 8);
    std::copy(v.begin(), v.end(), static_cast<std::int8_t*>(p));
  }
}

void onednn_matmul(const char* name, dt a_t, dt b_t, dt c_t, std::int64_t n) {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  dnnl::memory::desc a_md({n, n}, a_t, tag::ab), b_user({n, n}, b_t, tag::ab), b_any({n, n}, b_t, tag::any), c_md({n, n}, c_t, tag::ab);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_any, c_md), eng);
  dnnl::memory a(a_md, eng), bu(b_user, eng), b(pd.weights_desc(), eng), c(c_md, eng);
  fill(a, a_t, n * n);
  fill(bu, b_t, n * n);
  dnnl::reorder(bu, b).execute(s, bu, b);
  dnnl::matmul prim(pd);
  const double t = median_seconds([&] {
    prim.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    s.wait();
  });
  std::printf("%s %.6g ops_per_s\n", name, 2.0 * n * n * n / t);
}

void onednn_conv(const char* name, dt x_t, dt w_t, dt y_t) {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  const dnnl::memory::dims x{1, 64, 56, 56}, w{64, 64, 3, 3}, y{1, 64, 56, 56};
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    dnnl::memory::desc(x, x_t, tag::any), dnnl::memory::desc(w, w_t, tag::any),
                                    dnnl::memory::desc(y, y_t, tag::any), {1, 1}, {1, 1}, {1, 1});
  dnnl::convolution_forward::primitive_desc pd(d, eng);
  dnnl::memory xm(pd.src_desc(), eng), wm(pd.weights_desc(), eng), ym(pd.dst_desc(), eng);
  fill(xm, x_t, 64 * 56 * 56);
  fill(wm, w_t, 64 * 64 * 9);
  dnnl::convolution_forward prim(pd);
  const double t = median_seconds([&] {
    prim.execute(s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}});
    s.wait();
  });
  std::printf("%s %.6g ops_per_s\n", name, 2.0 * 64 * 64 * 9 * 56 * 56 / t);
}

void openblas_sgemm(int n) {
  auto a = random_vector<float>(std::size_t(n) * n, -4, 4), b = random_vector<float>(std::size_t(n) * n, -4, 4);
  std::vector<float> c(std::size_t(n) * n);
  const double t = median_seconds([&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
  });
  std::printf("openblas_sgemm_%d %.6g ops_per_s\n", n, 2.0 * n * n * n / t);
}

void stream_triad_and_sum() {
  const std::size_t n = std::size_t(1) << 28;  // 1 GiB of floats
  std::unique_ptr<float[]> a(new float[n]), b(new float[n / 3 + 1]), c(new float[n / 3 + 1]);
  const std::size_t m = n / 3;  // triad over a 1 GiB working set: three arrays of n/3
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) a[i] = 1.0f;
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < m; ++i) b[i] = 2.0f, c[i] = 0.0f;
  double t = median_seconds([&] {
#pragma omp parallel for simd schedule(static)
    for (std::size_t i = 0; i < m; ++i) c[i] = a[i] + 3.0f * b[i];
  });
  std::printf("stream_triad_1GiB %.6g bytes_per_s\n", 3.0 * 4 * m / t);
  volatile float sink = 0;
  t = median_seconds([&] {
    float s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static)
    for (std::size_t i = 0; i < n; ++i) s += a[i];
    sink = s;
  });
  std::printf("plain_sum_1GiB %.6g bytes_per_s\n", 4.0 * n / t);
}

}  // namespace

int main() {
  openblas_set_num_threads(omp_get_max_threads());
  openblas_sgemm(2048);
  onednn_matmul("onednn_matmul_f32_2048", dt::f32, dt::f32, dt::f32, 2048);
  onednn_matmul("onednn_matmul_bf16_2048", dt::bf16, dt::bf16, dt::f32, 2048);
  onednn_matmul("onednn_matmul_s8_2048", dt::u8, dt::s8, dt::s32, 2048);
  onednn_conv("onednn_conv_f32_64x56", dt::f32, dt::f32, dt::f32);
  onednn_conv("onednn_conv_s8_64x56", dt::u8, dt::s8, dt::s32);
  stream_triad_and_sum();
  return 0;
}
