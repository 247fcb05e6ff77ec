#include "models/gguf.hpp"

#include <algorithm>
#include <array>
#include <fstream>

#include <fmt/format.h>

#include "core/checked.hpp"
#include "core/units.hpp"

namespace xpu::gguf {
namespace {

// GGUF metadata value types (gguf_metadata_value_type).
enum : std::uint32_t { t_u8, t_i8, t_u16, t_i16, t_u32, t_i32, t_f32, t_bool, t_string, t_array, t_u64, t_i64, t_f64, t_count };
constexpr std::array<std::uint8_t, t_count> scalar_size{1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

class reader {
 public:
  reader(std::istream& in, std::string_view source) : m_in(in), m_source(source) {}

  template <class... Args>
  std::unexpected<error> bad(fmt::format_string<Args...> f, Args&&... args) const {
    return fail(status::invalid, "{}: byte {}: {}", m_source, m_offset, fmt::format(f, std::forward<Args>(args)...));
  }

  result<void> bytes(void* to, std::size_t n, std::string_view what) {
    if (!m_in.read(static_cast<char*>(to), static_cast<std::streamsize>(n)))
      return bad("the file ends inside {} (truncated, or not a GGUF file)", what);
    m_offset += n;
    return {};
  }
  template <class T>
  result<T> number(std::string_view what) {  // little-endian, as every GGUF writer emits on the machines we run on
    T v{};
    if (auto ok = bytes(&v, sizeof v, what); !ok) return std::unexpected(ok.error());
    return v;
  }
  result<void> skip(std::uint64_t n, std::string_view what) {
    char buffer[4096];
    while (n > 0) {
      const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(n, sizeof buffer));
      if (auto ok = bytes(buffer, chunk, what); !ok) return ok;
      n -= chunk;
    }
    return {};
  }
  result<std::string> text(std::string_view what) {
    auto n = number<std::uint64_t>(what);
    if (!n) return std::unexpected(n.error());
    if (*n > max_string) return bad("{} claims {} bytes (at most {} are read)", what, *n, max_string);
    std::string s(static_cast<std::size_t>(*n), '\0');
    if (auto ok = bytes(s.data(), s.size(), what); !ok) return std::unexpected(ok.error());
    return s;
  }
  std::uint64_t offset() const { return m_offset; }

 private:
  std::istream& m_in;
  std::string m_source;
  std::uint64_t m_offset = 0;
};

result<value> scalar(reader& r, std::uint32_t type, std::string_view what) {
  switch (type) {
    case t_u8: if (auto v = r.number<std::uint8_t>(what)) return value{std::uint64_t{*v}}; else return std::unexpected(v.error());
    case t_i8: if (auto v = r.number<std::int8_t>(what)) return value{std::int64_t{*v}}; else return std::unexpected(v.error());
    case t_u16: if (auto v = r.number<std::uint16_t>(what)) return value{std::uint64_t{*v}}; else return std::unexpected(v.error());
    case t_i16: if (auto v = r.number<std::int16_t>(what)) return value{std::int64_t{*v}}; else return std::unexpected(v.error());
    case t_u32: if (auto v = r.number<std::uint32_t>(what)) return value{std::uint64_t{*v}}; else return std::unexpected(v.error());
    case t_i32: if (auto v = r.number<std::int32_t>(what)) return value{std::int64_t{*v}}; else return std::unexpected(v.error());
    case t_u64: if (auto v = r.number<std::uint64_t>(what)) return value{*v}; else return std::unexpected(v.error());
    case t_i64: if (auto v = r.number<std::int64_t>(what)) return value{*v}; else return std::unexpected(v.error());
    case t_f32: if (auto v = r.number<float>(what)) return value{double{*v}}; else return std::unexpected(v.error());
    case t_f64: if (auto v = r.number<double>(what)) return value{*v}; else return std::unexpected(v.error());
    case t_bool: {
      auto v = r.number<std::uint8_t>(what);
      if (!v) return std::unexpected(v.error());
      if (*v > 1) return r.bad("{}: a bool of value {} (0 or 1 expected)", what, *v);
      return value{*v == 1};
    }
    case t_string:
      if (auto s = r.text(what)) return value{std::move(*s)}; else return std::unexpected(s.error());
    default: return r.bad("{}: unknown value type {} (0-12 are defined)", what, type);
  }
}

result<value> metadata_value(reader& r, std::uint32_t type, const std::string& key) {
  if (type != t_array) return scalar(r, type, fmt::format("the value of '{}'", quoted_name(key)));
  auto element = r.number<std::uint32_t>("an array's element type");
  auto count = element ? r.number<std::uint64_t>("an array's length") : std::unexpected(element.error());
  if (!count) return std::unexpected(count.error());
  if (*element >= t_count || *element == t_array) return r.bad("'{}': an array of unsupported type {}", quoted_name(key), *element);
  if (*count > max_array) return r.bad("'{}': an array of {} elements (at most {} are read)", quoted_name(key), *count, max_array);
  if (*element == t_string) {
    for (std::uint64_t i = 0; i < *count; ++i)
      if (auto s = r.text(fmt::format("element {} of '{}'", i, quoted_name(key))); !s) return std::unexpected(s.error());
  } else if (auto ok = r.skip(*count * scalar_size[*element], fmt::format("the array '{}'", quoted_name(key))); !ok) {
    return std::unexpected(ok.error());
  }
  return value{array_summary{*element, *count}};
}

struct block_layout {
  std::uint32_t type;
  const char* name;
  std::uint32_t weights, bytes;  // per block
};
// ggml_type -> name and block layout (ggml's type_traits); 0 bytes: a layout this reader does not size.
constexpr block_layout layouts[] = {
    {0, "f32", 1, 4},      {1, "f16", 1, 2},       {2, "q4_0", 32, 18},    {3, "q4_1", 32, 20},    {6, "q5_0", 32, 22},
    {7, "q5_1", 32, 24},   {8, "q8_0", 32, 34},    {9, "q8_1", 32, 36},    {10, "q2_k", 256, 84},  {11, "q3_k", 256, 110},
    {12, "q4_k", 256, 144}, {13, "q5_k", 256, 176}, {14, "q6_k", 256, 210}, {15, "q8_k", 256, 292}, {24, "i8", 1, 1},
    {25, "i16", 1, 2},     {26, "i32", 1, 4},      {27, "i64", 1, 8},      {28, "f64", 1, 8},      {30, "bf16", 1, 2},
};

}  // namespace

std::uint64_t tensor::elements() const {
  std::uint64_t n = 1;
  for (std::uint64_t d : dims) n *= d;  // checked by read()
  return n;
}

std::optional<std::string> file::string(const std::string& key) const {
  const auto it = metadata.find(key);
  if (it == metadata.end() || !std::holds_alternative<std::string>(it->second)) return std::nullopt;
  return std::get<std::string>(it->second);
}

std::optional<std::uint64_t> file::unsigned_integer(const std::string& key) const {
  const auto it = metadata.find(key);
  if (it == metadata.end()) return std::nullopt;
  if (const auto* u = std::get_if<std::uint64_t>(&it->second)) return *u;
  if (const auto* i = std::get_if<std::int64_t>(&it->second); i && *i >= 0) return static_cast<std::uint64_t>(*i);
  return std::nullopt;
}

std::optional<double> file::number(const std::string& key) const {
  const auto it = metadata.find(key);
  if (it == metadata.end()) return std::nullopt;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* u = std::get_if<std::uint64_t>(&it->second)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return std::nullopt;
}

const tensor* file::find(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

result<file> read(std::istream& in, std::string_view source) {
  reader r(in, source);
  char magic[4];
  if (auto ok = r.bytes(magic, 4, "the magic number"); !ok) return std::unexpected(ok.error());
  if (std::string_view(magic, 4) != "GGUF")
    return fail(status::invalid, "{}: not a GGUF file (it starts with {:02x} {:02x} {:02x} {:02x}, not 'GGUF')", source,
                static_cast<unsigned char>(magic[0]), static_cast<unsigned char>(magic[1]), static_cast<unsigned char>(magic[2]),
                static_cast<unsigned char>(magic[3]));
  file f;
  auto version = r.number<std::uint32_t>("the version");
  if (!version) return std::unexpected(version.error());
  f.version = *version;
  if (f.version == 0x02000000u || f.version == 0x03000000u)
    return fail(status::invalid, "{}: a big-endian GGUF file (version {} written big-endian, as for s390x): this reader reads the "
                "little-endian files every other platform uses; convert it on a little-endian machine", source, f.version >> 24);
  if (f.version < 2 || f.version > 3)
    return fail(status::invalid, "{}: GGUF version {} (this reader knows versions 2 and 3{})", source, f.version,
                f.version == 1 ? "; version 1 files predate 64-bit counts: convert it with a current llama.cpp" : "");
  auto tensors = r.number<std::uint64_t>("the tensor count");
  auto entries = tensors ? r.number<std::uint64_t>("the metadata count") : std::unexpected(tensors.error());
  if (!entries) return std::unexpected(entries.error());
  if (*tensors > max_tensors) return r.bad("{} tensors (at most {} are read)", *tensors, max_tensors);
  if (*entries > max_metadata) return r.bad("{} metadata entries (at most {} are read)", *entries, max_metadata);
  for (std::uint64_t i = 0; i < *entries; ++i) {
    auto key = r.text(fmt::format("the key of metadata entry {}", i));
    auto type = key ? r.number<std::uint32_t>("a value type") : std::unexpected(key.error());
    if (!type) return std::unexpected(type.error());
    auto v = metadata_value(r, *type, *key);
    if (!v) return std::unexpected(v.error());
    f.metadata.insert_or_assign(std::move(*key), std::move(*v));
  }
  f.tensors.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*tensors, 4096)));  // grows as the table is read: a header's count is a claim
  for (std::uint64_t i = 0; i < *tensors; ++i) {
    tensor t;
    auto name = r.text(fmt::format("the name of tensor {}", i));
    if (!name) return std::unexpected(name.error());
    if (name->size() > max_name)
      return r.bad("the name of tensor {} is {} bytes (ggml allows at most {}): the tensor table is damaged", i, name->size(), max_name);
    t.name = std::move(*name);
    auto dims = r.number<std::uint32_t>("a dimension count");
    if (!dims) return std::unexpected(dims.error());
    if (*dims == 0 || *dims > max_dims) return r.bad("tensor '{}' has {} dimensions (1 to {} expected)", t.name, *dims, max_dims);
    std::int64_t elements = 1;
    for (std::uint32_t d = 0; d < *dims; ++d) {
      auto n = r.number<std::uint64_t>("a dimension");
      if (!n) return std::unexpected(n.error());
      const auto product = *n <= static_cast<std::uint64_t>(INT64_MAX) ? checked_mul(elements, static_cast<std::int64_t>(*n)) : std::nullopt;
      if (*n == 0 || !product) return r.bad("tensor '{}': dimension {} is {} (the sizes must be positive and multiply within 64 bits)", t.name, d, *n);
      elements = *product;
      t.dims.push_back(*n);
    }
    auto type = r.number<std::uint32_t>("a tensor type");
    auto offset = type ? r.number<std::uint64_t>("a tensor offset") : std::unexpected(type.error());
    if (!offset) return std::unexpected(offset.error());
    t.type = *type;
    t.offset = *offset;
    f.tensors.push_back(std::move(t));
  }
  if (f.metadata.contains("general.alignment")) {
    const auto a = f.unsigned_integer("general.alignment");
    if (!a || *a == 0 || *a > (1u << 20) || (*a & (*a - 1)) != 0)
      return fail(status::invalid, "{}: general.alignment must be a power of two up to 2^20", source);
    f.alignment = *a;
  }
  f.data_offset = (r.offset() + f.alignment - 1) / f.alignment * f.alignment;
  return f;
}

result<void> check_data(const file& f, std::uint64_t file_size, std::string_view source) {
  for (const tensor& t : f.tensors) {
    if (t.offset % f.alignment != 0)
      return fail(status::invalid, "{}: tensor '{}' starts at data offset {}, not a multiple of the alignment {}: the tensor table is damaged",
                  source, t.name, t.offset, f.alignment);
    const double want = type_bytes(t.type, t.elements()).value_or(1);  // unknown types: at least their first byte must be there
    const auto size = want < 9e18 ? static_cast<std::uint64_t>(want) : std::uint64_t{INT64_MAX};
    const auto start = checked_add(static_cast<std::int64_t>(std::min<std::uint64_t>(f.data_offset, INT64_MAX)),
                                   static_cast<std::int64_t>(std::min<std::uint64_t>(t.offset, INT64_MAX)));
    const auto end = start ? checked_add(*start, static_cast<std::int64_t>(std::min<std::uint64_t>(size, INT64_MAX))) : std::nullopt;
    if (!end || static_cast<std::uint64_t>(*end) > file_size)
      return fail(status::invalid, "{}: tensor '{}' ({}, {} bytes at data offset {}) ends past the end of the file ({} bytes): the file is "
                  "truncated (an interrupted download?) or its tensor table is damaged", source, t.name, type_name(t.type), size, t.offset,
                  file_size);
  }
  return {};
}

result<file> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st)) return fail(status::invalid, "'{}' is a directory, not a GGUF file", path.string());
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))  // a FIFO would block the read forever
    return fail(status::invalid, "'{}' is not a regular file (a pipe, a device or a socket): give the model file itself", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(status::invalid, "cannot open '{}' for reading", path.string());
  auto f = read(in, path.string());
  if (!f) return f;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(status::invalid, "cannot read the size of '{}': {}", path.string(), ec.message());
  if (auto ok = check_data(*f, size, path.string()); !ok) return std::unexpected(ok.error());
  return f;
}

std::string type_name(std::uint32_t type) {
  for (const auto& l : layouts)
    if (l.type == type) return l.name;
  return fmt::format("type {}", type);
}

std::optional<double> type_bytes(std::uint32_t type, std::uint64_t elements) {
  for (const auto& l : layouts)
    if (l.type == type) {
      if (elements % l.weights != 0) return std::nullopt;
      return static_cast<double>(elements / l.weights) * l.bytes;
    }
  return std::nullopt;
}

}  // namespace xpu::gguf
