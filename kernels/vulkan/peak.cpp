// Peak chains on Vulkan (peak.comp): vec4 FMA, f16vec4, packed dot-product chains per invocation.
#include "kernels/vulkan/device.hpp"

#include <array>
#include <numeric>

#include <fmt/format.h>

namespace xpu {
namespace vulkan_backend {

result<std::unique_ptr<prepared>> vk_device::prepare_peak(const peak_shape& shape, const host_buffers& in, precision type) {
  constexpr std::uint32_t wg = 64;
  if (shape.iterations <= 0 || shape.iterations > 0x7fffffff) return fail(status::invalid, "peak iterations {} out of range", shape.iterations);
  const bool dot = m_info.vulkan->integer_dot_product;
  const std::string shader = type == precision::int8 && !dot ? "peak_int8_nodot" : fmt::format("peak_{}", to_string(type));
  auto pipe = m_c->pipeline_for(shader, std::array<std::uint32_t, 2>{wg, static_cast<std::uint32_t>(shape.iterations)}, "ssss", 4);
  if (!pipe) return std::unexpected(pipe.error());
  const std::size_t per_invocation = type == precision::fp16 ? 12 : 24;  // chains: six vec4 (fp16: six f16vec4 of two chains)
  const char* what = type == precision::fp16   ? "f16vec4 FMA"
                     : type == precision::int8  ? (dot ? "4x8-bit dot product" : "8-bit multiply-add")
                     : type == precision::fp64  ? "dvec4 FMA"
                     : type == precision::int32 ? "ivec4 multiply-add"
                                                : "vec4 FMA";
  auto p = with_buffers(in, peak_chains * (type == precision::fp64 ? 8 : 4), "xpubench",
                        fmt::format("{} chains, {} per invocation, work-groups of {}", what, per_invocation, wg));
  if (!p) return std::unexpected(p.error());
  step s;
  s.pipe = *pipe;
  s.push[0] = 0;  // `zero`: makes the int8 operands opaque to the compiler
  s.groups = {static_cast<std::uint32_t>(peak_chains / per_invocation / wg), 1, 1};
  (*p)->steps.push_back(s);
  if (auto r = (*p)->describe({{&(*p)->steps[0], whole(**p)}}); !r) return std::unexpected(r.error());
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(vk_device, peak){
    kernel_kind::peak,
    [](const vk_device& d, const problem& p) {
      const std::vector<std::string> ours{"xpubench"};
      const vulkan_details& v = *d.info().vulkan;
      if (p.type == precision::fp64 && !v.shader_float64) return support{support_level::unsupported, "no shaderFloat64 on this device", {}};
      if (p.type == precision::fp64) return support{support_level::native, "dvec4 FMA chains per invocation (shaderFloat64)", ours};
      if (p.type == precision::int32) return support{support_level::native, "ivec4 x = x * a + b chains per invocation", ours};
      if (p.type == precision::fp32) return support{support_level::native, "vec4 FMA chains per invocation", ours};
      if (p.type == precision::fp16)
        return v.shader_float16 ? support{support_level::native, "f16vec4 FMA chains (half arithmetic, shaderFloat16)", ours}
                                : support{support_level::unsupported, "no shaderFloat16: half arithmetic unavailable", {}};
      return support{support_level::native,
                     v.integer_dot_product ? fmt::format("packed 4x8-bit dot product (OpSUDotKHR, {})",
                                                         v.integer_dot_product_8bit_accelerated ? "accelerated" : "not accelerated on this device")
                                           : std::string("no integer dot product: four 8-bit multiplies and adds per step"),
                     ours};
    },
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) {
      return d.prepare_peak(std::get<peak_shape>(p.dims), in, p.type);
    }};

}  // namespace vulkan_backend
}  // namespace xpu
