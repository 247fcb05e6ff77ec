#pragma once
// Reading suite files (TOML): the checks every section shares, each failure naming the file, the
// line and what was expected. suites/suite.cpp reads the top level; each operation reads its own
// [[name]] tables (ops/<name>/<name>.cpp) through a section_context.
#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/problem.hpp"
#include "core/toml.hpp"

namespace xpu {

class suite_reader {
 public:
  explicit suite_reader(std::string_view source) : m_source(source) {}

  template <class... Args>
  std::unexpected<error> error_at(const toml::node& n, fmt::format_string<Args...> f, Args&&... args) const {
    return fail(status::invalid, "{}:{}: {}", m_source, n.source().begin.line, fmt::format(f, std::forward<Args>(args)...));
  }

  result<void> only_keys(const toml::table& t, std::string_view where, std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, value] : t) {
      if (std::ranges::find(allowed, key.str()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return error_at(value, "unknown key '{}' in {} (expected one of: {})", key.str(), where, list);
    }
    return {};
  }

  result<std::int64_t> positive(const toml::node& n, std::string_view what) const {
    if (!n.is_integer()) return error_at(n, "'{}' must be an integer, found {}", what, type_name(n));
    const std::int64_t v = *n.value<std::int64_t>();
    if (v <= 0) return error_at(n, "'{}' must be positive, found {}", what, v);
    return v;
  }

  result<std::vector<std::string>> strings(const toml::node& n, std::string_view what) const {
    const toml::array* a = n.as_array();
    if (!a) return error_at(n, "'{}' must be an array of strings, found {}", what, type_name(n));
    std::vector<std::string> out;
    for (const toml::node& e : *a) {
      if (!e.is_string()) return error_at(e, "'{}' must contain strings, found {}", what, type_name(e));
      out.push_back(*e.value<std::string>());
    }
    return out;
  }

  result<std::vector<precision>> precisions(const toml::table& t, std::vector<precision> fallback) const {
    const toml::node* n = t.get("precisions");
    if (!n) return fallback;
    auto names = strings(*n, "precisions");
    if (!names) return std::unexpected(names.error());
    std::vector<precision> out;
    for (std::size_t i = 0; i < names->size(); ++i) {
      auto p = precision_parse((*names)[i]);
      if (!p) return error_at(*n, "unknown precision '{}' (expected fp32, fp16, bf16 or int8)", (*names)[i]);
      out.push_back(*p);
    }
    return out;
  }

  // Reads positive integers into the fields named; a required field that is absent is an error
  // naming `what` (the shape) at `where`.
  result<void> positive_fields(const toml::table& t, const toml::node& where, std::string_view what,
                               std::initializer_list<std::pair<const char*, std::int64_t*>> fields, bool required) const {
    for (auto [key, dst] : fields) {
      const toml::node* v = t.get(key);
      if (!v) {
        if (required) return error_at(where, "{} lacks '{}'", what, key);
        continue;
      }
      auto x = positive(*v, key);
      if (!x) return std::unexpected(x.error());
      *dst = *x;
    }
    return {};
  }

  static std::string type_name(const toml::node& n) {
    std::ostringstream s;
    s << n.type();
    return s.str();
  }

 private:
  std::string m_source;
};

// One [[name]] table of a suite file, the reader, and where its problems go.
struct section_context {
  const toml::table& table;
  const suite_reader& r;
  std::vector<problem>& problems;

  // Adds p unless its sizes cannot be run anywhere (problem_size_error), naming the line.
  result<void> add(const toml::node& at, problem p) const;
};

}  // namespace xpu
