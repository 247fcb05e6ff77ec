#pragma once
// The CUDA backend's device, shared by its files: the device class (device.cpp) and one host file
// per operation beside its kernels: peak.cpp (peak.cu), bandwidth.cpp (bandwidth.cu: copy, triad,
// the read's sum, the empty kernel; upload/download are copies), reduction.cpp (bandwidth.cu),
// gemm.cpp (gemm.cu), cublaslt.cpp (cuBLASLt's matmul), normalize.cpp (rows.cu: softmax, RMSNorm),
// attention.cpp (attention.cu), conv2d.cpp (conv.cu), qgemm.cpp (qgemm.cu).
// Internal to kernels/cuda/.
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kernels/cuda/cuda_device.hpp"
#include "kernels/op_table.hpp"
#include "loaders/cuda_api.hpp"

namespace xpu::cuda_backend {

struct dim3_t {
  unsigned x = 1, y = 1, z = 1;
};

// Device memory, freed with the prepared problem that owns it.
class device_memory {
 public:
  device_memory(const cuda_api& api, CUdeviceptr ptr, std::size_t bytes) : m_api(&api), m_ptr(ptr), m_bytes(bytes) {}
  device_memory(device_memory&& o) noexcept : m_api(o.m_api), m_ptr(o.m_ptr), m_bytes(o.m_bytes) { o.m_ptr = 0; }
  device_memory& operator=(device_memory&&) = delete;
  ~device_memory() {
    if (m_ptr) m_api->mem_free(m_ptr);
  }
  CUdeviceptr get() const { return m_ptr; }
  std::size_t bytes() const { return m_bytes; }

 private:
  const cuda_api* m_api;
  CUdeviceptr m_ptr = 0;
  std::size_t m_bytes = 0;
};

// Page-locked host memory (upload/download rows), freed with its owner.
class host_memory {
 public:
  host_memory(const cuda_api& api, void* ptr) : m_api(&api), m_ptr(ptr) {}
  host_memory(host_memory&& o) noexcept : m_api(o.m_api), m_ptr(o.m_ptr) { o.m_ptr = nullptr; }
  host_memory& operator=(host_memory&&) = delete;
  ~host_memory() {
    if (m_ptr) m_api->mem_free_host(m_ptr);
  }
  void* get() const { return m_ptr; }

 private:
  const cuda_api* m_api;
  void* m_ptr = nullptr;
};

// A kernel's arguments, kept where cuLaunchKernel's pointer array points for the launches' lifetime.
class kernel_args {
 public:
  template <class T>
  kernel_args& add(const T& value) {
    static_assert(sizeof(T) <= sizeof(slot) && std::is_trivially_copyable_v<T>);
    m_slots.emplace_back();
    std::memcpy(m_slots.back().bytes, &value, sizeof(T));
    return *this;
  }
  // The pointer array (valid until the next add).
  void** pointers() {
    m_pointers.clear();
    for (auto& s : m_slots) m_pointers.push_back(s.bytes);
    return m_pointers.data();
  }

 private:
  struct slot {  // a scalar, a pointer, or a small struct of sizes (conv2d's)
    alignas(16) std::byte bytes[64];
  };
  std::vector<slot> m_slots;
  std::vector<void*> m_pointers;
};

// A prepared problem: its memory and the steps one launch of it enqueues on the device's stream
// (kernels, copies, a library call), timed together with events.
class cu_prepared final : public prepared {
 public:
  using step = std::function<CUresult(CUstream)>;
  cu_prepared(const cuda_api& api, CUcontext ctx, CUstream stream, std::string impl, std::string notes)
      : m_api(api), m_ctx(ctx), m_stream(stream), m_impl(std::move(impl)), m_notes(std::move(notes)) {}

  std::string_view implementation() const override { return m_impl; }
  std::string notes() const override { return m_notes; }
  choice dispatch() const override { return {m_dispatch, ""}; }
  result<double> run_seconds(int launches) override;
  result<void> read_back(host_buffers& out) override;

  // A kernel launch step: grid and block sizes, dynamic shared memory, its arguments.
  void launch(CUfunction f, dim3_t grid, dim3_t block, kernel_args args);
  void add_step(step s) { m_steps.push_back(std::move(s)); }

  std::vector<device_memory> memory;
  std::vector<host_memory> pinned;
  CUdeviceptr output = 0;        // read back into outputs[0] (0: nothing to read) ...
  const void* host_output = nullptr;  // ... or, where set, this page-locked memory is
  std::string m_dispatch;        // what a library chose (cuBLASLt's algorithm)
  std::vector<std::shared_ptr<void>> keep;  // library handles the steps use

 private:
  const cuda_api& m_api;
  CUcontext m_ctx;
  CUstream m_stream;
  std::string m_impl, m_notes;
  std::vector<step> m_steps;
};

class cu_device final : public table_device<cu_device> {
 public:
  cu_device(const cuda_api& api, device_info info, CUdevice dev, CUcontext ctx, CUstream stream, int cc_major, int cc_minor, int sms);
  ~cu_device() override;

  const device_info& info() const override { return m_info; }
  // The operations it runs (ops.cpp), each row in its host file.
  static std::span<const op_row<cu_device>* const> rows();
  // "no CUDA <operation> kernel in <precision>": what a row answers for a precision it lacks.
  static support no_kernel(const problem& p);
  // The model-layer operations (softmax, RMSNorm, attention, SiLU): fp32, or fp16/bf16 storage with
  // fp32 arithmetic, computed as `how`; no_kernel for other precisions.
  static support stored_float_support(const problem& p, std::string_view how);
  std::optional<double> clock_hz_measure() override;

  const cuda_api& api() const { return m_api; }
  int multiprocessors() const { return m_sms; }
  // The kernel `name` of the embedded module `module` ("gemm", "peak", "bandwidth"), loaded once.
  result<CUfunction> function(std::string_view module, const char* name);
  // Device memory holding `bytes` copied from `data` (nullptr: uninitialized).
  result<device_memory> upload(const void* data, std::size_t bytes);
  std::unique_ptr<cu_prepared> make_prepared(std::string impl, std::string notes) const {
    return std::make_unique<cu_prepared>(m_api, m_ctx, m_stream, std::move(impl), std::move(notes));
  }
  // Uploads every input; the output allocated (outputs[0]'s size) and set as what is read back.
  result<std::unique_ptr<cu_prepared>> with_buffers(const host_buffers& in, std::string impl, std::string notes);

  // The operations' host files (one or two per file).
  result<std::unique_ptr<prepared>> prepare_peak(const problem& p, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_bandwidth(const problem& p, const host_buffers& in, std::string_view impl);
  result<std::unique_ptr<prepared>> prepare_latency();
  result<std::unique_ptr<prepared>> prepare_reduction(const problem& p, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_gemm(const problem& p, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_cublaslt(const problem& p, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_rows(const problem& p, const host_buffers& in);  // softmax, rmsnorm, layernorm
  result<std::unique_ptr<prepared>> prepare_attention(const problem& p, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_conv(const problem& p, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_qgemm(const problem& p, const host_buffers& in);
  result<std::unique_ptr<prepared>> prepare_moe(const problem& p, const host_buffers& in);  // qgemm.cpp

 protected:
  std::optional<support> common_support(const problem& p) const override;
  result<void> prepare_check(const problem& p, const host_buffers& in) override;

 private:
  const cuda_api& m_api;
  device_info m_info;
  CUdevice m_dev;
  CUcontext m_ctx;
  CUstream m_stream;
  int m_major, m_minor, m_sms;
  std::map<std::string, CUmodule, std::less<>> m_modules;
};

}  // namespace xpu::cuda_backend
