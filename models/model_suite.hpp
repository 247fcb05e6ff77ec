#pragma once
// From a model file's structure to a suite: the distinct matrix shapes of its layers (with how many
// tensors share each), its attention geometry and hidden size, written as a TOML suite whose
// [model] table says what one token costs in those problems (core/model_profile.hpp).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/problem.hpp"
#include "models/gguf.hpp"

namespace xpu {

// One matrix shape of the model: y[n] = W[n x k] x[k], used `count` times per token.
// Tensors are grouped by shape, weight type and output-ness: an output matrix shaped like an FFN
// one still runs at m = 1 in prefill, and a layer stored in another type keeps its own rows.
struct model_matrix {
  std::string role;        // what the tensors are ("attn_q", "ffn_down", "output"), joined when shapes coincide
  std::int64_t k = 0, n = 0;
  std::int64_t count = 0;  // tensors of this group: each runs once per token (an expert tensor: per used expert)
  std::string type;        // their weight type ("q4_0")
  bool logits = false;     // the output matrix: a prompt needs it for its last position only
  // Mixture of experts (3-D `*_exps` tensors, k x n x experts): `experts` matrices per tensor, of
  // which a token uses `experts_used` (decode: m = 1, count x used; prefill: the prompt's tokens
  // spread over every expert, m = tokens x used / experts rounded up, count x experts). 0: dense.
  std::int64_t experts = 0, experts_used = 0;
  std::int64_t decode_count() const { return experts ? count * experts_used : count; }
  std::int64_t prefill_rows(std::int64_t tokens) const {
    return logits ? 1 : experts ? std::max<std::int64_t>(1, (tokens * experts_used + experts - 1) / experts) : tokens;
  }
  std::int64_t prefill_count() const { return experts ? count * experts : count; }
};

struct model_structure {
  std::string architecture;  // general.architecture: "llama", "qwen2", ...
  std::string name;          // general.name, or the file's stem
  std::string source;
  std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, vocab = 0;
  std::int64_t context_length = 0;  // {arch}.context_length: the longest prompt the model takes (0: not stated)
  // The gated FFN's SiLU: its width (ffn_gate's rows) and how many layers have one; 0 where the
  // architecture's FFN activation is not SiLU (GELU in gemma and gpt2) or there is no ffn_gate.
  std::int64_t silu_width = 0, silu_layers = 0;
  bool layer_norm = false;  // LayerNorm (the block's norms have biases: GPT-2, Falcon, ...) where Llama-style models have RMSNorm
  std::int64_t norms = 0;   // 1-D *_norm.weight tensors of the hidden size but q/k norms (0: none named; 2 x layers + 1 is assumed)
  std::vector<model_matrix> matrices;
  double weight_bytes = 0;   // what one token reads: every dense matrix once, the used experts' share of the expert ones (0: a type of unknown size)
  std::string weight_type;   // the type most matrix bytes are stored in
  std::vector<std::string> notes;  // what was left out and why (3-D expert tensors, unknown types)
};

// The structure of a GGUF model (general.architecture's block_count, embedding_length,
// attention.head_count[_kv], attention.key_length, expert_count and expert_used_count, the 2-D
// `.weight` tensors and the 3-D expert ones; the token, position and token-type embeddings are row
// lookups, not products); an `invalid` error names the missing key or the inconsistent size.
result<model_structure> model_from_gguf(const gguf::file& f, std::string_view source);

// The suite: GEMMs (weights as stored: B transposed) at m = 1 for decode and m = tokens for prefill,
// attention (causal; decode: one query over `tokens` cached keys), RMSNorm (two per layer and a
// final one), the gated FFN's SiLU, in fp32, fp16, bf16 and int8 where a device has them; [model]
// lists each phase's steps.
std::string model_suite_toml(const model_structure& m, std::int64_t tokens);

// A model suite's name: its file's name without the extension ("model" for none).
std::string suite_name_for(std::string_view source);

// A TOML basic string from any bytes: quoted, with quotes, backslashes and control characters (C0,
// DEL, C1) escaped, and bytes that are not UTF-8 as U+FFFD, so the file always parses.
std::string toml_quoted(std::string_view s);
// Text from a model file made safe for a TOML comment: control characters (a line break would end
// the comment and let the rest be read as TOML) become spaces, bytes that are not UTF-8 U+FFFD.
std::string toml_comment(std::string_view s);
// A suite's `notes = [...]` line for its [model] table: the first max_notes_written notes, then
// how many more there were (a file of 200000 odd tensors gives a readable suite); "" for none.
inline constexpr std::size_t max_notes_written = 40;
std::string toml_notes(const std::vector<std::string>& notes);
// A matrix shape's role text lists this many roles, then "...".
inline constexpr std::size_t max_roles_listed = 8;
// A decode qgemm row's streamed working set: the model's decode bytes, at most 1 GiB (beyond the
// caches of the CPUs and GPUs seen; the same size as the bandwidth row the memory bound divides by),
// in at most this many copies of the matrix.
inline constexpr double streamed_working_set_max = 1024.0 * 1024 * 1024;
inline constexpr std::int64_t streamed_copies_max = 65536;

}  // namespace xpu
