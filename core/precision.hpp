#pragma once
#include <array>
#include <optional>
#include <string_view>

namespace xpu {

// fp64 and int32 are measured by the peak micro-benchmarks only (vkpeak's and clpeak's int32 and
// double figures); the other kernels report them unsupported.
// fp8_e4m3 / fp8_e5m2: OCP 8-bit floats (4 exponent bits and 3 of mantissa; 5 and 2). The probe
// reports which devices have them; xpubench has no fp8 kernels yet, so runs report them
// unsupported with each device's reason.
enum class precision { fp32, fp16, bf16, int8, fp64, int32, fp8_e4m3, fp8_e5m2 };

inline constexpr std::array<precision, 8> all_precisions{precision::fp32, precision::fp16, precision::bf16,     precision::int8,
                                                         precision::fp64, precision::int32, precision::fp8_e4m3, precision::fp8_e5m2};

constexpr bool is_fp8(precision p) { return p == precision::fp8_e4m3 || p == precision::fp8_e5m2; }

std::string_view to_string(precision p);
std::optional<precision> precision_parse(std::string_view name);

// How a device runs a precision: on a hardware path, by conversion to a wider type, or not at all.
enum class support_level { native, emulated, unsupported };

std::string_view to_string(support_level s);
std::optional<support_level> support_level_parse(std::string_view name);

}  // namespace xpu
