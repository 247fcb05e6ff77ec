// The OpenCL device: support rules, the dispatch to each operation, programs, buffers, launches.
#include "kernels/opencl/device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

namespace xpu {
namespace opencl_backend {

std::string_view source(std::string_view name) {
  for (const auto& e : opencl_source_table())
    if (e.name == name) return e.text;
  return {};
}

const char* type_define(precision p) {
  switch (p) {
    case precision::fp32: return "-DXPU_FP32";
    case precision::fp16: return "-DXPU_FP16";
    case precision::int8: return "-DXPU_INT8";
    case precision::fp64: return "-DXPU_FP64";
    case precision::int32: return "-DXPU_INT32";
    case precision::bf16:
    case precision::fp8_e4m3:
    case precision::fp8_e5m2: break;
  }
  return "";
}

// "-cl-std=CL2.0" for a device whose OpenCL C version ("OpenCL C 2.0 ...") is 2.0 or later, where
// sub-groups are core or a feature; "" for 1.x, which builds for 1.2 by default.
std::string cl_std_option(const std::string& c_version) {
  int major = 0, minor = 0;
  if (std::sscanf(c_version.c_str(), "OpenCL C %d.%d", &major, &minor) != 2 || major < 2) return "";
  return fmt::format(" -cl-std=CL{}.{}", major, minor);
}

status status_of(cl_int rc) {
  return rc == CL_OUT_OF_RESOURCES || rc == CL_MEM_OBJECT_ALLOCATION_FAILURE || rc == CL_OUT_OF_HOST_MEMORY ? status::skipped
                                                                                                              : status::failed;
}

result<double> cl_prepared::run_seconds(int launches) {
  event_ptr first{nullptr, {&m_api}}, last{nullptr, {&m_api}};
  for (int i = 0; i < launches; ++i)
    for (std::size_t k = 0; k < m_launches.size(); ++k) {
      const launch& l = m_launches[k];
      for (int c = 0; c < l.copies; ++c) {
        cl_event ev = nullptr;
        const bool want = (i == 0 && k == 0 && c == 0) || (i == launches - 1 && k + 1 == m_launches.size() && c + 1 == l.copies);
        if (l.copies > 1)
          if (const cl_int rc = m_api.set_kernel_arg(l.kernel.get(), l.copy_arg, sizeof c, &c); rc != CL_SUCCESS)
            return fail(status_of(rc), "clSetKernelArg failed: {}", opencl_error_name(rc));
        const cl_int rc = m_api.enqueue_kernel(m_queue, l.kernel.get(), static_cast<cl_uint>(l.global.size()), nullptr, l.global.data(),
                                               l.local.empty() ? nullptr : l.local.data(), 0, nullptr, want ? &ev : nullptr);
        if (rc != CL_SUCCESS) return fail(status_of(rc), "clEnqueueNDRangeKernel failed: {}", opencl_error_name(rc));
        if (!want) continue;
        if (!first) first.reset(ev);
        else last.reset(ev);
      }
    }
  if (const cl_int rc = m_api.finish(m_queue); rc != CL_SUCCESS) return fail(status_of(rc), "clFinish failed: {}", opencl_error_name(rc));
  cl_ulong start = 0, end = 0;
  cl_event end_event = last ? last.get() : first.get();
  XPU_CHECK_CL(m_api.event_profiling_info(first.get(), CL_PROFILING_COMMAND_START, sizeof start, &start, nullptr));
  XPU_CHECK_CL(m_api.event_profiling_info(end_event, CL_PROFILING_COMMAND_END, sizeof end, &end, nullptr));
  if (end <= start) return fail(status::failed, "profiling events give a non-positive duration ({} ns)", end - start);
  return static_cast<double>(end - start) * 1e-9;
}

result<void> cl_prepared::read_back(host_buffers& out) {
  if (!m_output) return {};
  host_buffer& y = out.outputs.at(0);
  XPU_CHECK_CL(m_api.enqueue_read(m_queue, m_output, CL_TRUE, 0, y.bytes.size(), y.bytes.data(), 0, nullptr, nullptr));
  return {};
}

std::optional<support> cl_device::common_support(const problem& p) const {
  const precision_support* ps = m_info.support_for(p.type);
  if (auto too_big = beyond_32bit_indexing(p)) return *too_big;
  if (p.type == precision::bf16) return support{support_level::unsupported, ps ? ps->reason : "no bf16", {}};
  if (is_fp8(p.type)) return support{support_level::unsupported, fmt::format("xpubench has no fp8 kernels ({})", ps ? ps->reason : "no fp8"), {}};
  return std::nullopt;
}

support cl_device::storage_support(const problem& p) const {
  const std::vector<std::string> impl{"xpubench"};
  if (p.type == precision::fp16) {  // ours: fp16 storage, fp32 sums (the products of fp16 inputs are exact in fp32)
    if (!m_info.opencl->fp16)
      return {support_level::emulated, "fp16 storage read with vload_half, fp32 arithmetic: no cl_khr_fp16 on this device", impl,
              {{"xpubench", precision::fp32}}};
    if (p.kind() != kernel_kind::gemm)
      return {support_level::native, "fp16 storage (vload_half), fp32 accumulation", impl, {{"xpubench", precision::fp32}}};
    return {support_level::native, "fp16 storage (vload_half), fp32 accumulation; CLBlast HGEMM beside it sums in fp16",
            {"xpubench", "clblast"}, {{"xpubench", precision::fp32}}};
  }
  if (p.type == precision::int8 && p.kind() == kernel_kind::gemm && m_info.opencl->integer_dot_product)
    return {support_level::native, "uchar x char, int accumulation; packed 4 x 8-bit dot products (cl_khr_integer_dot_product) "
                                   "among the tuning candidates", impl};
  return {support_level::native, p.type == precision::int8 ? "uchar x char, int accumulation" : "float arithmetic", impl};
}

support cl_device::rows_support(const problem& p) const {
  if (p.type == precision::fp16)  // fp16 storage through vload_half/vstore_half (core OpenCL), fp32 arithmetic
    return {support_level::native, "fp16 storage (vload_half/vstore_half), fp32 arithmetic", {"xpubench"}, {{"xpubench", precision::fp32}}};
  return {support_level::native, "float arithmetic", {"xpubench"}};
}

result<void> cl_device::prepare_check(const problem&, const host_buffers& in) {
  for (const auto& b : in.inputs)
    if (b.bytes.size() > m_info.opencl->max_alloc_bytes)
      return fail(status::skipped, "a {}-byte buffer exceeds CL_DEVICE_MAX_MEM_ALLOC_SIZE ({} bytes)", b.bytes.size(),
                  m_info.opencl->max_alloc_bytes);
  return {};
}

// Builds `name`.cl (after types.cl when typed) with `options`; programs are cached per options,
// and so are build failures (a kernel that did not build is not compiled again for the next row).
result<cl_program> cl_device::program(std::string_view name, const std::string& options, bool typed) {
  const std::string full = options + " " + m_options.extra_build_options;
  const std::string key = std::string(name) + "|" + full;
  if (auto it = m_programs.find(key); it != m_programs.end()) return it->second.get();
  if (auto it = m_build_failures.find(key); it != m_build_failures.end()) return std::unexpected(it->second);
  std::string text = typed ? std::string(source("types")) + "\n" : "";
  text += source(name);
  const char* src = text.c_str();
  const std::size_t len = text.size();
  cl_int rc = CL_SUCCESS;
  program_ptr prog(m_api.create_program(m_context.get(), 1, &src, &len, &rc), {&m_api});
  if (rc != CL_SUCCESS) return fail(status::failed, "clCreateProgramWithSource({}.cl) failed: {}", name, opencl_error_name(rc));
  rc = m_api.build_program(prog.get(), 1, &m_id, full.c_str(), nullptr, nullptr);
  if (rc != CL_SUCCESS) {
    std::size_t size = 0;
    m_api.program_build_info(prog.get(), m_id, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size);
    std::string log(size, '\0');
    m_api.program_build_info(prog.get(), m_id, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
    std::istringstream lines(log);
    std::string first, line;
    for (int i = 0; i < 4 && std::getline(lines, line);)
      if (!line.empty()) first += (i++ ? " | " : "") + line;
    auto failed = fail(status::unsupported, "building {}.cl failed ({}) with options '{}': {}", name, opencl_error_name(rc), full, first);
    m_build_failures.emplace(key, failed.error());
    return failed;
  }
  cl_program raw = prog.get();
  m_programs.emplace(key, std::move(prog));
  return raw;
}

result<mem_ptr> cl_device::buffer(const void* data, std::size_t bytes) {
  cl_int rc = CL_SUCCESS;
  const cl_mem_flags flags = data ? CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR : CL_MEM_READ_WRITE;
  mem_ptr m(m_api.create_buffer(m_context.get(), flags, std::max<std::size_t>(bytes, 4), const_cast<void*>(data), &rc), {&m_api});
  if (rc != CL_SUCCESS) return fail(status_of(rc), "clCreateBuffer({} bytes) failed: {}", bytes, opencl_error_name(rc));
  return m;
}

result<kernel_ptr> cl_device::kernel(cl_program prog, const char* name) {
  cl_int rc = CL_SUCCESS;
  kernel_ptr k(m_api.create_kernel(prog, name, &rc), {&m_api});
  if (rc != CL_SUCCESS) return fail(status::failed, "clCreateKernel({}) failed: {}", name, opencl_error_name(rc));
  return k;
}

// Uploads the inputs and allocates the output; the prepared problem owns them.
result<std::unique_ptr<cl_prepared>> cl_device::with_buffers(const host_buffers& in, std::size_t output_bytes, std::string notes) {
  std::vector<const host_buffer*> inputs;
  for (const auto& b : in.inputs) inputs.push_back(&b);
  return with_buffers(inputs, output_bytes, std::move(notes));
}

result<std::unique_ptr<cl_prepared>> cl_device::with_buffers(std::span<const host_buffer* const> inputs, std::size_t output_bytes, std::string notes) {
  auto p = std::make_unique<cl_prepared>(m_api, m_queue.get(), std::move(notes));
  for (const host_buffer* b : inputs) {
    auto m = buffer(b->bytes.data(), b->bytes.size());
    if (!m) return std::unexpected(m.error());
    p->buffers.push_back(std::move(*m));
  }
  auto out = buffer(nullptr, output_bytes);
  if (!out) return std::unexpected(out.error());
  p->m_output = out->get();
  p->buffers.push_back(std::move(*out));
  return p;
}

}  // namespace opencl_backend

using opencl_backend::cl_device;
using opencl_backend::context_ptr;
using opencl_backend::queue_ptr;

result<std::unique_ptr<device>> opencl_device_open(const device_info& info, const opencl_options& options) {
  const auto& loaded = opencl_api_load();
  if (!loaded) return std::unexpected(loaded.error());
  const opencl_api& api = *loaded;
  if (!api.create_context || !api.enqueue_kernel || !api.event_profiling_info)
    return fail(status::unsupported, "{} lacks the OpenCL 1.2 runtime entry points", api.library.path());
  int wanted = -1;
  if (std::sscanf(info.id.c_str(), "opencl%d", &wanted) != 1) return fail(status::invalid, "'{}' is not an OpenCL device id", info.id);
  cl_uint count = 0;
  XPU_CHECK_CL(api.get_platform_ids(0, nullptr, &count));
  std::vector<cl_platform_id> platforms(count);
  XPU_CHECK_CL(api.get_platform_ids(count, platforms.data(), nullptr));
  int index = 0;
  for (cl_platform_id pl : platforms) {
    cl_uint n = 0;
    if (api.get_device_ids(pl, CL_DEVICE_TYPE_ALL, 0, nullptr, &n) != CL_SUCCESS) continue;
    std::vector<cl_device_id> ids(n);
    if (api.get_device_ids(pl, CL_DEVICE_TYPE_ALL, n, ids.data(), nullptr) != CL_SUCCESS) continue;
    for (cl_device_id id : ids) {
      if (index++ != wanted) continue;
      cl_int rc = CL_SUCCESS;
      const cl_context_properties props[] = {CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(pl), 0};
      context_ptr ctx(api.create_context(props, 1, &id, nullptr, nullptr, &rc), {&api});
      if (rc != CL_SUCCESS) return fail(status::failed, "clCreateContext failed: {}", opencl_error_name(rc));
      queue_ptr queue(api.create_queue(ctx.get(), id, CL_QUEUE_PROFILING_ENABLE, &rc), {&api});
      if (rc != CL_SUCCESS) return fail(status::failed, "clCreateCommandQueue(PROFILING) failed: {}", opencl_error_name(rc));
      return std::unique_ptr<device>(std::make_unique<cl_device>(api, info, id, std::move(ctx), std::move(queue), options));
    }
  }
  return fail(status::failed, "OpenCL device {} is no longer listed by the ICD loader", info.id);
}

}  // namespace xpu
