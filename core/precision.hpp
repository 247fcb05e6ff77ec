#pragma once
#include <array>
#include <optional>
#include <string_view>

namespace xpu {

enum class precision { fp32, fp16, bf16, int8 };

inline constexpr std::array<precision, 4> all_precisions{precision::fp32, precision::fp16, precision::bf16,
                                                         precision::int8};

std::string_view to_string(precision p);
std::optional<precision> precision_parse(std::string_view name);

// How a device runs a precision: on a hardware path, by conversion to a wider type, or not at all.
enum class support_level { native, emulated, unsupported };

std::string_view to_string(support_level s);
std::optional<support_level> support_level_parse(std::string_view name);

}  // namespace xpu
