// GEMM and conv2d (implicit GEMM, the same shaders) on Vulkan: tiled, row-streaming for CPU devices,
// cooperative matrices where the device has them.
#include "kernels/vulkan/device.hpp"

#include <array>
#include <numeric>

#include <fmt/format.h>

namespace xpu {
namespace vulkan_backend {

namespace {

// GEMM tiles: work-group WG_N x WG_M, TM x TN accumulators per invocation, TK deep.
struct gemm_tiles {
  std::uint32_t wg_n = 16, wg_m = 16, tm = 4, tn = 4, tk = 16;
  std::string describe() const { return fmt::format("tiled {}x{} work-group, {}x{} per invocation, k-tile {}", wg_m, wg_n, tm, tn, tk); }
};

// CPU devices' GEMM (gemm_rows.comp): TM rows per work-group, WG lanes of TN4 vec4 columns.
struct row_tiles {
  std::uint32_t wg = 8, tm = 8, tn4 = 2;  // fastest on lavapipe of the 20 shapes tried (more accumulators spill)
  std::uint32_t kg = 1;                   // the shuffle kernel's groups of four depth steps per iteration
  // With A shared by shuffles (gemm_rows.comp -DSHUFFLE): 16 rows x 1 vec4, 16 depth steps per
  // iteration: 88-91 GFLOP/s at 1024^3 on lavapipe, against 69-74 for 24 or 32 rows, 75-78 for 8 rows
  // and 32 steps, 71-73 for 32 steps, 79-80 for 8 steps, 4-5 for two vec4 per lane (8 or 16 rows:
  // the unrolled body spills everything); work-groups of 16 or 32 lanes: the same within noise.
  static const row_tiles shuffled;
  // The conv, filter rows shared by shuffles, four depth steps per iteration: 32 rows x 1 vec4 runs
  // ResNet-50's 3x3 64->64 layer at 74-77 GFLOP/s (fp32, fp16, int8) on lavapipe, against 10.7 for
  // the kernel without shuffles, 60 for 24 rows, 36-41 for 8 or 16; 40 or 48 rows, or 16 x 2 vec4,
  // fall to 8-9 (the unrolled body spills everything).
  static const row_tiles conv_shuffled;
  std::string describe(bool vec_a, bool vec_b) const {
    return fmt::format("{} rows x {} columns per work-group ({} lanes of {} vec4), A uniform, texel-buffer reads ({}), no shared memory "
                       "(CPU device)", tm, wg * tn4 * 4, wg, tn4,
                       vec_a && vec_b ? "vec4" : vec_a ? "A vec4, B by element" : vec_b ? "A by element, B vec4" : "by element");
  }
};
const row_tiles row_tiles::shuffled{8, 16, 1, 4};
const row_tiles row_tiles::conv_shuffled{8, 32, 1, 1};

}  // namespace

result<std::unique_ptr<prepared>> vk_device::prepare_gemm(const problem& pr, const host_buffers& in, bool conv) {
  const gemm_tiles t;
  const auto& limits = m_c->props.limits;
  std::array<std::uint32_t, 16> push{};
  bool trans_a = false, trans_b = false, nhwc = false;
  std::uint64_t rows = 0, cols = 0;
  if (conv) {
    const auto& c = std::get<conv_shape>(pr.dims);
    nhwc = c.layout == conv_layout::nhwc;
    rows = static_cast<std::uint64_t>(c.n * c.p() * c.q()), cols = static_cast<std::uint64_t>(c.k);
    push = {static_cast<std::uint32_t>(rows), static_cast<std::uint32_t>(cols), static_cast<std::uint32_t>(c.c * c.r * c.s),
            static_cast<std::uint32_t>(c.c), static_cast<std::uint32_t>(c.h), static_cast<std::uint32_t>(c.w),
            static_cast<std::uint32_t>(c.r), static_cast<std::uint32_t>(c.s), static_cast<std::uint32_t>(c.p()),
            static_cast<std::uint32_t>(c.q()), static_cast<std::uint32_t>(c.stride_h), static_cast<std::uint32_t>(c.stride_w),
            static_cast<std::uint32_t>(c.pad_top), static_cast<std::uint32_t>(c.pad_left), static_cast<std::uint32_t>(c.dilation_h),
            static_cast<std::uint32_t>(c.dilation_w)};
  } else {
    const auto& g = std::get<gemm_shape>(pr.dims);
    trans_a = g.trans_a, trans_b = g.trans_b;
    rows = static_cast<std::uint64_t>(g.m), cols = static_cast<std::uint64_t>(g.n);
    push[0] = static_cast<std::uint32_t>(g.m), push[1] = static_cast<std::uint32_t>(g.n), push[2] = static_cast<std::uint32_t>(g.k);
  }
  std::uint64_t gx = 0, gy = 0;
  std::string shader, notes;
  result<const pipeline*> pipe = nullptr;
  const texel_formats tf = texel_formats_for(pr.type);
  const bool vec_b = !conv && !trans_b && cols % 4 == 0;
  const bool vec_a = !conv && !trans_a && push[2] % 4 == 0;
  std::array<VkFormat, 3> views{VK_FORMAT_UNDEFINED, VK_FORMAT_UNDEFINED, VK_FORMAT_UNDEFINED};
  // CPU devices' kernels share the uniform operand's rows (GEMM: A; conv: the filter) across a
  // subgroup by shuffles where those rows are whole vec4s and whole subgroups fetch them.
  const vulkan_details& v = *m_info.vulkan;
  const std::uint32_t sg = v.subgroup_size;
  const row_tiles& shuffled = conv ? row_tiles::conv_shuffled : row_tiles::shuffled;
  const bool shuffle = (conv ? push[2] % 4 == 0 : vec_a) && sg > 0 && shuffled.wg % sg == 0 && shuffled.tm % sg == 0 &&
                       has(v.subgroup_operations, "shuffle");
  const VkFormat a_view = vec_a ? tf.a4 : tf.a, b_view = vec_b || (conv && shuffle) ? tf.b4 : tf.b;
  if (use_texels() && inputs_fit_texels(in, tf.bytes) && m_c->texel_ok(a_view) && m_c->texel_ok(b_view)) {
    // CPU devices: rows of C per work-group (uniform A), vec4 columns per lane, texel-buffer reads, no shared memory.
    const row_tiles r = shuffle ? shuffled : row_tiles{};
    views = {a_view, b_view, VK_FORMAT_UNDEFINED};
    if (conv) {  // output channels as rows (the filter is the uniform operand), pixels as columns
      std::swap(rows, cols);
      std::swap(push[0], push[1]);
    }
    shader = fmt::format("{}_rows_{}{}", conv ? "conv2d" : "gemm", shuffle ? "shuffle_" : "", to_string(pr.type));
    pipe = m_c->pipeline_for(shader, std::array<std::uint32_t, 10>{r.wg, r.tm, r.tn4, trans_a, trans_b, nhwc, vec_b, vec_a, r.kg, shuffle ? sg : 1},
                             "tts", sizeof push);
    notes = r.describe(vec_a, vec_b) +
            (shuffle ? fmt::format("; {} shared across the subgroup by shuffles, {} depth steps per iteration, every fetch before the "
                                   "multiply-adds", conv ? "filter rows" : "A", 4 * r.kg)
                     : "");
    gx = (rows + r.tm - 1) / r.tm, gy = (cols + r.wg * r.tn4 * 4 - 1) / (r.wg * r.tn4 * 4);
  } else {
    const bool dot = pr.type == precision::int8 && m_info.vulkan->integer_dot_product && t.tk % 4 == 0;
    shader = fmt::format("{}_{}{}", conv ? "conv2d" : "gemm", to_string(pr.type), dot ? "_dot" : "");
    pipe = m_c->pipeline_for(shader, std::array<std::uint32_t, 8>{t.wg_n, t.wg_m, t.tm, t.tn, t.tk, trans_a, trans_b, nhwc}, "sss", sizeof push);
    notes = t.describe() + (dot ? ", packed 4x8-bit dot products (OpSUDotKHR)" : "");
    gx = (cols + t.wg_n * t.tn - 1) / (t.wg_n * t.tn), gy = (rows + t.wg_m * t.tm - 1) / (t.wg_m * t.tm);
  }
  if (!pipe) return std::unexpected(pipe.error());
  if (conv) notes = "implicit GEMM, " + notes;
  auto p = with_buffers(in, rows * cols * 4, "xpubench", std::move(notes));
  if (!p) return std::unexpected(p.error());
  step s;
  s.pipe = *pipe;
  std::copy(push.begin(), push.end(), s.push.begin());
  if (gx > limits.maxComputeWorkGroupCount[0] || gy > limits.maxComputeWorkGroupCount[1])
    return fail(status::skipped, "{} x {} work-groups exceed maxComputeWorkGroupCount", gx, gy);
  s.groups = {static_cast<std::uint32_t>(gx), static_cast<std::uint32_t>(gy), 1};
  (*p)->steps.push_back(s);
  std::vector<binding> b = whole(**p);
  for (std::size_t i = 0; i < b.size(); ++i) b[i].texel = views[i];
  if (auto r = (*p)->describe({{&(*p)->steps[0], std::move(b)}}); !r) return std::unexpected(r.error());
  return std::unique_ptr<prepared>(std::move(*p));
}

result<std::unique_ptr<prepared>> vk_device::prepare_coop(const problem& pr, const host_buffers& in, std::string_view impl) {
  const coop_choice coop = coop_matrix_choice(*m_info.vulkan, pr, vulkan_khr_coop_built());
  if (coop.implementation != impl) return fail(status::unsupported, "{}", coop.reason);
  const auto& g = std::get<gemm_shape>(pr.dims);
  const std::uint32_t sub = std::max<std::uint32_t>(m_info.vulkan->subgroup_size, 1);
  const std::array<std::uint32_t, 4> spec{sub, coop.shape.m, coop.shape.n, coop.shape.k};
  const std::string shader = fmt::format("gemm_coop_{}_{}", impl == "coopmat_khr" ? "khr" : "nv", to_string(pr.type));
  const std::array<std::uint32_t, 3> push{static_cast<std::uint32_t>(g.m), static_cast<std::uint32_t>(g.n), static_cast<std::uint32_t>(g.k)};
  auto pipe = m_c->pipeline_for(shader, spec, "sss", sizeof push);
  if (!pipe) return std::unexpected(pipe.error());
  auto p = with_buffers(in, static_cast<std::size_t>(g.m * g.n) * 4, std::string(impl),
                        fmt::format("cooperative matrix {}x{}x{}, 2x2 tiles per subgroup of {}", coop.shape.m, coop.shape.n, coop.shape.k, sub));
  if (!p) return std::unexpected(p.error());
  step s;
  s.pipe = *pipe;
  std::copy(push.begin(), push.end(), s.push.begin());
  s.groups = {static_cast<std::uint32_t>(g.n / (2 * coop.shape.n)), static_cast<std::uint32_t>(g.m / (2 * coop.shape.m)), 1};
  (*p)->steps.push_back(s);
  if (auto r = (*p)->describe({{&(*p)->steps[0], whole(**p)}}); !r) return std::unexpected(r.error());
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(vk_device, gemm){
    kernel_kind::gemm,
    [](const vk_device& d, const problem& p) {
      const char* storage = vk_device::storage(p.type);
      if (p.type == precision::fp32) return support{support_level::native, storage, {"xpubench"}};
      const coop_choice coop = coop_matrix_choice(*d.info().vulkan, p, vulkan_khr_coop_built());
      if (!coop.implementation.empty())
        return support{support_level::native,
                       fmt::format("{}; cooperative matrix {}x{}x{} ({})", storage, coop.shape.m, coop.shape.n, coop.shape.k, coop.implementation),
                       {coop.implementation, "xpubench"}, vk_device::fp32_math(p.type)};
      return support{support_level::native, fmt::format("{}; no cooperative-matrix path: {}", storage, coop.reason), {"xpubench"},
                     vk_device::fp32_math(p.type)};
    },
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view impl) {
      if (impl == "coopmat_nv" || impl == "coopmat_khr") return d.prepare_coop(p, in, impl);
      return d.prepare_gemm(p, in, false);
    }};

XPU_OP_ROW(vk_device, conv2d){
    kernel_kind::conv2d,
    [](const vk_device&, const problem& p) {
      return support{support_level::native, fmt::format("implicit GEMM, {}", vk_device::storage(p.type)), {"xpubench"}, vk_device::fp32_math(p.type)};
    },
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view) { return d.prepare_gemm(p, in, true); }};

}  // namespace vulkan_backend
}  // namespace xpu
