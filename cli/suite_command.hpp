#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace xpu {

// `xpubench suite from-model MODEL.gguf [--tokens N] [-o suite.toml]`: the suite of a model's
// kernels (models/model_suite.hpp); `xpubench suite show NAME`: a built-in suite's text. Exit 0,
// or 2 with the reason for a file that cannot be read or a model it cannot map.
struct suite_command {
  std::string model;
  std::string show;
  std::int64_t tokens = 512;
  std::string output = "-";
  CLI::App* from_model_sub = nullptr;
  CLI::App* show_sub = nullptr;

  void add_options(CLI::App& sub);
  int run() const;
};

}  // namespace xpu
