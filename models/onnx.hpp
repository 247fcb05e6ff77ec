#pragma once
// ONNX graphs to suites: the products (MatMul, Gemm, MatMulInteger), 1-D and 2-D convolutions (Conv,
// ConvInteger) and LayerNormalizations of a model, with their shapes from ONNX's own shape inference (libonnx) once the
// graph's symbolic dimensions are set, grouped into distinct problems with how many times one
// inference runs each. Weights are parsed with the graph (protobuf has no partial read) but only
// their shapes and types are used; external data files are never opened.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/problem.hpp"

namespace xpu {

// Values for the graph inputs' symbolic dimensions: a name in `dims` wins; else a name holding
// "batch" gets `batch` and one holding "seq", "token" or "length" gets `tokens`; any other
// symbolic dimension is an error naming it.
struct onnx_dims {
  std::int64_t batch = 1;
  std::int64_t tokens = 512;
  std::map<std::string, std::int64_t> dims;
};

// One distinct problem of the graph and how many times an inference runs it.
struct onnx_step {
  problem what;
  std::int64_t count = 0;
  std::string nodes;        // the operators' names ("MatMul /layers.0/q_proj, ..."), the first few
  std::string weight_type;  // the constant operand's element type ("float", "float16", "int8"), "activations" when both vary
};

struct onnx_structure {
  std::string name;      // the graph's name, or the file's stem
  std::string source;
  std::string producer;  // "pytorch 2.1", from the model's producer_name and version
  std::int64_t opset = 0;
  std::vector<onnx_step> steps;          // in the order the graph first uses them
  std::vector<std::string> dims_set;     // "batch = 1 (input 'x')", what each symbolic dimension was given
  double weight_bytes = 0;               // the products', convolutions' and LayerNorms' constant operands, once each
  std::string weight_type;               // the type most of those bytes are in
  std::vector<std::string> notes;        // operators left out, and why
  bool uses_tokens = false;              // a dimension took `tokens`: an inference is a prompt of that many
};

// Whether this build reads ONNX (libonnx-dev was found); without it model_from_onnx says so.
bool onnx_supported();

// Reads `path` and infers its shapes at `dims`; `invalid` for a file that is not an ONNX model, a
// symbolic dimension without a value, or a graph with no product, convolution or LayerNorm of known shape.
result<onnx_structure> model_from_onnx(const std::filesystem::path& path, const onnx_dims& dims);

// The suite: each distinct GEMM in fp32, fp16, bf16 and int8, each convolution in the same, each
// LayerNorm in fp32, fp16 and bf16, and a [model] table whose [[model.inference]] steps say what one
// inference costs.
std::string onnx_suite_toml(const onnx_structure& m, const onnx_dims& dims);

}  // namespace xpu
