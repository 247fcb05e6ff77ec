#include "kernels/opencl/opencl_device.hpp"

#include <algorithm>
#include <map>
#include <span>
#include <sstream>

#include <fmt/format.h>

#include "core/embedded_text.hpp"
#include "core/half.hpp"
#include "kernels/opencl/tuning.hpp"
#include "probe/opencl_api.hpp"
#include "xpubench/version.hpp"

#include <clblast_c.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace xpu {

std::span<const embedded_text> opencl_source_table();  // generated from kernels/opencl/*.cl

namespace {

template <class H, auto Release>
struct cl_release {
  const opencl_api* api = nullptr;
  void operator()(H h) const {
    if (h) (api->*Release)(h);
  }
};
template <class H, auto Release>
using cl_ptr = std::unique_ptr<std::remove_pointer_t<H>, cl_release<H, Release>>;
using context_ptr = cl_ptr<cl_context, &opencl_api::release_context>;
using queue_ptr = cl_ptr<cl_command_queue, &opencl_api::release_queue>;
using mem_ptr = cl_ptr<cl_mem, &opencl_api::release_mem>;
using program_ptr = cl_ptr<cl_program, &opencl_api::release_program>;
using kernel_ptr = cl_ptr<cl_kernel, &opencl_api::release_kernel>;
using event_ptr = cl_ptr<cl_event, &opencl_api::release_event>;

std::string_view source(std::string_view name) {
  for (const auto& e : opencl_source_table())
    if (e.name == name) return e.text;
  return {};
}

}  // namespace

std::string gemm_kernels_key() {
  return fmt::format("xpubench {} gemm.cl {:016x}", version, text_hash(std::string(source("types")) + std::string(source("gemm"))));
}

namespace {

const char* type_define(precision p) {
  switch (p) {
    case precision::fp32: return "-DXPU_FP32";
    case precision::fp16: return "-DXPU_FP16";
    case precision::int8: return "-DXPU_INT8";
    case precision::fp64: return "-DXPU_FP64";
    case precision::int32: return "-DXPU_INT32";
    case precision::bf16: break;
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

// CLBlast, opened at run time like the ICD loader (its header gives the types only).
struct clblast_api {
  dynlib library;
  decltype(&::CLBlastSgemm) sgemm = nullptr;
  decltype(&::CLBlastHgemm) hgemm = nullptr;  // optional: fp16 rows say so when it is missing
};

const result<clblast_api>& clblast_load() {
  static const result<clblast_api> api = []() -> result<clblast_api> {
    auto lib = dynlib::open("libclblast.so.1", "XPUBENCH_CLBLAST_LIBRARY");
    if (!lib) return fail(status::unsupported, "CLBlast is not installed ({}): on Debian, apt-get install libclblast1", lib.error().message);
    clblast_api a{std::move(*lib)};
    a.sgemm = a.library.symbol<decltype(a.sgemm)>("CLBlastSgemm");
    if (!a.sgemm) return fail(status::unsupported, "{} has no CLBlastSgemm", a.library.path());
    a.hgemm = a.library.symbol<decltype(a.hgemm)>("CLBlastHgemm");
    return a;
  }();
  return api;
}

// CLBlast's SGEMM, or HGEMM for fp16 (half inputs, sums and result), on our buffers. CLBlast
// returns the event of its last kernel only (it may run helper kernels before), so it is timed on
// the host: steady_clock around the calls and clFinish.
class clblast_gemm final : public prepared {
 public:
  clblast_gemm(const opencl_api& api, const clblast_api& blast, cl_command_queue queue, const gemm_shape& g, bool half, std::vector<mem_ptr> buffers)
      : m_api(api), m_blast(blast), m_queue(queue), m_g(g), m_half(half), m_buffers(std::move(buffers)) {}
  std::string_view implementation() const override { return "clblast"; }
  std::string notes() const override {
    return m_half ? "CLBlast HGEMM (default tuning; fp16 products summed in fp16, fp16 result); host-timed around clFinish"
                  : "CLBlast SGEMM (default tuning); host-timed around clFinish";
  }
  precision accumulation() const override { return m_half ? precision::fp16 : precision::fp32; }
  result<double> run_seconds(int launches) override {
    const auto start = std::chrono::steady_clock::now();
    const auto ta = m_g.trans_a ? CLBlastTransposeYes : CLBlastTransposeNo, tb = m_g.trans_b ? CLBlastTransposeYes : CLBlastTransposeNo;
    const std::size_t lda = m_g.trans_a ? m_g.m : m_g.k, ldb = m_g.trans_b ? m_g.k : m_g.n;
    constexpr cl_half one = 0x3c00, zero = 0;
    for (int i = 0; i < launches; ++i) {
      cl_command_queue q = m_queue;
      const auto st = m_half ? m_blast.hgemm(CLBlastLayoutRowMajor, ta, tb, m_g.m, m_g.n, m_g.k, one, m_buffers[0].get(), 0, lda,
                                             m_buffers[1].get(), 0, ldb, zero, m_buffers[2].get(), 0, m_g.n, &q, nullptr)
                             : m_blast.sgemm(CLBlastLayoutRowMajor, ta, tb, m_g.m, m_g.n, m_g.k, 1.0f, m_buffers[0].get(), 0, lda,
                                             m_buffers[1].get(), 0, ldb, 0.0f, m_buffers[2].get(), 0, m_g.n, &q, nullptr);
      if (st != CLBlastSuccess) return fail(status::failed, "CLBlast{}gemm returned status {}", m_half ? 'H' : 'S', static_cast<int>(st));
    }
    XPU_CHECK_CL(m_api.finish(m_queue));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  result<void> read_back(host_buffers& out) override {
    host_buffer& y = out.outputs.at(0);
    if (!m_half) {
      XPU_CHECK_CL(m_api.enqueue_read(m_queue, m_buffers[2].get(), CL_TRUE, 0, y.bytes.size(), y.bytes.data(), 0, nullptr, nullptr));
      return {};
    }
    std::vector<std::uint16_t> halves(y.count());  // the fp32 output buffer gets the half results widened
    XPU_CHECK_CL(m_api.enqueue_read(m_queue, m_buffers[2].get(), CL_TRUE, 0, halves.size() * 2, halves.data(), 0, nullptr, nullptr));
    for (std::size_t i = 0; i < halves.size(); ++i) {
      const float f = half_to_float(halves[i]);
      std::memcpy(&y.bytes[i * 4], &f, 4);
    }
    return {};
  }

 private:
  const opencl_api& m_api;
  const clblast_api& m_blast;
  cl_command_queue m_queue;
  gemm_shape m_g;
  bool m_half;
  std::vector<mem_ptr> m_buffers;
};

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

class cl_device;

// A prepared problem: its buffers and a list of kernel launches (each with its global/local size).
class cl_prepared final : public prepared {
 public:
  struct launch {
    kernel_ptr kernel;
    std::vector<std::size_t> global, local;
  };
  cl_prepared(const opencl_api& api, cl_command_queue queue, std::string notes) : m_api(api), m_queue(queue), m_notes(std::move(notes)) {}

  std::string_view implementation() const override { return impl; }
  std::string notes() const override { return m_notes; }

  result<double> run_seconds(int launches) override {
    event_ptr first{nullptr, {&m_api}}, last{nullptr, {&m_api}};
    for (int i = 0; i < launches; ++i)
      for (std::size_t k = 0; k < m_launches.size(); ++k) {
        const launch& l = m_launches[k];
        cl_event ev = nullptr;
        const bool want = (i == 0 && k == 0) || (i == launches - 1 && k + 1 == m_launches.size());
        const cl_int rc = m_api.enqueue_kernel(m_queue, l.kernel.get(), static_cast<cl_uint>(l.global.size()), nullptr, l.global.data(),
                                               l.local.empty() ? nullptr : l.local.data(), 0, nullptr, want ? &ev : nullptr);
        if (rc != CL_SUCCESS) return fail(status_of(rc), "clEnqueueNDRangeKernel failed: {}", opencl_error_name(rc));
        if (!want) continue;
        if (!first) first.reset(ev);
        else last.reset(ev);
      }
    if (const cl_int rc = m_api.finish(m_queue); rc != CL_SUCCESS) return fail(status_of(rc), "clFinish failed: {}", opencl_error_name(rc));
    cl_ulong start = 0, end = 0;
    cl_event end_event = last ? last.get() : first.get();
    XPU_CHECK_CL(m_api.event_profiling_info(first.get(), CL_PROFILING_COMMAND_START, sizeof start, &start, nullptr));
    XPU_CHECK_CL(m_api.event_profiling_info(end_event, CL_PROFILING_COMMAND_END, sizeof end, &end, nullptr));
    if (end <= start) return fail(status::failed, "profiling events give a non-positive duration ({} ns)", end - start);
    return static_cast<double>(end - start) * 1e-9;
  }

  result<void> read_back(host_buffers& out) override {
    if (!m_output) return {};
    host_buffer& y = out.outputs.at(0);
    XPU_CHECK_CL(m_api.enqueue_read(m_queue, m_output, CL_TRUE, 0, y.bytes.size(), y.bytes.data(), 0, nullptr, nullptr));
    return {};
  }

  std::string impl = "xpubench";  // or the bandwidth benchmark's narrower vector widths
  std::vector<mem_ptr> buffers;
  std::vector<launch> m_launches;
  cl_mem m_output = nullptr;

 private:
  const opencl_api& m_api;
  cl_command_queue m_queue;
  std::string m_notes;
};

class cl_device final : public device {
 public:
  cl_device(const opencl_api& api, device_info info, cl_device_id id, context_ptr ctx, queue_ptr queue, opencl_options options)
      : m_api(api), m_info(std::move(info)), m_id(id), m_context(std::move(ctx)), m_queue(std::move(queue)), m_options(std::move(options)) {}

  const device_info& info() const override { return m_info; }

  support supports(const problem& p) const override {
    const precision_support* ps = m_info.support_for(p.type);
    const std::vector<std::string> impl{"xpubench"};
    if (auto too_big = beyond_32bit_indexing(p)) return *too_big;
    if (p.type == precision::bf16) return {support_level::unsupported, ps ? ps->reason : "no bf16", {}};
    if (p.type == precision::fp64 || p.type == precision::int32) {
      if (p.kind() != kernel_kind::peak)
        return {support_level::unsupported, fmt::format("{} is measured by the peak micro-benchmark only", to_string(p.type)), {}};
      if (p.type == precision::fp64 && !m_info.opencl->fp64) return {support_level::unsupported, "no cl_khr_fp64 on this device", {}};
      return {support_level::native, p.type == precision::fp64 ? "double16 FMA chains per work-item (cl_khr_fp64)" : "int16 x = x * a + b chains per work-item", impl};
    }
    switch (p.kind()) {
      case kernel_kind::gemm:
        if (p.type == precision::fp32) return {support_level::native, "float arithmetic", {"xpubench", "clblast"}};
        [[fallthrough]];
      case kernel_kind::conv2d:
      case kernel_kind::reduction:
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
      case kernel_kind::bandwidth:
        if (p.type != precision::fp32) return {support_level::unsupported, "bandwidth kernels stream fp32 arrays", {}};
        if (const auto op = std::get<bandwidth_shape>(p.dims).op; op == bandwidth_op::upload || op == bandwidth_op::download)
          return {support_level::native, "host <-> device transfer", {"xpubench", "mapped"}};
        return {support_level::native, "vectorized loads and stores: float16 (ours), float4, float", {"xpubench", "float4", "float"}};
      case kernel_kind::peak:
        if (p.type == precision::fp32) return {support_level::native, "float16 FMA chains per work-item", impl};
        if (p.type == precision::int8) return {support_level::native, "int16 dot4 (u8 x s8) chains per work-item", impl};
        if (m_info.opencl->fp16) return {support_level::native, "half16 FMA chains per work-item (half arithmetic, cl_khr_fp16)", impl};
        return {support_level::unsupported, "no cl_khr_fp16 on this device: half arithmetic unavailable", {}};
      case kernel_kind::latency:
        return {support_level::native, "an empty kernel", impl};
    }
    return {support_level::unsupported, "unknown kernel", {}};
  }

  result<std::unique_ptr<prepared>> prepare(const problem& p, const host_buffers& in, std::string_view impl) override {
    if (auto ok = support_check(*this, p, impl); !ok) return std::unexpected(ok.error());
    for (const auto& b : in.inputs)
      if (b.bytes.size() > m_info.opencl->max_alloc_bytes)
        return fail(status::skipped, "a {}-byte buffer exceeds CL_DEVICE_MAX_MEM_ALLOC_SIZE ({} bytes)", b.bytes.size(),
                    m_info.opencl->max_alloc_bytes);
    switch (p.kind()) {
      case kernel_kind::gemm: return impl == "clblast" ? prepare_clblast(p, in) : prepare_gemm(p, in);
      case kernel_kind::conv2d: return prepare_conv(p, in);
      case kernel_kind::reduction: return prepare_reduction(p.type, std::get<reduction_shape>(p.dims).op, in.inputs[0]);
      case kernel_kind::bandwidth: return prepare_stream(std::get<bandwidth_shape>(p.dims).op, in, impl);
      case kernel_kind::peak: return prepare_peak(std::get<peak_shape>(p.dims), in, p.type);
      case kernel_kind::latency: return prepare_latency();
    }
    return fail(status::unsupported, "unknown kernel");
  }

  // Builds `name`.cl (after types.cl when typed) with `options`; programs are cached per options,
  // and so are build failures (a kernel that did not build is not compiled again for the next row).
  result<cl_program> program(std::string_view name, const std::string& options, bool typed) {
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

 private:
  result<mem_ptr> buffer(const void* data, std::size_t bytes) {
    cl_int rc = CL_SUCCESS;
    const cl_mem_flags flags = data ? CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR : CL_MEM_READ_WRITE;
    mem_ptr m(m_api.create_buffer(m_context.get(), flags, std::max<std::size_t>(bytes, 4), const_cast<void*>(data), &rc), {&m_api});
    if (rc != CL_SUCCESS) return fail(status_of(rc), "clCreateBuffer({} bytes) failed: {}", bytes, opencl_error_name(rc));
    return m;
  }

  result<kernel_ptr> kernel(cl_program prog, const char* name) {
    cl_int rc = CL_SUCCESS;
    kernel_ptr k(m_api.create_kernel(prog, name, &rc), {&m_api});
    if (rc != CL_SUCCESS) return fail(status::failed, "clCreateKernel({}) failed: {}", name, opencl_error_name(rc));
    return k;
  }

  template <class T>
  result<void> arg(cl_kernel k, cl_uint index, const T& value) {
    XPU_CHECK_CL(m_api.set_kernel_arg(k, index, sizeof(T), &value));
    return {};
  }

  // Uploads the inputs and allocates the output; the prepared problem owns them.
  result<std::unique_ptr<cl_prepared>> with_buffers(const host_buffers& in, std::size_t output_bytes, std::string notes) {
    auto p = std::make_unique<cl_prepared>(m_api, m_queue.get(), std::move(notes));
    for (const auto& b : in.inputs) {
      auto m = buffer(b.bytes.data(), b.bytes.size());
      if (!m) return std::unexpected(m.error());
      p->buffers.push_back(std::move(*m));
    }
    auto out = buffer(nullptr, output_bytes);
    if (!out) return std::unexpected(out.error());
    p->m_output = out->get();
    p->buffers.push_back(std::move(*out));
    return p;
  }

  result<std::unique_ptr<prepared>> prepare_gemm(const problem& pr, const host_buffers& in) {
    auto params = gemm_tuned(pr.type);
    if (!params) return std::unexpected(params.error());
    const auto& g = std::get<gemm_shape>(pr.dims);
    if (params->first.vec && (g.trans_b || g.n < params->first.vec))  // the vector kernel's preconditions
      return gemm_with(pr, in, gemm_candidates().front(),
                       fmt::format("defaults: the tuned {} needs N >= {} and B not transposed", params->first.describe(), params->first.vec));
    if (params->first.dot4 && (pr.type != precision::int8 || g.trans_a || g.k % 4 != 0))  // the packed-dot kernel's
      return gemm_with(pr, in, gemm_candidates().front(),
                       fmt::format("defaults: the tuned {} needs int8, K % 4 == 0 and A not transposed", params->first.describe()));
    return gemm_with(pr, in, params->first, params->second);
  }

  result<std::unique_ptr<prepared>> gemm_with(const problem& pr, const host_buffers& in, const gemm_params& gp, const std::string& how) {
    const auto& g = std::get<gemm_shape>(pr.dims);
    std::string opts = std::string(type_define(pr.type)) + " " + gp.defines();
    if (g.trans_a) opts += " -DTRANS_A";
    if (g.trans_b && !gp.dot4) opts += " -DTRANS_B";  // the packed B is the same either way
    auto prog = program("gemm", opts, true);
    if (!prog) return std::unexpected(prog.error());
    host_buffers packed;
    if (gp.dot4) {  // B as [K/4][N] x 4: the four depth steps of a column together (a weight reorder, once)
      const host_buffer& b = in.inputs[1];
      packed.inputs = {in.inputs[0], host_buffer(b.type, b.count())};
      for (std::int64_t k = 0; k < g.k; ++k)
        for (std::int64_t n = 0; n < g.n; ++n)
          packed.inputs[1].bytes[static_cast<std::size_t>(((k / 4) * g.n + n) * 4 + k % 4)] =
              b.bytes[static_cast<std::size_t>(g.trans_b ? n * g.k + k : k * g.n + n)];
    }
    auto p = with_buffers(gp.dot4 ? packed : in, static_cast<std::size_t>(g.m * g.n) * 4, fmt::format("{} ({})", gp.describe(), how));
    if (!p) return std::unexpected(p.error());
    auto k = kernel(*prog, "gemm");
    if (!k) return std::unexpected(k.error());
    const int m = static_cast<int>(g.m), n = static_cast<int>(g.n), kk = static_cast<int>(g.k);
    for (auto r : {arg(k->get(), 0, m), arg(k->get(), 1, n), arg(k->get(), 2, kk), arg(k->get(), 3, (*p)->buffers[0].get()),
                   arg(k->get(), 4, (*p)->buffers[1].get()), arg(k->get(), 5, (*p)->buffers[2].get())})
      if (!r) return std::unexpected(r.error());
    const auto tile_n = static_cast<std::size_t>(gp.wg_n * gp.rn), tile_m = static_cast<std::size_t>(gp.wg_m * gp.rm);  // vec: rn = vec
    const std::size_t groups_n = (static_cast<std::size_t>(g.n) + tile_n - 1) / tile_n;
    const std::size_t groups_m = (static_cast<std::size_t>(g.m) + tile_m - 1) / tile_m;
    const auto wg_n = static_cast<std::size_t>(gp.wg_n), wg_m = static_cast<std::size_t>(gp.wg_m);
    (*p)->m_launches.push_back({std::move(*k), {groups_n * wg_n, groups_m * wg_m}, {wg_n, wg_m}});
    return std::unique_ptr<prepared>(std::move(*p));
  }

  // The GEMM parameters for a precision and how they were chosen: cached, tuned now, or defaults.
  result<std::pair<gemm_params, std::string>> gemm_tuned(precision type) {
    if (m_options.gemm) return std::pair{*m_options.gemm, std::string("given")};
    if (!m_options.tune) return std::pair{gemm_candidates().front(), std::string("defaults: --no-tune")};
    if (auto it = m_tuned.find(type); it != m_tuned.end()) return it->second;
    const auto dir = m_options.tuning_cache.empty() ? tuning_cache_dir() : result<std::filesystem::path>(m_options.tuning_cache);
    const tuning_key key{m_info.name, m_info.driver_version, std::string(to_string(type)), gemm_kernels_key()};
    const auto candidates = gemm_candidates(m_info.type == "cpu", type == precision::int8 && m_info.opencl->integer_dot_product);
    if (dir)
      if (auto cached = tuning_lookup(*dir, key, candidates)) return m_tuned[type] = {*cached, "tuned, from the cache in " + dir->string()};
    // Time each candidate on an n^3 problem (one warm-up launch, then two timed); keep the fastest.
    // n = 1024 by default: cache behaviour at 512^3 picked tiles that were 30 % slower at 1024^3 on PoCL.
    const std::int64_t n = m_options.tuning_size;
    const auto elems = static_cast<std::size_t>(n * n);
    const problem probe{gemm_shape{n, n, n}, type};
    host_buffers in;
    in.inputs.emplace_back(type == precision::int8 ? element_type::u8 : type == precision::fp16 ? element_type::f16 : element_type::f32, elems);
    in.inputs.emplace_back(type == precision::int8 ? element_type::s8 : in.inputs[0].type, elems);
    std::optional<gemm_params> best;
    double best_s = 0;
    std::string failures;
    for (const gemm_params& c : candidates) {
      if (static_cast<std::uint64_t>(c.wg_m * c.wg_n) > m_info.opencl->max_work_group_size) continue;
      auto ready = gemm_with(probe, in, c, "tuning");
      if (!ready) {
        failures += fmt::format("; {}: {}", c.describe(), ready.error().message.substr(0, 120));
        continue;
      }
      if (!(*ready)->run_seconds(1)) continue;
      auto t = (*ready)->run_seconds(2);
      if (t && (!best || *t < best_s)) best = c, best_s = *t;
    }
    if (!best) return fail(status::unsupported, "no GEMM candidate built and ran on {}{}", m_info.id, failures);
    const double ops = 2.0 * static_cast<double>(n * n * n) * 2 / best_s;
    std::string how = "tuned now";
    if (auto stored = dir ? tuning_store(*dir, key, *best, ops) : result<void>(std::unexpected(dir.error())); !stored)
      how += " (not cached: " + stored.error().message + ")";
    return m_tuned[type] = {*best, how};
  }

  result<std::unique_ptr<prepared>> prepare_clblast(const problem& pr, const host_buffers& in) {
    const auto& blast = clblast_load();
    if (!blast) return std::unexpected(blast.error());
    const auto& g = std::get<gemm_shape>(pr.dims);
    std::vector<mem_ptr> buffers;
    for (const auto& b : in.inputs) {
      auto m = buffer(b.bytes.data(), b.bytes.size());
      if (!m) return std::unexpected(m.error());
      buffers.push_back(std::move(*m));
    }
    const bool half = pr.type == precision::fp16;
    if (half && !blast->hgemm) return fail(status::unsupported, "{} has no CLBlastHgemm", blast->library.path());
    auto c = buffer(nullptr, static_cast<std::size_t>(g.m * g.n) * (half ? 2 : 4));
    if (!c) return std::unexpected(c.error());
    buffers.push_back(std::move(*c));
    return std::unique_ptr<prepared>(std::make_unique<clblast_gemm>(m_api, *blast, m_queue.get(), g, half, std::move(buffers)));
  }

  result<std::unique_ptr<prepared>> prepare_conv(const problem& pr, const host_buffers& in) {
    const auto& c = std::get<conv_shape>(pr.dims);
    std::string opts = type_define(pr.type);
    if (c.layout == conv_layout::nhwc) opts += " -DNHWC";
    // CPU devices: implicit GEMM with the vector micro-kernel, where the output channels fill whole vectors.
    constexpr int vec = 16, rows = 12;
    const bool gemm_form = m_info.type == "cpu" && c.k % vec == 0;
    if (gemm_form) opts += fmt::format(" -DVEC={} -DRM={}", vec, rows);
    auto prog = program("conv2d", opts, true);
    if (!prog) return std::unexpected(prog.error());
    const std::size_t outs = static_cast<std::size_t>(c.n * c.k * c.p() * c.q());
    host_buffers packed;
    if (gemm_form) {  // the filter as [depth][K], K contiguous: repacked once, like oneDNN's weight reorders
      const host_buffer& f = in.inputs[1];
      const std::size_t kk = static_cast<std::size_t>(c.k), depth = f.count() / kk, size = f.bytes.size() / f.count();
      packed.inputs = {in.inputs[0], host_buffer(f.type, f.count())};
      for (std::size_t k = 0; k < kk; ++k)
        for (std::size_t d = 0; d < depth; ++d)
          std::memcpy(&packed.inputs[1].bytes[(d * kk + k) * size], &f.bytes[(k * depth + d) * size], size);
    }
    auto p = with_buffers(gemm_form ? packed : in, outs * 4,
                          gemm_form ? fmt::format("implicit GEMM, {} pixels x {} channels per work-item (vector micro-kernel); filter repacked "
                                                  "once to [C*R*S][K] during preparation", rows, vec)
                                    : std::string("direct, one output per work-item"));
    if (!p) return std::unexpected(p.error());
    auto k = kernel(*prog, gemm_form ? "conv2d_gemm" : "conv2d");
    if (!k) return std::unexpected(k.error());
    const int v[] = {static_cast<int>(c.n), static_cast<int>(c.c), static_cast<int>(c.h), static_cast<int>(c.w),
                     static_cast<int>(c.k), static_cast<int>(c.r), static_cast<int>(c.s), static_cast<int>(c.stride),
                     static_cast<int>(c.pad), static_cast<int>(c.dilation), static_cast<int>(c.p()), static_cast<int>(c.q())};
    for (cl_uint i = 0; i < 12; ++i)
      if (auto r = arg(k->get(), i, v[i]); !r) return std::unexpected(r.error());
    for (cl_uint i = 0; i < 3; ++i)
      if (auto r = arg(k->get(), 12 + i, (*p)->buffers[i].get()); !r) return std::unexpected(r.error());
    if (gemm_form) {
      const auto pixels = static_cast<std::size_t>(c.n * c.p() * c.q());
      (*p)->m_launches.push_back({std::move(*k), {static_cast<std::size_t>(c.k) / vec, (pixels + rows - 1) / rows}, {}});
      return std::unique_ptr<prepared>(std::move(*p));
    }
    (*p)->m_launches.push_back({std::move(*k), {(outs + 63) / 64 * 64}, {}});
    return std::unique_ptr<prepared>(std::move(*p));
  }

  // lanes: fp32 elements per load on CPU devices (16; the bandwidth benchmark's narrower rows 4 and 1).
  result<std::unique_ptr<prepared>> prepare_reduction(precision type, reduce_op op, const host_buffer& x, int lanes = 16,
                                                      std::string_view impl = "xpubench") {
    constexpr int wg = 256;
    const std::size_t groups = std::min<std::size_t>(256, std::max<std::size_t>(1, x.count() / (wg * 16)));
    std::string opts = fmt::format("{} -DWG={}{}{} -DLANES={}", type_define(type), wg, op == reduce_op::max ? " -DOP_MAX" : "",
                                   m_info.type == "cpu" ? " -DCHUNKED" : "", lanes);
    std::string last_stage = "a tree in local memory";
    if (m_info.opencl->subgroups) {  // sub-group operations where the device has them and they build
      const std::string with = opts + " -DSUBGROUP" + cl_std_option(m_info.opencl->c_version);
      auto s1 = program("reduce", with, true);
      auto s2 = s1 ? program("reduce", with + " -DPARTIALS", true) : s1;
      if (s2)
        opts = with, last_stage = "sub-group reductions";
      else
        last_stage += fmt::format(" (the sub-group kernel did not build: {})", s2.error().message.substr(0, 200));
    }
    auto stage1 = program("reduce", opts, true);
    if (!stage1) return std::unexpected(stage1.error());
    auto stage2 = program("reduce", opts + " -DPARTIALS", true);
    if (!stage2) return std::unexpected(stage2.error());
    host_buffers in;
    in.inputs.push_back(x);
    auto p = with_buffers(in, 4, fmt::format("two stages: {} work-groups of {}, then one; within a work-group, {}", groups, wg, last_stage));
    if (!p) return std::unexpected(p.error());
    auto partials = buffer(nullptr, groups * 4);
    if (!partials) return std::unexpected(partials.error());
    cl_mem parts = partials->get();
    (*p)->buffers.push_back(std::move(*partials));
    auto k1 = kernel(*stage1, "reduce");
    auto k2 = kernel(*stage2, "reduce");
    if (!k1) return std::unexpected(k1.error());
    if (!k2) return std::unexpected(k2.error());
    const int n = static_cast<int>(x.count()), g = static_cast<int>(groups);
    for (auto r : {arg(k1->get(), 0, n), arg(k1->get(), 1, (*p)->buffers[0].get()), arg(k1->get(), 2, parts), arg(k2->get(), 0, g),
                   arg(k2->get(), 1, parts), arg(k2->get(), 2, (*p)->m_output)})
      if (!r) return std::unexpected(r.error());
    (*p)->m_launches.push_back({std::move(*k1), {groups * wg}, {wg}});
    (*p)->m_launches.push_back({std::move(*k2), {wg}, {wg}});
    (*p)->impl = impl;
    return std::unique_ptr<prepared>(std::move(*p));
  }

  result<std::unique_ptr<prepared>> prepare_stream(bandwidth_op op, const host_buffers& in, std::string_view impl) {
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
    auto prog = program("stream", fmt::format("-DVEC={}", vec), false);
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

  result<std::unique_ptr<prepared>> prepare_peak(const peak_shape& s, const host_buffers& in, precision type) {
    constexpr int vec = 16;
    constexpr int ch = 16;  // independent vector chains per work-item (PoCL here: 1 -> 67, 8 -> 113, 16 -> 145, 24 -> 154 GFLOP/s)
    const bool int8 = type == precision::int8;
    const bool fp16 = type == precision::fp16;  // VEC halves = VEC/2 chains of two lanes
    const bool wide = type == precision::fp64;   // 8-byte chains
    auto prog = program("peak", fmt::format("{} -DVEC={} -DCHV={} -DCH={} -DITERS={}", type_define(type), vec, vec / 2, ch, s.iterations), false);
    if (!prog) return std::unexpected(prog.error());
    const char* element = int8 || type == precision::int32 ? "int" : fp16 ? "half" : wide ? "double" : "float";
    const char* op = int8 ? " (dot4 u8 x s8)" : type == precision::int32 ? " (multiply-add)" : fp16 ? " (half FMA, fp32 sums every 1024 steps)" : " (FMA)";
    auto p = with_buffers(in, peak_chains * (wide ? 8 : 4), fmt::format("{} independent {}{} chains per work-item{}", ch, element, vec, op));
    if (!p) return std::unexpected(p.error());
    auto k = kernel(*prog, "peak");
    if (!k) return std::unexpected(k.error());
    for (cl_uint i = 0; i < 4; ++i)
      if (auto r = arg(k->get(), i, (*p)->buffers[i].get()); !r) return std::unexpected(r.error());
    if (int8)
      if (auto r = arg(k->get(), 4, 0); !r) return std::unexpected(r.error());
    (*p)->m_launches.push_back({std::move(*k), {peak_chains / ((fp16 ? vec / 2 : vec) * ch)}, {}});
    return std::unique_ptr<prepared>(std::move(*p));
  }

  result<std::unique_ptr<prepared>> prepare_latency() {
    auto prog = program("stream", "-DVEC=1", false);
    if (!prog) return std::unexpected(prog.error());
    auto p = std::make_unique<cl_prepared>(m_api, m_queue.get(), "an empty kernel, one work-item; device time between launches");
    auto k = kernel(*prog, "empty");
    if (!k) return std::unexpected(k.error());
    p->m_launches.push_back({std::move(*k), {1}, {}});
    return std::unique_ptr<prepared>(std::move(p));
  }

  const opencl_api& m_api;
  device_info m_info;
  cl_device_id m_id;
  context_ptr m_context;
  queue_ptr m_queue;
  opencl_options m_options;
  std::map<std::string, program_ptr> m_programs;
  std::map<std::string, error> m_build_failures;
  std::map<precision, std::pair<gemm_params, std::string>> m_tuned;
};

}  // namespace

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
