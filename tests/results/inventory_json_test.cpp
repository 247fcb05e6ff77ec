// Schema v1 round trip: inventory -> JSON -> inventory -> JSON is the identity, absent optional
// fields stay absent, and bad headers are rejected with the file and the reason.
#include <gtest/gtest.h>

#include "probe/machine.hpp"
#include "results/inventory_json.hpp"

namespace xpu {
namespace {

inventory sample() {
  inventory inv;
  inv.probed_at = "2026-11-23T18:00:00Z";
  inv.probe_ms = 12.5;
  inv.host = {"box", "Debian GNU/Linux 12 (bookworm)", "Linux 6.1.0", "x86_64"};
  inv.cpu.topology = {"xml:two.xml", "GenuineIntel", "Xeon", "x86_64", 2, 16, 32, {}, {}, 64ull << 30};
  inv.cpu.topology.caches.push_back({3, "unified", 32u << 20, 64, 16, {0, 1, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7}});
  inv.cpu.topology.numa_nodes.push_back({0, 16ull << 30, {0, 1, 2, 3, 4, 5, 6, 7}});
  inv.cpu.memory.total_bytes = 24ull << 30;  // available_bytes left absent
  inv.cpu.memory.source = "/proc/meminfo";
  inv.cpu.frequency.current_mhz = 2596.1;
  inv.cpu.frequency.reason = "no cpufreq driver";
  inv.cpu.isa.family = "x86";
  inv.cpu.isa.features = {{"avx2", true, ""}, {"avx512f", false, "the OS does not save AVX-512 state"}};
  device_info cpu;
  cpu.id = "cpu0";
  cpu.backend = "cpu";
  cpu.type = "cpu";
  cpu.precisions.push_back({precision::fp32, support_level::native, "AVX2 FMA", peak_estimate{1e12, "estimate: x"}, ""});
  cpu.precisions.push_back({precision::bf16, support_level::unsupported, "no bf16", std::nullopt, "unsupported"});
  inv.devices.push_back(cpu);
  device_info cl;
  cl.id = "opencl0";
  cl.backend = "opencl";
  cl.opencl = opencl_details{};
  cl.opencl->extensions = {"cl_khr_fp64"};
  cl.opencl->max_work_item_sizes = {4096, 4096, 4096};
  inv.devices.push_back(cl);
  device_info vk;
  vk.id = "vulkan0";
  vk.backend = "vulkan";
  vk.vulkan = vulkan_details{};
  vk.vulkan->max_workgroup_size = {1024, 1024, 64};
  vk.vulkan->coop_matrix_nv_shapes.push_back({16, 16, 16, "float16", "float16", "float32", "float32", "subgroup", false});
  vk.vulkan->heaps.push_back({8ull << 30, true});
  inv.devices.push_back(vk);
  inv.power.sources.push_back({"rapl", false, "no powercap"});
  inv.power.sensors.push_back({"rapl:intel-rapl:0", "rapl", "energy", "uJ", "package-0", "/sys/x", "cpu package 0", true, "", 262143328850u});
  inv.backends.push_back({"opencl", true, "libOpenCL.so.1", "", 20.0, "OpenCL"});
  return inv;
}

TEST(inventory_json, round_trip_is_the_identity) {
  const nlohmann::json first = inventory_to_json(sample());
  auto back = inventory_from_json(first);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(inventory_to_json(*back), first);
}

TEST(inventory_json, absent_optionals_are_absent_keys) {
  const nlohmann::json j = inventory_to_json(sample());
  EXPECT_TRUE(j["cpu"]["memory"].contains("total_bytes"));
  EXPECT_FALSE(j["cpu"]["memory"].contains("available_bytes"));
  EXPECT_FALSE(j["cpu"]["frequency"].contains("max_mhz"));
  EXPECT_FALSE(j["devices"][0].contains("opencl"));
  EXPECT_TRUE(j["devices"][1].contains("opencl"));
  EXPECT_FALSE(j["devices"][0]["precisions"][1].contains("peak"));
  EXPECT_EQ(j["devices"][0]["precisions"][0]["peak"]["ops_per_s"], 1e12);
  EXPECT_EQ(j["devices"][0]["precisions"][0]["type"], "fp32");
  EXPECT_EQ(j["devices"][0]["precisions"][1]["level"], "unsupported");
  EXPECT_EQ(j["cpu"]["isa"]["present"], nlohmann::json::array({"avx2"}));
}

TEST(probe_document, carries_schema_version_and_kind) {
  const nlohmann::json doc = probe_document(sample());
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["kind"], "xpubench.inventory");
  EXPECT_TRUE(doc["xpubench"].contains("version"));
  auto back = probe_document_read(doc, "probe.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->devices.size(), 3u);
}

TEST(probe_document, wrong_version_kind_or_shape_is_rejected_with_the_file) {
  nlohmann::json doc = probe_document(sample());
  doc["schema_version"] = 2;
  auto r = probe_document_read(doc, "old.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("old.json"), std::string::npos);
  EXPECT_NE(r.error().message.find("schema_version 2"), std::string::npos);

  doc = probe_document(sample());
  doc["kind"] = "xpubench.run";
  r = probe_document_read(doc, "run.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("xpubench.inventory"), std::string::npos);

  r = probe_document_read(nlohmann::json::array(), "list.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("JSON object"), std::string::npos);

  doc = probe_document(sample());
  doc["inventory"]["devices"] = "not a list";
  r = probe_document_read(doc, "bad.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, status::invalid);
  EXPECT_NE(r.error().message.find("bad.json"), std::string::npos);
}

TEST(inventory_json, live_probe_round_trips) {
  auto inv = probe_machine({});
  ASSERT_TRUE(inv) << inv.error().message;
  const nlohmann::json first = inventory_to_json(*inv);
  auto back = inventory_from_json(first);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(inventory_to_json(*back), first);
}

}  // namespace
}  // namespace xpu
