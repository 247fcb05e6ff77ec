// fuzz_escaping: any bytes through each output kind's escaping, checked as properties
// (fuzz/escaping_properties.hpp).
#include <cstdint>
#include <string_view>

#include "fuzz/escaping_properties.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xpu::escaping::check_all(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
