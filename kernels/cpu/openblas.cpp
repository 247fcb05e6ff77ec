// fp32 GEMM through OpenBLAS cblas_sgemm: the second CPU implementation, shown beside oneDNN.
#include <cblas.h>

#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu::cpu {
namespace {

class sgemm final : public timed {
 public:
  sgemm(const gemm_shape& g, const host_buffers& in) : m_g(g), m_a(in.inputs[0].as<float>().data()), m_b(in.inputs[1].as<float>().data()),
                                                        m_c(static_cast<std::size_t>(g.m * g.n)) {}
  std::string_view implementation() const override { return "openblas"; }
  std::string notes() const override { return openblas_get_config(); }
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
  gemm_shape m_g;
  const float* m_a;
  const float* m_b;
  std::vector<float> m_c;
};

}  // namespace

result<std::unique_ptr<prepared>> gemm_openblas(const problem& p, const host_buffers& in, const context& ctx) {
  if (p.type != precision::fp32) return fail(status::unsupported, "OpenBLAS is used for fp32 GEMM only");
  openblas_set_num_threads(ctx.threads);
  return std::make_unique<sgemm>(std::get<gemm_shape>(p.dims), in);
}

}  // namespace xpu::cpu
