#pragma once
// A compute device as every layer sees it: the CPU, one OpenCL device, one Vulkan physical
// device. Backend facts are copied into plain structs; no cl_device_id or VkPhysicalDevice here.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/precision.hpp"

namespace xpu {

// A theoretical peak, always an estimate: the basis says how it was derived.
struct peak_estimate {
  double ops_per_s = 0;
  std::string basis;
  // CPU estimates: the factors, so a run can redo the product with the clock it measured.
  double ops_per_cycle = 0;  // per core; 0 when not a CPU estimate
  int cores = 0;
  double clock_mhz = 0;
};

struct precision_support {
  precision type = precision::fp32;
  support_level level = support_level::unsupported;
  std::string reason;                 // how it runs (native/emulated) or why it does not
  std::optional<peak_estimate> peak;  // absent when it cannot be derived
  std::string peak_reason;            // why there is no estimate
};

struct opencl_details {
  std::string platform_name;
  std::string platform_vendor;
  std::string platform_version;
  std::string device_version;         // "OpenCL 3.0 PoCL ..."
  std::string c_version;              // "OpenCL C 1.2 PoCL"
  std::uint32_t compute_units = 0;
  std::uint32_t max_clock_mhz = 0;
  std::uint64_t global_memory_bytes = 0;
  std::uint64_t max_alloc_bytes = 0;
  std::uint64_t local_memory_bytes = 0;
  std::uint64_t constant_memory_bytes = 0;
  std::uint64_t global_cache_bytes = 0;
  std::uint64_t max_work_group_size = 0;
  std::vector<std::uint64_t> max_work_item_sizes;
  // Preferred vector widths: char, short, int, long, float, double, half.
  std::uint32_t vector_width_char = 0, vector_width_short = 0, vector_width_int = 0, vector_width_long = 0,
                vector_width_float = 0, vector_width_double = 0, vector_width_half = 0;
  std::uint64_t timer_resolution_ns = 0;
  std::vector<std::string> extensions;
  bool fp16 = false;                  // cl_khr_fp16
  bool fp64 = false;                  // cl_khr_fp64 or a non-zero double FP config
  bool integer_dot_product = false;   // cl_khr_integer_dot_product
  bool subgroups = false;             // cl_khr_subgroups or sub-groups in core OpenCL >= 2.1
  std::vector<std::string> errors;    // queries the driver failed, by name, with the code
};

struct vulkan_heap {
  std::uint64_t size_bytes = 0;
  bool device_local = false;
};

// One cooperative-matrix shape a device lists (VK_KHR_ or VK_NV_cooperative_matrix).
struct coop_matrix_shape {
  std::uint32_t m = 0, n = 0, k = 0;
  std::string a_type, b_type, c_type, result_type;  // "float16", "sint8", "float32", "sint32", ...
  std::string scope;                                 // "subgroup", "workgroup", ...
  bool saturating = false;
};

struct vulkan_details {
  std::string api_version;            // "1.3.230"
  std::uint32_t vendor_id = 0;
  std::uint32_t device_id = 0;
  std::string driver_name;            // VkPhysicalDeviceDriverProperties, where the device has it
  std::string driver_info;
  std::vector<vulkan_heap> heaps;
  std::array<std::uint32_t, 3> max_workgroup_size{};
  std::array<std::uint32_t, 3> max_workgroup_count{};
  std::uint32_t max_workgroup_invocations = 0;
  std::uint32_t max_shared_memory_bytes = 0;
  std::uint64_t max_storage_buffer_range = 0;
  double timestamp_period_ns = 0;
  std::uint32_t timestamp_valid_bits = 0;  // of the first compute queue family; 0: no timestamps
  std::uint32_t compute_queue_families = 0;
  std::uint32_t subgroup_size = 0;
  std::uint32_t min_subgroup_size = 0, max_subgroup_size = 0;  // subgroup size control; 0 when absent
  std::vector<std::string> subgroup_operations;               // "basic", "arithmetic", ...
  bool shader_float16 = false, shader_int8 = false, shader_int16 = false, shader_float64 = false;
  bool storage_16bit = false, storage_8bit = false;
  bool integer_dot_product = false;   // VK_KHR_shader_integer_dot_product (or 1.3 core feature)
  bool integer_dot_product_8bit_accelerated = false;
  bool coop_matrix_khr = false, coop_matrix_nv = false;
  std::vector<coop_matrix_shape> coop_matrix_khr_shapes;
  std::vector<coop_matrix_shape> coop_matrix_nv_shapes;
  std::vector<std::string> extensions;
  std::vector<std::string> errors;
};

// One thing a backend knows about a device, as it names it ("driver" = "amdxdna", "memory" =
// "16 GiB"): what backends without typed details (above) report, in the order they found it.
struct device_fact {
  std::string name;
  std::string value;
};

// The host CPU is a backend of its own, probed by probe/cpu.cpp and measured in process (its peak
// from cores x the calibrated clock x the ISA's ops per cycle, its own report section); this is
// the one place its name is spelled for the layers above the probe.
inline constexpr std::string_view host_cpu_backend = "cpu";
inline bool is_host_cpu(std::string_view backend) { return backend == host_cpu_backend; }

struct device_info {
  std::string id;                     // stable: the backend's name and an index: "cpu0", "opencl0", "vulkan1"
  std::string backend;                // "cpu" or a device backend's name (probe/registry.cpp): "opencl", "vulkan", ...
  std::string name;
  std::string vendor;
  std::string type;                   // "cpu", "gpu", "integrated_gpu", "discrete_gpu", "accelerator", "virtual_gpu", "other"
  std::string driver_version;
  std::string pci_bus_id;             // "0000:01:00.0" where the backend tells (cl_khr_pci_bus_info, VK_EXT_pci_bus_info)
  std::vector<precision_support> precisions;
  std::optional<opencl_details> opencl;
  std::optional<vulkan_details> vulkan;
  std::vector<device_fact> facts;     // other backends' details, as key/value data
  std::vector<std::string> extensions;  // other backends' extension or capability lists

  const precision_support* support_for(precision p) const;
  std::string_view fact(std::string_view key) const;  // empty when absent
};

// Whether a backend could be probed at all; a missing driver is data, not an error.
struct backend_status {
  std::string name;                   // "cpu" or a device backend's name (probe/registry.cpp)
  bool available = false;
  std::string version;                // loader / library version where known
  std::string reason;                 // why it is unavailable, or notes
  double probe_ms = 0;                // how long probing this backend took
  std::string title;                  // how reports name it: "CPU", "OpenCL", "Level Zero" (the registry's)
};

}  // namespace xpu
