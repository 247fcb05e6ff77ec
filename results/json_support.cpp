#include "results/json_support.hpp"

#include <filesystem>
#include <fstream>

namespace xpu {

result<nlohmann::json> json_file_load(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return fail(status::invalid, "'{}' is a directory: give the run files in it (e.g. '{}'/*.json)", path, path);
  std::ifstream f(path);
  if (!f) return fail(status::invalid, "cannot read '{}': no such file or no permission", path);
  // Nesting is bounded while parsing: readers (and json_strip_nulls) walk documents recursively,
  // and a file nested 100000 deep overflowed the stack. xpubench's documents nest about 8 deep.
  struct too_deep {};
  const auto bounded = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > json_max_depth) throw too_deep{};
    return true;
  };
  try {
    return nlohmann::json::parse(f, bounded);
  } catch (const too_deep&) {
    return fail(status::invalid, "{}: JSON nested deeper than {} levels: not a run or benchmark file", path, json_max_depth);
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
