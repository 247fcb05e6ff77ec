// conv2d on CUDA (conv.cu): direct, one thread per output element.
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {
namespace {

// The kernel's parameter block (conv.cu: conv_dims), in its field order.
struct conv_dims {
  int n, c, h, w, k, r, s, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w, p, q, nhwc;
};
static_assert(sizeof(conv_dims) == 16 * sizeof(int), "conv.cu, conv2d.cpp and the fake driver pass the same 16 ints");

}  // namespace

result<std::unique_ptr<prepared>> cu_device::prepare_conv(const problem& pr, const host_buffers& in) {
  const auto& c = std::get<conv_shape>(pr.dims);  // 32-bit sizes: ops/conv2d and beyond_32bit_indexing
  const std::string name = fmt::format("conv2d_{}", to_string(pr.type));
  auto f = function("conv", name.c_str());
  if (!f) return std::unexpected(f.error());
  auto prep = with_buffers(in, "xpubench", fmt::format("direct: one thread per output, {} sums", pr.type == precision::int8 ? "int32" : "fp32"));
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  const conv_dims d{static_cast<int>(c.n), static_cast<int>(c.c), static_cast<int>(c.h), static_cast<int>(c.w), static_cast<int>(c.k),
                    static_cast<int>(c.r), static_cast<int>(c.s), static_cast<int>(c.stride_h), static_cast<int>(c.stride_w),
                    static_cast<int>(c.pad_top), static_cast<int>(c.pad_left), static_cast<int>(c.dilation_h), static_cast<int>(c.dilation_w),
                    static_cast<int>(c.p()), static_cast<int>(c.q()), c.layout == conv_layout::nhwc ? 1 : 0};
  const auto outputs = static_cast<long long>(in.outputs.at(0).count());
  const auto blocks = static_cast<unsigned>(std::clamp<long long>((outputs + 255) / 256, 1, static_cast<long long>(std::max(m_sms, 1)) * 64));
  kernel_args args;
  args.add(q.memory[0].get()).add(q.memory[1].get()).add(q.output).add(d).add(outputs);
  q.launch(*f, {blocks}, {256}, std::move(args));
  return std::unique_ptr<prepared>(std::move(*prep));
}

XPU_OP_ROW(cu_device, conv2d){
    kernel_kind::conv2d,
    [](const cu_device&, const problem& p) {
      if (p.type == precision::fp64 || p.type == precision::int32) return cu_device::no_kernel(p);
      return support{support_level::native,
                     p.type == precision::int8 ? std::string("direct, u8 x s8, int32 sums")
                                               : fmt::format("direct, {} inputs, fp32 sums (CUDA cores)", to_string(p.type)),
                     {"xpubench"}, {{"xpubench", p.type == precision::int8 ? precision::int32 : precision::fp32}}};  // CUDA cores, not Tensor Cores
    },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_conv(p, in); }};

}  // namespace xpu::cuda_backend
