#include "core/build_gate.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xpu::build_gate {
namespace {

// The process's gate: the lock file, the turnstile, and what it holds now (0: nothing).
struct gate {
  std::filesystem::path dir;
  int lock = -1, turnstile = -1;
  int held = 0;     // 0, LOCK_SH or LOCK_EX
  int depth = 0;    // nested building sections
} g;

void take(int fd, int how) {
  while (::flock(fd, how) != 0 && errno == EINTR) {
  }
}

}  // namespace

result<void> open(const std::filesystem::path& dir) {
  const auto file = [](const std::filesystem::path& p) { return ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); };
  const int lock = file(dir / "build.lock"), turnstile = file(dir / "turnstile.lock");
  if (lock < 0 || turnstile < 0) {
    const int e = errno;
    if (lock >= 0) ::close(lock);
    if (turnstile >= 0) ::close(turnstile);
    return fail(status::failed, "cannot open the build gate in {}: {}", dir.string(), std::strerror(e));
  }
  g.dir = dir, g.lock = lock, g.turnstile = turnstile;
  return {};
}

result<std::uint64_t> next_claim(std::string_view name) {
  if (g.lock < 0) return fail(status::failed, "no build gate is open");
  const auto path = g.dir / (std::string(name) + ".queue");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(status::failed, "cannot open the work queue {}: {}", path.string(), std::strerror(errno));
  take(fd, LOCK_EX);
  std::uint64_t next = 0;
  const bool ok = ::pread(fd, &next, sizeof next, 0) >= 0;  // a new file reads 0 bytes: index 0
  const std::uint64_t after = next + 1;
  const bool stored = ok && ::pwrite(fd, &after, sizeof after, 0) == static_cast<ssize_t>(sizeof after);
  const int e = errno;
  ::close(fd);  // and the lock with it
  if (!stored) return fail(status::failed, "cannot update the work queue {}: {}", path.string(), std::strerror(e));
  return next;
}

building::building() {
  if (g.lock < 0 || g.depth++ > 0 || g.held) return;
  take(g.turnstile, LOCK_EX);  // behind a timer that is waiting
  take(g.lock, LOCK_SH);
  take(g.turnstile, LOCK_UN);
  g.held = LOCK_SH;
}

building::~building() {
  if (g.lock < 0 || --g.depth > 0 || g.held != LOCK_SH) return;
  take(g.lock, LOCK_UN);
  g.held = 0;
}

timing::timing() {
  if (g.lock < 0) return;
  // Give a shared hold up first: two timers that each held one would otherwise wait on each other.
  if (g.held) take(g.lock, LOCK_UN);
  take(g.turnstile, LOCK_EX);  // no new builder starts while this waits
  take(g.lock, LOCK_EX);
  take(g.turnstile, LOCK_UN);
  g.held = LOCK_EX;
}

timing::~timing() {
  if (g.lock < 0) return;
  if (g.depth > 0) {  // back to the building section it interrupted
    take(g.lock, LOCK_SH);
    g.held = LOCK_SH;
  } else {
    take(g.lock, LOCK_UN);
    g.held = 0;
  }
}

}  // namespace xpu::build_gate
