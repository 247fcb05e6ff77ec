// Bandwidth on OpenCL (bandwidth.cl): copy and triad kernels, host <-> device transfers.
#include "kernels/opencl/device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

namespace {

// Host <-> device transfers of one array. "xpubench": clEnqueueWrite/ReadBuffer from ordinary
// (pageable) host memory, device-timed by events; "mapped": a CL_MEM_ALLOC_HOST_PTR (pinned)
// buffer mapped, copied with memcpy and unmapped, host-timed (the copy runs on the host).
class transfer final : public prepared {
 public:
  transfer(const opencl_api& api, cl_command_queue queue, bandwidth_op op, bool mapped, const host_buffer& host, mem_ptr device)
      : m_api(api), m_queue(queue), m_op(op), m_mapped(mapped), m_host(host), m_device(std::move(device)), m_staging(host.bytes.size()) {}
  std::string_view implementation() const override { return m_mapped ? "mapped" : "xpubench"; }
  std::string notes() const override {
    return m_mapped ? "pinned (CL_MEM_ALLOC_HOST_PTR) buffer, map + memcpy + unmap, host-timed"
                    : "clEnqueueWrite/ReadBuffer from pageable host memory, event-timed";
  }
  result<double> run_seconds(int launches) override {
    const std::size_t bytes = m_host.bytes.size();
    const auto start = std::chrono::steady_clock::now();
    event_ptr first{nullptr, {&m_api}}, last{nullptr, {&m_api}};
    for (int i = 0; i < launches; ++i) {
      if (m_mapped) {
        cl_int rc = CL_SUCCESS;
        const cl_map_flags flags = m_op == bandwidth_op::upload ? CL_MAP_WRITE_INVALIDATE_REGION : CL_MAP_READ;
        void* p = m_api.map_buffer(m_queue, m_device.get(), CL_TRUE, flags, 0, bytes, 0, nullptr, nullptr, &rc);
        if (rc != CL_SUCCESS) return fail(status::failed, "clEnqueueMapBuffer failed: {}", opencl_error_name(rc));
        if (m_op == bandwidth_op::upload) std::memcpy(p, m_host.bytes.data(), bytes);
        else std::memcpy(m_staging.data(), p, bytes);
        XPU_CHECK_CL(m_api.unmap(m_queue, m_device.get(), p, 0, nullptr, nullptr));
        continue;
      }
      cl_event ev = nullptr;
      const cl_int rc = m_op == bandwidth_op::upload
                            ? m_api.enqueue_write(m_queue, m_device.get(), CL_FALSE, 0, bytes, m_host.bytes.data(), 0, nullptr, &ev)
                            : m_api.enqueue_read(m_queue, m_device.get(), CL_FALSE, 0, bytes, m_staging.data(), 0, nullptr, &ev);
      if (rc != CL_SUCCESS) return fail(status::failed, "clEnqueue{}Buffer failed: {}", m_op == bandwidth_op::upload ? "Write" : "Read", opencl_error_name(rc));
      if (!first) first.reset(ev);
      else last.reset(ev);
    }
    XPU_CHECK_CL(m_api.finish(m_queue));
    if (m_mapped) return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cl_ulong t0 = 0, t1 = 0;
    XPU_CHECK_CL(m_api.event_profiling_info(first.get(), CL_PROFILING_COMMAND_START, sizeof t0, &t0, nullptr));
    XPU_CHECK_CL(m_api.event_profiling_info(last ? last.get() : first.get(), CL_PROFILING_COMMAND_END, sizeof t1, &t1, nullptr));
    if (t1 <= t0) return fail(status::failed, "profiling events give a non-positive duration");
    return static_cast<double>(t1 - t0) * 1e-9;
  }
  result<void> read_back(host_buffers& out) override {
    host_buffer& y = out.outputs.at(0);
    if (m_op == bandwidth_op::download) {
      std::memcpy(y.bytes.data(), m_staging.data(), y.bytes.size());
      return {};
    }
    XPU_CHECK_CL(m_api.enqueue_read(m_queue, m_device.get(), CL_TRUE, 0, y.bytes.size(), y.bytes.data(), 0, nullptr, nullptr));
    return {};
  }

 private:
  const opencl_api& m_api;
  cl_command_queue m_queue;
  bandwidth_op m_op;
  bool m_mapped;
  const host_buffer& m_host;
  mem_ptr m_device;
  std::vector<std::byte> m_staging;
};

}  // namespace

result<std::unique_ptr<prepared>> cl_device::prepare_stream(bandwidth_op op, const host_buffers& in, std::string_view impl) {
  // Vector width: ours is the widest that divides the array; "float4" and "float" are the narrower rows.
  const int width = impl == "float" ? 1 : impl == "float4" ? 4 : 16;
  if (op == bandwidth_op::read) return prepare_reduction(precision::fp32, reduce_op::sum, in.inputs[0], width, impl);
  if (op == bandwidth_op::upload || op == bandwidth_op::download) {
    const host_buffer& x = in.inputs[0];
    const bool mapped = impl == "mapped";
    cl_int rc = CL_SUCCESS;
    cl_mem_flags flags = CL_MEM_READ_WRITE | (mapped ? CL_MEM_ALLOC_HOST_PTR : 0);
    mem_ptr dev(m_api.create_buffer(m_context.get(), flags, x.bytes.size(), nullptr, &rc), {&m_api});
    if (rc != CL_SUCCESS) return fail(status_of(rc), "clCreateBuffer({} bytes) failed: {}", x.bytes.size(), opencl_error_name(rc));
    if (op == bandwidth_op::download)  // the device holds the array the host will read
      XPU_CHECK_CL(m_api.enqueue_write(m_queue.get(), dev.get(), CL_TRUE, 0, x.bytes.size(), x.bytes.data(), 0, nullptr, nullptr));
    return std::unique_ptr<prepared>(std::make_unique<transfer>(m_api, m_queue.get(), op, mapped, x, std::move(dev)));
  }
  const std::size_t n = in.inputs[0].count();
  const int vec = n % width != 0 ? 1 : width;
  auto prog = program("bandwidth", fmt::format("-DVEC={}", vec), false);
  if (!prog) return std::unexpected(prog.error());
  auto p = with_buffers(in, n * 4, fmt::format("float{} per work-item", vec));
  if (!p) return std::unexpected(p.error());
  (*p)->impl = impl;
  auto k = kernel(*prog, op == bandwidth_op::copy ? "copy" : "triad");
  if (!k) return std::unexpected(k.error());
  for (cl_uint i = 0; i < (*p)->buffers.size(); ++i)
    if (auto r = arg(k->get(), i, (*p)->buffers[i].get()); !r) return std::unexpected(r.error());
  (*p)->m_launches.push_back({std::move(*k), {n / static_cast<std::size_t>(vec)}, {}});
  return std::unique_ptr<prepared>(std::move(*p));
}

XPU_OP_ROW(cl_device, bandwidth){
    kernel_kind::bandwidth,
    [](const cl_device&, const problem& p) {
      if (const auto op = std::get<bandwidth_shape>(p.dims).op; op == bandwidth_op::upload || op == bandwidth_op::download)
        return support{support_level::native, "host <-> device transfer", {"xpubench", "mapped"}};
      return support{support_level::native, "vectorized loads and stores: float16 (ours), float4, float", {"xpubench", "float4", "float"}};
    },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view impl) {
      return d.prepare_stream(std::get<bandwidth_shape>(p.dims).op, in, impl);
    }};

}  // namespace opencl_backend
}  // namespace xpu
