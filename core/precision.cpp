#include "core/precision.hpp"

namespace xpu {

std::string_view to_string(precision p) {
  switch (p) {
    case precision::fp32: return "fp32";
    case precision::fp16: return "fp16";
    case precision::bf16: return "bf16";
    case precision::int8: return "int8";
    case precision::fp64: return "fp64";
    case precision::int32: return "int32";
    case precision::fp8_e4m3: return "fp8_e4m3";
    case precision::fp8_e5m2: return "fp8_e5m2";
  }
  return "fp32";
}

std::optional<precision> precision_parse(std::string_view name) {
  for (precision p : all_precisions)
    if (to_string(p) == name) return p;
  return std::nullopt;
}

std::string_view to_string(support_level s) {
  switch (s) {
    case support_level::native: return "native";
    case support_level::emulated: return "emulated";
    case support_level::unsupported: return "unsupported";
  }
  return "unsupported";
}

std::optional<support_level> support_level_parse(std::string_view name) {
  for (support_level s : {support_level::native, support_level::emulated, support_level::unsupported})
    if (to_string(s) == name) return s;
  return std::nullopt;
}

}  // namespace xpu
