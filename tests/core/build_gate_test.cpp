// The build gate (core/build_gate.hpp) across processes: a timer waits until no builder holds the
// gate and no new builder starts while it times; the work queue hands every index out exactly once.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "core/build_gate.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

using namespace std::chrono_literals;

double now_s() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

// Runs f in a child process (which joins the gate in dir first) and returns its pid.
template <class F>
pid_t child(const std::filesystem::path& dir, F f) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!build_gate::open(dir)) ::_exit(3);
    f();
    ::_exit(0);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double read_number(const std::filesystem::path& p) {
  double v = -1;
  std::ifstream(p) >> v;
  return v;
}

TEST(build_gate, a_timer_waits_for_the_builder_and_holds_the_next_one_back) {
  test::temp_dir dir;
  const auto marker = dir.path() / "first-building";
  // The first builder holds the gate for 400 ms and writes when it lets go.
  const pid_t first = child(dir.path(), [&] {
    build_gate::building b;
    std::ofstream(marker) << "in";
    std::this_thread::sleep_for(400ms);
    std::ofstream(dir.path() / "first-left") << std::fixed << now_s();
  });
  while (!std::filesystem::exists(marker)) std::this_thread::sleep_for(5ms);
  // A timer, inside a building section of its own (as the tuner is inside a helper's case).
  const pid_t timer = child(dir.path(), [&] {
    build_gate::building b;  // shared with the first: granted at once
    std::ofstream(dir.path() / "timer-building") << std::fixed << now_s();
    build_gate::timing t;
    std::ofstream(dir.path() / "timer-start") << std::fixed << now_s();
    std::this_thread::sleep_for(300ms);
    std::ofstream(dir.path() / "timer-end") << std::fixed << now_s();
  });
  while (!std::filesystem::exists(dir.path() / "timer-building")) std::this_thread::sleep_for(5ms);
  // The timer is waiting once it holds the turnstile (it takes it before it waits for the lock).
  const int turnstile = ::open((dir.path() / "turnstile.lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(turnstile, 0);
  while (::flock(turnstile, LOCK_EX | LOCK_NB) == 0) {
    ::flock(turnstile, LOCK_UN);
    std::this_thread::sleep_for(2ms);
  }
  ::close(turnstile);
  const pid_t second = child(dir.path(), [&] {
    build_gate::building b;
    std::ofstream(dir.path() / "second-in") << std::fixed << now_s();
  });
  ASSERT_EQ(wait_for(first), 0);
  ASSERT_EQ(wait_for(timer), 0);
  ASSERT_EQ(wait_for(second), 0);
  EXPECT_GE(read_number(dir.path() / "timer-start"), read_number(dir.path() / "first-left"));  // it waited for the builder
  EXPECT_GE(read_number(dir.path() / "second-in"), read_number(dir.path() / "timer-end"));     // the next builder waited for it
}

TEST(build_gate, the_work_queue_hands_each_index_out_once_across_processes) {
  test::temp_dir dir;
  std::vector<pid_t> kids;
  for (int k = 0; k < 3; ++k)
    kids.push_back(child(dir.path(), [&, k] {
      std::ofstream out(dir.path() / ("claims" + std::to_string(k)));
      for (int i = 0; i < 40; ++i)
        if (auto n = build_gate::next_claim("q")) out << *n << "\n";
    }));
  for (pid_t p : kids) ASSERT_EQ(wait_for(p), 0);
  std::multiset<std::uint64_t> all;
  for (int k = 0; k < 3; ++k) {
    std::ifstream in(dir.path() / ("claims" + std::to_string(k)));
    for (std::uint64_t v; in >> v;) all.insert(v);
  }
  ASSERT_EQ(all.size(), 120u);
  std::uint64_t expect = 0;
  for (const auto v : all) EXPECT_EQ(v, expect++);  // 0..119, each once
}

TEST(build_gate, a_process_that_never_opened_it_passes_through) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    { build_gate::building b; build_gate::timing t; }
    ::_exit(build_gate::next_claim("q") ? 1 : 0);  // no queue without a gate: an error, not index 0
  }
  EXPECT_EQ(wait_for(pid), 0);
}

}  // namespace
}  // namespace xpu
