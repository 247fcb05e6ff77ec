#include "core/forked.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace xpu {

std::string killed_by(int sig) {
  return fmt::format("killed by {} ({})", sigabbrev_np(sig) ? fmt::format("SIG{}", sigabbrev_np(sig)) : std::to_string(sig), strsignal(sig));
}

std::string forked_outcome::how_it_ended(double timeout_s) const {
  if (timed_out) return fmt::format("no answer within {:g} s", timeout_s);
  if (signal) return killed_by(signal);
  return fmt::format("exit code {}", exit_code);
}

result<forked_outcome> run_forked(const std::function<int(std::string& reply)>& work, double timeout_s) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(status::failed, "pipe: {}", std::strerror(errno));
  // SIGCHLD at its default while the child lives: a parent that ignores it (inherited SIG_IGN) would
  // have the child reaped behind waitpid's back, and its end read as "exit code 0".
  struct sigaction dfl{}, old{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(SIGCHLD, &dfl, &old);
  struct restore_sigchld {
    struct sigaction& old;
    ~restore_sigchld() { ::sigaction(SIGCHLD, &old, nullptr); }
  } restore{old};
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]);
    return fail(status::failed, "fork: {}", std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    std::string reply;
    int rc = 124;
    try {  // nothing unwinds out of the child into the parent's stack (a second copy of the command)
      rc = work(reply);
    } catch (...) {
      ::_exit(124);
    }
    for (std::size_t done = 0; done < reply.size();) {
      const ssize_t n = ::write(fds[1], reply.data() + done, reply.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(125);
      done += static_cast<std::size_t>(n);
    }
    ::_exit(rc);  // no exit handlers, no destructors of the parent's objects
  }
  ::close(fds[1]);
  forked_outcome out;
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(timeout_s));
  char buffer[1 << 16];
  for (;;) {  // the reply until the child closes its end (it exits) or the deadline
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) {
      out.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  // Its end, still under the deadline (a child that closed its pipe may go on running).
  int st = 0;
  for (;;) {
    if (out.timed_out) ::kill(pid, SIGKILL);
    const pid_t got = ::waitpid(pid, &st, out.timed_out ? 0 : WNOHANG);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) return fail(status::failed, "waitpid: {}", std::strerror(errno));
    if (got == 0) {
      if (clock::now() >= deadline) out.timed_out = true;
      else std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (!out.timed_out) {
    if (WIFSIGNALED(st)) out.signal = WTERMSIG(st);
    else if (WIFEXITED(st)) out.exit_code = WEXITSTATUS(st);
  }
  return out;
}

}  // namespace xpu
