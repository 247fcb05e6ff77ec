#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xpu {

// `xpubench probe`: registers its options on the subcommand; run returns the exit code.
struct probe_command {
  std::string format = "text";
  std::string output;
  std::string topology;
  bool verbose = false;
  std::vector<std::string> backends_off;  // --no-opencl, --no-vulkan, ... (probe/registry.cpp)
  bool in_process = false;  // load the GPU drivers here instead of in child processes

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
