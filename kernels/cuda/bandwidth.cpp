// Bandwidth and launch latency on CUDA (bandwidth.cu): read is an fp32 sum over the array, copy and
// triad stream 16 bytes per thread; upload and download copy between page-locked host memory and
// the device; latency launches the empty kernel.
#include <fmt/format.h>

#include "kernels/cuda/device.hpp"

namespace xpu::cuda_backend {
namespace {

// Blocks of 256 threads, one 16-byte vector each (the tail rides on the first threads).
unsigned stream_blocks(std::size_t elements) { return static_cast<unsigned>(std::max<std::size_t>((elements / 4 + 255) / 256, 1)); }

}  // namespace

result<std::unique_ptr<prepared>> cu_device::prepare_bandwidth(const problem& p, const host_buffers& in, std::string_view) {
  const auto op = std::get<bandwidth_shape>(p.dims).op;
  if (op == bandwidth_op::read) {
    problem sum{reduction_shape{static_cast<std::int64_t>(in.inputs.at(0).count()), reduce_op::sum}, precision::fp32};
    return prepare_reduction(sum, in);
  }
  const std::size_t n = in.inputs.at(0).count(), bytes = in.inputs[0].bytes.size();
  if (op == bandwidth_op::upload || op == bandwidth_op::download) {
    const bool up = op == bandwidth_op::upload;
    auto prep = with_buffers(in, "xpubench", up ? "cuMemcpyHtoDAsync from page-locked host memory" : "cuMemcpyDtoHAsync into page-locked host memory");
    if (!prep) return std::unexpected(prep.error());
    auto& q = **prep;
    void* host = nullptr;
    XPU_CHECK_CU(m_api, m_api.mem_alloc_host(&host, bytes));
    q.pinned.emplace_back(m_api, host);
    std::memcpy(host, in.inputs[0].bytes.data(), bytes);
    const CUdeviceptr dev = q.memory[0].get(), out = q.output;
    if (up) {
      // Upload into the output buffer, which is then read back and checked against the input.
      q.add_step([this, out, host, bytes](CUstream s) { return m_api.memcpy_htod_async(out, host, bytes, s); });
    } else {
      // Download into page-locked memory, which is what is read back and checked.
      q.add_step([this, dev, host, bytes](CUstream s) { return m_api.memcpy_dtoh_async(host, dev, bytes, s); });
      std::memset(host, 0xff, bytes);  // the sentinel: a download that did not happen fails the check
      q.host_output = host;
    }
    return std::unique_ptr<prepared>(std::move(*prep));
  }
  const char* name = op == bandwidth_op::copy ? "stream_copy" : "stream_triad";
  auto f = function("bandwidth", name);
  if (!f) return std::unexpected(f.error());
  auto prep = with_buffers(in, "xpubench", "16-byte loads and stores, one vector per thread, 256 threads per block");
  if (!prep) return std::unexpected(prep.error());
  auto& q = **prep;
  kernel_args args;
  for (const auto& m : q.memory) args.add(m.get());
  args.add(static_cast<long long>(n));
  q.launch(*f, {stream_blocks(n)}, {256}, std::move(args));
  return std::unique_ptr<prepared>(std::move(*prep));
}

result<std::unique_ptr<prepared>> cu_device::prepare_latency() {
  auto f = function("bandwidth", "empty");
  if (!f) return std::unexpected(f.error());
  auto q = make_prepared("xpubench", "an empty kernel of one 32-thread block");
  q->launch(*f, {1}, {32}, {});
  return std::unique_ptr<prepared>(std::move(q));
}

XPU_OP_ROW(cu_device, bandwidth){
    kernel_kind::bandwidth,
    [](const cu_device&, const problem& p) {
      if (const auto op = std::get<bandwidth_shape>(p.dims).op; op == bandwidth_op::upload || op == bandwidth_op::download)
        return support{support_level::native, "cuMemcpyAsync between page-locked host memory and the device", {"xpubench"}};
      return support{support_level::native, "16-byte loads and stores per thread", {"xpubench"}};
    },
    [](cu_device& d, const problem& p, const host_buffers& in, std::string_view impl) { return d.prepare_bandwidth(p, in, impl); }};

XPU_OP_ROW(cu_device, latency){
    kernel_kind::latency,
    [](const cu_device&, const problem&) { return support{support_level::native, "an empty kernel, launched back to back on one stream", {"xpubench"}}; },
    [](cu_device& d, const problem&, const host_buffers&, std::string_view) { return d.prepare_latency(); }};

}  // namespace xpu::cuda_backend
