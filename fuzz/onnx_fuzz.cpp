// ONNX graphs, as `suite from-model` reads them (libonnx's protobuf parser and shape inference,
// then our mapping): any input is read or refused with a message, never an abort, a hang or
// undefined behaviour in our code; what is read gives a suite that parses.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "models/onnx.hpp"
#include "suites/suite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // model_from_onnx reads a path (as the command does): one file per fuzzing process, rewritten.
  static const std::filesystem::path file = std::filesystem::temp_directory_path() / ("xpubench_fuzz_" + std::to_string(::getpid()) + ".onnx");
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  const xpu::onnx_dims dims{1, 16, {}};
  const auto model = xpu::model_from_onnx(file, dims);
  if (model) (void)xpu::suite_parse(xpu::onnx_suite_toml(*model, dims), "fuzz.toml");
  return 0;
}
