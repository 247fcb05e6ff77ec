#pragma once
// nlohmann-json glue shared by every schema reader and writer: std::optional as "absent or value",
// and the schema's header fields.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

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
// Integers are read range-checked: nlohmann converts a float or a wider integer into an int field
// with a plain cast, undefined behaviour for 4.5e35 (found by fuzz_run_json). A value that does not
// fit the field exactly is an out_of_range error, which every reader turns into "not a valid ...".
template <class T>
struct adl_serializer<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  template <class BasicJsonType>
  static void to_json(BasicJsonType& j, T v) {
    ::nlohmann::to_json(j, v);
  }
  template <class BasicJsonType>
  static void from_json(const BasicJsonType& j, T& v) {
    using limits = std::numeric_limits<T>;
    bool fits = false;
    if (j.is_number_unsigned()) {
      const auto u = j.template get_ref<const typename BasicJsonType::number_unsigned_t&>();
      fits = u <= static_cast<std::uint64_t>(limits::max());
      if (fits) v = static_cast<T>(u);
    } else if (j.is_number_integer()) {
      const auto i = j.template get_ref<const typename BasicJsonType::number_integer_t&>();
      fits = (limits::is_signed ? i >= static_cast<std::int64_t>(limits::min()) : i >= 0) &&
             (static_cast<std::uint64_t>(std::max<std::int64_t>(i, 0)) <= static_cast<std::uint64_t>(limits::max()));
      if (fits) v = static_cast<T>(i);
    } else if (j.is_number_float()) {
      const double d = j.template get_ref<const typename BasicJsonType::number_float_t&>();
      // The bounds as doubles: min is exact (a power of two or 0), max + 1 is too.
      fits = d == std::trunc(d) && d >= static_cast<double>(limits::min()) && d < 2.0 * static_cast<double>(limits::max() / 2 + 1);
      if (fits) v = static_cast<T>(d);
    } else {
      ::nlohmann::from_json(j, v);  // not a number: nlohmann's own type_error
      return;
    }
    if (!fits) throw detail::out_of_range::create(406, "number " + j.dump() + " does not fit the integer field", &j);
  }
};

}  // namespace nlohmann

namespace xpu {

inline constexpr int schema_version = 1;

// Removes null members from every object, recursively: an absent optional is an absent key.
void json_strip_nulls(nlohmann::json& j);

// The deepest nesting json_file_load accepts (xpubench's own documents nest about 8 levels).
inline constexpr std::size_t json_max_depth = 256;
// The largest JSON file json_file_load reads: a 200000-row Google Benchmark file is 26 MB; a
// parsed document takes about ten times its text in memory.
inline constexpr std::uintmax_t json_max_bytes = std::uintmax_t{256} << 20;

// Reads and parses a JSON file; a directory, an unreadable file, bad JSON, a number out of range
// (1e999), nesting deeper than json_max_depth or a file over json_max_bytes is an `invalid` error
// naming the file.
result<nlohmann::json> json_file_load(const std::string& path);

// Checks the header every xpubench document carries; names the file and what was expected.
result<void> json_check_header(const nlohmann::json& doc, std::string_view expected_kind, std::string_view file);

}  // namespace xpu
