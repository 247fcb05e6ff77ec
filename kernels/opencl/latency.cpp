// Launch latency on OpenCL: an empty kernel (bandwidth.cl) of one work-item, launched back to back.
#include "kernels/opencl/device.hpp"

namespace xpu::opencl_backend {

result<std::unique_ptr<prepared>> cl_device::prepare_latency() {
  auto prog = program("bandwidth", "-DVEC=1", false);
  if (!prog) return std::unexpected(prog.error());
  auto p = std::make_unique<cl_prepared>(m_api, m_queue.get(), "an empty kernel, one work-item; device time between launches");
  auto k = kernel(*prog, "empty");
  if (!k) return std::unexpected(k.error());
  p->m_launches.push_back({std::move(*k), {1}, {}});
  return std::unique_ptr<prepared>(std::move(p));
}

XPU_OP_ROW(cl_device, latency){
    kernel_kind::latency, [](const cl_device&, const problem&) { return support{support_level::native, "an empty kernel", {"xpubench"}}; },
    [](cl_device& d, const problem&, const host_buffers&, std::string_view) { return d.prepare_latency(); }};

}  // namespace xpu::opencl_backend
