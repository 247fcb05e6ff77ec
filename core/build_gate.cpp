#include "core/build_gate.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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

// A lock the file system refuses (ENOLCK on some network folders) leaves the gate open for good:
// builders then compile beside a timer, and the tuner's timings are as noisy as without helpers.
// Said once on stderr (the supervisor keeps a helper's last lines); the work queue reports its own.
bool take(int fd, int how) {
  for (;;) {
    if (::flock(fd, how) == 0) return true;
    if (errno == EINTR) continue;
    std::fprintf(stderr, "xpubench: the build gate's lock failed (%s): it no longer holds builders back\n", std::strerror(errno));
    g.lock = -1;
    return false;
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
  if (g.dir.empty()) return fail(status::failed, "no build gate is open");
  const auto path = g.dir / (std::string(name) + ".queue");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(status::failed, "cannot open the work queue {}: {}", path.string(), std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0)
    if (errno != EINTR) {
      const int e = errno;
      ::close(fd);
      return fail(status::failed, "cannot lock the work queue {}: {}", path.string(), std::strerror(e));
    }
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
  if (!take(g.turnstile, LOCK_EX)) return;  // behind a timer that is waiting
  const bool held = take(g.lock, LOCK_SH);
  ::flock(g.turnstile, LOCK_UN);  // whatever became of the lock: others must not wait here for good
  g.held = held ? LOCK_SH : 0;
}

building::~building() {
  if (g.lock < 0 || --g.depth > 0 || g.held != LOCK_SH) return;
  take(g.lock, LOCK_UN);
  g.held = 0;
}

timing::timing() {
  if (g.lock < 0) return;
  // Give a shared hold up first: two timers that each held one would otherwise wait on each other.
  if (g.held && !take(g.lock, LOCK_UN)) return;
  g.held = 0;
  if (!take(g.turnstile, LOCK_EX)) return;  // no new builder starts while this waits
  const bool held = take(g.lock, LOCK_EX);
  ::flock(g.turnstile, LOCK_UN);  // whatever became of the lock: others must not wait here for good
  g.held = held ? LOCK_EX : 0;
}

timing::~timing() {
  if (g.lock < 0 || g.held != LOCK_EX) return;
  if (g.depth > 0) {  // back to the building section it interrupted
    g.held = take(g.lock, LOCK_SH) ? LOCK_SH : 0;
  } else {
    take(g.lock, LOCK_UN);
    g.held = 0;
  }
}

}  // namespace xpu::build_gate
