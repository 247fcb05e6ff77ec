#pragma once
// Files embedded into the binary at build time: text (cmake/embed_text.cmake) and SPIR-V
// modules compiled from GLSL by glslc (cmake/embed_spirv_words.cmake).
#include <cstdint>
#include <span>
#include <string_view>

namespace xpu {

struct embedded_text {
  std::string_view name;  // the file's stem
  std::string_view text;
};

struct embedded_spirv {
  std::string_view name;  // the variant's name: "gemm_fp32", "reduce_int8_subgroup", ...
  std::span<const std::uint32_t> words;
};

}  // namespace xpu
