#include "models/model_suite.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/units.hpp"
#include "ops/operation.hpp"

namespace xpu {
namespace {

// "blk.7.attn_q.weight" -> "attn_q"; "output.weight" -> "output".
std::string role_of(const std::string& name) {
  std::string r = name;
  if (r.ends_with(".weight")) r.resize(r.size() - 7);
  if (r.starts_with("blk.")) {
    const auto dot = r.find('.', 4);
    r = dot == std::string::npos ? r : r.substr(dot + 1);
  }
  return r;
}

// Architectures whose gated FFN is silu(gate) * up (llama.cpp's LLM_FFN_SILU with LLM_FFN_PAR).
bool ffn_is_silu(std::string_view arch) {
  for (std::string_view a : {"llama", "mistral", "qwen2", "qwen3", "granite", "internlm2", "olmo2", "exaone"})
    if (arch == a) return true;
  return false;
}


}  // namespace

namespace {

// Any bytes (names come from model files) as text a TOML file may hold (it is UTF-8): in a basic
// string (`quoted`) quote and backslash escaped and every control character (C0, DEL, and C1, which
// TOML allows but terminals act on) as \uXXXX; in a comment the controls become spaces. A byte that
// does not start a valid UTF-8 sequence becomes U+FFFD.
std::string toml_text(std::string_view s, bool quoted) {
  std::string out;
  const auto control = [&](char32_t cp) { out += quoted ? fmt::format("\\u{:04x}", static_cast<unsigned>(cp)) : std::string(" "); };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (quoted && (c == '"' || c == '\\')) out += '\\';
      if (c < 0x20 || c == 0x7f) control(c);
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    // The sequence's length by its lead byte; overlong forms, surrogates and values past U+10FFFF are invalid.
    const std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    char32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    bool valid = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; valid && k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      valid = (b & 0xc0) == 0x80;
      cp = (cp << 6) | (b & 0x3f);
    }
    valid = valid && cp >= (n == 2 ? 0x80u : n == 3 ? 0x800u : 0x10000u) && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    if (!valid) {
      out += quoted ? "\\ufffd" : "\xef\xbf\xbd";
      ++i;
      continue;
    }
    if (cp <= 0x9f) control(cp);
    else out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::string suite_name_for(std::string_view source) {
  const std::string stem = std::filesystem::path(std::string(source)).stem().string();
  return stem.empty() ? "model" : stem;
}

std::string toml_quoted(std::string_view s) { return "\"" + toml_text(s, true) + "\""; }

std::string toml_comment(std::string_view s) { return toml_text(s, false); }

std::string toml_notes(const std::vector<std::string>& notes) {
  if (notes.empty()) return "";
  std::string s = "notes = [\n";
  for (std::size_t i = 0; i < std::min(notes.size(), max_notes_written); ++i) s += fmt::format("  {},\n", toml_quoted(notes[i]));
  if (notes.size() > max_notes_written) s += fmt::format("  \"... and {} more notes\",\n", notes.size() - max_notes_written);
  return s + "]\n";
}

result<model_structure> model_from_gguf(const gguf::file& f, std::string_view source) {
  model_structure m;
  m.source = std::string(source);
  const auto arch = f.string("general.architecture");
  if (!arch) return fail(status::invalid, "{}: no 'general.architecture' string: not a model file llama.cpp would load", source);
  m.architecture = *arch;
  m.name = f.string("general.name").value_or(std::filesystem::path(std::string(source)).stem().string());
  const auto need = [&](const std::string& key, std::int64_t& dst) -> result<void> {
    const auto v = f.unsigned_integer(*arch + "." + key);
    if (!v || *v == 0 || *v > (1u << 30)) return fail(status::invalid, "{}: '{}.{}' is missing or not a positive integer below 2^30", source, quoted_name(*arch), key);
    dst = static_cast<std::int64_t>(*v);
    return {};
  };
  for (auto [key, dst] : {std::pair{"block_count", &m.layers}, std::pair{"embedding_length", &m.hidden}, std::pair{"attention.head_count", &m.heads}})
    if (auto ok = need(key, *dst); !ok) return std::unexpected(ok.error());
  if (const auto ctx = f.unsigned_integer(*arch + ".context_length"); ctx && *ctx <= (std::uint64_t{1} << 40))
    m.context_length = static_cast<std::int64_t>(*ctx);
  m.kv_heads = m.heads;
  if (f.metadata.contains(*arch + ".attention.head_count_kv"))
    if (auto ok = need("attention.head_count_kv", m.kv_heads); !ok) return std::unexpected(ok.error());
  if (f.metadata.contains(*arch + ".attention.key_length")) {
    if (auto ok = need("attention.key_length", m.head_dim); !ok) return std::unexpected(ok.error());
  } else {
    if (m.hidden % m.heads != 0) return fail(status::invalid, "{}: embedding_length {} is not a multiple of head_count {}", source, m.hidden, m.heads);
    m.head_dim = m.hidden / m.heads;
  }
  if (const gguf::tensor* e = f.find("token_embd.weight"); e && e->dims.size() == 2 && e->dims[0] != static_cast<std::uint64_t>(m.hidden))
    return fail(status::invalid, "{}: '{}.embedding_length' is {} but token_embd.weight's rows are {} long: the metadata contradicts the tensors",
                source, quoted_name(*arch), m.hidden, e->dims[0]);
  if (m.heads % m.kv_heads != 0) return fail(status::invalid, "{}: head_count {} is not a multiple of head_count_kv {}", source, m.heads, m.kv_heads);
  if (m.head_dim > max_attention_head_dim)
    return fail(status::invalid, "{}: heads of {} (attention.key_length) are beyond xpubench's attention kernels (at most {})", source, m.head_dim,
                max_attention_head_dim);

  // The matrices: 2-D `.weight` tensors but the embeddings (row lookups, not products), and the
  // experts' 3-D ones; without output.weight the embedding is tied and is the output matrix too.
  const auto lookup = [](const std::string& name) {
    return name == "token_embd.weight" || name == "position_embd.weight" || name == "token_types.weight";
  };
  const auto experts = f.unsigned_integer(*arch + ".expert_count");
  const auto experts_used = f.unsigned_integer(*arch + ".expert_used_count");
  const bool moe = experts && experts_used && *experts >= 1 && *experts <= 4096 && *experts_used >= 1 && *experts_used <= *experts;
  using group_key = std::tuple<std::int64_t, std::int64_t, bool, std::string>;  // k, n, output, type
  std::map<group_key, model_matrix> shapes;
  std::map<group_key, std::set<std::string>> roles;  // per group, what its role text lists
  std::map<std::string, double> bytes_by_type;       // what a token reads
  double expert_bytes = 0;                            // every expert, as the file holds them
  bool sizes_known = true;
  const auto add = [&](const gguf::tensor& t, const std::string& role, std::int64_t n_experts) {
    const auto k = static_cast<std::int64_t>(t.dims[0]), n = static_cast<std::int64_t>(t.dims[1]);
    const std::string type = gguf::type_name(t.type);
    const bool output = role.starts_with("output");
    const group_key key{k, n, output, type + (n_experts ? "/experts" : "")};
    model_matrix& mm = shapes[key];
    auto& listed = roles[key];
    if (mm.count == 0) {
      mm = {role, k, n, 0, type, output, n_experts, n_experts ? static_cast<std::int64_t>(*experts_used) : 0};
      listed.insert(role);
    } else if (listed.size() <= max_roles_listed && listed.insert(role).second) {  // each role once, the first max_roles_listed
      mm.role += listed.size() <= max_roles_listed ? ", " + role : ", ...";
    }
    ++mm.count;
    if (const auto b = gguf::type_bytes(t.type, t.elements())) {
      bytes_by_type[type] += n_experts ? *b * static_cast<double>(*experts_used) / static_cast<double>(n_experts) : *b;
      if (n_experts) expert_bytes += *b;
    } else {
      sizes_known = false;
    }
  };
  std::map<std::string, std::tuple<std::size_t, std::string, std::string>> unmapped;  // "role (shape)" -> tensors, the first's name, why
  std::int64_t expert_silu_width = 0, expert_silu_tensors = 0;
  for (const auto& t : f.tensors) {
    // The block's and the output's norms with a bias: LayerNorm (GPT-2's attn_norm.bias, ...); not the
    // q/k norms some RMSNorm models give biases. Each of those norms is one row of the phase's count.
    if (t.name == "output_norm.bias" || (t.name.starts_with("blk.") && t.name.ends_with(".attn_norm.bias"))) m.layer_norm = true;
    if (t.name.ends_with("_norm.weight") && t.dims.size() == 1 && t.dims[0] == static_cast<std::uint64_t>(m.hidden) &&
        !t.name.ends_with("attn_q_norm.weight") && !t.name.ends_with("attn_k_norm.weight"))
      ++m.norms;
    if (!t.name.ends_with(".weight")) continue;
    if (lookup(t.name)) {
      if (t.name != "token_embd.weight") m.notes.push_back(fmt::format("{}: a row lookup, not a product: left out", t.name));
      continue;
    }
    if (t.dims.size() == 3) {
      if (moe && t.dims[2] == *experts && t.dims[0] <= (1u << 30) && t.dims[1] <= (1u << 30)) {
        add(t, role_of(t.name), static_cast<std::int64_t>(*experts));
        if (ffn_is_silu(m.architecture) && role_of(t.name) == "ffn_gate_exps") {
          expert_silu_width = std::max(expert_silu_width, static_cast<std::int64_t>(t.dims[1]));
          ++expert_silu_tensors;
        }
        continue;
      }
      const std::string why = !moe ? fmt::format("the file has no valid {0}.expert_count and {0}.expert_used_count", quoted_name(*arch))
                              : t.dims[2] != *experts ? fmt::format("their third dimension is not {}.expert_count ({})", quoted_name(*arch), *experts)
                                                      : std::string("a dimension above 2^30");
      auto& [count, first, reason] = unmapped[fmt::format("{} ({} x {} x {})", role_of(t.name), t.dims[0], t.dims[1], t.dims[2])];
      if (count++ == 0) first = t.name, reason = why;
      continue;
    }
    if (t.dims.size() != 2) continue;  // norms and biases are vectors
    if (t.dims[0] > (1u << 30) || t.dims[1] > (1u << 30))
      return fail(status::invalid, "{}: tensor '{}' is {} x {}: a dimension above 2^30", source, t.name, t.dims[0], t.dims[1]);
    add(t, role_of(t.name), 0);
    if (ffn_is_silu(m.architecture) && role_of(t.name) == "ffn_gate") {  // k x n: hidden in, the FFN's width out
      m.silu_width = std::max(m.silu_width, static_cast<std::int64_t>(t.dims[1]));
      ++m.silu_layers;
    }
  }
  for (const auto& [what, seen] : unmapped) {
    const auto& [count, first, reason] = seen;
    m.notes.push_back(fmt::format("{}: 3-D expert weights in {} tensor(s) ({}{}) left out: {}", what, count, first, count > 1 ? ", ..." : "", reason));
  }
  if (expert_bytes > 0)
    m.notes.push_back(fmt::format("mixture of experts: {} experts, {} used per token; the decode bound reads the used experts' share of "
                                  "their {:.0f} bytes", *experts, *experts_used, expert_bytes));
  if (m.silu_width == 0 && expert_silu_tensors > 0) {  // the experts' activation: used experts x tokens rows
    m.silu_width = expert_silu_width;
    m.silu_layers = expert_silu_tensors * static_cast<std::int64_t>(*experts_used);
  }
  if (!f.find("output.weight"))
    if (const gguf::tensor* e = f.find("token_embd.weight"); e && e->dims.size() == 2) {
      add(*e, "output (tied to token_embd)", 0);
      m.notes.push_back("no output.weight: the output matrix is the token embedding (tied weights)");
    }
  if (shapes.empty()) return fail(status::invalid, "{}: no 2-D '.weight' tensor: nothing to multiply", source);
  if (const gguf::tensor* o = f.find("output.weight"); o && o->dims.size() == 2) m.vocab = static_cast<std::int64_t>(o->dims[1]);
  else if (const gguf::tensor* e = f.find("token_embd.weight"); e && e->dims.size() == 2) m.vocab = static_cast<std::int64_t>(e->dims[1]);
  for (auto& [key, mm] : shapes) m.matrices.push_back(std::move(mm));
  std::ranges::sort(m.matrices, [](const model_matrix& a, const model_matrix& b) { return a.count != b.count ? a.count > b.count : a.n < b.n; });
  double most = -1;
  for (const auto& [type, b] : bytes_by_type) {
    m.weight_bytes += b;
    if (b > most) most = b, m.weight_type = type;
  }
  if (!sizes_known) {
    m.weight_bytes = 0;
    m.notes.push_back("a weight type of unknown block size: the weights' bytes (and the decode bandwidth bound) are not given");
  }
  return m;
}

std::string model_suite_toml(const model_structure& m, std::int64_t tokens) {
  std::string s;
  s += toml_comment(fmt::format("# Written by `xpubench suite from-model {}`: the kernels of one {} layer stack ({}), at a prompt of {} tokens.",
                                m.source, m.architecture, m.name, tokens)) +
       "\n";
  s += "# GEMMs: y = x W^T with the weights as stored (n x k, B transposed); m = 1 is decoding one token, m = the prompt\n"
       "# is prefill (the output matrix at m = 1: only the prompt's last position needs logits). The report sums each\n"
       "# phase's steps x count into tokens/s: RoPE, residual adds, the gate's product and sampling are not measured (nor a\n"
       "# GELU FFN's activation). The matrices run in fp32, fp16, bf16 and int8, and as qgemm in their own blocks where those\n"
       "# are Q8_0 or Q4_0.\n";
  // Named after the file (two quantisations of one model are two suites a person can tell apart).
  s += fmt::format("name = {}\n", toml_quoted(suite_name_for(m.source)));
  s += fmt::format("description = {}\n", toml_quoted(fmt::format("{} ({}): {} layers, hidden {}, {} heads / {} KV heads of {}, prompt {}", m.name,
                                                                    m.architecture, m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim, tokens)));
  s += "repetitions = 5\nmin_time_s = 0.05\n\n";
  // Each phase's steps, one per problem (groups of one shape but another type or role add up).
  std::vector<std::pair<problem, std::int64_t>> decode_steps, prefill_steps;
  // Found by shape id in a map, not by searching the list: a header of 20000 distinct shapes took
  // 497 s that way.
  std::map<std::string, std::size_t, std::less<>> decode_index, prefill_index;
  const auto step = [&](std::vector<std::pair<problem, std::int64_t>>& phase, const problem& p, std::int64_t count) {
    auto& index = &phase == &decode_steps ? decode_index : prefill_index;
    const auto [at, fresh] = index.try_emplace(p.shape_id(), phase.size());
    if (fresh) phase.emplace_back(p, count);
    else phase[at->second].second += count;
  };
  // Each section's entries through the operation's own writer (ops/operation.hpp), each shape once.
  using entries = std::vector<std::pair<problem, std::string>>;
  std::set<std::string, std::less<>> written;  // shape ids already in some section (ids carry the operation and format)
  const auto entry = [&](entries& list, problem p, std::string comment) {
    if (written.insert(p.shape_id()).second) list.emplace_back(std::move(p), std::move(comment));
  };
  // Expert matrices stored in Q8_0 or Q4_0 blocks run as moe (routed, as llama.cpp's MUL_MAT_ID): one
  // step per tensor, the used experts of each token (decode) or of the whole prompt (prefill). Their
  // GEMM rows stay in the suite: the dense rows of the report run the experts as GEMM passes.
  const auto routed_format = [](const model_matrix& mm) {
    const auto f = quant_format_parse(mm.type);
    return mm.experts > 0 && f && mm.k % quant_block_weights == 0 ? f : std::nullopt;
  };
  const double working_set = m.weight_bytes > 0 ? std::min(m.weight_bytes, streamed_working_set_max) : streamed_working_set_max;
  entries gemms, routed;
  for (const auto& mm : m.matrices) {
    entry(gemms, {gemm_shape{1, mm.n, mm.k, false, true}},
          fmt::format("{} x {} ({}{})", toml_comment(mm.role), mm.count, mm.type,
                      mm.experts ? fmt::format(", {} experts, {} used", mm.experts, mm.experts_used) : ""));
    entry(gemms, {gemm_shape{mm.prefill_rows(tokens), mm.n, mm.k, false, true}}, "");
    if (const auto f = routed_format(mm)) {
      const problem decode{moe_shape{1, mm.n, mm.k, mm.experts, mm.experts_used, *f}}, prefill{moe_shape{tokens, mm.n, mm.k, mm.experts, mm.experts_used, *f}};
      entry(routed, decode, fmt::format("{} x {}, decode", toml_comment(mm.role), mm.count));
      // Decode streamed, as qgemm's: copies (layers) of the experts whose used ones together read the
      // model's decode working set, every copy's experts together within 1 GiB and 2^31 - 1 weights.
      const double expert_bytes = quant_matrix_bytes(mm.n, mm.k, *f), layer_elements = static_cast<double>(mm.experts * mm.n) * static_cast<double>(mm.k);
      const auto copies = static_cast<std::int64_t>(std::min({std::floor(working_set / (static_cast<double>(mm.experts_used) * expert_bytes)),
                                                               std::floor(streamed_working_set_max / (static_cast<double>(mm.experts) * expert_bytes)),
                                                               std::floor(2147483647.0 / layer_elements), static_cast<double>(streamed_copies_max)}));
      if (copies > 1)
        entry(routed, {moe_shape{1, mm.n, mm.k, mm.experts, mm.experts_used, *f, copies}},
              "decode, streamed: " + format_bytes(static_cast<std::uint64_t>(static_cast<double>(copies * mm.experts_used) * expert_bytes)) + " read");
      entry(routed, prefill, "prefill");
      step(decode_steps, decode, mm.count);
      step(prefill_steps, prefill, mm.count);
      continue;
    }
    step(decode_steps, {gemm_shape{1, mm.n, mm.k, false, true}}, mm.decode_count());
    step(prefill_steps, {gemm_shape{mm.prefill_rows(tokens), mm.n, mm.k, false, true}}, mm.prefill_count());
  }
  constexpr precision dense[] = {precision::fp32, precision::fp16, precision::bf16, precision::int8};
  constexpr precision layers[] = {precision::fp32, precision::fp16, precision::bf16};
  constexpr precision blocks[] = {precision::fp32, precision::int8};
  s += operation_section(operation_for(kernel_kind::gemm), dense, gemms) + "\n";
  // The matrices stored in blocks xpubench has kernels for, as qgemm in those blocks (one section per
  // format). Decode also streamed: copies of the matrix that together are the model's decode working
  // set (capped), so that the weights come from memory as they do for an engine, which reads every
  // matrix once per token, instead of from the cache the last repetition warmed.
  for (quant_format f : {quant_format::q8_0, quant_format::q4_0}) {
    entries q;
    for (const auto& mm : m.matrices)
      if (mm.type == to_string(f) && mm.k % quant_block_weights == 0 && !routed_format(mm)) {
        entry(q, {qgemm_shape{1, mm.n, mm.k, f}}, "");
        const double bytes = quant_matrix_bytes(mm.n, mm.k, f);
        // As many whole copies as the working set holds (never more: it is a cap), and every copy's
        // weights together within 2^31 - 1 (the backends that index the buffer in 32 bits).
        const double elements = static_cast<double>(mm.n) * static_cast<double>(mm.k);
        const auto copies = static_cast<std::int64_t>(std::min({std::floor(working_set / bytes), std::floor(2147483647.0 / elements),
                                                                 static_cast<double>(streamed_copies_max)}));
        if (copies > 1)
          entry(q, {qgemm_shape{1, mm.n, mm.k, f, copies}}, "decode, streamed: " + format_bytes(static_cast<std::uint64_t>(static_cast<double>(copies) * bytes)));
        entry(q, {qgemm_shape{mm.prefill_rows(tokens), mm.n, mm.k, f}}, "");
      }
    if (!q.empty())
      s += fmt::format("# The matrices stored in {} blocks, in those blocks: with fp32 activations, and with Q8_0 ones (int8).\n", to_string(f)) +
           operation_section(operation_for(kernel_kind::qgemm), blocks, q) + "\n";
  }
  if (!routed.empty())
    s += "# The experts in their blocks, routed: each token's used experts of the layer's (a seeded, balanced choice); decode\n"
         "# reads the used experts' weights (also streamed: copies of the experts, as a token's MoE layers), prefill every expert.\n" +
         operation_section(operation_for(kernel_kind::moe), blocks, routed) + "\n";
  const attention_shape prefill_attention{1, m.heads, m.kv_heads, tokens, tokens, m.head_dim, true};
  const attention_shape decode_attention{1, m.heads, m.kv_heads, 1, tokens, m.head_dim, true};
  s += operation_section(operation_for(kernel_kind::attention), layers,
                         {{{prefill_attention}, "prefill"}, {{decode_attention}, "decode over the prompt's cache"}}) + "\n";
  step(prefill_steps, {prefill_attention}, m.layers);
  step(decode_steps, {decode_attention}, m.layers);
  // The file's norms of the hidden size (two per layer and the final one in Llama): LayerNorm where the
  // block's norms have biases (mean and variance), else RMSNorm.
  const auto norm = [&](std::int64_t rows) { return m.layer_norm ? problem{layernorm_shape{rows, m.hidden}} : problem{rmsnorm_shape{rows, m.hidden}}; };
  s += operation_section(operation_for(m.layer_norm ? kernel_kind::layernorm : kernel_kind::rmsnorm), layers, {{norm(tokens), ""}, {norm(1), ""}}) + "\n";
  const std::int64_t norms = m.norms > 0 ? m.norms : 2 * m.layers + 1;  // the file's norms (one per layer in parallel blocks), else Llama's
  step(prefill_steps, norm(tokens), norms);
  step(decode_steps, norm(1), norms);
  if (m.silu_width > 0) {
    s += "# The gated FFN's activation, silu(gate): one row per token of the FFN's width.\n" +
         operation_section(operation_for(kernel_kind::silu), layers, {{{silu_shape{tokens, m.silu_width}}, ""}, {{silu_shape{1, m.silu_width}}, ""}}) +
         "\n";
    step(prefill_steps, {silu_shape{tokens, m.silu_width}}, m.silu_layers);
    step(decode_steps, {silu_shape{1, m.silu_width}}, m.silu_layers);
  }
  s += "# The decode memory bound: the matrices' bytes / the read bandwidth measured here (1 GiB: beyond the caches).\n"
       "[[bandwidth]]\nops = [\"read\"]\nbytes = [1073741824]\n\n";
  s += fmt::format("[model]\nname = {}\nsource = {}\nweight_type = {}\ntokens = {}\nweight_bytes = {:.0f}\n", toml_quoted(fmt::format("{}: {}", m.architecture, m.name)),
                   toml_quoted(m.source), toml_quoted(m.weight_type), tokens, m.weight_bytes);
  s += toml_notes(m.notes);
  std::string steps;
  for (const auto& [phase, list] : {std::pair{"decode", &decode_steps}, std::pair{"prefill", &prefill_steps}}) {
    steps += "\n";
    for (const auto& [p, count] : *list) steps += fmt::format("[[model.{}]]\nrun = \"{}\"\ncount = {}\n", phase, p.shape_id(), count);
  }
  return s + steps;
}

}  // namespace xpu
