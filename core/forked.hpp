#pragma once
// A library call that may crash or hang on damaged input (hwloc's XML reader, libonnx's shape
// inference) tried in a forked child, without exec: the child runs `work`, whose reply string goes
// back through a pipe; a child that dies of a signal, or outlives the deadline and is killed, is an
// outcome the caller reports, never the command's own crash. The fault signals are back to their
// default action in the child, so a crash ends it by its signal rather than through handlers
// inherited from the parent (a sanitizer's report, libFuzzer writing the input as a crash of its own).
// Fork without exec: only where the caller is single-threaded at that point (the probe's topology
// load, suite from-model, the probe's driver backends). Processes that run whole commands go
// through session/subprocess.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace xpu {

// "killed by SIGSEGV (Segmentation fault)": how a process that a signal ended is described.
std::string killed_by(int sig);

struct forked_outcome {
  std::string reply;      // what the child's work wrote
  int exit_code = -1;     // the work's return value, when the child exited
  int signal = 0;         // the signal that ended it, when one did
  bool timed_out = false; // killed at the deadline
  bool exited() const { return !timed_out && signal == 0; }
  // "killed by SIGSEGV (Segmentation fault)", "exit code 3", "no answer within 30 s"
  std::string how_it_ended(double timeout_s) const;
};

// A forked child running work(reply), started without waiting for it: several run side by side
// (the probe's driver backends). With `keep_stderr`, what the child writes to its standard error is
// kept (its last lines, for a reason) instead of reaching this process's. SIGCHLD must not be
// ignored meanwhile (session/subprocess.hpp's supervisor_process_setup; run_forked sees to it).
class forked_child {
 public:
  static result<forked_child> start(const std::function<int(std::string& reply)>& work, bool keep_stderr = false);
  forked_child(forked_child&& o) noexcept;
  forked_child& operator=(forked_child&&) = delete;
  ~forked_child();  // kills and reaps a child not waited for
  // Its reply until it ends or `timeout_s` after it started (then it is killed); fails only when its
  // end could not be waited for.
  result<forked_outcome> wait(double timeout_s);
  // Its standard error's last lines joined by " | " (keep_stderr), empty when it wrote none.
  std::string stderr_tail() const;

 private:
  forked_child() = default;
  pid_t m_pid = -1;
  int m_out = -1, m_err = -1;
  std::string m_err_text;
  std::chrono::steady_clock::time_point m_started;
};

// Runs work(reply) in a forked child and waits for it; its return value is the child's exit code
// (124: it threw). Fails only when no child could be started (pipe, fork) or its end could not be
// waited for.
result<forked_outcome> run_forked(const std::function<int(std::string& reply)>& work, double timeout_s);

}  // namespace xpu
