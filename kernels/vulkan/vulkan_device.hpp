#pragma once
// The Vulkan backend: every workload on every Vulkan device, through the same device/prepared
// interface as the CPU and OpenCL backends. GLSL compute shaders (kernels/vulkan/shaders) are
// compiled by glslc at build time and embedded as SPIR-V; tile sizes and work-group sizes are
// specialization constants; timing comes from timestamp queries (device time).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/embedded_text.hpp"
#include "kernels/backend.hpp"

namespace xpu {

struct vulkan_options {
  // Enables the Khronos validation layer (VK_LAYER_KHRONOS_validation) with a debug messenger;
  // what it reports is collected by vulkan_validation_messages(). Tests run with it on.
  bool validation = false;
  // Caps each storage-buffer binding below the device's maxStorageBufferRange (0: the device's
  // limit); tests use it to exercise the split of large arrays across bindings at small sizes.
  std::uint64_t max_binding_bytes = 0;
  // Runs the kernels written for GPUs (shared-memory tiles, storage-buffer reads) on CPU devices
  // too, which otherwise get kernels shaped for them (texel-buffer reads, no shared memory);
  // tests use it to verify both sets on lavapipe.
  bool gpu_kernels = false;
};

// Opens the Vulkan physical device the probe listed as `info` (by enumeration order, name checked).
result<std::unique_ptr<device>> vulkan_device_open(const device_info& info, const vulkan_options& options = {});

// Errors and warnings the validation layer reported to any device opened with validation.
std::vector<std::string> vulkan_validation_messages();

// The SPIR-V modules built into this binary (one per shader variant).
std::span<const embedded_spirv> vulkan_spirv_table();

// Whether this build has the VK_KHR_cooperative_matrix shader, and why not.
bool vulkan_khr_coop_built();
std::string_view vulkan_khr_coop_reason();

// Which cooperative-matrix path a GEMM takes on a device: "coopmat_khr", "coopmat_nv", or none
// (implementation empty) with the reason. Pure: decided from the probe's details.
struct coop_choice {
  std::string implementation;
  coop_matrix_shape shape;
  std::string reason;
};
coop_choice coop_matrix_choice(const vulkan_details& v, const problem& p, bool khr_built);

}  // namespace xpu
