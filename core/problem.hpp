#pragma once
// A problem is plain data every layer can see: what to compute (kernel kind + shape) and in which
// precision. Its id() is its stable name and filter key: "gemm/fp32/m1024n1024k1024".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/precision.hpp"

namespace xpu {

enum class kernel_kind { gemm, conv2d, reduction, peak, bandwidth, latency, softmax, rmsnorm, attention, qgemm, silu, layernorm, moe };
std::string_view to_string(kernel_kind k);

// C[m x n] = op(A)[m x k] . op(B)[k x n], row-major; op = transpose when trans_* is set
// (A stored k x m, B stored n x k).
struct gemm_shape {
  static constexpr kernel_kind kind = kernel_kind::gemm;
  std::int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
};

enum class conv_layout { nchw, nhwc };
// Input N x C x H x W, filter K x C x R x S (R rows, S columns), output N x K x P x Q. Stride,
// dilation and padding per axis (ONNX's pads order: top, left, bottom, right); a 1-D convolution
// is h = r = 1. Output row p reads input rows p * stride_h - pad_top + r * dilation_h.
struct conv_shape {
  static constexpr kernel_kind kind = kernel_kind::conv2d;
  std::int64_t n = 1, c = 0, h = 0, w = 0, k = 0, r = 0, s = 0;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  conv_layout layout = conv_layout::nchw;
  std::int64_t p() const { return (h + pad_top + pad_bottom - dilation_h * (r - 1) - 1) / stride_h + 1; }
  std::int64_t q() const { return (w + pad_left + pad_right - dilation_w * (s - 1) - 1) / stride_w + 1; }
  // The same stride, pad and dilation both ways.
  static conv_shape square(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t k, std::int64_t r, std::int64_t s,
                           std::int64_t stride, std::int64_t pad, std::int64_t dilation, conv_layout layout = conv_layout::nchw) {
    return {n, c, h, w, k, r, s, stride, stride, pad, pad, pad, pad, dilation, dilation, layout};
  }
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

// Row-wise softmax of a rows x cols matrix: y = exp(x - max) / sum(exp(x - max)), per row.
struct softmax_shape {
  static constexpr kernel_kind kind = kernel_kind::softmax;
  std::int64_t rows = 0, cols = 0;
};

// RMSNorm of each row of a rows x cols matrix: y = x / sqrt(mean(x^2) + eps) * g (g: cols weights),
// eps = rmsnorm_eps (Llama's).
inline constexpr double rmsnorm_eps = 1e-5;
struct rmsnorm_shape {
  static constexpr kernel_kind kind = kernel_kind::rmsnorm;
  std::int64_t rows = 0, cols = 0;
};

// LayerNorm of each row of a rows x cols matrix: y = (x - mean(x)) / sqrt(var(x) + eps) * g + b (g, b:
// cols weights and biases; var the mean of (x - mean)^2), eps = layernorm_eps (GPT-2's, PyTorch's default).
inline constexpr double layernorm_eps = 1e-5;
struct layernorm_shape {
  static constexpr kernel_kind kind = kernel_kind::layernorm;
  std::int64_t rows = 0, cols = 0;
};

// SiLU (swish) of every element of a rows x cols matrix: y = x / (1 + exp(-x)), the activation of
// Llama-style gated FFNs (rows: tokens, cols: the FFN width).
struct silu_shape {
  static constexpr kernel_kind kind = kernel_kind::silu;
  std::int64_t rows = 0, cols = 0;
};

// Scaled dot-product attention, per batch and query head: O = softmax(Q K^T / sqrt(head_dim)) V.
// Q, O: batch x heads x seq_q x head_dim; K, V: batch x kv_heads x seq_kv x head_dim (grouped-query
// attention: query head h reads kv head h / (heads / kv_heads)). Causal: query i sees keys
// j <= i + seq_kv - seq_q (the newest query sees every key, as in decoding with a KV cache).
inline constexpr std::int64_t max_attention_head_dim = 256;
struct attention_shape {
  static constexpr kernel_kind kind = kernel_kind::attention;
  std::int64_t batch = 1, heads = 0, kv_heads = 0, seq_q = 0, seq_kv = 0, head_dim = 0;
  bool causal = false;
  // Query-key pairs the softmax covers (2 x head_dim FLOP each for Q K^T and again for P V).
  double pairs() const;
};

// GGUF's quantized weight blocks (ops/qgemm/blocks.hpp): 32 weights and an fp16 scale each.
enum class quant_format { q8_0, q4_0 };
inline constexpr int quant_block_weights = 32;
constexpr std::size_t quant_block_bytes(quant_format f) { return f == quant_format::q8_0 ? 34 : 18; }
// The bytes of one row of k weights (k a multiple of 32), and of an n x k matrix, in `f` blocks.
constexpr std::size_t quant_row_bytes(std::int64_t k, quant_format f) { return static_cast<std::size_t>(k / quant_block_weights) * quant_block_bytes(f); }
constexpr double quant_matrix_bytes(std::int64_t n, std::int64_t k, quant_format f) {
  return static_cast<double>(n) * static_cast<double>(quant_row_bytes(k, f));
}
// Y[m x n] = X[m x k] . W^T, W stored n x k (as models store their matrices) in `weights` blocks
// along k; the problem's precision is the activations' (fp32, or int8: Q8_0 blocks).
// copies > 1: one launch runs the product over `copies` different weight matrices one after the
// other (W holds them back to back, Y one m x n output each), as a decoded token runs a model's
// layers: the weights stream from memory instead of staying in the caches between repetitions.
struct qgemm_shape {
  static constexpr kernel_kind kind = kernel_kind::qgemm;
  std::int64_t m = 0, n = 0, k = 0;
  quant_format weights = quant_format::q8_0;
  std::int64_t copies = 1;
};

// Mixture of experts as llama.cpp's MUL_MAT_ID runs it: `experts` weight matrices (each n x k in
// `weights` blocks, back to back in W), and for each of m tokens the `used` experts its router chose
// (ids, m x used, distinct per token): Y[t, s] = X[t] . W[ids[t, s]]^T, one n-vector per token and
// choice (m x used x n). Decoding (m = 1) reads `used` experts' weights; a prompt reads them all.
// The router's own product (m x experts x k) and the top-k choice are not part of it.
// copies > 1: as qgemm's, one launch is the product over `copies` layers' experts (W holds copies x
// experts matrices, Y one m x used x n output each; the same choices in every layer), so that the
// chosen experts' weights come from memory: a decoded token's MoE layers.
struct moe_shape {
  static constexpr kernel_kind kind = kernel_kind::moe;
  std::int64_t m = 0, n = 0, k = 0, experts = 0, used = 0;
  quant_format weights = quant_format::q4_0;
  std::int64_t copies = 1;
};

using shape = std::variant<gemm_shape, conv_shape, reduction_shape, peak_shape, bandwidth_shape, latency_shape, softmax_shape, rmsnorm_shape,
                           attention_shape, qgemm_shape, silu_shape, layernorm_shape, moe_shape>;

struct problem {
  shape dims;
  precision type = precision::fp32;

  kernel_kind kind() const;
  std::string id() const;
  // The id without its precision ("gemm/m1024n1024k1024"): the same shape in every precision.
  std::string shape_id() const;
};

// A problem id without its precision component: shape_id("gemm/fp32/m8n8k8", "fp32") is "gemm/m8n8k8".
std::string shape_id(std::string_view id, std::string_view precision);

// The problem an id names, read back from what problem::id() writes ("gemm/fp32/m8n8k8tb"), so no
// layer takes an id apart by hand; nullopt for any text id() would not write (another version's
// kind, a damaged id, a number beyond 64 bits) and for the negative sizes of a problem no check
// let through. problem_from_id(p.id())->id() == p.id() for every valid problem; what the id does
// not hold comes back as its default (a peak's iterations).
std::optional<problem> problem_from_id(std::string_view id);
// The same for a shape id (problem::shape_id(): "gemm/m8n8k8tb"), in precision `p` (a peak's shape
// id keeps its precision, "peak/fp16", which is taken instead).
std::optional<problem> problem_from_shape_id(std::string_view shape_id, precision p);
// The quantized weights' block format of a qgemm or moe id ("qgemm/int8/q4_0/m1n8k32" -> q4_0), else nullopt.
std::optional<quant_format> quantized_weights(std::string_view id);

// The element count of the problem's largest tensor (input or output), computed with overflow
// checks; nullopt when a size product does not fit 64 bits or a conv output would be empty.
// Backends that index in 32 bits refuse problems above INT32_MAX with it.
std::optional<std::int64_t> largest_tensor_elements(const problem& p);

std::string_view to_string(conv_layout l);
std::string_view to_string(reduce_op o);
std::string_view to_string(bandwidth_op o);
std::string_view to_string(quant_format f);
std::optional<quant_format> quant_format_parse(std::string_view name);

}  // namespace xpu
