// One line per device backend. A backend not built into this xpubench keeps its line with a null
// probe, so the inventory says how to build it.
#include "probe/registry.hpp"

#include <algorithm>

#include "probe/accel/accel.hpp"
#include "probe/cuda/cuda.hpp"
#include "probe/levelzero/levelzero.hpp"
#include "probe/opencl/opencl.hpp"
#include "probe/vulkan/vulkan.hpp"
#include "probe/peaks.hpp"
#include "xpubench/cuda_build.hpp"

namespace xpu {
namespace {

using probe_fn = backend_probe (*)(const std::filesystem::path& root);
// The loaders' probes read no files of their own: the root does not apply to them.
#if XPU_WITH_OPENCL
constexpr probe_fn opencl = [](const std::filesystem::path&) { return opencl_probe(); };
#else
constexpr probe_fn opencl = nullptr;
#endif
#if XPU_WITH_VULKAN
constexpr probe_fn vulkan = [](const std::filesystem::path&) { return vulkan_probe(); };
#else
constexpr probe_fn vulkan = nullptr;
#endif
#if XPU_WITH_CUDA
constexpr probe_fn cuda = [](const std::filesystem::path&) { return cuda_probe(); };
constexpr auto cuda_budget = cuda_memory_budget;
#else
constexpr probe_fn cuda = nullptr;
constexpr std::optional<std::uint64_t> (*cuda_budget)(const device_info&) = nullptr;
#endif
#if XPU_WITH_LEVEL_ZERO
constexpr probe_fn level_zero = [](const std::filesystem::path&) { return levelzero_probe(); };
#else
constexpr probe_fn level_zero = nullptr;
#endif

const device_backend table[] = {
    {"cuda", "CUDA", "XPUBENCH_WITH_CUDA", cuda, nullptr, true, cuda_budget, XPU_CUDA_MISSING_REASON},
    {"opencl", "OpenCL", "XPUBENCH_WITH_OPENCL", opencl, opencl_precisions, true, opencl_memory_budget, {}, true},
    {"vulkan", "Vulkan", "XPUBENCH_WITH_VULKAN", vulkan, vulkan_precisions, true, vulkan_memory_budget, {}, true},
    {"levelzero", "Level Zero", "XPUBENCH_WITH_LEVEL_ZERO", level_zero, nullptr, true, nullptr},
    {"accel", "Linux accel", "", accel_probe_at, nullptr, false, nullptr},
};

}  // namespace

std::span<const device_backend> device_backends() { return table; }

const device_backend* device_backend_find(std::string_view name) {
  for (const auto& b : table)
    if (b.name == name) return &b;
  return nullptr;
}

const device_backend* device_backend_of(std::string_view device_id) {
  for (const auto& b : table)
    if (device_id.starts_with(b.name) && device_id.size() > b.name.size() &&
        std::all_of(device_id.begin() + static_cast<std::ptrdiff_t>(b.name.size()), device_id.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return &b;
  return nullptr;
}

std::vector<std::string> device_backends_except(std::string_view keep) {
  std::vector<std::string> out;
  for (const auto& b : table)
    if (b.name != keep) out.emplace_back(b.name);
  return out;
}

std::string backend_title(std::string_view backend) {
  if (backend == "cpu") return "CPU";
  const device_backend* b = device_backend_find(backend);
  return std::string(b ? b->title : backend);
}

int device_backend_rank(std::string_view backend) {
  for (std::size_t i = 0; i < std::size(table); ++i)
    if (table[i].name == backend) return static_cast<int>(i) + 1;
  return backend == "cpu" ? 0 : static_cast<int>(std::size(table)) + 1;
}

}  // namespace xpu
