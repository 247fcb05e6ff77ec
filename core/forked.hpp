#pragma once
// A library call that may crash or hang on damaged input (hwloc's XML reader, libonnx's shape
// inference) tried in a forked child, without exec: the child runs `work`, whose reply string goes
// back through a pipe; a child that dies of a signal, or outlives the deadline and is killed, is an
// outcome the caller reports, never the command's own crash. The fault signals are back to their
// default action in the child, so a crash ends it by its signal rather than through handlers
// inherited from the parent (a sanitizer's report, libFuzzer writing the input as a crash of its own).
// Fork without exec: only where the caller is single-threaded at that point (the probe's topology
// load, suite from-model). Processes that run whole commands go through session/subprocess.
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

// Runs work(reply) in a forked child; its return value is the child's exit code (124: it threw).
// Fails only when no child could be started (pipe, fork) or its end could not be waited for.
result<forked_outcome> run_forked(const std::function<int(std::string& reply)>& work, double timeout_s);

}  // namespace xpu
