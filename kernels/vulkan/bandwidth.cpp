// Bandwidth on Vulkan (bandwidth.comp): copy and triad split across bindings, mapped host <-> device
// transfers.
#include "kernels/vulkan/device.hpp"

#include <array>
#include <numeric>

#include <fmt/format.h>

namespace xpu {
namespace vulkan_backend {

namespace {

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

}  // namespace

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

XPU_OP_ROW(vk_device, bandwidth){
    kernel_kind::bandwidth,
    [](const vk_device&, const problem& p) {
      if (const auto op = std::get<bandwidth_shape>(p.dims).op; op == bandwidth_op::upload || op == bandwidth_op::download)
        return support{support_level::native, "host <-> device transfer", {"xpubench", "mapped"}};
      return support{support_level::native, "vec4 loads and stores", {"xpubench"}};
    },
    [](vk_device& d, const problem& p, const host_buffers& in, std::string_view impl) {
      return d.prepare_stream(std::get<bandwidth_shape>(p.dims).op, in, impl);
    }};

}  // namespace vulkan_backend
}  // namespace xpu
