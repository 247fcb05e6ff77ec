#pragma once
// A regular expression a user gave (--filter, --inject-slowdown), matched against benchmark names
// that may come from files the user did not write. RE2 (Debian's libre2): matching takes time
// linear in the name and never recurses, so no pattern and no name can stall or crash a command
// (std::regex backtracked forever on nested quantifiers and overflowed the stack on long names).
// RE2's syntax is the POSIX/Perl one without backreferences and lookaround; a pattern using them
// is refused with RE2's reason.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace re2 {
class RE2;
}

namespace xpu {

class name_pattern {
 public:
  // Longer patterns are refused: no benchmark name needs one, and RE2's program grows with it.
  static constexpr std::size_t max_length = 4096;

  // `what` names the option in the error, e.g. "--filter".
  static result<name_pattern> compile(std::string_view text, std::string_view what);

  // Whether the pattern matches anywhere in `name` (as grep and std::regex_search do).
  bool found_in(std::string_view name) const;
  const std::string& text() const { return text_; }

 private:
  name_pattern() = default;  // only compile() makes one: found_in needs a compiled pattern
  std::string text_;
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace xpu
