#pragma once
// A problem is plain data every layer can see: what to compute (kernel kind + shape) and in which
// precision. Its id() is its stable name and filter key: "gemm/fp32/m1024n1024k1024".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/precision.hpp"

namespace xpu {

enum class kernel_kind { gemm, conv2d, reduction, peak, bandwidth, latency };
std::string_view to_string(kernel_kind k);

// C[m x n] = op(A)[m x k] . op(B)[k x n], row-major; op = transpose when trans_* is set
// (A stored k x m, B stored n x k).
struct gemm_shape {
  static constexpr kernel_kind kind = kernel_kind::gemm;
  std::int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
};

enum class conv_layout { nchw, nhwc };
// Input N x C x H x W, filter K x C x R x S (R rows, S columns), output N x K x P x Q.
struct conv_shape {
  static constexpr kernel_kind kind = kernel_kind::conv2d;
  std::int64_t n = 1, c = 0, h = 0, w = 0, k = 0, r = 0, s = 0;
  std::int64_t stride = 1, pad = 0, dilation = 1;
  conv_layout layout = conv_layout::nchw;
  std::int64_t p() const { return (h + 2 * pad - dilation * (r - 1) - 1) / stride + 1; }
  std::int64_t q() const { return (w + 2 * pad - dilation * (s - 1) - 1) / stride + 1; }
};

enum class reduce_op { sum, max };
struct reduction_shape {
  static constexpr kernel_kind kind = kernel_kind::reduction;
  std::int64_t n = 0;
  reduce_op op = reduce_op::sum;
};

// read/copy/triad stream device memory; upload/download move one array host -> device / device -> host.
enum class bandwidth_op { read, copy, triad, upload, download };
inline constexpr bandwidth_op all_bandwidth_ops[] = {bandwidth_op::read, bandwidth_op::copy, bandwidth_op::triad, bandwidth_op::upload,
                                                     bandwidth_op::download};
struct bandwidth_shape {
  static constexpr kernel_kind kind = kernel_kind::bandwidth;
  std::int64_t bytes = 0;  // the working set: every array together
  bandwidth_op op = bandwidth_op::triad;
};

// Independent multiply-accumulate chains (peak_chains of them), each `iterations` dependent steps.
struct peak_shape {
  static constexpr kernel_kind kind = kernel_kind::peak;
  std::int64_t iterations = 4096;
};
inline constexpr std::size_t peak_chains = 3 << 15;  // 98304: divisible by every register block we use
struct latency_shape {  // an empty task
  static constexpr kernel_kind kind = kernel_kind::latency;
};

using shape = std::variant<gemm_shape, conv_shape, reduction_shape, peak_shape, bandwidth_shape, latency_shape>;

struct problem {
  shape dims;
  precision type = precision::fp32;

  kernel_kind kind() const;
  std::string id() const;
};

// The element count of the problem's largest tensor (input or output), computed with overflow
// checks; nullopt when a size product does not fit 64 bits or a conv output would be empty.
// Backends that index in 32 bits refuse problems above INT32_MAX with it.
std::optional<std::int64_t> largest_tensor_elements(const problem& p);

std::string_view to_string(conv_layout l);
std::string_view to_string(reduce_op o);
std::string_view to_string(bandwidth_op o);

}  // namespace xpu
