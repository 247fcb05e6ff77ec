// fp32 GEMM through OpenBLAS cblas_sgemm: the second CPU implementation, shown beside oneDNN.
#include <cblas.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu::cpu {

// OpenBLAS's x86 core names by the widest vector ISA their kernels use (OpenBLAS's
// driver/others/dynamic.c and kernel/x86_64/KERNEL.*); a name not listed is taken as SSE-level.
int openblas_core_tier(std::string_view corename) {
  std::string n(corename);
  std::ranges::transform(n, n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* name : {"skylakex", "cooperlake", "sapphirerapids"})
    if (n == name) return 3;
  for (const char* name : {"haswell", "zen", "skylake", "excavator"})
    if (n == name) return 2;
  for (const char* name : {"sandybridge", "bulldozer", "piledriver", "steamroller"})
    if (n == name) return 1;
  return 0;
}

prepared::choice openblas_choice(std::string_view corename, const cpu_isa& isa, const char* coretype_env, int threads, int parallel) {
  static constexpr const char* tier_isa[] = {"SSE", "AVX", "AVX2", "AVX-512"};
  static constexpr const char* tier_core[] = {"Nehalem", "SandyBridge", "Haswell", "SkylakeX"};
  const int core = openblas_core_tier(corename);
  const int cpu = isa.has("avx512f") && isa.has("avx512bw") && isa.has("avx512vl") ? 3
                  : isa.has("avx2") && isa.has("fma")                              ? 2
                  : isa.has("avx")                                                 ? 1
                                                                                   : 0;
  prepared::choice c;
  c.what = fmt::format("OpenBLAS {} kernels ({}), {} thread{} ({})", corename, tier_isa[core], threads, threads == 1 ? "" : "s",
                       parallel == 2 ? "OpenMP" : parallel == 1 ? "pthreads" : "sequential build");
  if (isa.family == "x86" && core < cpu) {
    const std::string why = coretype_env && *coretype_env
                                ? fmt::format("OPENBLAS_CORETYPE={} is set in the environment", coretype_env)
                                : "this OpenBLAS build does not know this CPU model and picked older kernels";
    c.warning = fmt::format("OpenBLAS runs its {} kernels ({}) on a CPU with {}: {}; set OPENBLAS_CORETYPE={} to measure its {} kernels "
                            "(this row is the library as configured, not its best)",
                            corename, tier_isa[core], tier_isa[cpu], why, tier_core[cpu], tier_isa[cpu]);
  }
  return c;
}

namespace {

class sgemm final : public timed {
 public:
  sgemm(const gemm_shape& g, const host_buffers& in, const cpu_isa& isa) : m_isa(isa), m_g(g), m_a(in.inputs[0].as<float>().data()), m_b(in.inputs[1].as<float>().data()),
                                                        m_c(static_cast<std::size_t>(g.m * g.n)) {}
  std::string_view implementation() const override { return "openblas"; }
  std::string notes() const override { return openblas_get_config(); }
  choice dispatch() const override {
    return openblas_choice(openblas_get_corename(), m_isa, std::getenv("OPENBLAS_CORETYPE"), openblas_get_num_threads(), openblas_get_parallel());
  }
  result<void> read_back(host_buffers& out) override {
    auto y = out.outputs.at(0).as<float>();
    std::copy(m_c.begin(), m_c.end(), y.begin());
    return {};
  }

 protected:
  result<void> run_once() override {
    const auto m = static_cast<blasint>(m_g.m), n = static_cast<blasint>(m_g.n), k = static_cast<blasint>(m_g.k);
    cblas_sgemm(CblasRowMajor, m_g.trans_a ? CblasTrans : CblasNoTrans, m_g.trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, m_a,
                m_g.trans_a ? m : k, m_b, m_g.trans_b ? k : n, 0.0f, m_c.data(), n);
    return {};
  }

 private:
  cpu_isa m_isa;
  gemm_shape m_g;
  const float* m_a;
  const float* m_b;
  std::vector<float> m_c;
};

}  // namespace

result<std::unique_ptr<prepared>> gemm_openblas(const problem& p, const host_buffers& in, const context& ctx) {
  if (p.type != precision::fp32) return fail(status::unsupported, "OpenBLAS is used for fp32 GEMM only");
  openblas_set_num_threads(ctx.threads);
  return std::make_unique<sgemm>(std::get<gemm_shape>(p.dims), in, ctx.isa);
}

}  // namespace xpu::cpu
