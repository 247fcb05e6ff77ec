#pragma once
// A backend's operation table: one row per operation it runs, defined in the backend's host file
// for that operation (kernels/<backend>/<operation>.cpp) and listed by name in the backend's
// ops.cpp (one XPU_*_OPS entry). The device dispatches once, through the table: adding an
// operation to a backend is its host file (+ its kernel source) and one name in that list;
// device.hpp and device.cpp do not change.
#include <memory>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "kernels/backend.hpp"

namespace xpu {

template <class Device>
struct op_row {
  kernel_kind kind;
  // Whether and how Device runs p (called after the operation's shared rules and the backend's own).
  support (*supports)(const Device& d, const problem& p);
  // Compile, allocate, upload; p has passed support_check with `impl`.
  result<std::unique_ptr<prepared>> (*prepare)(Device& d, const problem& p, const host_buffers& in, std::string_view impl);
};

template <class Device>
const op_row<Device>* op_row_find(std::span<const op_row<Device>* const> rows, kernel_kind kind) {
  for (const op_row<Device>* r : rows)
    if (r->kind == kind) return r;
  return nullptr;
}

// A device whose operations are the rows of Device::rows(); Device supplies the rules every one of
// its operations shares (common_support) and the checks before any preparation (prepare_check).
template <class Device>
class table_device : public device {
 protected:
  // A backend-wide answer (a precision the device lacks, 32-bit indexing), or nullopt: ask the row.
  virtual std::optional<support> common_support(const problem&) const { return std::nullopt; }
  // Checks before any operation prepares (buffer limits, making the device's context current).
  virtual result<void> prepare_check(const problem&, const host_buffers&) { return {}; }

  support supports_op(const problem& p) const final {
    if (auto s = common_support(p)) return std::move(*s);
    const op_row<Device>* row = op_row_find<Device>(Device::rows(), p.kind());
    if (!row) return {support_level::unsupported, fmt::format("no {} kernel on the {} backend", to_string(p.kind()), info().backend), {}};
    return row->supports(static_cast<const Device&>(*this), p);
  }

 public:
  result<std::unique_ptr<prepared>> prepare(const problem& p, const host_buffers& in, std::string_view impl) final {
    if (auto ok = support_check(*this, p, impl); !ok) return std::unexpected(ok.error());
    if (auto ok = prepare_check(p, in); !ok) return std::unexpected(ok.error());
    const op_row<Device>* row = op_row_find<Device>(Device::rows(), p.kind());
    if (!row) return fail(status::unsupported, "no {} kernel on the {} backend", to_string(p.kind()), info().backend);
    return row->prepare(static_cast<Device&>(*this), p, in, impl);
  }
};

}  // namespace xpu

// A row's definition in its host file: XPU_OP_ROW(cl_device, gemm){kernel_kind::gemm, supports, prepare};
#define XPU_OP_ROW(Device, name)                    \
  namespace rows {                                  \
  extern const ::xpu::op_row<Device> name;          \
  }                                                 \
  const ::xpu::op_row<Device> rows::name

// The declarations and the table of a backend's rows from its list of operation names:
//   #define XPU_OPENCL_OPS(X) X(gemm) X(conv2d) ...
//   XPU_OP_TABLE(cl_device, XPU_OPENCL_OPS)
// declares xpu::<ns>::rows::gemm, ... (each defined in its host file) and defines Device::rows().
#define XPU_OP_ROW_DECLARE(name) extern const ::xpu::op_row<xpu_table_device> name;
#define XPU_OP_ROW_ADDRESS(name) &rows::name,
#define XPU_OP_TABLE(Device, LIST)                                                      \
  using xpu_table_device = Device;                                                      \
  namespace rows {                                                                      \
  LIST(XPU_OP_ROW_DECLARE)                                                              \
  }                                                                                     \
  std::span<const ::xpu::op_row<Device>* const> Device::rows() {                        \
    static const ::xpu::op_row<Device>* const table[] = {LIST(XPU_OP_ROW_ADDRESS)};     \
    return table;                                                                       \
  }
