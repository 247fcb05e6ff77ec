#include "kernels/vulkan/vulkan_device.hpp"

#include <numeric>

#include "kernels/vulkan/runtime.hpp"

namespace xpu {

namespace {

using namespace vk;  // the runtime: context, buffer, vk_prepared, ...

bool has(const std::vector<std::string>& v, std::string_view x) { return std::ranges::find(v, x) != v.end(); }

// Host <-> device through mapped memory: memcpy between ordinary (pageable) host memory and a
// mapped buffer (the storage buffer itself on unified devices, else a staging buffer plus a
// vkCmdCopyBuffer), host-timed end to end.
class mapped_transfer final : public prepared {
 public:
  mapped_transfer(std::shared_ptr<context> c, bandwidth_op op, const host_buffer& host, std::unique_ptr<buffer> dev,
                  std::unique_ptr<buffer> staging)
      : m_c(std::move(c)), m_op(op), m_host(host), m_device(std::move(dev)), m_staging(std::move(staging)), m_landing(host.bytes.size()) {}
  std::string_view implementation() const override { return "mapped"; }
  std::string notes() const override {
    return m_staging ? "memcpy to/from a mapped staging buffer + vkCmdCopyBuffer, host-timed"
                     : "memcpy to/from the mapped storage buffer (host-visible device memory), host-timed";
  }
  result<double> run_seconds(int launches) override {
    const std::size_t bytes = m_host.bytes.size();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < launches; ++i) {
      buffer& mapped = m_staging ? *m_staging : *m_device;
      if (m_op == bandwidth_op::upload) {
        std::memcpy(mapped.mapped(), m_host.bytes.data(), bytes);
        if (m_staging)
          if (auto r = copy_now(*m_c, *m_staging, *m_device, bytes); !r) return std::unexpected(r.error());
      } else {
        if (m_staging)
          if (auto r = copy_now(*m_c, *m_device, *m_staging, bytes); !r) return std::unexpected(r.error());
        std::memcpy(m_landing.data(), mapped.mapped(), bytes);
      }
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  result<void> read_back(host_buffers& out) override {
    host_buffer& y = out.outputs.at(0);
    if (m_op == bandwidth_op::download) {
      std::memcpy(y.bytes.data(), m_landing.data(), y.bytes.size());
      return {};
    }
    return download(m_c, *m_device, std::span(y.bytes.data(), y.bytes.size()));
  }

 private:
  std::shared_ptr<context> m_c;
  bandwidth_op m_op;
  const host_buffer& m_host;
  std::unique_ptr<buffer> m_device, m_staging;
  std::vector<std::byte> m_landing;
};

// Texel-buffer formats for a precision's A elements (one channel) and B / reduction input
// (one or four channels), with their sizes in bytes. int8: A is u8, B and reduction inputs s8.
struct texel_formats {
  VkFormat a, a4, b, b4, x4;
  std::uint32_t bytes;  // one channel
};
texel_formats texel_formats_for(precision p) {
  switch (p) {
    case precision::fp16:
      return {VK_FORMAT_R16_SFLOAT, VK_FORMAT_R16G16B16A16_SFLOAT, VK_FORMAT_R16_SFLOAT, VK_FORMAT_R16G16B16A16_SFLOAT, VK_FORMAT_R16G16B16A16_SFLOAT, 2};
    case precision::int8:
      return {VK_FORMAT_R8_UINT, VK_FORMAT_R8G8B8A8_UINT, VK_FORMAT_R8_SINT, VK_FORMAT_R8G8B8A8_SINT, VK_FORMAT_R8G8B8A8_SINT, 1};
    default:
      return {VK_FORMAT_R32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, 4};
  }
}

std::uint32_t groups_for(std::uint64_t items, std::uint64_t per_group, std::uint32_t limit) {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>((items + per_group - 1) / per_group, 1, limit));
}

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



class vk_device final : public device {
 public:
  vk_device(std::shared_ptr<context> c, device_info info) : m_c(std::move(c)), m_info(std::move(info)) {}

  const device_info& info() const override { return m_info; }

  support supports(const problem& p) const override {
    const vulkan_details& v = *m_info.vulkan;
    if (auto too_big = beyond_32bit_indexing(p)) return *too_big;
    const std::vector<std::string> ours{"xpubench"};
    if (p.type == precision::bf16) {
      const precision_support* ps = m_info.support_for(p.type);
      return {support_level::unsupported, ps ? ps->reason : "no bf16 in Vulkan 1.3 core", {}};
    }
    if (p.type == precision::fp64 || p.type == precision::int32) {
      if (p.kind() != kernel_kind::peak)
        return {support_level::unsupported, fmt::format("{} is measured by the peak micro-benchmark only", to_string(p.type)), {}};
      if (p.type == precision::fp64 && !v.shader_float64) return {support_level::unsupported, "no shaderFloat64 on this device", {}};
      return {support_level::native, p.type == precision::fp64 ? "dvec4 FMA chains per invocation (shaderFloat64)" : "ivec4 x = x * a + b chains per invocation", ours};
    }
    if (p.type == precision::fp16 && !v.storage_16bit) return {support_level::unsupported, "no storageBuffer16BitAccess on this device", {}};
    if (p.type == precision::int8 && (!v.storage_8bit || !v.shader_int8))
      return {support_level::unsupported, "int8 needs shaderInt8 and storageBuffer8BitAccess; this device lacks one", {}};
    // Our fp16 GEMM and conv multiply-accumulate in fp32 (exact products of fp16 inputs).
    std::vector<std::pair<std::string, precision>> fp32_math;
    if (p.type == precision::fp16) fp32_math.emplace_back("xpubench", precision::fp32);
    const char* storage = p.type == precision::fp16 ? "fp16 storage (16-bit storage), fp32 multiply-accumulate"
                          : p.type == precision::int8 ? "u8 x s8 (8-bit storage), int32 multiply-accumulate"
                                                      : "float arithmetic";
    switch (p.kind()) {
      case kernel_kind::gemm: {
        if (p.type == precision::fp32) return {support_level::native, storage, ours};
        const coop_choice coop = coop_matrix_choice(v, p, vulkan_khr_coop_built());
        if (!coop.implementation.empty())
          return {support_level::native, fmt::format("{}; cooperative matrix {}x{}x{} ({})", storage, coop.shape.m, coop.shape.n, coop.shape.k, coop.implementation),
                  {coop.implementation, "xpubench"}, fp32_math};
        return {support_level::native, fmt::format("{}; no cooperative-matrix path: {}", storage, coop.reason), ours, fp32_math};
      }
      case kernel_kind::conv2d: return {support_level::native, fmt::format("implicit GEMM, {}", storage), ours, fp32_math};
      case kernel_kind::reduction: return {support_level::native, storage, ours};
      case kernel_kind::bandwidth:
        if (p.type != precision::fp32) return {support_level::unsupported, "bandwidth kernels stream fp32 arrays", {}};
        if (const auto op = std::get<bandwidth_shape>(p.dims).op; op == bandwidth_op::upload || op == bandwidth_op::download)
          return {support_level::native, "host <-> device transfer", {"xpubench", "mapped"}};
        return {support_level::native, "vec4 loads and stores", ours};
      case kernel_kind::peak:
        if (p.type == precision::fp32) return {support_level::native, "vec4 FMA chains per invocation", ours};
        if (p.type == precision::fp16)
          return v.shader_float16 ? support{support_level::native, "f16vec4 FMA chains (half arithmetic, shaderFloat16)", ours}
                                  : support{support_level::unsupported, "no shaderFloat16: half arithmetic unavailable", {}};
        return {support_level::native,
                v.integer_dot_product ? fmt::format("packed 4x8-bit dot product (OpSUDotKHR, {})",
                                                    v.integer_dot_product_8bit_accelerated ? "accelerated" : "not accelerated on this device")
                                      : std::string("no integer dot product: four 8-bit multiplies and adds per step"),
                ours};
      case kernel_kind::latency: return {support_level::native, "an empty dispatch", ours};
    }
    return {support_level::unsupported, "unknown kernel", {}};
  }

  result<std::unique_ptr<prepared>> prepare(const problem& p, const host_buffers& in, std::string_view impl) override {
    if (auto ok = support_check(*this, p, impl); !ok) return std::unexpected(ok.error());
    std::uint64_t total = 0;
    for (const auto& b : in.inputs) total += b.bytes.size();
    for (const auto& h : m_info.vulkan->heaps)
      if (h.device_local && total > h.size_bytes)
        return fail(status::skipped, "the inputs ({} bytes) exceed the device-local heap ({} bytes)", total, h.size_bytes);
    switch (p.kind()) {
      case kernel_kind::gemm:
        if (impl == "coopmat_nv" || impl == "coopmat_khr") return prepare_coop(p, in, impl);
        return prepare_gemm(p, in, false);
      case kernel_kind::conv2d: return prepare_gemm(p, in, true);
      case kernel_kind::reduction: return prepare_reduction(p.type, std::get<reduction_shape>(p.dims).op, in.inputs[0]);
      case kernel_kind::bandwidth: return prepare_stream(std::get<bandwidth_shape>(p.dims).op, in, impl);
      case kernel_kind::peak: return prepare_peak(std::get<peak_shape>(p.dims), in, p.type);
      case kernel_kind::latency: return prepare_latency();
    }
    return fail(status::unsupported, "unknown kernel");
  }

 private:
  result<std::unique_ptr<buffer>> device_buffer(std::size_t bytes) { return buffer::create(m_c, bytes, false); }

  // Uploads every input and allocates the output (`output_bytes`); the bindings are checked
  // against maxStorageBufferRange first (kernels that split their arrays do not call this).
  result<std::unique_ptr<vk_prepared>> with_buffers(const host_buffers& in, std::size_t output_bytes, std::string impl, std::string notes) {
    for (const auto& b : in.inputs)
      if (b.bytes.size() > m_c->max_binding())
        return fail(status::skipped, "a {}-byte input exceeds maxStorageBufferRange ({} bytes)", b.bytes.size(), m_c->max_binding());
    if (output_bytes > m_c->max_binding())
      return fail(status::skipped, "the {}-byte output exceeds maxStorageBufferRange ({} bytes)", output_bytes, m_c->max_binding());
    auto p = std::make_unique<vk_prepared>(m_c, std::move(impl), std::move(notes));
    for (const auto& b : in.inputs) {
      auto buf = device_buffer(b.bytes.size());
      if (!buf) return std::unexpected(buf.error());
      if (auto r = upload(m_c, **buf, b.bytes); !r) return std::unexpected(r.error());
      p->add(std::move(*buf));
    }
    auto out = device_buffer(output_bytes);
    if (!out) return std::unexpected(out.error());
    p->output = &p->add(std::move(*out));
    return p;
  }

  static std::vector<binding> whole(const vk_prepared& p) {
    std::vector<binding> b;
    for (const auto& buf : p.buffers) b.push_back({buf.get()});
    return b;
  }

  result<std::unique_ptr<prepared>> prepare_gemm(const problem& pr, const host_buffers& in, bool conv) {
    const gemm_tiles t;
    const auto& limits = m_c->props.limits;
    std::array<std::uint32_t, 13> push{};
    bool trans_a = false, trans_b = false, nhwc = false;
    std::uint64_t rows = 0, cols = 0;
    if (conv) {
      const auto& c = std::get<conv_shape>(pr.dims);
      nhwc = c.layout == conv_layout::nhwc;
      rows = static_cast<std::uint64_t>(c.n * c.p() * c.q()), cols = static_cast<std::uint64_t>(c.k);
      push = {static_cast<std::uint32_t>(rows), static_cast<std::uint32_t>(cols), static_cast<std::uint32_t>(c.c * c.r * c.s),
              static_cast<std::uint32_t>(c.c), static_cast<std::uint32_t>(c.h), static_cast<std::uint32_t>(c.w),
              static_cast<std::uint32_t>(c.r), static_cast<std::uint32_t>(c.s), static_cast<std::uint32_t>(c.p()),
              static_cast<std::uint32_t>(c.q()), static_cast<std::uint32_t>(c.stride), static_cast<std::uint32_t>(c.pad),
              static_cast<std::uint32_t>(c.dilation)};
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
    if (use_texels() && std::ranges::all_of(in.inputs, [&](const host_buffer& b) { return b.bytes.size() / tf.bytes < limits.maxTexelBufferElements; }) &&
        m_c->texel_ok(a_view) && m_c->texel_ok(b_view)) {
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

  result<std::unique_ptr<prepared>> prepare_coop(const problem& pr, const host_buffers& in, std::string_view impl) {
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

  // The largest binding range: maxStorageBufferRange rounded down to the offset alignment and
  // to whole vec4s.
  // CPU devices read their inputs through uniform texel buffers (vector gathers; see gemm_rows.comp).
  bool use_texels() const { return m_info.type == "cpu" && !m_c->gpu_kernels; }

  std::uint64_t split_bytes() const {
    const auto& limits = m_c->props.limits;
    const std::uint64_t align = std::lcm(std::lcm<std::uint64_t>(std::max<std::uint64_t>(limits.minStorageBufferOffsetAlignment, 1), 16),
                                         std::max<std::uint64_t>(limits.minTexelBufferOffsetAlignment, 1));
    const std::uint64_t texel_limit = use_texels() ? std::uint64_t{limits.maxTexelBufferElements} * 4 : m_c->max_binding();  // RGBA8: 4 bytes a texel
    return std::min(m_c->max_binding(), texel_limit) / align * align;
  }

  result<std::unique_ptr<prepared>> prepare_reduction(precision type, reduce_op op, const host_buffer& x) {
    constexpr std::uint32_t wg = 256;
    const bool subgroups = has(m_info.vulkan->subgroup_operations, "arithmetic");
    const VkFormat x4 = texel_formats_for(type).x4;
    const bool texel = use_texels() && m_c->texel_ok(x4);
    const std::string shader = fmt::format("reduce_{}{}{}", to_string(type), subgroups ? "_subgroup" : "", texel ? "_texel" : "");
    const char* kinds = texel ? "tss" : "sss";
    const bool is_max = op == reduce_op::max;
    auto first = m_c->pipeline_for(shader, std::array<std::uint32_t, 3>{wg, 0, is_max}, kinds, 8);
    auto second = m_c->pipeline_for(shader, std::array<std::uint32_t, 3>{wg, 1, is_max}, kinds, 8);
    if (!first) return std::unexpected(first.error());
    if (!second) return std::unexpected(second.error());
    const std::size_t elem = x.bytes.size() / std::max<std::size_t>(x.count(), 1);
    const std::uint64_t chunk_bytes = split_bytes();
    const std::uint64_t per_chunk = chunk_bytes / elem;
    const std::uint64_t n = x.count(), chunks = (n + per_chunk - 1) / per_chunk;
    auto p = std::make_unique<vk_prepared>(
        m_c, "xpubench",
        fmt::format("two stages: {} dispatch(es) of work-groups of {} ({}{}; bindings of at most {} bytes), then one", chunks, wg,
                    subgroups ? "subgroup arithmetic" : "shared-memory tree", texel ? ", texel-buffer reads" : "", chunk_bytes));
    auto input = device_buffer(x.bytes.size());
    if (!input) return std::unexpected(input.error());
    if (auto r = upload(m_c, **input, x.bytes); !r) return std::unexpected(r.error());
    const buffer& xb = p->add(std::move(*input));
    std::vector<std::uint32_t> groups;
    std::uint32_t partials = 0;
    for (std::uint64_t c = 0; c < chunks; ++c) {
      const std::uint64_t count = std::min(per_chunk, n - c * per_chunk);
      groups.push_back(groups_for(count, wg * 16ull, 1024));
      partials += groups.back();
    }
    auto parts = device_buffer(partials * 4ull);
    auto out = device_buffer(4);
    if (!parts) return std::unexpected(parts.error());
    if (!out) return std::unexpected(out.error());
    const buffer& pb = p->add(std::move(*parts));
    p->output = &p->add(std::move(*out));
    std::vector<std::pair<step*, std::vector<binding>>> sets;
    p->steps.reserve(chunks + 1);
    std::uint32_t base = 0;
    for (std::uint64_t c = 0; c < chunks; ++c) {
      const std::uint64_t count = std::min(per_chunk, n - c * per_chunk);
      step s;
      s.pipe = *first;
      s.push[0] = static_cast<std::uint32_t>(count), s.push[1] = base;
      s.groups = {groups[c], 1, 1};
      base += groups[c];
      p->steps.push_back(s);
      const VkDeviceSize offset = c * per_chunk * elem, range = (count * elem + 15) / 16 * 16;
      sets.push_back({&p->steps.back(), {{&xb, offset, std::min<VkDeviceSize>(range, xb.bytes() - offset), texel ? x4 : VK_FORMAT_UNDEFINED}, {&pb}, {p->output}}});
    }
    step last;
    last.pipe = *second;
    last.push[0] = partials;
    p->steps.push_back(last);
    sets.push_back({&p->steps.back(), {{&xb, 0, std::min<VkDeviceSize>(xb.bytes(), chunk_bytes), texel ? x4 : VK_FORMAT_UNDEFINED}, {&pb}, {p->output}}});
    if (auto r = p->describe(std::move(sets)); !r) return std::unexpected(r.error());
    return std::unique_ptr<prepared>(std::move(p));
  }

  result<std::unique_ptr<prepared>> prepare_stream(bandwidth_op op, const host_buffers& in, std::string_view impl);
  result<std::unique_ptr<prepared>> prepare_peak(const peak_shape& s, const host_buffers& in, precision type);
  result<std::unique_ptr<prepared>> prepare_latency();

  std::shared_ptr<context> m_c;
  device_info m_info;
};

result<std::unique_ptr<prepared>> vk_device::prepare_stream(bandwidth_op op, const host_buffers& in, std::string_view impl) {
  if (op == bandwidth_op::read) return prepare_reduction(precision::fp32, reduce_op::sum, in.inputs[0]);
  const host_buffer& x = in.inputs[0];
  if (op == bandwidth_op::upload || op == bandwidth_op::download) {
    auto dev = device_buffer(x.bytes.size());
    if (!dev) return std::unexpected(dev.error());
    if (op == bandwidth_op::download)  // the device holds the array the host will read
      if (auto r = upload(m_c, **dev, x.bytes); !r) return std::unexpected(r.error());
    std::unique_ptr<buffer> staging;
    if (impl != "mapped" || !(*dev)->mapped()) {
      auto made = buffer::create(m_c, x.bytes.size(), true);
      if (!made) return std::unexpected(made.error());
      staging = std::move(*made);
    }
    if (impl == "mapped") return std::unique_ptr<prepared>(std::make_unique<mapped_transfer>(m_c, op, x, std::move(*dev), std::move(staging)));
    if (op == bandwidth_op::upload) std::memcpy(staging->mapped(), x.bytes.data(), x.bytes.size());
    auto p = std::make_unique<vk_prepared>(m_c, "xpubench",
                                           "vkCmdCopyBuffer between a mapped (pinned) staging buffer and the storage buffer, timestamp-timed");
    step s;
    s.copy_src = op == bandwidth_op::upload ? staging->get() : (*dev)->get();
    s.copy_dst = op == bandwidth_op::upload ? (*dev)->get() : staging->get();
    s.copy_bytes = x.bytes.size();
    p->steps.push_back(s);
    const buffer& d = p->add(std::move(*dev));
    const buffer& st = p->add(std::move(staging));
    p->output = op == bandwidth_op::upload ? &d : &st;
    return std::unique_ptr<prepared>(std::move(p));
  }
  constexpr std::uint32_t wg = 256;
  const bool triad = op == bandwidth_op::triad;
  const bool texel = use_texels() && m_c->texel_ok(VK_FORMAT_R32G32B32A32_SFLOAT);
  auto pipe = m_c->pipeline_for(fmt::format("stream_{}{}", triad ? "triad" : "copy", texel ? "_texel" : ""), std::array<std::uint32_t, 1>{wg},
                                triad ? (texel ? "tts" : "sss") : (texel ? "ts" : "ss"), 4);
  if (!pipe) return std::unexpected(pipe.error());
  const std::uint64_t chunk = split_bytes();
  auto p = std::make_unique<vk_prepared>(m_c, "xpubench", fmt::format("vec4 per invocation{}, bindings of at most {} bytes",
                                                                      texel ? " read through texel buffers" : "", chunk));
  for (const auto& b : in.inputs) {
    auto buf = device_buffer(b.bytes.size());
    if (!buf) return std::unexpected(buf.error());
    if (auto r = upload(m_c, **buf, b.bytes); !r) return std::unexpected(r.error());
    p->add(std::move(*buf));
  }
  auto out = device_buffer(x.bytes.size());
  if (!out) return std::unexpected(out.error());
  p->output = &p->add(std::move(*out));
  const std::uint64_t bytes = p->output->bytes(), chunks = (bytes + chunk - 1) / chunk;
  p->steps.reserve(chunks);
  std::vector<std::pair<step*, std::vector<binding>>> sets;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const VkDeviceSize offset = c * chunk, range = std::min<VkDeviceSize>(chunk, bytes - offset);
    step s;
    s.pipe = *pipe;
    s.push[0] = static_cast<std::uint32_t>(range / 16);
    s.groups = {groups_for(range / 16, wg, 65535), 1, 1};
    p->steps.push_back(s);
    std::vector<binding> b;
    for (const auto& buf : p->buffers) b.push_back({buf.get(), offset, range, texel && buf.get() != p->output ? VK_FORMAT_R32G32B32A32_SFLOAT : VK_FORMAT_UNDEFINED});
    sets.push_back({&p->steps.back(), std::move(b)});
  }
  if (auto r = p->describe(std::move(sets)); !r) return std::unexpected(r.error());
  return std::unique_ptr<prepared>(std::move(p));
}

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

result<std::unique_ptr<prepared>> vk_device::prepare_latency() {
  auto pipe = m_c->pipeline_for("empty", std::array<std::uint32_t, 1>{1}, "", 0);
  if (!pipe) return std::unexpected(pipe.error());
  auto p = std::make_unique<vk_prepared>(m_c, "xpubench", "empty dispatches of one invocation back to back (no barrier); device time between timestamps");
  step s;
  s.pipe = *pipe;
  s.barrier_after = false;  // it touches no memory; a barrier would double the time between dispatches on lavapipe
  p->steps.push_back(s);
  return std::unique_ptr<prepared>(std::move(p));
}

}  // namespace

result<std::unique_ptr<device>> vulkan_device_open(const device_info& info, const vulkan_options& options) {
  if (!info.vulkan) return fail(status::invalid, "'{}' is not a Vulkan device", info.id);
  const vulkan_details& v = *info.vulkan;
  int wanted = -1;
  if (std::sscanf(info.id.c_str(), "vulkan%d", &wanted) != 1) return fail(status::invalid, "'{}' is not a Vulkan device id", info.id);
  unsigned major = 0, minor = 0;
  if (std::sscanf(v.api_version.c_str(), "%u.%u", &major, &minor) != 2 || (major == 1 && minor < 1))
    return fail(status::unsupported, "{} reports Vulkan {}; the shaders need Vulkan 1.1 (SPIR-V 1.3, subgroups)", info.id, v.api_version);
  const bool v12 = major > 1 || minor >= 2, v13 = major > 1 || minor >= 3;
  const auto& loaded = vulkan_api_load();
  if (!loaded) return std::unexpected(loaded.error());
  const vulkan_api& vk = *loaded;
  auto c = std::make_shared<context>();

  std::uint32_t loader_version = VK_API_VERSION_1_0;
  if (vk.enumerate_instance_version) vk.enumerate_instance_version(&loader_version);
  auto app = vk_struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "xpubench";
  app.apiVersion = std::min<std::uint32_t>(loader_version, VK_API_VERSION_1_3);
  std::vector<const char*> layers, extensions;
  if (options.validation) {
    auto enumerate = reinterpret_cast<PFN_vkEnumerateInstanceLayerProperties>(vk.get_instance_proc_addr(nullptr, "vkEnumerateInstanceLayerProperties"));
    std::uint32_t n = 0;
    if (enumerate) enumerate(&n, nullptr);
    std::vector<VkLayerProperties> found(n);
    if (enumerate && n) enumerate(&n, found.data());
    if (std::ranges::none_of(found, [](const VkLayerProperties& l) { return std::string_view(l.layerName) == "VK_LAYER_KHRONOS_validation"; }))
      return fail(status::unsupported, "validation requested, but VK_LAYER_KHRONOS_validation is not installed (Debian: apt-get install vulkan-validationlayers)");
    layers.push_back("VK_LAYER_KHRONOS_validation");
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  auto create = vk_struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  create.pApplicationInfo = &app;
  create.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  create.ppEnabledLayerNames = layers.data();
  create.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  create.ppEnabledExtensionNames = extensions.data();
  XPU_CHECK_VK(vk.create_instance(&create, nullptr, &c->instance));
#define XPU_VK_LOAD_INSTANCE(name)                                                                  \
  c->f.name = reinterpret_cast<PFN_##name>(vk.get_instance_proc_addr(c->instance, #name));        \
  if (!c->f.name) return fail(status::unsupported, "the Vulkan loader has no {}", #name);
  XPU_VK_INSTANCE_FNS(XPU_VK_LOAD_INSTANCE)
#undef XPU_VK_LOAD_INSTANCE
  if (options.validation) {
    c->f.vkCreateDebugUtilsMessengerEXT =
        reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(vk.get_instance_proc_addr(c->instance, "vkCreateDebugUtilsMessengerEXT"));
    c->f.vkDestroyDebugUtilsMessengerEXT =
        reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(vk.get_instance_proc_addr(c->instance, "vkDestroyDebugUtilsMessengerEXT"));
    if (!c->f.vkCreateDebugUtilsMessengerEXT || !c->f.vkDestroyDebugUtilsMessengerEXT)
      return fail(status::unsupported, "validation requested, but VK_EXT_debug_utils is missing");
    auto m = vk_struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
    m.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    m.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
    m.pfnUserCallback = on_validation_message;
    XPU_CHECK_VK(c->f.vkCreateDebugUtilsMessengerEXT(c->instance, &m, nullptr, &c->messenger));
  }

  std::uint32_t count = 0;
  XPU_CHECK_VK(c->f.vkEnumeratePhysicalDevices(c->instance, &count, nullptr));
  std::vector<VkPhysicalDevice> devices(count);
  if (count) XPU_CHECK_VK(c->f.vkEnumeratePhysicalDevices(c->instance, &count, devices.data()));
  if (wanted < 0 || static_cast<std::uint32_t>(wanted) >= count)
    return fail(status::failed, "Vulkan device {} is no longer listed by the loader ({} device(s))", info.id, count);
  c->physical = devices[static_cast<std::size_t>(wanted)];
  c->f.vkGetPhysicalDeviceProperties(c->physical, &c->props);
  if (info.name != c->props.deviceName)
    return fail(status::failed, "Vulkan device {} is now '{}', not '{}' as probed: run again", info.id, c->props.deviceName, info.name);
  c->f.vkGetPhysicalDeviceMemoryProperties(c->physical, &c->memory);
  c->binding_cap = options.max_binding_bytes;
  c->gpu_kernels = options.gpu_kernels;
  c->unified = c->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU || c->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
  std::uint32_t families = 0;
  c->f.vkGetPhysicalDeviceQueueFamilyProperties(c->physical, &families, nullptr);
  std::vector<VkQueueFamilyProperties> family(families);
  c->f.vkGetPhysicalDeviceQueueFamilyProperties(c->physical, &families, family.data());
  const auto compute = std::ranges::find_if(family, [](const VkQueueFamilyProperties& q) { return (q.queueFlags & VK_QUEUE_COMPUTE_BIT) != 0; });
  if (compute == family.end()) return fail(status::unsupported, "{} has no queue family with compute", info.id);
  c->queue_family = static_cast<std::uint32_t>(compute - family.begin());
  c->timestamp_bits = compute->timestampValidBits;

  // Features the shaders use, enabled only where the probe found them.
  void* chain = nullptr;
  auto link = [&chain](auto& s) {
    s.pNext = chain;
    chain = &s;
  };
  auto storage16 = vk_struct<VkPhysicalDevice16BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES);
  storage16.storageBuffer16BitAccess = v.storage_16bit;
  link(storage16);
  auto storage8 = vk_struct<VkPhysicalDevice8BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES);
  storage8.storageBuffer8BitAccess = v.storage_8bit;
  auto f16i8 = vk_struct<VkPhysicalDeviceShaderFloat16Int8Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES);
  f16i8.shaderFloat16 = v.shader_float16;
  f16i8.shaderInt8 = v.shader_int8;
  auto dot = vk_struct<VkPhysicalDeviceShaderIntegerDotProductFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES);
  dot.shaderIntegerDotProduct = v.integer_dot_product;
  auto coop_nv = vk_struct<VkPhysicalDeviceCooperativeMatrixFeaturesNV>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV);
  coop_nv.cooperativeMatrix = VK_TRUE;
  auto coop_khr = vk_struct<VkPhysicalDeviceCooperativeMatrixFeaturesKHR>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR);
  coop_khr.cooperativeMatrix = VK_TRUE;
  std::vector<const char*> device_extensions;
  auto want_extension = [&](const char* name, bool core) {
    if (core) return true;
    if (!has(v.extensions, name)) return false;
    device_extensions.push_back(name);
    return true;
  };
  if ((v.storage_8bit) && want_extension(VK_KHR_8BIT_STORAGE_EXTENSION_NAME, v12)) link(storage8);
  if ((v.shader_float16 || v.shader_int8) && want_extension(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME, v12)) link(f16i8);
  if (v.integer_dot_product && want_extension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME, v13)) link(dot);
  if (v.coop_matrix_nv && want_extension(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME, false)) link(coop_nv);
  if (v.coop_matrix_khr && want_extension(VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME, false)) link(coop_khr);

  const float priority = 1.0f;
  auto queue_info = vk_struct<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  queue_info.queueFamilyIndex = c->queue_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  auto device_info_vk = vk_struct<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  device_info_vk.pNext = chain;
  device_info_vk.queueCreateInfoCount = 1;
  device_info_vk.pQueueCreateInfos = &queue_info;
  VkPhysicalDeviceFeatures core{};
  core.shaderFloat64 = v.shader_float64;  // the fp64 peak
  device_info_vk.pEnabledFeatures = &core;
  device_info_vk.enabledExtensionCount = static_cast<std::uint32_t>(device_extensions.size());
  device_info_vk.ppEnabledExtensionNames = device_extensions.data();
  XPU_CHECK_VK(c->f.vkCreateDevice(c->physical, &device_info_vk, nullptr, &c->device));
#define XPU_VK_LOAD_DEVICE(name)                                                                          \
  c->f.name = reinterpret_cast<PFN_##name>(c->f.vkGetDeviceProcAddr(c->device, #name));                   \
  if (!c->f.name) return fail(status::unsupported, "the Vulkan driver has no {}", #name);
  XPU_VK_DEVICE_FNS(XPU_VK_LOAD_DEVICE)
#undef XPU_VK_LOAD_DEVICE
  c->f.vkGetDeviceQueue(c->device, c->queue_family, 0, &c->queue);
  auto pool = vk_struct<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool.queueFamilyIndex = c->queue_family;
  XPU_CHECK_VK(c->f.vkCreateCommandPool(c->device, &pool, nullptr, &c->pool));
  return std::unique_ptr<device>(std::make_unique<vk_device>(std::move(c), info));
}

}  // namespace xpu
