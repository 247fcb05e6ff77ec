#pragma once
// The three shapes of failure (STYLE.md rule 3): a bug aborts through XPU_ASSERT; anything the
// environment can cause travels as result<T> = std::expected<T, error>; C API calls are
// checked by the backend's own XPU_CHECK_* macro, which names the call and the code.
#include <expected>
#include <source_location>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace xpu {

// Every row and every capability carries one of these; anything but ok has a reason.
// crashed and timeout: the worker process measuring the row died, or its watchdog killed it.
enum class status { ok, unsupported, skipped, failed, invalid, crashed, timeout };

std::string_view to_string(status s);

struct error {
  status code = status::failed;
  std::string message;
  std::source_location where = std::source_location::current();
};

template <class T>
using result = std::expected<T, error>;

// fail(status::unsupported, "no {} here", what): an unexpected<error> that remembers its caller.
struct fail_at {
  status code;
  std::source_location where;
  fail_at(status c, std::source_location w = std::source_location::current()) : code(c), where(w) {}
};

template <class... Args>
std::unexpected<error> fail(fail_at at, fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(error{at.code, fmt::format(format, std::forward<Args>(args)...), at.where});
}

[[noreturn]] void assert_failed(const char* expr, std::source_location where);

}  // namespace xpu

#define XPU_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : ::xpu::assert_failed(#expr, std::source_location::current()))
