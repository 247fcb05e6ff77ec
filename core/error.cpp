#include "core/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace xpu {

std::string_view to_string(status s) {
  switch (s) {
    case status::ok: return "ok";
    case status::unsupported: return "unsupported";
    case status::skipped: return "skipped";
    case status::failed: return "failed";
    case status::invalid: return "invalid";
    case status::crashed: return "crashed";
    case status::timeout: return "timeout";
  }
  return "failed";
}

void assert_failed(const char* expr, std::source_location where) {
  std::fprintf(stderr, "xpubench: internal error: assertion '%s' failed at %s:%u (%s)\n", expr,
               where.file_name(), static_cast<unsigned>(where.line()), where.function_name());
  std::abort();
}

}  // namespace xpu
