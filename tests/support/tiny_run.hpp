#pragma once
// A tiny suite (latency and a 4096-element fp32 reduction, 2 repetitions of 1 ms) run by the
// xpubench binary with extra arguments and environment, its run file read back; and a run's rows
// of one device. For the tests of drivers that crash, hang or fail (fake OpenCL and CUDA drivers).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu::test {

struct tiny_outcome {
  command_result process;
  xpu::run parsed;
};

inline tiny_outcome tiny_run(const std::vector<std::string>& extra, const std::map<std::string, std::string>& env) {
  temp_dir dir;
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n[[reduction]]\nprecisions = [\"fp32\"]\nsizes = [4096]\n");
  const auto json = dir.path() / "run.json";
  std::vector<std::string> args{xpubench_binary(), "run", "--suite", suite.string(), "--json", json.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  tiny_outcome o;
  o.process = run(args, env);
  std::ifstream in(json);
  auto parsed = run_from_json(nlohmann::json::parse(in), json.string());
  EXPECT_TRUE(parsed) << parsed.error().message << "\n" << o.process.err;
  if (parsed) o.parsed = std::move(*parsed);
  return o;
}

inline std::vector<const measurement*> rows_of(const xpu::run& r, const std::string& device) {
  std::vector<const measurement*> out;
  for (const auto& m : r.measurements)
    if (m.device == device) out.push_back(&m);
  return out;
}

}  // namespace xpu::test
