#pragma once
// A text file embedded into the binary at build time (cmake/embed_text.cmake).
#include <string_view>

namespace xpu {

struct embedded_text {
  std::string_view name;  // the file's stem
  std::string_view text;
};

}  // namespace xpu
