#pragma once
// A child process that may crash or hang (a worker measuring one device, a probe of one backend):
// started in its own process group with its stdin fed from a string, its stdout read line by
// line, its stderr forwarded and its last lines kept for the report; waited for with a deadline
// and killed, group and all, when it passes it.
#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace xpu {

// Descriptors 0-2 open (a child's pipes must not land on them), SIGCHLD not ignored (else children
// are reaped behind waitpid's back), SIGPIPE ignored (a reader that goes away is a write error,
// reported, not a silent death): called first by every command that starts children.
void supervisor_process_setup();

// This executable, for re-executing itself: "/proc/self/exe" (in a forked child, still this binary).
std::string self_executable();

class subprocess {
 public:
  using clock = std::chrono::steady_clock;

  // Starts argv (argv[0] a path) with `input` on its stdin. The child's stderr lines are copied
  // to `forward_stderr` (null: kept only) and the last `tail_lines` of them remembered. The child
  // gets this process's environment with the "NAME=value" entries of `environment` set in it.
  static result<subprocess> start(const std::vector<std::string>& argv, const std::string& input, std::FILE* forward_stderr = stderr,
                                  std::size_t tail_lines = 12, const std::vector<std::string>& environment = {});

  subprocess(subprocess&& other) noexcept;
  subprocess& operator=(subprocess&&) = delete;
  subprocess(const subprocess&) = delete;
  ~subprocess();  // kills and reaps a child still running

  enum class event { line, ended, deadline, interrupted };
  // The next whole stdout line (event::line, in `line`), or the child's end (every line before
  // it delivered first), or the deadline passing, or `interrupt()` returning true (checked every
  // 100 ms and whenever a signal arrives).
  template <class Interrupt>
  event next(std::string& line, clock::time_point deadline, Interrupt&& interrupt) {
    for (;;) {
      if (take_line(line)) return event::line;
      if (m_done) return event::ended;
      if (interrupt()) return event::interrupted;
      if (clock::now() >= deadline) return event::deadline;
      pump(std::min(deadline, clock::now() + std::chrono::milliseconds(100)));
    }
  }

  void signal_group(int sig) const;  // to the child's whole process group
  void kill_and_reap();              // SIGKILL to the group, then wait
  // How the child ended: "exit code 3", "killed by SIGSEGV (Segmentation fault)"; empty while running.
  std::string how_it_ended() const;
  bool ended_by_signal() const { return m_signal != 0; }
  int exit_code() const { return m_exit_code; }
  // The child's last stderr lines, joined by " | ", for a row's reason.
  std::string stderr_tail() const;
  // `reason`, with the child's last stderr lines after it when it wrote any.
  std::string with_tail(std::string reason) const;
  // A deadline `seconds` from now.
  static clock::time_point after(double seconds);

 private:
  subprocess() = default;
  bool take_line(std::string& line);
  void pump(clock::time_point until);  // reads what is ready, reaps the child when both pipes closed
  void reap(bool block);

  pid_t m_pid = -1;
  int m_out = -1, m_err = -1;
  std::string m_out_buffer, m_err_buffer;
  std::deque<std::string> m_tail;
  std::size_t m_tail_lines = 12;
  std::FILE* m_forward = nullptr;
  bool m_done = false;
  bool m_unkillable = false;
  clock::time_point m_exited_at{};
  int m_signal = 0, m_exit_code = -1;
};

}  // namespace xpu
