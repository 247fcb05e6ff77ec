#pragma once
// nlohmann-json glue shared by every schema reader and writer: std::optional as "absent or value",
// and the schema's header fields.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace nlohmann {
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) j = *v;
    else j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) v = std::nullopt;
    else v = j.get<T>();
  }
};
}  // namespace nlohmann

namespace xpu {

inline constexpr int schema_version = 1;

// Removes null members from every object, recursively: an absent optional is an absent key.
void json_strip_nulls(nlohmann::json& j);

// Reads and parses a JSON file; a directory, an unreadable file, bad JSON or a number out of range
// (1e999) is an `invalid` error naming the file.
result<nlohmann::json> json_file_load(const std::string& path);

// Checks the header every xpubench document carries; names the file and what was expected.
result<void> json_check_header(const nlohmann::json& doc, std::string_view expected_kind, std::string_view file);

}  // namespace xpu
