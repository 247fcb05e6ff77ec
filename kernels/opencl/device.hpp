#pragma once
// The OpenCL backend's device, shared by its files: the device class (kernels/opencl/device.cpp)
// and one host file per operation, named after it, beside its kernel source: gemm.cpp (gemm.cl),
// conv2d.cpp (conv2d.cl), reduction.cpp (reduction.cl), bandwidth.cpp (bandwidth.cl, reduction.cl for read),
// peak.cpp (peak.cl), latency.cpp (bandwidth.cl's empty kernel), normalize.cpp (normalize.cl: softmax
// and rmsnorm), attention.cpp (attention.cl), qgemm.cpp (qgemm.cl). Internal to kernels/opencl/.
#include <optional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/embedded_text.hpp"
#include "kernels/op_table.hpp"
#include "kernels/opencl/opencl_device.hpp"
#include "kernels/opencl/tuning.hpp"
#include "loaders/opencl_api.hpp"

namespace xpu {

std::span<const embedded_text> opencl_source_table();  // generated from kernels/opencl/*.cl

namespace opencl_backend {

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

// The embedded source kernels/opencl/NAME.cl.
std::string_view source(std::string_view name);
// The -D option that selects a precision in types.cl ("" for bf16: no OpenCL arithmetic).
const char* type_define(precision p);
// "-cl-std=CL2.0" for a device whose OpenCL C version ("OpenCL C 2.0 ...") is 2.0 or later, where
// sub-groups are core or a feature; "" for 1.x, which builds for 1.2 by default.
std::string cl_std_option(const std::string& c_version);
// The row status of a failed call: out of memory or resources is `skipped`, anything else `failed`.
status status_of(cl_int rc);

// A prepared problem: its buffers and a list of kernel launches (each with its global/local size).
class cl_prepared final : public prepared {
 public:
  struct launch {
    kernel_ptr kernel;
    std::vector<std::size_t> global, local;
    // Enqueued `copies` times, its int argument `copy_arg` set to 0, 1, ... before each (qgemm's
    // streamed weights: each copy's weights and output); once, unchanged, when copies is 1.
    int copies = 1;
    cl_uint copy_arg = 0;
  };
  cl_prepared(const opencl_api& api, cl_command_queue queue, std::string notes) : m_api(api), m_queue(queue), m_notes(std::move(notes)) {}

  std::string_view implementation() const override { return impl; }
  std::string notes() const override { return m_notes; }

  result<double> run_seconds(int launches) override;

  result<void> read_back(host_buffers& out) override;

  std::string impl = "xpubench";  // or the bandwidth benchmark's narrower vector widths
  std::vector<mem_ptr> buffers;
  std::vector<launch> m_launches;
  cl_mem m_output = nullptr;

 private:
  const opencl_api& m_api;
  cl_command_queue m_queue;
  std::string m_notes;
};

class cl_device final : public table_device<cl_device> {
 public:
  cl_device(const opencl_api& api, device_info info, cl_device_id id, context_ptr ctx, queue_ptr queue, opencl_options options)
      : m_api(api), m_info(std::move(info)), m_id(id), m_context(std::move(ctx)), m_queue(std::move(queue)), m_options(std::move(options)) {}

  const device_info& info() const override { return m_info; }

  // The operations it runs (ops.cpp), each row in its host file.
  static std::span<const op_row<cl_device>* const> rows();
  // fp16 storage and int8 rules of GEMM, conv2d and the reduction; softmax, RMSNorm and attention's.
  support storage_support(const problem& p) const;
  support rows_support(const problem& p) const;

  // Builds `name`.cl (after types.cl when typed) with `options`; programs are cached per options,
  // and so are build failures (a kernel that did not build is not compiled again for the next row).
  result<cl_program> program(std::string_view name, const std::string& options, bool typed);

  // The toolkit every operation's host file uses.
  result<mem_ptr> buffer(const void* data, std::size_t bytes);

  result<kernel_ptr> kernel(cl_program prog, const char* name);

  template <class T>
  result<void> arg(cl_kernel k, cl_uint index, const T& value) {
    XPU_CHECK_CL(m_api.set_kernel_arg(k, index, sizeof(T), &value));
    return {};
  }

  // Uploads the inputs and allocates the output; the prepared problem owns them.
  result<std::unique_ptr<cl_prepared>> with_buffers(const host_buffers& in, std::size_t output_bytes, std::string notes);
  // The same for inputs given one by one (a single input of a larger set: no copy of it on the host).
  result<std::unique_ptr<cl_prepared>> with_buffers(std::span<const host_buffer* const> inputs, std::size_t output_bytes, std::string notes);

  result<std::unique_ptr<prepared>> prepare_gemm(const problem& pr, const host_buffers& in);

  result<std::unique_ptr<prepared>> gemm_with(const problem& pr, const host_buffers& in, const gemm_params& gp, const std::string& how);

  // The GEMM parameters for a precision and how they were chosen: cached, tuned now, or defaults.
  result<std::pair<gemm_params, std::string>> gemm_tuned(precision type);

  result<std::unique_ptr<prepared>> prepare_clblast(const problem& pr, const host_buffers& in);

  result<std::unique_ptr<prepared>> prepare_conv(const problem& pr, const host_buffers& in);

  // lanes: fp32 elements per load on CPU devices (16; the bandwidth benchmark's narrower rows 4 and 1).
  result<std::unique_ptr<prepared>> prepare_reduction(precision type, reduce_op op, const host_buffer& x, int lanes = 16,
                                                      std::string_view impl = "xpubench");

  result<std::unique_ptr<prepared>> prepare_stream(bandwidth_op op, const host_buffers& in, std::string_view impl);

  result<std::unique_ptr<prepared>> prepare_peak(const peak_shape& s, const host_buffers& in, precision type);

  result<std::unique_ptr<prepared>> prepare_latency();

  // softmax and rmsnorm (normalize.cpp), attention (attention.cpp)
  result<std::unique_ptr<prepared>> prepare_rows(const problem& pr, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_attention(const problem& pr, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_qgemm(const problem& pr, const host_buffers& in);  // qgemm.cpp
  result<std::unique_ptr<prepared>> prepare_moe(const problem& pr, const host_buffers& in);    // qgemm.cpp

  const opencl_api& api() const { return m_api; }

 protected:
  std::optional<support> common_support(const problem& p) const override;
  result<void> prepare_check(const problem& p, const host_buffers& in) override;

 private:
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

}  // namespace opencl_backend
}  // namespace xpu
