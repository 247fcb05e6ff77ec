// GEMM on CUDA with our kernels (gemm.cu): fp32 on the CUDA cores, fp16/bf16/int8 on the Tensor
// Cores through mma.sync. One kernel per precision and transposition (nn, nt, tn, tt).
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {

result<std::unique_ptr<prepared>> cu_device::prepare_gemm(const problem& p, const host_buffers& in) {
  const auto& g = std::get<gemm_shape>(p.dims);
  const bool tensor = p.type != precision::fp32;
  const std::string name = fmt::format("gemm_{}_{}{}", to_string(p.type), g.trans_a ? 't' : 'n', g.trans_b ? 't' : 'n');
  auto f = function("gemm", name.c_str());
  if (!f) return std::unexpected(f.error());
  const int tile = tensor ? 128 : 64;
  // Grid x runs over n's tiles (up to 2^31 - 1), y over m's (up to 65535).
  if (const std::int64_t rows = (g.m + tile - 1) / tile; rows > 65535)
    return fail(status::unsupported, "m = {} needs {} tiles of {} rows: more than the 65535 of a CUDA grid's y dimension", g.m, rows, tile);
  auto prep = with_buffers(in, "xpubench",
                           tensor ? fmt::format("mma.sync {}, 128 x 128 block tiles of 8 warps (64 x 32 each), double-buffered shared-memory stages "
                                                "of {} k, ldmatrix fragments",
                                                p.type == precision::int8 ? "m16n8k32 u8 x s8" : fmt::format("m16n8k16 {}", to_string(p.type)),
                                                p.type == precision::int8 ? 64 : 32)
                                  : std::string("64 x 64 block tiles, 4 x 4 outputs per thread (CUDA cores)"));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  kernel_args args;
  args.add(q.memory[0].get()).add(q.memory[1].get()).add(q.output);
  args.add(static_cast<int>(g.m)).add(static_cast<int>(g.n)).add(static_cast<int>(g.k));  // at most ops::dimension_max
  q.launch(*f, {static_cast<unsigned>((g.n + tile - 1) / tile), static_cast<unsigned>((g.m + tile - 1) / tile)}, {256}, std::move(args));
  return std::unique_ptr<prepared>(std::move(*prep));
}

XPU_OP_ROW(cu_device, gemm){
    kernel_kind::gemm,
    [](const cu_device&, const problem& p) {
      if (p.type == precision::fp64 || p.type == precision::int32) return cu_device::no_kernel(p);
      return support{support_level::native,
                     p.type == precision::fp32 ? "fp32 FMA on the CUDA cores (ours); cuBLASLt beside it (fp32 compute, no TF32)"
                                               : fmt::format("Tensor Cores (mma.sync) {}; cuBLASLt beside it",
                                                             p.type == precision::int8 ? "u8 x s8, int32 sums" : "fp32 sums"),
                     {"xpubench", "cublaslt"}};
    },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view impl) {
      return impl == "cublaslt" ? d.prepare_cublaslt(p, in) : d.prepare_gemm(p, in);
    }};

}  // namespace xpu::cuda_backend
