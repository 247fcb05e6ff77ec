#include <span>

#include "core/embedded_text.hpp"
#include "suites/suite.hpp"

namespace xpu {

std::span<const embedded_text> builtin_suite_table();  // generated from suites/builtin/*.toml

std::vector<std::string> builtin_suite_names() {
  std::vector<std::string> out;
  for (const auto& e : builtin_suite_table()) out.emplace_back(e.name);
  return out;
}

std::string_view builtin_suite_text(std::string_view name) {
  for (const auto& e : builtin_suite_table())
    if (e.name == name) return e.text;
  return {};
}

}  // namespace xpu
