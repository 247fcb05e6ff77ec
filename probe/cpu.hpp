#pragma once
// Reading the CPU's inventory (inventory/cpu.hpp) from the machine: topology through hwloc, memory
// and frequencies from /proc and sysfs, ISA features from CPUID or HWCAP. Nothing of hwloc escapes
// this header (STYLE.md rule 2).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "inventory/cpu.hpp"

namespace xpu {

// Load the live machine's topology, or a saved one (`lstopo --of xml`) when xml is given.
result<cpu_topology> topology_load(const std::optional<std::filesystem::path>& xml);
// "hwloc 2.9.0", the library the topology comes from (run-time version).
std::string topology_library_version();

// root is "/" for the live machine; tests point it at a fake tree with proc/ and sys/.
os_memory os_memory_read(const std::filesystem::path& root);
cpu_frequency cpu_frequency_read(const std::filesystem::path& root);

// Raw facts the x86 decoder needs; filled from CPUID (cpu_features + our own leaves) and XGETBV.
struct x86_raw {
  bool sse4_2 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512_vnni = false, avx512_bf16 = false,
       avx512_fp16 = false, avx_vnni = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false, amx_fp8 = false;
  int avx10_version = 0;          // CPUID leaf 0x24 (AVX10.2 adds fp8 conversions); 0: no AVX10
  bool osxsave = false;
  std::uint64_t xcr0 = 0;
  std::optional<bool> amx_permission;  // Linux arch_prctl(ARCH_REQ_XCOMP_PERM); nullopt if not asked
  std::string amx_permission_reason;
  std::string vendor;             // "GenuineIntel", "AuthenticAMD"
  int family = 0, model = 0;      // display family and model (0: unknown)
};

// Raw facts for Arm: the AT_HWCAP / AT_HWCAP2 words and the SVE vector length.
struct arm_raw {
  std::uint64_t hwcap = 0;
  std::uint64_t hwcap2 = 0;
  std::optional<int> sve_vector_bytes;
};

cpu_isa isa_decode_x86(const x86_raw& raw);
cpu_isa isa_decode_arm(const arm_raw& raw);
cpu_isa isa_detect();             // the live CPU

}  // namespace xpu
