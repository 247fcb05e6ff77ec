// One line per kernel backend.
#include "kernels/registry.hpp"

#include <charconv>

#include <fmt/format.h>

#include "kernels/cpu/cpu_device.hpp"
#include "probe/registry.hpp"
#if XPU_WITH_CUDA
#include "kernels/cuda/cuda_device.hpp"
#endif
#if XPU_WITH_OPENCL
#include "kernels/opencl/opencl_device.hpp"
#endif
#if XPU_WITH_VULKAN
#include "kernels/vulkan/vulkan_device.hpp"
#endif

namespace xpu {
namespace {

// An on/off option value, or nullopt.
std::optional<bool> on_off(std::string_view v) {
  if (v == "on" || v == "1" || v == "true" || v == "yes") return true;
  if (v == "off" || v == "0" || v == "false" || v == "no") return false;
  return std::nullopt;
}

result<std::unique_ptr<device>> open_cpu(const device_info& d, const open_context& c) {
  return cpu_device_create(d, c.cpu, {c.threads, c.clock});
}

std::optional<std::string> no_options(std::string_view, std::string_view) { return "none"; }

#if XPU_WITH_OPENCL
// The GEMM tuning size: 64 to 4096 (an n^3 GEMM per candidate), or nullopt.
std::optional<int> tuning_size(std::string_view v) {
  int n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n < 64 || n > 4096) return std::nullopt;
  return n;
}

std::optional<std::string> opencl_option_error(std::string_view key, std::string_view value) {
  if (key == "tune")
    return on_off(value) || value == "exhaustive" ? std::nullopt : std::optional<std::string>(fmt::format("tune=on|off|exhaustive, not '{}'", value));
  if (key == "tuning_size")
    return tuning_size(value) ? std::nullopt : std::optional<std::string>(fmt::format("tuning_size=64..4096, not '{}'", value));
  return "tune=on|off|exhaustive; tuning_size=N";
}

result<std::unique_ptr<device>> open_opencl(const device_info& d, const open_context& c) {
  opencl_options cl;
  if (auto it = c.options.find("tune"); it != c.options.end()) {
    cl.tune = on_off(it->second).value_or(true);
    cl.tune_exhaustive = it->second == "exhaustive";
  }
  if (auto it = c.options.find("tuning_size"); it != c.options.end()) cl.tuning_size = tuning_size(it->second).value_or(cl.tuning_size);
  return opencl_device_open(d, cl);
}
#endif

#if XPU_WITH_CUDA
result<std::unique_ptr<device>> open_cuda(const device_info& d, const open_context&) { return cuda_device_open(d); }
#endif

#if XPU_WITH_VULKAN
result<std::unique_ptr<device>> open_vulkan(const device_info& d, const open_context&) { return vulkan_device_open(d); }
#endif

const kernel_backend table[] = {
    {"cpu", open_cpu, "", no_options},
#if XPU_WITH_CUDA
    {"cuda", open_cuda, "", no_options},
#endif
#if XPU_WITH_OPENCL
    {"opencl", open_opencl,
     "tune=on|off (time the GEMM tile candidates once per device and driver; off: the default tiles); tuning_size=N (the n^3 "
     "GEMM each candidate is timed on, 64..4096, default 1024)",
     opencl_option_error, "tune=off"},
#endif
#if XPU_WITH_VULKAN
    {"vulkan", open_vulkan, "", no_options},
#endif
};

}  // namespace

const kernel_backend* kernel_backend_find(std::string_view name) {
  for (const auto& b : table)
    if (b.name == name) return &b;
  return nullptr;
}

std::span<const kernel_backend> kernel_backends() { return table; }

result<std::unique_ptr<device>> device_open(const device_info& d, const open_context& c) {
  if (const kernel_backend* b = kernel_backend_find(d.backend)) return b->open(d, c);
  return fail(status::unsupported, "probed only: xpubench has no {} kernels", backend_title(d.backend));
}

result<void> backend_option_parse(std::string_view spec, std::map<std::string, backend_options, std::less<>>& out) {
  const auto dot = spec.find('.'), eq = spec.find('=');
  if (dot == std::string_view::npos || eq == std::string_view::npos || dot > eq || dot == 0 || eq == dot + 1)
    return fail(status::invalid, "--backend-option '{}': expected BACKEND.KEY=VALUE, e.g. opencl.tune=off", spec);
  const std::string_view name = spec.substr(0, dot), key = spec.substr(dot + 1, eq - dot - 1), value = spec.substr(eq + 1);
  const kernel_backend* b = kernel_backend_find(name);
  if (!b) {
    std::string names;
    for (const auto& k : table) names += fmt::format("{}{}", names.empty() ? "" : ", ", k.name);
    return fail(status::invalid, "--backend-option '{}': no kernel backend '{}' in this build (there are: {})", spec, name, names);
  }
  if (auto why = b->option_error(key, value))
    return fail(status::invalid, "--backend-option '{}': the {} backend takes {}", spec, name, b->option_help.empty() ? "no options" : *why);
  out[std::string(name)][std::string(key)] = std::string(value);
  return {};
}

}  // namespace xpu
