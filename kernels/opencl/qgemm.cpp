// Quantized GEMM on OpenCL (qgemm.cl): one output per work-item, blocks read as bytes.
#include "kernels/opencl/device.hpp"

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

result<std::unique_ptr<prepared>> cl_device::prepare_qgemm(const problem& pr, const host_buffers& in) {
  const auto& q = std::get<qgemm_shape>(pr.dims);
  const bool x8 = pr.type == precision::int8;
  auto prog = program("qgemm", fmt::format("-D{} -D{}", q.weights == quant_format::q4_0 ? "Q4" : "Q8", x8 ? "X_Q8" : "X_FP32"), false);
  if (!prog) return std::unexpected(prog.error());
  auto p = with_buffers(in, static_cast<std::size_t>(q.copies * q.m * q.n) * 4,
                        fmt::format("one output per work-item; {} blocks read as bytes{}", to_string(q.weights),
                                    x8 ? ", int32 dot products with Q8_0 activations" : ", fp32 activations"));
  if (!p) return std::unexpected(p.error());
  auto k = kernel(*prog, "qgemm");
  if (!k) return std::unexpected(k.error());
  const int v[] = {static_cast<int>(q.m), static_cast<int>(q.n), static_cast<int>(q.k)};
  for (cl_uint i = 0; i < 3; ++i)
    if (auto r = arg(k->get(), i, v[i]); !r) return std::unexpected(r.error());
  for (cl_uint i = 0; i < 3; ++i)
    if (auto r = arg(k->get(), 3 + i, (*p)->buffers[i].get()); !r) return std::unexpected(r.error());
  if (auto r = arg(k->get(), 6, 0); !r) return std::unexpected(r.error());
  // Streamed weights: the kernel enqueued once per copy, `copy` (argument 6) choosing its weights and output.
  (*p)->m_launches.push_back({std::move(*k), {static_cast<std::size_t>(q.n), static_cast<std::size_t>(q.m)}, {}, static_cast<int>(q.copies), 6});
  return std::unique_ptr<prepared>(std::move(*p));
}

// moe (ops/moe/): one launch per copy (layer of experts) over (column, pair), the pairs' experts read from the ids on the device.
result<std::unique_ptr<prepared>> cl_device::prepare_moe(const problem& pr, const host_buffers& in) {
  const auto& e = std::get<moe_shape>(pr.dims);
  const bool x8 = pr.type == precision::int8;
  auto prog = program("qgemm", fmt::format("-D{} -D{}", e.weights == quant_format::q4_0 ? "Q4" : "Q8", x8 ? "X_Q8" : "X_FP32"), false);
  if (!prog) return std::unexpected(prog.error());
  const std::int64_t pairs = e.m * e.used;  // within 32 bits: ops/moe
  auto p = with_buffers(in, static_cast<std::size_t>(e.copies * pairs * e.n) * 4,
                        fmt::format("one output per work-item, each (token, choice) pair's expert read from the ids on the device; {} blocks "
                                    "read as bytes{}",
                                    to_string(e.weights), x8 ? ", int32 dot products with Q8_0 activations" : ", fp32 activations"));
  if (!p) return std::unexpected(p.error());
  auto k = kernel(*prog, "moe");
  if (!k) return std::unexpected(k.error());
  const int v[] = {static_cast<int>(pairs), static_cast<int>(e.n), static_cast<int>(e.k)};
  for (cl_uint i = 0; i < 3; ++i)
    if (auto r = arg(k->get(), i, v[i]); !r) return std::unexpected(r.error());
  for (cl_uint i = 0; i < 4; ++i)
    if (auto r = arg(k->get(), 3 + i, (*p)->buffers[i].get()); !r) return std::unexpected(r.error());
  const int tail[] = {static_cast<int>(e.used), static_cast<int>(e.experts), 0};
  for (cl_uint i = 0; i < 3; ++i)
    if (auto r = arg(k->get(), 7 + i, tail[i]); !r) return std::unexpected(r.error());
  // Streamed layers: the kernel enqueued once per copy, `copy` (argument 9) choosing its experts and output.
  (*p)->m_launches.push_back({std::move(*k), {static_cast<std::size_t>(e.n), static_cast<std::size_t>(pairs)}, {}, static_cast<int>(e.copies), 9});
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(cl_device, moe){
    kernel_kind::moe,
    [](const cl_device&, const problem& p) {
      return support{support_level::native,
                     p.type == precision::int8 ? "Q8_0 activations, int32 dot products per block, experts chosen on the device"
                                               : "fp32 activations, experts chosen on the device",
                     {"xpubench"}};
    },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_moe(p, in); }};

XPU_OP_ROW(cl_device, qgemm){
    kernel_kind::qgemm,
    [](const cl_device&, const problem& p) {
      return support{support_level::native, p.type == precision::int8 ? "Q8_0 activations, int32 dot products per block" : "fp32 activations",
                     {"xpubench"}};
    },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_qgemm(p, in); }};

}  // namespace opencl_backend
}  // namespace xpu
