// cuBLASLt's GEMM beside ours, as the CPU has oneDNN and OpenCL has CLBlast: the library opened at
// run time (libcublasLt.so.13 or .12, or $XPUBENCH_CUBLASLT_LIBRARY; absent: the rows say so), the
// algorithm its heuristic ranks first, recorded as the row's dispatch. Row-major C = A B is the
// column-major C^T = B^T A^T, so cuBLASLt's A is our B and its B our A.
// int8: cuBLASLt multiplies s8 x s8; our activations are u8, so A is stored as A - 128 (s8) and the
// 128 x column sums of B come back through C (D = A' B + C, beta = 1): the zero-point correction a
// u8 caller of cuBLASLt does, inside the timed call. Its IMMA kernels want both operands
// k-contiguous ("TN"): a B stored k x n is transposed once at preparation (a weight layout, as
// oneDNN's packed weights), not in the timed region; A (the activations) is left as stored, so an
// A stored k x m asks for "TT", which cuBLASLt may refuse: the row is then unsupported, with its reason.
#include <cublasLt.h>

#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {
namespace {

struct cublaslt_api {
  dynlib library;
  std::size_t version = 0;
  decltype(&::cublasLtCreate) create = nullptr;
  decltype(&::cublasLtDestroy) destroy = nullptr;
  decltype(&::cublasLtGetVersion) get_version = nullptr;
  decltype(&::cublasLtMatmulDescCreate) desc_create = nullptr;
  decltype(&::cublasLtMatmulDescDestroy) desc_destroy = nullptr;
  decltype(&::cublasLtMatmulDescSetAttribute) desc_set = nullptr;
  decltype(&::cublasLtMatrixLayoutCreate) layout_create = nullptr;
  decltype(&::cublasLtMatrixLayoutDestroy) layout_destroy = nullptr;
  decltype(&::cublasLtMatmulPreferenceCreate) pref_create = nullptr;
  decltype(&::cublasLtMatmulPreferenceDestroy) pref_destroy = nullptr;
  decltype(&::cublasLtMatmulPreferenceSetAttribute) pref_set = nullptr;
  decltype(&::cublasLtMatmulAlgoGetHeuristic) heuristic = nullptr;
  decltype(&::cublasLtMatmulAlgoConfigGetAttribute) algo_get = nullptr;
  decltype(&::cublasLtMatmul) matmul = nullptr;
};

const result<cublaslt_api>& cublaslt_load() {
  static const result<cublaslt_api> api = []() -> result<cublaslt_api> {
    std::string tried;
    for (const char* name : {"libcublasLt.so.13", "/usr/local/cuda/lib64/libcublasLt.so.13", "libcublasLt.so.12"}) {
      auto lib = dynlib::open(name, "XPUBENCH_CUBLASLT_LIBRARY");
      if (!lib) {
        tried += fmt::format("{}{}", tried.empty() ? "" : "; ", lib.error().message);
        continue;
      }
      cublaslt_api a{std::move(*lib)};
#define XPU_LT_LOAD(field, name) a.field = a.library.symbol<decltype(a.field)>(#name)
      XPU_LT_LOAD(create, cublasLtCreate);
      XPU_LT_LOAD(destroy, cublasLtDestroy);
      XPU_LT_LOAD(get_version, cublasLtGetVersion);
      XPU_LT_LOAD(desc_create, cublasLtMatmulDescCreate);
      XPU_LT_LOAD(desc_destroy, cublasLtMatmulDescDestroy);
      XPU_LT_LOAD(desc_set, cublasLtMatmulDescSetAttribute);
      XPU_LT_LOAD(layout_create, cublasLtMatrixLayoutCreate);
      XPU_LT_LOAD(layout_destroy, cublasLtMatrixLayoutDestroy);
      XPU_LT_LOAD(pref_create, cublasLtMatmulPreferenceCreate);
      XPU_LT_LOAD(pref_destroy, cublasLtMatmulPreferenceDestroy);
      XPU_LT_LOAD(pref_set, cublasLtMatmulPreferenceSetAttribute);
      XPU_LT_LOAD(heuristic, cublasLtMatmulAlgoGetHeuristic);
      XPU_LT_LOAD(algo_get, cublasLtMatmulAlgoConfigGetAttribute);
      XPU_LT_LOAD(matmul, cublasLtMatmul);
#undef XPU_LT_LOAD
      if (!a.create || !a.desc_create || !a.layout_create || !a.pref_create || !a.heuristic || !a.matmul || !a.desc_set || !a.pref_set)
        return fail(status::unsupported, "{} lacks the cublasLtMatmul entry points", a.library.path());
      if (a.get_version) a.version = a.get_version();
      return a;
    }
    return fail(status::unsupported, "cuBLASLt is not installed ({}): it comes with the CUDA toolkit or PyTorch's nvidia-cublas wheel; "
                                     "XPUBENCH_CUBLASLT_LIBRARY=/path/to/libcublasLt.so.13 names one", tried);
  }();
  return api;
}

std::string status_name(cublasStatus_t rc) {
  switch (rc) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED (no usable CUDA driver behind cuBLASLt)";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return fmt::format("cublasStatus_t {}", static_cast<int>(rc));
  }
}

#define XPU_CHECK_LT(expr)                                                                                               \
  do {                                                                                                                   \
    const cublasStatus_t xpu_lt_rc_ = (expr);                                                                            \
    if (xpu_lt_rc_ != CUBLAS_STATUS_SUCCESS)                                                                             \
      return fail(xpu_lt_rc_ == CUBLAS_STATUS_NOT_SUPPORTED || xpu_lt_rc_ == CUBLAS_STATUS_NOT_INITIALIZED ? status::unsupported : status::failed, \
                  "{} failed: {}", #expr, status_name(xpu_lt_rc_));                                                      \
  } while (0)

// Everything one cublasLtMatmul call needs, released together.
struct lt_call {
  const cublaslt_api* lt = nullptr;
  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  cublasLtMatmulAlgo_t algo{};
  float alpha_f = 1, beta_f = 0;
  std::int32_t alpha_i = 1, beta_i = 0;
  ~lt_call() {
    if (pref) lt->pref_destroy(pref);
    for (auto* l : {a, b, c})
      if (l) lt->layout_destroy(l);
    if (desc) lt->desc_destroy(desc);
    if (handle) lt->destroy(handle);
  }
};

constexpr std::size_t workspace_bytes = std::size_t{32} << 20;

}  // namespace

result<std::unique_ptr<prepared>> cu_device::prepare_cublaslt(const problem& p, const host_buffers& in) {
  const auto& loaded = cublaslt_load();
  if (!loaded) return std::unexpected(loaded.error());
  const cublaslt_api& lt = *loaded;
  const auto& g = std::get<gemm_shape>(p.dims);
  const bool int8 = p.type == precision::int8;
  // Inputs as cuBLASLt takes them (int8: A - 128, B k-contiguous) and, for int8, C.
  host_buffers moved{{in.inputs[0], in.inputs[1]}, {in.outputs.at(0)}};
  bool trans_b = g.trans_b;
  if (int8) {
    for (auto& v : moved.inputs[0].bytes) v = std::byte{static_cast<unsigned char>(std::to_integer<unsigned char>(v) ^ 0x80u)};
    const auto b = in.inputs[1].as<std::int8_t>();
    std::vector<std::int64_t> colsum(static_cast<std::size_t>(g.n), 0);
    for (std::int64_t kk = 0; kk < g.k; ++kk)
      for (std::int64_t j = 0; j < g.n; ++j) colsum[static_cast<std::size_t>(j)] += b[static_cast<std::size_t>(g.trans_b ? j * g.k + kk : kk * g.n + j)];
    if (!g.trans_b) {  // stored k x n: transposed once into n x k
      auto t = moved.inputs[1].as<std::int8_t>();
      for (std::int64_t kk = 0; kk < g.k; ++kk)
        for (std::int64_t j = 0; j < g.n; ++j) t[static_cast<std::size_t>(j * g.k + kk)] = b[static_cast<std::size_t>(kk * g.n + j)];
      trans_b = true;
    }
    host_buffer c(element_type::s32, static_cast<std::size_t>(g.m * g.n));
    auto cv = c.as<std::int32_t>();
    for (std::int64_t i = 0; i < g.m; ++i)
      for (std::int64_t j = 0; j < g.n; ++j) cv[static_cast<std::size_t>(i * g.n + j)] = static_cast<std::int32_t>(128 * colsum[static_cast<std::size_t>(j)]);
    moved.inputs.push_back(std::move(c));
  }
  auto prep = with_buffers(moved, "cublaslt",
                           int8 ? "cuBLASLt s8 x s8 -> s32 on A - 128, plus 128 x B's column sums through C (u8 activations); B stored n x k"
                                : fmt::format("cuBLASLt, {} inputs, fp32 compute and output", to_string(p.type)));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  auto workspace = upload(nullptr, workspace_bytes);
  if (!workspace) return std::unexpected(workspace.error());
  const CUdeviceptr ws = workspace->get(), da = q.memory[0].get(), db = q.memory[1].get(), dc = int8 ? q.memory[2].get() : q.output, dd = q.output;
  q.memory.push_back(std::move(*workspace));

  auto call = std::make_shared<lt_call>();
  call->lt = &lt;
  XPU_CHECK_LT(lt.create(&call->handle));
  const cudaDataType_t in_type = p.type == precision::fp32 ? CUDA_R_32F : p.type == precision::fp16 ? CUDA_R_16F : p.type == precision::bf16 ? CUDA_R_16BF : CUDA_R_8I;
  const cudaDataType_t out_type = int8 ? CUDA_R_32I : CUDA_R_32F;
  XPU_CHECK_LT(lt.desc_create(&call->desc, int8 ? CUBLAS_COMPUTE_32I : CUBLAS_COMPUTE_32F, int8 ? CUDA_R_32I : CUDA_R_32F));
  const cublasOperation_t op_a = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  XPU_CHECK_LT(lt.desc_set(call->desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_a, sizeof op_a));
  XPU_CHECK_LT(lt.desc_set(call->desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_b, sizeof op_b));
  const auto m = static_cast<std::uint64_t>(g.m), n = static_cast<std::uint64_t>(g.n), k = static_cast<std::uint64_t>(g.k);
  // cuBLASLt's A = our B: n x k (op N: stored n x k col-major = k x n row-major) or k x n stored (op T).
  XPU_CHECK_LT(lt.layout_create(&call->a, in_type, trans_b ? k : n, trans_b ? n : k, static_cast<std::int64_t>(trans_b ? k : n)));
  XPU_CHECK_LT(lt.layout_create(&call->b, in_type, g.trans_a ? m : k, g.trans_a ? k : m, static_cast<std::int64_t>(g.trans_a ? m : k)));
  XPU_CHECK_LT(lt.layout_create(&call->c, out_type, n, m, static_cast<std::int64_t>(n)));
  XPU_CHECK_LT(lt.pref_create(&call->pref));
  const std::uint64_t ws_bytes = workspace_bytes;
  XPU_CHECK_LT(lt.pref_set(call->pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes, sizeof ws_bytes));
  cublasLtMatmulHeuristicResult_t best{};
  int found = 0;
  XPU_CHECK_LT(lt.heuristic(call->handle, call->desc, call->a, call->b, call->c, call->c, call->pref, 1, &best, &found));
  if (found < 1 || best.state != CUBLAS_STATUS_SUCCESS)
    return fail(status::unsupported, "cuBLASLt {} found no algorithm for {} on this GPU", lt.version, p.id());
  call->algo = best.algo;
  if (int8) call->beta_i = 1;
  if (lt.algo_get) {
    int id = -1, tile = -1, stages = -1, splitk = -1;
    std::size_t written = 0;
    lt.algo_get(&call->algo, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof id, &written);
    lt.algo_get(&call->algo, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof tile, &written);
    lt.algo_get(&call->algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, &stages, sizeof stages, &written);
    lt.algo_get(&call->algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splitk, sizeof splitk, &written);
    q.m_dispatch = fmt::format("cuBLASLt {}: algorithm {}, tile id {}, stages id {}, split-k {}, {} bytes of workspace", lt.version, id, tile, stages,
                               splitk, best.workspaceSize);
  }
  const bool ints = int8;
  q.add_step([call, da, db, dc, dd, ws, ints](CUstream s) {
    const void* alpha = ints ? static_cast<const void*>(&call->alpha_i) : &call->alpha_f;
    const void* beta = ints ? static_cast<const void*>(&call->beta_i) : &call->beta_f;
    const cublasStatus_t rc = call->lt->matmul(call->handle, call->desc, alpha, reinterpret_cast<const void*>(db), call->a, reinterpret_cast<const void*>(da),
                                               call->b, beta, reinterpret_cast<const void*>(dc), call->c, reinterpret_cast<void*>(dd), call->c, &call->algo,
                                               reinterpret_cast<void*>(ws), workspace_bytes, reinterpret_cast<cudaStream_t>(s));
    return rc == CUBLAS_STATUS_SUCCESS ? CUDA_SUCCESS : CUDA_ERROR_LAUNCH_FAILED;
  });
  q.keep.push_back(call);
  return std::unique_ptr<prepared>(std::move(*prep));
}

}  // namespace xpu::cuda_backend
