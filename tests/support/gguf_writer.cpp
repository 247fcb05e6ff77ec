#include "tests/support/gguf_writer.hpp"

#include <cstring>

namespace xpu::test {
namespace {

template <class T>
void put(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}
void put_string(std::string& out, const std::string& s) {
  put<std::uint64_t>(out, s.size());
  out += s;
}
std::uint64_t tensor_bytes(std::uint32_t type, std::uint64_t elements) {
  switch (type) {
    case 0: return elements * 4;
    case 1: case 30: return elements * 2;
    case 2: return elements / 32 * 18;
    case 8: return elements / 32 * 34;
    default: return elements;
  }
}

}  // namespace

gguf_writer& gguf_writer::text(const std::string& key, const std::string& value) {
  put_string(m_kv, key);
  put<std::uint32_t>(m_kv, 8);
  put_string(m_kv, value);
  ++m_kv_count;
  return *this;
}
gguf_writer& gguf_writer::u32(const std::string& key, std::uint32_t value) {
  put_string(m_kv, key);
  put<std::uint32_t>(m_kv, 4);
  put(m_kv, value);
  ++m_kv_count;
  return *this;
}
gguf_writer& gguf_writer::f32(const std::string& key, float value) {
  put_string(m_kv, key);
  put<std::uint32_t>(m_kv, 6);
  put(m_kv, value);
  ++m_kv_count;
  return *this;
}
gguf_writer& gguf_writer::strings(const std::string& key, std::uint64_t count) {
  put_string(m_kv, key);
  put<std::uint32_t>(m_kv, 9);
  put<std::uint32_t>(m_kv, 8);
  put<std::uint64_t>(m_kv, count);
  for (std::uint64_t i = 0; i < count; ++i) put_string(m_kv, "tok" + std::to_string(i));
  ++m_kv_count;
  return *this;
}
gguf_writer& gguf_writer::tensor(const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type) {
  m_tensors.push_back({name, std::move(dims), type});
  return *this;
}

std::string gguf_writer::bytes(bool with_data) const {
  std::string out = "GGUF";
  put<std::uint32_t>(out, 3);
  put<std::uint64_t>(out, m_tensors.size());
  put<std::uint64_t>(out, m_kv_count);
  out += m_kv;
  std::uint64_t offset = 0;
  std::vector<std::uint64_t> sizes;
  for (const auto& t : m_tensors) {
    put_string(out, t.name);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(t.dims.size()));
    std::uint64_t n = 1;
    for (auto d : t.dims) put<std::uint64_t>(out, d), n *= d;
    put<std::uint32_t>(out, t.type);
    put<std::uint64_t>(out, offset);
    sizes.push_back(tensor_bytes(t.type, n));
    offset += (sizes.back() + 31) / 32 * 32;
  }
  if (!with_data) return out;
  out.resize((out.size() + 31) / 32 * 32, '\0');
  return out + std::string(offset, '\0');
}

gguf_writer gguf_writer::llama(std::uint32_t layers, std::uint32_t hidden, std::uint32_t ffn, std::uint32_t heads, std::uint32_t kv_heads,
                               std::uint32_t vocab, std::uint32_t type, bool tied) {
  gguf_writer w;
  const std::uint32_t head_dim = hidden / heads;
  w.text("general.architecture", "llama").text("general.name", "test-llama").u32("llama.block_count", layers);
  w.u32("llama.embedding_length", hidden).u32("llama.feed_forward_length", ffn).u32("llama.attention.head_count", heads);
  w.u32("llama.attention.head_count_kv", kv_heads).f32("llama.attention.layer_norm_rms_epsilon", 1e-5f).strings("tokenizer.ggml.tokens", vocab);
  w.tensor("token_embd.weight", {hidden, vocab}, type);
  for (std::uint32_t l = 0; l < layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    w.tensor(b + "attn_norm.weight", {hidden}, 0);
    w.tensor(b + "attn_q.weight", {hidden, hidden}, type);
    w.tensor(b + "attn_k.weight", {hidden, kv_heads * head_dim}, type);
    w.tensor(b + "attn_v.weight", {hidden, kv_heads * head_dim}, type);
    w.tensor(b + "attn_output.weight", {hidden, hidden}, type);
    w.tensor(b + "ffn_norm.weight", {hidden}, 0);
    w.tensor(b + "ffn_gate.weight", {hidden, ffn}, type);
    w.tensor(b + "ffn_up.weight", {hidden, ffn}, type);
    w.tensor(b + "ffn_down.weight", {ffn, hidden}, type);
  }
  w.tensor("output_norm.weight", {hidden}, 0);
  if (!tied) w.tensor("output.weight", {hidden, vocab}, type);
  return w;
}

}  // namespace xpu::test
