#pragma once
// What the probe knows about the CPU: topology (hwloc), memory as the OS reports it, frequencies
// where the system tells, and the ISA features that matter for ML. Plain data of the inventory
// model (probe/cpu.hpp reads them from the machine).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpu {

struct cache_info {
  int level = 0;
  std::string kind;               // "data", "instruction" or "unified"
  std::uint64_t size_bytes = 0;
  std::uint32_t line_bytes = 0;   // 0 when unknown
  int associativity = 0;          // ways; -1 fully associative; 0 unknown
  std::vector<int> cores;         // logical indices of the cores that share this cache
  std::vector<int> pus;           // OS indices of the processing units that share it
};

struct numa_node_info {
  int os_index = 0;
  std::uint64_t local_memory_bytes = 0;
  std::vector<int> pus;           // OS indices of the PUs local to this node
};

struct cpu_topology {
  std::string source;             // "live" or "xml:<path>"
  std::string vendor;             // empty when the topology does not say
  std::string model;
  std::string architecture;
  int packages = 0;
  int cores = 0;
  int pus = 0;
  std::vector<cache_info> caches;
  std::vector<numa_node_info> numa_nodes;
  std::uint64_t numa_memory_bytes = 0;  // sum of the NUMA nodes' local memory (hwloc)
};

// Memory the operating system reports (/proc/meminfo). In virtual machines this can differ from
// hwloc's NUMA figures; buffer sizing uses this one.
struct os_memory {
  std::optional<std::uint64_t> total_bytes;
  std::optional<std::uint64_t> available_bytes;
  std::string source;
  std::string reason;             // why a figure is missing
};

// Frequencies in MHz where the system tells (cpufreq in sysfs, /proc/cpuinfo). Nominal figures:
// the run measures the real clock under load.
struct cpu_frequency {
  std::optional<double> base_mhz;
  std::optional<double> max_mhz;
  std::optional<double> min_mhz;
  std::optional<double> current_mhz;
  std::string source;
  std::string reason;
};

struct isa_feature {
  std::string name;               // stable, lower case: "avx2", "avx512_vnni", "dotprod", ...
  bool present = false;           // usable: the CPU has it and the OS enabled it
  std::string note;               // why an instruction set the CPU reports is not usable
};

struct cpu_isa {
  std::string family;             // "x86", "arm" or "other"
  std::string source;             // how the features were read
  std::vector<isa_feature> features;
  std::optional<int> sve_vector_bits;
  // x86: CPUID's vendor string and display family/model, which name the microarchitecture where
  // the feature bits do not (Zen 4 runs 512-bit instructions on 256-bit pipes; Zen 5 does not).
  std::string vendor;
  std::optional<int> cpu_family, cpu_model;

  bool has(std::string_view name) const;
  std::vector<std::string> present() const;
};

struct cpu_info {
  cpu_topology topology;
  os_memory memory;
  cpu_frequency frequency;
  cpu_isa isa;
};

}  // namespace xpu
