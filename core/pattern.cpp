#include "core/pattern.hpp"

#include <re2/re2.h>

#include "core/units.hpp"

namespace xpu {

result<name_pattern> name_pattern::compile(std::string_view text, std::string_view what) {
  const auto shown = [&] { return terminal_safe(text.size() > 60 ? std::string(text.substr(0, 60)) + "..." : std::string(text)); };
  if (text.size() > max_length)
    return fail(status::invalid, "{} '{}' is {} characters long; at most {} are taken", what, shown(), text.size(), max_length);
  RE2::Options options;
  options.set_log_errors(false);     // the reason goes into our message, not to stderr through RE2's log
  options.set_max_mem(64 << 20);     // RE2's own bound on the compiled program (its default is 8 MiB)
  auto re = std::make_shared<const RE2>(re2::StringPiece(text.data(), text.size()), options);
  if (!re->ok())
    return fail(status::invalid, "{} '{}' is not a regular expression xpubench can use: {} (RE2 syntax: no backreferences or lookaround)", what,
                shown(), re->error());
  name_pattern p;
  p.text_ = std::string(text);
  p.re_ = std::move(re);
  return p;
}

bool name_pattern::found_in(std::string_view name) const { return RE2::PartialMatch(re2::StringPiece(name.data(), name.size()), *re_); }

}  // namespace xpu
