#pragma once
// The Vulkan backend's device, shared by its files: the device class (kernels/vulkan/device.cpp) and
// one host file per operation, named after it, beside its shaders: gemm.cpp (GEMM and conv2d, which
// share gemm.comp / gemm_rows.comp as implicit GEMM; gemm_coop_*.comp), reduction.cpp (reduction.comp),
// bandwidth.cpp (bandwidth.comp), peak.cpp (peak.comp), latency.cpp (bandwidth.comp -DEMPTY),
// normalize.cpp (normalize.comp: softmax and rmsnorm), attention.cpp (attention.comp), qgemm.cpp
// (qgemm.comp).
// Internal to kernels/vulkan/.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/op_table.hpp"
#include "kernels/vulkan/runtime.hpp"
#include "kernels/vulkan/vulkan_device.hpp"

namespace xpu::vulkan_backend {

using namespace vk;  // the runtime: context, buffer, vk_prepared, ...

inline bool has(const std::vector<std::string>& v, std::string_view x) { return std::ranges::find(v, x) != v.end(); }

// Texel-buffer formats for a precision's A elements (one channel) and B / reduction input
// (one or four channels), with their sizes in bytes. int8: A is u8, B and reduction inputs s8.
struct texel_formats {
  VkFormat a, a4, b, b4, x4;
  std::uint32_t bytes;  // one channel
};
texel_formats texel_formats_for(precision p);
// Work-groups for `items` at `per_group` each, at least one and at most `limit`.
std::uint32_t groups_for(std::uint64_t items, std::uint64_t per_group, std::uint32_t limit);

class vk_device final : public table_device<vk_device> {
 public:
  vk_device(std::shared_ptr<context> c, device_info info) : m_c(std::move(c)), m_info(std::move(info)) {}

  const device_info& info() const override { return m_info; }

  // The operations it runs (ops.cpp), each row in its host file.
  static std::span<const op_row<vk_device>* const> rows();
  // The storage each precision's kernels use ("fp16 storage (16-bit storage), ..."), and the
  // precision our fp16 kernels multiply-accumulate in (fp32).
  static const char* storage(precision p);
  static std::vector<std::pair<std::string, precision>> fp32_math(precision p);
  // softmax, RMSNorm and attention: the storage type, fp32 arithmetic.
  static support rows_support(const vk_device& d, const problem& p);

  // The toolkit every operation's host file uses.
  context& runtime() const { return *m_c; }  // pipelines, limits, queues
  result<std::unique_ptr<buffer>> device_buffer(std::size_t bytes) { return buffer::create(m_c, bytes, false); }

  // Uploads every input and allocates the output (`output_bytes`); the bindings are checked
  // against maxStorageBufferRange first (kernels that split their arrays do not call this).
  result<std::unique_ptr<vk_prepared>> with_buffers(const host_buffers& in, std::size_t output_bytes, std::string impl, std::string notes);

  static std::vector<binding> whole(const vk_prepared& p) {
    std::vector<binding> b;
    for (const auto& buf : p.buffers) b.push_back({buf.get()});
    return b;
  }

  result<std::unique_ptr<prepared>> prepare_gemm(const problem& pr, const host_buffers& in, bool conv);

  result<std::unique_ptr<prepared>> prepare_coop(const problem& pr, const host_buffers& in, std::string_view impl);

  // The largest binding range: maxStorageBufferRange rounded down to the offset alignment and
  // to whole vec4s.
  // CPU devices read their inputs through uniform texel buffers (vector gathers; see gemm_rows.comp).
  bool use_texels() const { return m_info.type == "cpu" && !m_c->gpu_kernels; }
  // Whether every input, viewed as texels of `texel_bytes`, has fewer than maxTexelBufferElements.
  bool inputs_fit_texels(const host_buffers& in, std::uint64_t texel_bytes) const {
    return std::ranges::all_of(in.inputs, [&](const host_buffer& b) { return b.bytes.size() / texel_bytes < m_c->props.limits.maxTexelBufferElements; });
  }

  std::uint64_t split_bytes() const;

  result<std::unique_ptr<prepared>> prepare_reduction(precision type, reduce_op op, const host_buffer& x);

  result<std::unique_ptr<prepared>> prepare_stream(bandwidth_op op, const host_buffers& in, std::string_view impl);
  result<std::unique_ptr<prepared>> prepare_peak(const peak_shape& s, const host_buffers& in, precision type);
  result<std::unique_ptr<prepared>> prepare_latency();

  // softmax and rmsnorm (normalize.cpp), attention (attention.cpp)
  result<std::unique_ptr<prepared>> prepare_rows(const problem& pr, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_attention(const problem& pr, const host_buffers& in);
  // `views`: the texel format each leading binding is viewed as (none: storage buffers).
  result<std::unique_ptr<prepared>> attention_steps(const attention_shape& a, const host_buffers& in, const pipeline* pipe, std::uint64_t groups,
                                                    std::string notes, std::span<const VkFormat> views = {});
  result<std::unique_ptr<prepared>> prepare_qgemm(const problem& pr, const host_buffers& in);  // qgemm.cpp
  result<std::unique_ptr<prepared>> prepare_moe(const problem& pr, const host_buffers& in);    // qgemm.cpp
  // A `skipped` error when `groups` work-groups (one per `what`) exceed maxComputeWorkGroupCount[0].
  std::optional<error> group_count_error(std::uint64_t groups, std::string_view what) const;

 protected:
  std::optional<support> common_support(const problem& p) const override;
  result<void> prepare_check(const problem& p, const host_buffers& in) override;

 private:
  std::shared_ptr<context> m_c;
  device_info m_info;
};

}  // namespace xpu::vulkan_backend
