// The OpenCL devices' precisions and memory budget (probe/opencl/opencl.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "probe/opencl/opencl.hpp"
#include "probe/peaks.hpp"

namespace xpu {

std::vector<precision_support> opencl_precisions(const device_info& d, const device_info* host_cpu) {
  const opencl_details& o = *d.opencl;
  std::vector<precision_support> out;
  out.push_back({precision::fp32, support_level::native, "float arithmetic (core OpenCL C)", {}, ""});
  if (o.fp16) out.push_back({precision::fp16, support_level::native, "half arithmetic (cl_khr_fp16), fp32 accumulation", {}, ""});
  else out.push_back({precision::fp16, support_level::emulated, "no cl_khr_fp16: fp16 storage through vload_half/vstore_half, fp32 arithmetic", {}, ""});
  const bool bf16_conv = std::ranges::find(o.extensions, "cl_intel_bfloat16_conversions") != o.extensions.end();
  out.push_back({precision::bf16, support_level::unsupported,
                 bf16_conv ? "only bf16 conversions (cl_intel_bfloat16_conversions), no bf16 arithmetic"
                           : "OpenCL has no bf16 arithmetic on this device",
                 {}, ""});
  out.push_back({precision::int8, support_level::native,
                 o.integer_dot_product ? "char arithmetic with int accumulation; cl_khr_integer_dot_product present"
                                       : "char arithmetic with int accumulation (no cl_khr_integer_dot_product)",
                 {}, ""});
  out.push_back({precision::fp64, o.fp64 ? support_level::native : support_level::unsupported,
                 o.fp64 ? "double arithmetic (cl_khr_fp64)" : "no cl_khr_fp64 on this device", {}, ""});
  out.push_back({precision::int32, support_level::native, "int arithmetic (core OpenCL C)", {}, ""});
  const auto fp8_ext = std::ranges::find_if(o.extensions, [](const std::string& e) { return e.find("fp8") != std::string::npos || e.find("float8") != std::string::npos; });
  const std::string fp8_why = fp8_ext == o.extensions.end() ? "OpenCL C has no fp8 type and the device lists no fp8 extension"
                                                            : fmt::format("OpenCL C has no fp8 type; the device lists {}, which xpubench does not use", *fp8_ext);
  for (precision p : {precision::fp8_e4m3, precision::fp8_e5m2}) out.push_back({p, support_level::unsupported, fp8_why, {}, ""});
  for (auto& s : out) borrow_cpu_peak(s, d, host_cpu);
  return out;
}

std::optional<std::uint64_t> opencl_memory_budget(const device_info& d) {
  if (!d.opencl || d.type == "cpu") return std::nullopt;
  return d.opencl->global_memory_bytes;
}

}  // namespace xpu
