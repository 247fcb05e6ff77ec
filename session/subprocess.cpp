#include "session/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/forked.hpp"
#include "core/units.hpp"

namespace xpu {

std::string self_executable() {
  // The kernel's link to the very file this process runs: a binary rebuilt or upgraded during a
  // long run still starts workers of the same version (the old inode stays reachable through it).
  return "/proc/self/exe";
}

// What a supervisor needs from the process it starts in: descriptors 0-2 open (a child's pipes
// must not land on them), SIGCHLD not ignored (else children are reaped behind waitpid's back),
// SIGPIPE ignored (a reader that goes away is a write error, reported, not a silent death).
void supervisor_process_setup() {
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) == -1) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
  std::signal(SIGCHLD, SIG_DFL);
  std::signal(SIGPIPE, SIG_IGN);
}

subprocess::clock::time_point subprocess::after(double seconds) {
  return clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
}

std::string subprocess::with_tail(std::string reason) const {
  if (const std::string tail = stderr_tail(); !tail.empty()) reason += fmt::format("; its last stderr lines: {}", tail);
  return reason;
}


result<subprocess> subprocess::start(const std::vector<std::string>& argv, const std::string& input, std::FILE* forward_stderr,
                                     std::size_t tail_lines, const std::vector<std::string>& environment) {
  if (argv.empty()) return fail(status::failed, "no program to start");
  // stdin is a memory file holding all of `input`: the child reads it at its own pace and a child
  // that dies first cannot block or SIGPIPE us.
  const int in = memfd_create("xpubench-input", MFD_CLOEXEC);
  if (in < 0) return fail(status::failed, "memfd_create: {}", std::strerror(errno));
  for (std::size_t done = 0; done < input.size();) {
    const ssize_t n = ::write(in, input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(in);
      return fail(status::failed, "writing the input of {}: {}", argv[0], std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  ::lseek(in, 0, SEEK_SET);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return ::close(in), fail(status::failed, "pipe: {}", std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) return ::close(in), ::close(out[0]), ::close(out[1]), fail(status::failed, "pipe: {}", std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The child's environment, made here (after fork only async-signal-safe calls): ours, with
  // `environment`'s entries replacing those of the same name.
  std::vector<char*> env;
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=') + 1); };
  for (char** e = environ; e && *e; ++e)
    if (std::ranges::none_of(environment, [&](const std::string& x) { return name_of(x) == name_of(*e); })) env.push_back(*e);
  for (const auto& x : environment) env.push_back(const_cast<char*>(x.c_str()));
  env.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::setpgid(0, 0);
    // A supervisor killed with SIGKILL takes its worker along (no orphan measuring on its own).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    for (int fd = 0; fd < 3; ++fd) ::fcntl(fd, F_SETFD, 0);  // dup2 onto itself keeps close-on-exec
    ::signal(SIGPIPE, SIG_DFL);                               // the supervisor ignores it; the child must not inherit that
    ::execve(args[0], args.data(), env.data());
    static const char msg[] = "xpubench: cannot execute the worker\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(in);
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    return fail(status::failed, "fork: {}", std::strerror(errno));
  }
  ::setpgid(pid, pid);  // also here, so that signal_group works even before the child ran
  subprocess p;
  p.m_pid = pid;
  p.m_out = out[0];
  p.m_err = err[0];
  p.m_forward = forward_stderr;
  p.m_tail_lines = tail_lines;
  return p;
}

subprocess::subprocess(subprocess&& o) noexcept
    : m_pid(std::exchange(o.m_pid, -1)), m_out(std::exchange(o.m_out, -1)), m_err(std::exchange(o.m_err, -1)),
      m_out_buffer(std::move(o.m_out_buffer)), m_err_buffer(std::move(o.m_err_buffer)), m_tail(std::move(o.m_tail)),
      m_tail_lines(o.m_tail_lines), m_forward(o.m_forward), m_done(o.m_done), m_unkillable(o.m_unkillable), m_exited_at(o.m_exited_at),
      m_signal(o.m_signal), m_exit_code(o.m_exit_code) {}

subprocess::~subprocess() {
  if (m_pid > 0 && !m_done) kill_and_reap();
  if (m_out >= 0) ::close(m_out);
  if (m_err >= 0) ::close(m_err);
}

bool subprocess::take_line(std::string& line) {
  const auto nl = m_out_buffer.find('\n');
  if (nl == std::string::npos) {
    // The last line of a child that ended without a newline still counts.
    if (!m_done || m_out >= 0 || m_out_buffer.empty()) return false;
    line = std::exchange(m_out_buffer, {});
    return true;
  }
  line = m_out_buffer.substr(0, nl);
  m_out_buffer.erase(0, nl + 1);
  return true;
}

void subprocess::pump(clock::time_point until) {
  const auto wait_ms = [&] {
    return static_cast<int>(std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count()));
  };
  // The child's exit is noticed even while something it started still holds its pipes: what is
  // already in them is read for a short grace period, then they are closed.
  reap(false);
  if (m_done && (m_out >= 0 || m_err >= 0)) {
    if (m_exited_at == clock::time_point{}) m_exited_at = clock::now();
    if (clock::now() - m_exited_at > std::chrono::milliseconds(300)) {
      for (int* fd : {&m_out, &m_err})
        if (*fd >= 0) ::close(*fd), *fd = -1;
      if (!m_err_buffer.empty()) m_tail.push_back(std::exchange(m_err_buffer, {}));
      return;
    }
    until = std::min(until, clock::now() + std::chrono::milliseconds(50));
  }
  if (m_out < 0 && m_err < 0) {  // both pipes closed: wait for the exit status
    if (!m_done) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10, wait_ms())));
    return;
  }
  pollfd fds[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
  const int ready = ::poll(fds, 2, wait_ms());  // a signal ends the wait early (EINTR): the caller re-checks
  if (ready <= 0) return;
  char buf[65536];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fds[i].fd);
      (i == 0 ? m_out : m_err) = -1;
      if (i == 1 && !m_err_buffer.empty()) m_err_buffer += '\n';  // flush a last partial line below
      else continue;
    } else {
      (i == 0 ? m_out_buffer : m_err_buffer).append(buf, static_cast<std::size_t>(n));
    }
    if (i == 1) {
      for (auto nl = m_err_buffer.find('\n'); nl != std::string::npos; nl = m_err_buffer.find('\n')) {
        std::string l = m_err_buffer.substr(0, nl);
        m_err_buffer.erase(0, nl + 1);
        if (m_forward) std::fprintf(m_forward, "%s\n", terminal_safe(l).c_str());
        m_tail.push_back(std::move(l));
        if (m_tail.size() > m_tail_lines) m_tail.pop_front();
      }
    }
  }
}

void subprocess::reap(bool block) {
  if (m_pid <= 0 || m_done) return;
  int st = 0;
  pid_t got;
  while ((got = ::waitpid(m_pid, &st, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
  }
  if (got != m_pid) return;
  m_done = true;
  if (WIFSIGNALED(st)) m_signal = WTERMSIG(st);
  else if (WIFEXITED(st)) m_exit_code = WEXITSTATUS(st);
}

void subprocess::signal_group(int sig) const {
  if (m_pid > 0 && !m_done) ::kill(-m_pid, sig);
}

void subprocess::kill_and_reap() {
  if (m_pid <= 0) return;
  ::kill(-m_pid, SIGKILL);  // the whole group, also after the child itself has gone
  if (m_done) return;
  ::kill(m_pid, SIGKILL);
  // A process in uninterruptible sleep (inside a GPU driver's ioctl) does not die at once: wait a
  // few seconds, then leave it (m_unkillable) rather than block the run.
  for (const auto until = clock::now() + std::chrono::seconds(5); !m_done && clock::now() < until;) {
    reap(false);
    if (!m_done) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!m_done) {
    m_unkillable = true;
    m_done = true;
    m_signal = SIGKILL;
  }
  // Drain what the child wrote before it died (bounded: a process outside the group may hold a pipe).
  for (const auto until = clock::now() + std::chrono::seconds(1); (m_out >= 0 || m_err >= 0) && clock::now() < until;)
    pump(clock::now() + std::chrono::milliseconds(50));
}

std::string subprocess::how_it_ended() const {
  if (!m_done) return "";
  if (m_unkillable) return "killed, but it did not exit within 5 s (stuck in the driver); left behind";
  if (m_signal) return killed_by(m_signal);
  return fmt::format("exit code {}", m_exit_code);
}

std::string subprocess::stderr_tail() const {
  std::string out;
  for (const auto& l : m_tail) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace xpu
