// The Vulkan devices' precisions and memory budget (probe/vulkan/vulkan.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "probe/vulkan/vulkan.hpp"
#include "probe/peaks.hpp"

namespace xpu {

std::vector<precision_support> vulkan_precisions(const device_info& d, const device_info* host_cpu) {
  const vulkan_details& v = *d.vulkan;
  std::vector<precision_support> out;
  out.push_back({precision::fp32, support_level::native, "float arithmetic (core SPIR-V)", {}, ""});
  if (v.shader_float16 && v.storage_16bit)
    out.push_back({precision::fp16, support_level::native, "shaderFloat16 + 16-bit storage, fp32 accumulation", {}, ""});
  else if (v.shader_float16)
    out.push_back({precision::fp16, support_level::native, "shaderFloat16 arithmetic; no 16-bit storage, values packed in 32-bit words", {}, ""});
  else
    out.push_back({precision::fp16, support_level::emulated, "no shaderFloat16: packHalf2x16/unpackHalf2x16, fp32 arithmetic", {}, ""});
  out.push_back({precision::bf16, support_level::unsupported,
                 "no bf16 arithmetic in Vulkan 1.3 core (VK_KHR_shader_bfloat16 postdates this build's headers)", {}, ""});
  if (v.shader_int8 && v.storage_8bit)
    out.push_back({precision::int8, support_level::native,
                   v.integer_dot_product ? "shaderInt8 + 8-bit storage, integer dot product" : "shaderInt8 + 8-bit storage", {}, ""});
  else
    out.push_back({precision::int8, support_level::emulated, "no shaderInt8/8-bit storage: bytes unpacked from 32-bit words", {}, ""});
  out.push_back({precision::fp64, v.shader_float64 ? support_level::native : support_level::unsupported,
                 v.shader_float64 ? "double arithmetic (shaderFloat64)" : "no shaderFloat64 on this device", {}, ""});
  out.push_back({precision::int32, support_level::native, "int arithmetic (core SPIR-V)", {}, ""});
  const bool float8 = std::ranges::find(v.extensions, "VK_EXT_shader_float8") != v.extensions.end();
  const std::string fp8_why = float8 ? "the device exposes VK_EXT_shader_float8, which postdates this build's Vulkan headers (1.3.239)"
                                     : "no VK_EXT_shader_float8 on this device (fp8 is not in Vulkan 1.3 core)";
  for (precision p : {precision::fp8_e4m3, precision::fp8_e5m2}) out.push_back({p, support_level::unsupported, fp8_why, {}, ""});
  for (auto& s : out) borrow_cpu_peak(s, d, host_cpu);
  return out;
}

std::optional<std::uint64_t> vulkan_memory_budget(const device_info& d) {
  if (!d.vulkan || d.type == "cpu") return std::nullopt;
  std::uint64_t local = 0;
  for (const auto& h : d.vulkan->heaps)
    if (h.device_local) local = std::max(local, h.size_bytes);
  return local;
}

}  // namespace xpu
