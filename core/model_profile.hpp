#pragma once
// What one token (or one inference) of a model costs in a suite's problems: the [model] table of a
// suite written by `xpubench suite from-model` (and of the built-in llm suites). The report sums the
// measured time of each step x its count into a kernel-time bound on tokens/s or inferences/s
// (results/token_bounds.hpp).
#include <cstdint>
#include <string>
#include <vector>

namespace xpu {

struct model_step {
  std::string run;          // a problem's shape id (problem::shape_id(): "gemm/m1n4096k4096tb"), measured in each precision
  std::int64_t count = 1;   // how many times the phase runs it
};

struct model_profile {
  std::string name;         // "llama: Meta-Llama-3-8B-Instruct"
  std::string source;       // the model file the steps were read from
  std::string weight_type;  // the model file's matrix weight type ("q4_0", "f16", ...)
  std::int64_t tokens = 0;  // the prompt: prefill processes this many tokens at once; decode attends over as many (0: no sequence)
  double weight_bytes = 0;  // bytes of matrix weights one decoded token reads in the file's type (0: unknown)
  std::vector<model_step> prefill;  // per prompt of `tokens` tokens
  std::vector<model_step> decode;   // per generated token
  std::vector<model_step> inference;  // per inference of a graph at fixed dimensions (ONNX)
  std::vector<std::string> notes;   // what the steps leave out (3-D expert tensors, ...): the report repeats them
};

}  // namespace xpu
