#include "core/forked.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

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

result<forked_child> forked_child::start(const std::function<int(std::string& reply)>& work, bool keep_stderr) {
  int out[2], err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(status::failed, "pipe: {}", std::strerror(errno));
  if (keep_stderr && ::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out[0]), ::close(out[1]);
    return fail(status::failed, "pipe: {}", std::strerror(e));
  }
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    for (int fd : {out[0], out[1], err[0], err[1]})
      if (fd >= 0) ::close(fd);
    return fail(status::failed, "fork: {}", std::strerror(e));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);     // a child stuck in a driver goes when its parent does
    if (::getppid() != parent) ::_exit(126);  // the parent went before that took hold
    ::close(out[0]);
    if (keep_stderr) ::dup2(err[1], STDERR_FILENO), ::close(err[0]);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    std::string reply;
    int rc = 124;
    try {  // nothing unwinds out of the child into the parent's stack (a second copy of the command)
      rc = work(reply);
    } catch (...) {
      ::_exit(124);
    }
    for (std::size_t done = 0; done < reply.size();) {
      const ssize_t n = ::write(out[1], reply.data() + done, reply.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(125);
      done += static_cast<std::size_t>(n);
    }
    ::_exit(rc);  // no exit handlers, no destructors of the parent's objects
  }
  ::close(out[1]);
  if (keep_stderr) ::close(err[1]);
  forked_child c;
  c.m_pid = pid, c.m_out = out[0], c.m_err = err[0];
  c.m_started = std::chrono::steady_clock::now();
  return c;
}

forked_child::forked_child(forked_child&& o) noexcept
    : m_pid(std::exchange(o.m_pid, -1)), m_out(std::exchange(o.m_out, -1)), m_err(std::exchange(o.m_err, -1)), m_err_text(std::move(o.m_err_text)),
      m_started(o.m_started) {}

forked_child::~forked_child() {
  for (int fd : {m_out, m_err})
    if (fd >= 0) ::close(fd);
  if (m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    while (::waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string forked_child::stderr_tail() const {
  std::string text = m_err_text;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = std::min(text.find('\n', at), text.size());
    if (nl > at) lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  std::string tail;
  for (std::size_t i = lines.size() > 12 ? lines.size() - 12 : 0; i < lines.size(); ++i) tail += (tail.empty() ? "" : " | ") + lines[i];
  return tail;
}

result<forked_outcome> forked_child::wait(double timeout_s) {
  forked_outcome out;
  using clock = std::chrono::steady_clock;
  const auto deadline = m_started + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(timeout_s));
  char buffer[1 << 16];
  while (m_out >= 0) {  // the reply until the child closes its end (it exits) or the deadline; its stderr beside it
    // Past the deadline, what is already in the pipes is still read (a child waited for after
    // another may have finished long ago): only a child that has not closed them timed out.
    const auto left = std::max<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count(), 0);
    pollfd p[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
    const int ready = ::poll(p, m_err >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready == 0 && left == 0) {
      out.timed_out = true;
      break;
    }
    if (ready <= 0) continue;
    for (int i : {1, 0}) {
      if (i == 1 && m_err < 0) continue;
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int& fd = i == 0 ? m_out : m_err;
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fd);
        fd = -1;
        continue;
      }
      if (i == 0) out.reply.append(buffer, static_cast<std::size_t>(n));
      else if (m_err_text.size() < (1 << 16)) m_err_text.append(buffer, static_cast<std::size_t>(n));
    }
  }
  for (int& fd : {std::ref(m_out), std::ref(m_err)})
    if (fd >= 0) ::close(fd), fd = -1;
  // Its end, still under the deadline (a child that closed its pipe may go on running).
  int st = 0;
  for (;;) {
    if (out.timed_out) ::kill(m_pid, SIGKILL);
    const pid_t got = ::waitpid(m_pid, &st, out.timed_out ? 0 : WNOHANG);
    if (got == m_pid) break;
    if (got < 0 && errno != EINTR) return fail(status::failed, "waitpid: {}", std::strerror(errno));
    if (got == 0) {  // a second's grace past the deadline: a child that closed its pipes is most likely ending
      if (clock::now() >= deadline + std::chrono::seconds(1)) out.timed_out = true;
      else std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  m_pid = -1;
  if (!out.timed_out) {
    if (WIFSIGNALED(st)) out.signal = WTERMSIG(st);
    else if (WIFEXITED(st)) out.exit_code = WEXITSTATUS(st);
  }
  return out;
}

result<forked_outcome> run_forked(const std::function<int(std::string& reply)>& work, double timeout_s) {
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
  auto child = forked_child::start(work);
  if (!child) return std::unexpected(child.error());
  return child->wait(timeout_s);
}

}  // namespace xpu
