// The CUDA device: the support rules, the dispatch to each operation, modules, memory, launches
// timed with events, and the SM clock measured under load.
#include "kernels/cuda/device.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "kernels/cuda/modules.hpp"
#include "probe/cuda/cuda.hpp"

namespace xpu::cuda_backend {

void cu_prepared::launch(CUfunction f, dim3_t grid, dim3_t block, kernel_args args) {
  auto held = std::make_shared<kernel_args>(std::move(args));
  m_steps.push_back([this, f, grid, block, held](CUstream s) {
    return m_api.launch_kernel(f, grid.x, grid.y, grid.z, block.x, block.y, block.z, 0, s, held->pointers(), nullptr);
  });
}

result<double> cu_prepared::run_seconds(int launches) {
  XPU_CHECK_CU(m_api, m_api.ctx_set_current(m_ctx));
  CUevent start = nullptr, stop = nullptr;
  XPU_CHECK_CU(m_api, m_api.event_create(&start, CU_EVENT_DEFAULT));
  const std::unique_ptr<CUevent_st, CUresult (*)(CUevent)> start_owner(start, m_api.event_destroy);
  XPU_CHECK_CU(m_api, m_api.event_create(&stop, CU_EVENT_DEFAULT));
  const std::unique_ptr<CUevent_st, CUresult (*)(CUevent)> stop_owner(stop, m_api.event_destroy);
  XPU_CHECK_CU(m_api, m_api.event_record(start, m_stream));
  for (int i = 0; i < launches; ++i)
    for (const step& s : m_steps)
      if (const CUresult rc = s(m_stream); rc != CUDA_SUCCESS)
        return fail(rc == CUDA_ERROR_OUT_OF_MEMORY ? status::skipped : status::failed, "launch {} of {} failed: {}", i + 1, launches, m_api.error_text(rc));
  XPU_CHECK_CU(m_api, m_api.event_record(stop, m_stream));
  // A kernel that faults surfaces here (an illegal address, a launch timeout), named.
  XPU_CHECK_CU(m_api, m_api.event_synchronize(stop));
  float ms = 0;
  XPU_CHECK_CU(m_api, m_api.event_elapsed(&ms, start, stop));
  if (!(ms > 0)) return fail(status::failed, "CUDA events give a non-positive duration ({} ms)", ms);
  return static_cast<double>(ms) * 1e-3;
}

result<void> cu_prepared::read_back(host_buffers& out) {
  if (!output && !host_output) return {};
  XPU_CHECK_CU(m_api, m_api.ctx_set_current(m_ctx));
  XPU_CHECK_CU(m_api, m_api.stream_synchronize(m_stream));
  host_buffer& y = out.outputs.at(0);
  if (host_output) {
    std::memcpy(y.bytes.data(), host_output, y.bytes.size());
    return {};
  }
  XPU_CHECK_CU(m_api, m_api.memcpy_dtoh(y.bytes.data(), output, y.bytes.size()));
  return {};
}

cu_device::cu_device(const cuda_api& api, device_info info, CUdevice dev, CUcontext ctx, CUstream stream, int cc_major, int cc_minor, int sms)
    : m_api(api), m_info(std::move(info)), m_dev(dev), m_ctx(ctx), m_stream(stream), m_major(cc_major), m_minor(cc_minor), m_sms(sms) {}

cu_device::~cu_device() {
  if (m_api.ctx_set_current(m_ctx) != CUDA_SUCCESS) return;
  for (auto& [name, mod] : m_modules) m_api.module_unload(mod);
  m_api.stream_destroy(m_stream);
  m_api.primary_ctx_release(m_dev);
}

std::optional<support> cu_device::common_support(const problem& p) const {
  if (m_major < 8)
    return support{support_level::unsupported,
                   fmt::format("compute capability {}.{}: this xpubench's CUDA kernels need 8.0 or later (machine code for sm_80 to sm_90a, PTX "
                               "for compute_90)", m_major, m_minor),
                   {}};
  if (auto old = cuda_driver_too_old(m_api.driver_version)) return support{support_level::unsupported, *old, {}};
  if (auto too_big = beyond_32bit_indexing(p)) return *too_big;
  const precision_support* ps = m_info.support_for(p.type);
  if (is_fp8(p.type)) return support{support_level::unsupported, fmt::format("xpubench has no fp8 kernels yet ({})", ps ? ps->reason : "no fp8"), {}};
  return std::nullopt;
}

support cu_device::no_kernel(const problem& p) {
  return {support_level::unsupported, fmt::format("no CUDA {} kernel in {}", to_string(p.kind()), to_string(p.type)), {}};
}

support cu_device::stored_float_support(const problem& p, std::string_view how) {
  if (p.type == precision::fp32) return {support_level::native, fmt::format("fp32 arithmetic, {}", how), {"xpubench"}};
  if (p.type == precision::fp16 || p.type == precision::bf16)
    return {support_level::native, fmt::format("{} storage, fp32 arithmetic, {}", to_string(p.type), how), {"xpubench"}, {{"xpubench", precision::fp32}}};
  return no_kernel(p);
}

result<void> cu_device::prepare_check(const problem&, const host_buffers&) {
  XPU_CHECK_CU(m_api, m_api.ctx_set_current(m_ctx));
  return {};
}

result<CUfunction> cu_device::function(std::string_view module, const char* name) {
  auto it = m_modules.find(module);
  if (it == m_modules.end()) {
    const auto table = cuda_module_table();
    const auto found = std::ranges::find(table, module, &embedded_module::name);
    if (found == table.end()) return fail(status::failed, "no CUDA module '{}' in this build", module);
    CUmodule mod = nullptr;
    if (const CUresult rc = m_api.module_load_data(&mod, found->bytes.data()); rc != CUDA_SUCCESS)
      return fail(status::unsupported, "loading the {} kernels failed: {}{}", module, m_api.error_text(rc),
                  rc == CUDA_ERROR_NO_BINARY_FOR_GPU || rc == CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                      ? fmt::format(" (compute capability {}.{}; this build has machine code for sm_80 to sm_90a and PTX for compute_90)", m_major, m_minor)
                      : "");
    it = m_modules.emplace(std::string(module), mod).first;
  }
  CUfunction f = nullptr;
  XPU_CHECK_CU(m_api, m_api.module_get_function(&f, it->second, name));
  return f;
}

result<device_memory> cu_device::upload(const void* data, std::size_t bytes) {
  CUdeviceptr ptr = 0;
  const std::size_t size = std::max<std::size_t>(bytes, 16);
  if (const CUresult rc = m_api.mem_alloc(&ptr, size); rc != CUDA_SUCCESS)
    return fail(rc == CUDA_ERROR_OUT_OF_MEMORY ? status::skipped : status::failed, "cuMemAlloc({} bytes) failed: {}", size, m_api.error_text(rc));
  device_memory mem(m_api, ptr, size);
  if (data && bytes) XPU_CHECK_CU(m_api, m_api.memcpy_htod(ptr, data, bytes));
  return mem;
}

result<std::unique_ptr<cu_prepared>> cu_device::with_buffers(const host_buffers& in, std::string impl, std::string notes) {
  auto p = make_prepared(std::move(impl), std::move(notes));
  for (const auto& b : in.inputs) {
    auto m = upload(b.bytes.data(), b.bytes.size());
    if (!m) return std::unexpected(m.error());
    p->memory.push_back(std::move(*m));
  }
  if (!in.outputs.empty()) {
    auto out = upload(nullptr, in.outputs[0].bytes.size());
    if (!out) return std::unexpected(out.error());
    // Sentinel fill (0xffffffff: NaN as floats, -1 as integers) so an element the kernel never
    // writes fails the check instead of passing as a leftover.
    XPU_CHECK_CU(m_api, m_api.memset_d32(out->get(), 0xffffffffu, out->bytes() / 4));
    p->output = out->get();
    p->memory.push_back(std::move(*out));
  }
  return p;
}

// The SM clock under load: FMA chains on every SM for about 20 ms (at 1-2 GHz); thread 0 of each
// block reads the SM cycle counter and the global nanosecond timer before and after. The median
// ratio over the blocks; nullopt when the kernel cannot run or the timers disagree.
std::optional<double> cu_device::clock_hz_measure() {
  if (m_api.ctx_set_current(m_ctx) != CUDA_SUCCESS) return std::nullopt;
  auto f = function("peak", "clock_measure");
  if (!f) return std::nullopt;
  const unsigned blocks = static_cast<unsigned>(std::max(m_sms, 1)) * 2;
  auto out = upload(nullptr, blocks * 2 * sizeof(unsigned long long));
  auto sink = upload(nullptr, 16);
  if (!out || !sink) return std::nullopt;
  const long long cycles = 30'000'000;
  kernel_args args;
  args.add(cycles).add(out->get()).add(sink->get());
  if (m_api.launch_kernel(*f, blocks, 1, 1, 256, 1, 1, 0, m_stream, args.pointers(), nullptr) != CUDA_SUCCESS) return std::nullopt;
  if (m_api.stream_synchronize(m_stream) != CUDA_SUCCESS) return std::nullopt;
  std::vector<unsigned long long> v(blocks * 2);
  if (m_api.memcpy_dtoh(v.data(), out->get(), v.size() * sizeof v[0]) != CUDA_SUCCESS) return std::nullopt;
  std::vector<double> hz;
  for (unsigned b = 0; b < blocks; ++b)
    if (v[2 * b + 1] > 0) hz.push_back(static_cast<double>(v[2 * b]) / static_cast<double>(v[2 * b + 1]) * 1e9);
  if (hz.empty()) return std::nullopt;
  std::nth_element(hz.begin(), hz.begin() + static_cast<std::ptrdiff_t>(hz.size() / 2), hz.end());
  const double median = hz[hz.size() / 2];
  if (median < 1e8 || median > 1e10) return std::nullopt;  // not a GPU clock: a timer the driver does not keep
  return median;
}

}  // namespace xpu::cuda_backend

namespace xpu {

result<std::unique_ptr<device>> cuda_device_open(const device_info& info) {
  const auto& loaded = cuda_api_load();
  if (!loaded) return std::unexpected(loaded.error());
  const cuda_api& api = *loaded;
  int index = -1;
  char tail = 0;
  if (std::sscanf(info.id.c_str(), "cuda%d%c", &index, &tail) != 1 || index < 0) return fail(status::invalid, "'{}' is not a CUDA device id", info.id);
  CUdevice dev = 0;
  XPU_CHECK_CU(api, api.device_get(&dev, index));
  int major = 0, minor = 0, sms = 0;
  XPU_CHECK_CU(api, api.device_attribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
  XPU_CHECK_CU(api, api.device_attribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
  XPU_CHECK_CU(api, api.device_attribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
  CUcontext ctx = nullptr;
  XPU_CHECK_CU(api, api.primary_ctx_retain(&ctx, dev));
  if (const CUresult rc = api.ctx_set_current(ctx); rc != CUDA_SUCCESS) {
    api.primary_ctx_release(dev);
    return fail(status::failed, "cuCtxSetCurrent failed: {}", api.error_text(rc));
  }
  CUstream stream = nullptr;
  if (const CUresult rc = api.stream_create(&stream, CU_STREAM_NON_BLOCKING); rc != CUDA_SUCCESS) {
    api.primary_ctx_release(dev);
    return fail(status::failed, "cuStreamCreate failed: {}", api.error_text(rc));
  }
  return std::unique_ptr<device>(std::make_unique<cuda_backend::cu_device>(api, info, dev, ctx, stream, major, minor, sms));
}

}  // namespace xpu
