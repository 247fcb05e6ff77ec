#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace xpu {

// `xpubench suite from-model MODEL.gguf|MODEL.onnx [--tokens N] [--batch N] [--dim NAME=N]
// [-o suite.toml]`: the suite of a model's kernels (models/model_suite.hpp, models/onnx.hpp); `xpubench suite show NAME`: a built-in suite's text. Exit 0,
// or 2 with the reason for a file that cannot be read or a model it cannot map.
struct suite_command {
  std::string model;
  std::string show;
  std::int64_t tokens = 512;
  std::int64_t batch = 1;
  std::vector<std::string> dims;  // "NAME=N" for an ONNX graph's symbolic dimensions
  std::string output = "-";
  CLI::App* from_model_sub = nullptr;
  CLI::App* show_sub = nullptr;

  void add_options(CLI::App& sub);
  int run() const;

 private:
  int from_gguf() const;
  int from_onnx() const;
};

}  // namespace xpu
