// Vulkan probe on the real lavapipe driver, cross-checked against vulkaninfo.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "probe/vulkan/vulkan.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

// The first "key = value" of each key in vulkaninfo's text output (one device on this machine).
std::map<std::string, std::string> vulkaninfo_fields() {
  const auto r = test::run({"/usr/bin/vulkaninfo"});
  std::map<std::string, std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    std::istringstream k(line.substr(0, eq));
    std::string key, value = line.substr(eq + 3);
    k >> key;
    out.try_emplace(key, value);
  }
  return out;
}

const device_info* find_lavapipe(const backend_probe& p) {
  for (const auto& d : p.devices)
    if (d.name.find("llvmpipe") != std::string::npos) return &d;
  return nullptr;
}

TEST(vulkan_probe, lavapipe_is_a_vulkan_cpu_device) {
  const backend_probe p = vulkan_probe();
  ASSERT_TRUE(p.status.available) << p.status.reason;
  const device_info* d = find_lavapipe(p);
  ASSERT_NE(d, nullptr) << "lavapipe (mesa-vulkan-drivers) must appear as a Vulkan device on this machine";
  EXPECT_EQ(d->type, "cpu");
  EXPECT_EQ(d->vendor, "Mesa");
  const vulkan_details& v = *d->vulkan;
  EXPECT_EQ(v.driver_name, "llvmpipe");
  EXPECT_NE(v.driver_info.find("Mesa"), std::string::npos);
  EXPECT_FALSE(v.heaps.empty());
  EXPECT_GE(v.compute_queue_families, 1u);
  EXPECT_GT(v.subgroup_size, 0u);
  EXPECT_NE(std::find(v.subgroup_operations.begin(), v.subgroup_operations.end(), "basic"), v.subgroup_operations.end());
  // lavapipe has no matrix units: neither cooperative-matrix extension is listed.
  EXPECT_FALSE(v.coop_matrix_khr);
  EXPECT_FALSE(v.coop_matrix_nv);
  EXPECT_TRUE(v.coop_matrix_khr_shapes.empty());
}

TEST(vulkan_probe, lavapipe_matches_vulkaninfo) {
  const backend_probe p = vulkan_probe();
  const device_info* d = find_lavapipe(p);
  ASSERT_NE(d, nullptr);
  const auto ref = vulkaninfo_fields();
  ASSERT_FALSE(ref.empty()) << "vulkaninfo printed nothing";
  const vulkan_details& v = *d->vulkan;
  auto flag = [&](const char* key) { return ref.at(key) == "true"; };
  EXPECT_EQ(d->name, ref.at("deviceName"));
  EXPECT_EQ(ref.at("apiVersion").rfind(v.api_version, 0), 0u) << ref.at("apiVersion");
  EXPECT_EQ(std::to_string(v.subgroup_size), ref.at("subgroupSize"));
  EXPECT_EQ(std::to_string(v.max_shared_memory_bytes), ref.at("maxComputeSharedMemorySize"));
  EXPECT_EQ(std::to_string(v.max_workgroup_invocations), ref.at("maxComputeWorkGroupInvocations"));
  EXPECT_EQ(std::to_string(v.max_storage_buffer_range), ref.at("maxStorageBufferRange"));
  EXPECT_EQ(v.shader_float16, flag("shaderFloat16"));
  EXPECT_EQ(v.shader_int8, flag("shaderInt8"));
  EXPECT_EQ(v.shader_int16, flag("shaderInt16"));
  EXPECT_EQ(v.storage_16bit, flag("storageBuffer16BitAccess"));
  EXPECT_EQ(v.storage_8bit, flag("storageBuffer8BitAccess"));
  EXPECT_EQ(v.integer_dot_product, flag("shaderIntegerDotProduct"));
}

}  // namespace
}  // namespace xpu
