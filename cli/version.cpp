#include "cli/version.hpp"

#include <CLI/Version.hpp>
#include <dlfcn.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/impl/version.h>  // the version only: the parser comes through core/toml.hpp

#include <climits>
#include <cstdlib>

#include "kernels/cpu/cpu_device.hpp"
#include "loaders/opencl_api.hpp"
#if XPU_WITH_CUDA
#include "loaders/cuda_api.hpp"
#endif
#include "loaders/vulkan_api.hpp"
#include "probe/cpu.hpp"
#include "session/fleet.hpp"
#include "xpubench/cuda_build.hpp"
#include "xpubench/version.hpp"

namespace xpu {
namespace {

// The file a loaded library's symbol lives in, resolved (libvulkan.so.1 -> .../libvulkan.so.1.3.239).
std::string file_of(const void* symbol) {
  Dl_info info{};
  if (!symbol || dladdr(symbol, &info) == 0 || !info.dli_fname) return "?";
  char resolved[PATH_MAX];
  return realpath(info.dli_fname, resolved) ? resolved : info.dli_fname;
}

std::string opencl_loader() {
  const auto& api = opencl_api_load();
  if (!api) return api.error().message;
  return file_of(reinterpret_cast<const void*>(api->get_platform_ids));
}

std::string vulkan_loader() {
  const auto& api = vulkan_api_load();
  if (!api) return api.error().message;
  std::string out = file_of(reinterpret_cast<const void*>(api->get_instance_proc_addr));
  std::uint32_t v = 0;
  if (api->enumerate_instance_version && api->enumerate_instance_version(&v) == VK_SUCCESS)
    out += fmt::format(" (instance API {}.{}.{})", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
  else
    out += " (a Vulkan 1.0 loader)";
  return out;
}

std::string cuda_driver() {
#if XPU_WITH_CUDA
  const auto& api = cuda_api_load();
  if (!api) return api.error().message;
  return fmt::format("{} (CUDA {}.{})", file_of(reinterpret_cast<const void*>(api->init)), api->driver_version / 1000, api->driver_version % 1000 / 10);
#else
  return "not used (no CUDA backend)";
#endif
}

}  // namespace

std::string version_report() {
  std::string out = fmt::format("xpubench {} (git {})\n", version, git_sha);
#if defined(__clang__)
  const std::string compiler = fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  const std::string compiler = fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  const std::string compiler = "an unknown compiler";
#endif
  out += fmt::format("built with {} ({}); fmt {}.{}.{}, CLI11 {}, nlohmann-json {}.{}.{}, toml++ {}.{}.{}, Google Benchmark {}, ONNX {}\n",
                     compiler, __cplusplus > 202002L ? "C++23" : "C++20", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100, CLI11_VERSION,
                     NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH, TOML_LIB_MAJOR, TOML_LIB_MINOR,
                     TOML_LIB_PATCH, *benchmark_version ? benchmark_version : "(version unknown)",
                     *onnx_version ? onnx_version : "not built in (suite from-model reads GGUF only)");
  out += fmt::format("libraries: {}; {}\n", topology_library_version(), cpu_libraries());
  out += fmt::format("CUDA backend: {}\n", XPU_CUDA_BUILD_NOTE);
  out += fmt::format("CUDA driver: {}\n", cuda_driver());
  out += fmt::format("OpenCL ICD loader: {}\n", opencl_loader());
  out += fmt::format("Vulkan loader: {}\n", vulkan_loader());
  out += fmt::format("fleet runs (mpirun, srun): MPI {}\n", fleet_mpi_version());
  out += "drivers and devices: xpubench probe";
  return out;
}

}  // namespace xpu
