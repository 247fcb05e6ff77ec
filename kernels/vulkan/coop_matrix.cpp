#include "kernels/vulkan/vulkan_device.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vulkan_build.hpp"  // generated: XPU_VK_KHR_COOPMAT_BUILT, XPU_VK_KHR_COOPMAT_REASON

namespace xpu {

bool vulkan_khr_coop_built() { return XPU_VK_KHR_COOPMAT_BUILT; }
std::string_view vulkan_khr_coop_reason() { return XPU_VK_KHR_COOPMAT_REASON; }

coop_choice coop_matrix_choice(const vulkan_details& v, const problem& p, bool khr_built) {
  coop_choice out;
  if (p.kind() != kernel_kind::gemm || (p.type != precision::fp16 && p.type != precision::int8)) {
    out.reason = "cooperative matrices serve fp16 and int8 GEMM";
    return out;
  }
  if (!v.coop_matrix_khr && !v.coop_matrix_nv) {
    out.reason = "the device has neither VK_KHR_cooperative_matrix nor VK_NV_cooperative_matrix";
    return out;
  }
  const auto& g = std::get<gemm_shape>(p.dims);
  if (g.trans_a || g.trans_b) {
    out.reason = "the cooperative-matrix shaders take row-major A and B (no transposes)";
    return out;
  }
  const bool fp16 = p.type == precision::fp16;
  const std::string a = fp16 ? "float16" : "uint8", b = fp16 ? "float16" : "sint8", c = fp16 ? "float32" : "sint32";
  auto fits = [&](const coop_matrix_shape& s) {
    return s.a_type == a && s.b_type == b && s.c_type == c && s.result_type == c && s.scope == "subgroup" && !s.saturating && s.m && s.n &&
           s.k && g.m % (2 * s.m) == 0 && g.n % (2 * s.n) == 0 && g.k % s.k == 0;
  };
  const std::string wanted = fmt::format("no {} x {} -> {} subgroup shape that tiles {}x{}x{} (2x2 tiles per subgroup)", a, b, c, g.m, g.n, g.k);
  std::vector<std::string> why;
  if (v.coop_matrix_khr) {
    const auto it = std::ranges::find_if(v.coop_matrix_khr_shapes, fits);
    if (it != v.coop_matrix_khr_shapes.end() && khr_built) return {"coopmat_khr", *it, ""};
    why.push_back(it == v.coop_matrix_khr_shapes.end() ? "VK_KHR_cooperative_matrix: " + wanted
                                                       : fmt::format("VK_KHR_cooperative_matrix fits, but the shader is not built: {}", vulkan_khr_coop_reason()));
  }
  if (v.coop_matrix_nv) {
    const auto it = fp16 ? std::ranges::find_if(v.coop_matrix_nv_shapes, fits) : v.coop_matrix_nv_shapes.end();
    if (it != v.coop_matrix_nv_shapes.end()) return {"coopmat_nv", *it, ""};
    why.push_back(fp16 ? "VK_NV_cooperative_matrix: " + wanted
                       : "VK_NV_cooperative_matrix: the NV shader is fp16 only (GLSL's NV integer matrices take one signedness; the int8 GEMM is u8 x s8)");
  }
  for (std::size_t i = 0; i < why.size(); ++i) out.reason += (i ? "; " : "") + why[i];
  return out;
}

}  // namespace xpu
