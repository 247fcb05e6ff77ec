#pragma once
// The contention sentinel's raw readings: how much CPU time the whole machine, the hypervisor
// (steal) and this process have used so far, from /proc/stat and /proc/self/stat. Two readings
// around a timed region tell what else ran during it.
#include <cstdint>
#include <filesystem>

#include "core/error.hpp"

namespace xpu {

struct cpu_times {
  std::uint64_t total = 0;  // every CPU's user..steal ticks (idle and iowait included), /proc/stat
  std::uint64_t busy = 0;   // user + nice + system + irq + softirq ticks
  std::uint64_t steal = 0;  // ticks the hypervisor ran something else while a vCPU wanted to run
  std::uint64_t self = 0;   // this process's utime + stime ticks, /proc/self/stat
};

// root is "/" for the live machine; tests point it at a fake tree with proc/stat and proc/self/stat.
result<cpu_times> cpu_times_read(const std::filesystem::path& root = "/");

struct load_fractions {
  double steal = 0;  // of the machine's CPU time in the window
  double other = 0;  // busy time not ours, of the machine's CPU time in the window
};
// Between two readings; zeros when no tick passed.
load_fractions load_between(const cpu_times& before, const cpu_times& after);

}  // namespace xpu
