#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

// `xpubench run`: a suite on the selected devices; JSON and CSV written as each result lands.
struct run_command {
  std::string suite = "quick";
  std::vector<std::string> devices, kernels, precisions;
  std::string filter;
  bool list = false;
  int repetitions = 0;
  double min_time = 0;
  double noisy_threshold = 0.025;
  std::vector<std::string> inject_slowdown;  // test-only: REGEX=FRACTION
  int threads = 0;
  std::uint64_t seed = 42;
  std::string json, csv;
  bool fail_on_invalid = false;
  bool idle_baseline = false;
  bool no_tune = false;
  bool no_opencl = false, no_vulkan = false;
  bool show_probe = false;  // the main job prints the probe report first
  std::string command_line;

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
