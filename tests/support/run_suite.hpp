#pragma once
// Runs a small suite (TOML text) on the given devices through the real runner: two repetitions,
// 1 ms minimum time, no progress output. For backend tests that check what a run records.
#include <atomic>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "suites/runner.hpp"

namespace xpu::test {

inline xpu::run run_suite(std::string_view toml, std::vector<device*> devices, const inventory& machine) {
  xpu::run r;
  auto s = suite_parse(toml, "test.toml");
  EXPECT_TRUE(s) << s.error().message;
  if (!s) return r;
  r.context.repetitions = 2;
  r.context.min_time_s = 0.001;
  r.context.machine = machine;
  run_options options;
  options.progress = nullptr;
  std::atomic<bool> stop{false};
  run_cases(plan_cases(*s, devices, options), options, r, nullptr, stop);
  return r;
}

}  // namespace xpu::test
