#pragma once
// A reader of GGUF model files' structure (the format of ggml and llama.cpp, documented in ggml's
// docs/gguf.md): the header, the metadata and the tensor table, never the weights. Every count
// and size is range-checked; a malformed or truncated file is an `invalid` error naming the byte
// offset and what was wrong.
#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace xpu::gguf {

// Limits past which a file is refused rather than read (the largest published models have a few
// thousand tensors and a vocabulary of a few hundred thousand tokens).
inline constexpr std::uint64_t max_tensors = 1u << 20;
inline constexpr std::uint64_t max_metadata = 1u << 20;
inline constexpr std::uint64_t max_array = 1u << 28;
inline constexpr std::uint64_t max_string = 1u << 24;
inline constexpr std::uint32_t max_dims = 4;  // GGML_MAX_DIMS
inline constexpr std::size_t max_name = 63;   // GGML_MAX_NAME - 1: llama.cpp refuses longer tensor names

// A metadata array is kept as its element type and length (tokenizer vocabularies are long).
struct array_summary {
  std::uint32_t element_type = 0;
  std::uint64_t count = 0;
};
using value = std::variant<std::int64_t, std::uint64_t, double, bool, std::string, array_summary>;

struct tensor {
  std::string name;
  std::vector<std::uint64_t> dims;  // ggml order: dims[0] is the row length (a matrix's K), dims[1] the rows (its N)
  std::uint32_t type = 0;           // ggml_type: 0 F32, 1 F16, 2 Q4_0, 8 Q8_0, 30 BF16, ...
  std::uint64_t offset = 0;
  std::uint64_t elements() const;   // checked when read: fits 64 bits
};

struct file {
  std::uint32_t version = 0;  // 2 or 3
  std::uint64_t alignment = 32;    // general.alignment: of the data section and of every tensor's offset
  std::uint64_t data_offset = 0;   // where the data section starts: after the tensor table, aligned
  std::map<std::string, value> metadata;
  std::vector<tensor> tensors;

  // Typed lookups: nullopt when the key is absent or of another type.
  std::optional<std::string> string(const std::string& key) const;
  std::optional<std::uint64_t> unsigned_integer(const std::string& key) const;  // any non-negative integer type
  std::optional<double> number(const std::string& key) const;                   // any integer or float type
  const tensor* find(std::string_view name) const;
};

// Reads the structure from `in` (positioned at the file's start); `source` names it in errors.
result<file> read(std::istream& in, std::string_view source);
// Whether every tensor's data lies inside a file of `file_size` bytes at an aligned offset (a
// truncated download, a damaged offset): the first tensor that does not is named.
result<void> check_data(const file& f, std::uint64_t file_size, std::string_view source);
// The structure of a regular file at `path`, its tensors' data checked against its size.
result<file> read_file(const std::filesystem::path& path);

// ggml's name of a tensor type ("f32", "q4_0", ...), or "type N" for one this reader does not know.
std::string type_name(std::uint32_t type);
// Bytes of `elements` weights of `type` (blocks of 32 or 256 weights with their scales); nullopt
// for a type whose block size this reader does not know, or a row that is not whole blocks.
std::optional<double> type_bytes(std::uint32_t type, std::uint64_t elements);

}  // namespace xpu::gguf
