#pragma once
#include <CLI/CLI.hpp>

namespace xpu {

// `xpubench probe`: registers its options on the subcommand; run returns the exit code.
struct probe_command {
  std::string format = "text";
  std::string output;
  std::string topology;
  bool verbose = false;
  bool no_opencl = false;
  bool no_vulkan = false;
  bool in_process = false;  // load the GPU drivers here instead of in child processes

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
