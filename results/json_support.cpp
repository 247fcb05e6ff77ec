#include "results/json_support.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace xpu {

result<nlohmann::json> json_file_load(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return fail(status::invalid, "'{}' is a directory: give the run files in it (e.g. '{}'/*.json)", path, path);
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(status::invalid, "cannot read '{}': no such file or no permission", path);
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > json_max_bytes)
    return fail(status::invalid, "{}: {} bytes of JSON; xpubench reads run and benchmark files up to {} MiB", path, size, json_max_bytes >> 20);
  // Read in blocks, bounded: a pipe or a device (/dev/zero) has no size to check first.
  std::string text;
  if (!ec) text.reserve(size);
  std::vector<char> block(1 << 20);
  while (f.read(block.data(), static_cast<std::streamsize>(block.size())) || f.gcount() > 0) {
    text.append(block.data(), static_cast<std::size_t>(f.gcount()));
    if (text.size() > json_max_bytes)
      return fail(status::invalid, "{}: more than {} MiB of JSON; xpubench reads run and benchmark files up to that", path, json_max_bytes >> 20);
  }
  if (f.bad()) return fail(status::invalid, "cannot read '{}': a read error", path);
  // Nesting is bounded before parsing, in one pass over the text (brackets outside strings):
  // readers (and json_strip_nulls) walk documents recursively, and a file nested 100000 deep
  // overflowed the stack. xpubench's documents nest about 8 deep. (nlohmann's parser callback
  // did this too, but its end_object searches the enclosing array: quadratic in a 200000-row file.)
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > json_max_depth)
        return fail(status::invalid, "{}: JSON nested deeper than {} levels: not a run or benchmark file", path, json_max_depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers like 1e999
    return fail(status::invalid, "{}: not valid JSON (truncated, or a number out of range?): {}", path, e.what());
  }
}

void json_strip_nulls(nlohmann::json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end();) {
      if (it->is_null()) it = j.erase(it);
      else json_strip_nulls(*it++);
    }
  } else if (j.is_array()) {
    for (auto& e : j) json_strip_nulls(e);
  }
}

result<void> json_check_header(const nlohmann::json& doc, std::string_view expected_kind, std::string_view file) {
  if (!doc.is_object()) return fail(status::invalid, "{}: expected a JSON object at the top level", file);
  if (!doc.contains("schema_version"))
    return fail(status::invalid, "{}: no 'schema_version' field: not an xpubench document", file);
  const auto& v = doc["schema_version"];
  if (!v.is_number_integer())
    return fail(status::invalid, "{}: 'schema_version' must be an integer, found {}", file, v.type_name());
  // Compared as the 64-bit value it is: 4294967297 must not wrap to 1.
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() != static_cast<std::uint64_t>(schema_version)
                             : v.get<std::int64_t>() != schema_version)
    return fail(status::invalid, "{}: schema_version {} is not supported (this xpubench reads version {})", file, v.dump(),
                schema_version);
  if (!doc.contains("kind") || !doc["kind"].is_string() || doc["kind"].get<std::string>() != expected_kind)
    return fail(status::invalid, "{}: 'kind' must be \"{}\"", file, expected_kind);
  return {};
}

}  // namespace xpu
