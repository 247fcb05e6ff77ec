// GGUF model files, as `suite from-model` reads them: any input is read or refused with a message,
// never an abort, a hang or undefined behaviour; what is read maps to a model and a suite or is
// refused the same way.
#include <cstdint>
#include <sstream>
#include <string>

#include "models/gguf.hpp"
#include "models/model_suite.hpp"
#include "suites/suite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  const auto file = xpu::gguf::read(in, "fuzz.gguf");
  if (!file) return 0;
  (void)xpu::gguf::check_data(*file, size, "fuzz.gguf");  // the extents' arithmetic under UBSan
  const auto model = xpu::model_from_gguf(*file, "fuzz.gguf");
  if (model) (void)xpu::suite_parse(xpu::model_suite_toml(*model, 16), "fuzz.toml");  // the suite written reads back or is refused
  return 0;
}
