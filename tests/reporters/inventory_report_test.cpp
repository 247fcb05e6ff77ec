// The console report from a saved topology and synthetic backends: what it must say, and that
// colour appears only when asked for.
#include <gtest/gtest.h>

#include "probe/machine.hpp"
#include "probe/cpu.hpp"
#include "reporters/inventory_report.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

inventory fixture_inventory() {
  inventory inv;
  auto topo = topology_load(test::fixture("topology/two_socket_four_numa.xml"));
  EXPECT_TRUE(topo);
  inv.cpu.topology = *topo;
  inv.cpu.memory.total_bytes = 32ull << 30;
  inv.cpu.frequency.max_mhz = 3000.0;
  x86_raw r;
  r.sse4_2 = r.avx = r.avx2 = r.fma = r.avx512f = true;
  r.osxsave = true;
  r.xcr0 = 0x7;  // AVX-512 present in CPUID but not enabled by the OS
  inv.cpu.isa = isa_decode_x86(r);
  inv.devices.push_back(cpu_device(inv.cpu));
  inv.backends.push_back({"cpu", true, "hwloc", "", 1, "CPU"});
  inv.backends.push_back({"opencl", false, "", "no OpenCL ICD loader: cannot load libOpenCL.so.1", 0, "OpenCL"});
  inv.backends.push_back({"vulkan", false, "", "the Vulkan loader found no driver", 0, "Vulkan"});
  inv.power.sources.push_back({"rapl", false, "/sys/class/powercap does not exist"});
  return inv;
}

TEST(inventory_report, shows_topology_caches_numa_and_memory_mismatch) {
  const std::string text = inventory_report(fixture_inventory(), {});
  EXPECT_NE(text.find("2 packages, 16 cores, 32 PUs (SMT x2)"), std::string::npos) << text;
  EXPECT_NE(text.find("L3 32 MiB x4, shared by 4 cores each"), std::string::npos) << text;
  EXPECT_NE(text.find("L1i 32 KiB x16, private to 1 core each"), std::string::npos) << text;
  EXPECT_NE(text.find("node 3: 16 GiB local memory, PUs 24-31"), std::string::npos) << text;
  EXPECT_NE(text.find("OS: 32 GiB total; NUMA nodes: 64 GiB (they differ"), std::string::npos) << text;
}

TEST(inventory_report, every_missing_piece_has_its_reason) {
  const std::string text = inventory_report(fixture_inventory(), {});
  EXPECT_NE(text.find("unavailable: no OpenCL ICD loader"), std::string::npos) << text;
  EXPECT_NE(text.find("unavailable: the Vulkan loader found no driver"), std::string::npos) << text;
  EXPECT_NE(text.find("rapl   unavailable: /sys/class/powercap does not exist"), std::string::npos) << text;
  EXPECT_NE(text.find("avx512f: the OS does not save AVX-512"), std::string::npos) << text;
  EXPECT_NE(text.find("cpu0 bf16 unsupported: no bf16 arithmetic"), std::string::npos) << text;
}

TEST(inventory_report, estimates_are_labelled) {
  const std::string text = inventory_report(fixture_inventory(), {});
  // 16 cores x 3000 MHz x 32 ops/cycle (AVX2 FMA: AVX-512 is not enabled) = 1.536 TOP/s
  EXPECT_NE(text.find("native ~1.54 TOP/s"), std::string::npos) << text;
  EXPECT_NE(text.find("cpu0 fp32: ~1.54 TOP/s, estimate: 16 cores x 3000 MHz"), std::string::npos) << text;
}

TEST(inventory_report, colour_only_when_asked) {
  const inventory inv = fixture_inventory();
  EXPECT_EQ(inventory_report(inv, {false, false}).find('\033'), std::string::npos);
  EXPECT_NE(inventory_report(inv, {true, false}).find("\033[1m"), std::string::npos);
}

}  // namespace
}  // namespace xpu
