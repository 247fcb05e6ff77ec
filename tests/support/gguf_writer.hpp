#pragma once
// Writes GGUF files for the tests (the layout of ggml's docs/gguf.md, version 3): metadata, the
// tensor table, and zero-filled tensor data aligned to 32 bytes (or none: a header-only file).
#include <cstdint>
#include <string>
#include <vector>

namespace xpu::test {

class gguf_writer {
 public:
  gguf_writer& text(const std::string& key, const std::string& value);
  gguf_writer& u32(const std::string& key, std::uint32_t value);
  gguf_writer& f32(const std::string& key, float value);
  gguf_writer& strings(const std::string& key, std::uint64_t count);  // an array of "tok0", "tok1", ...
  gguf_writer& tensor(const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type);
  // The file's bytes; with_data: the tensors' bytes too (zeros), else the header alone.
  std::string bytes(bool with_data = false) const;

  // A Llama-shaped model: `layers` blocks of attn_q/k/v/output and ffn_gate/up/down, norms, the
  // token embedding and an output matrix (tied when `tied`), weights of `type` (2: q4_0).
  static gguf_writer llama(std::uint32_t layers, std::uint32_t hidden, std::uint32_t ffn, std::uint32_t heads, std::uint32_t kv_heads,
                           std::uint32_t vocab, std::uint32_t type, bool tied = false);

 private:
  std::string m_kv;
  std::uint64_t m_kv_count = 0;
  struct entry {
    std::string name;
    std::vector<std::uint64_t> dims;
    std::uint32_t type;
  };
  std::vector<entry> m_tensors;
};

}  // namespace xpu::test
