// The xpubench binary end to end: exit codes, formats, files, and every way a backend can be
// missing (no loader, no driver), simulated through the loaders' own environment variables.
#include <gtest/gtest.h>

#include <fstream>

#include "results/inventory_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

using test::xpubench;

inventory parse(const std::string& text) {
  auto doc = nlohmann::json::parse(text);
  auto inv = probe_document_read(doc, "stdout");
  EXPECT_TRUE(inv) << inv.error().message;
  return inv ? *inv : inventory{};
}

const backend_status& backend(const inventory& inv, const std::string& name) {
  for (const auto& b : inv.backends)
    if (b.name == name) return b;
  throw std::runtime_error("no backend " + name);
}

TEST(xpubench_probe, json_lists_cpu_pocl_and_lavapipe) {
  const auto r = xpubench({"probe", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const inventory inv = parse(r.out);
  ASSERT_NE(inv.find_device("cpu0"), nullptr);
  bool pocl = false, lavapipe = false;
  for (const auto& d : inv.devices) {
    pocl |= d.backend == "opencl" && d.type == "cpu";
    lavapipe |= d.backend == "vulkan" && d.type == "cpu";
    EXPECT_EQ(d.precisions.size(), all_precisions.size()) << d.id;
  }
  EXPECT_TRUE(pocl);
  EXPECT_TRUE(lavapipe);
  EXPECT_EQ(inv.power.sources.size(), 3u);
}

TEST(xpubench_probe, saved_topology_replaces_the_live_one) {
  const auto r = xpubench({"probe", "--format", "json", "--topology", test::fixture("topology/two_socket_four_numa.xml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const inventory inv = parse(r.out);
  EXPECT_EQ(inv.cpu.topology.packages, 2);
  EXPECT_EQ(inv.cpu.topology.numa_nodes.size(), 4u);
}

TEST(xpubench_probe, bad_topology_file_exits_2_naming_it) {
  const auto r = xpubench({"probe", "--topology", test::fixture("topology/truncated.xml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("truncated.xml"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(xpubench_probe, bad_usage_exits_2) {
  auto r = xpubench({"probe", "--format", "yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--format"), std::string::npos) << r.err;
  r = xpubench({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
}

TEST(xpubench_probe, help_and_version_exit_0) {
  EXPECT_EQ(xpubench({"--help"}).exit_code, 0);
  const auto v = xpubench({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("xpubench"), std::string::npos);
}

TEST(xpubench_probe, output_file_is_written) {
  test::temp_dir dir;
  const auto file = dir.path() / "inventory.json";
  const auto r = xpubench({"probe", "--format", "json", "--no-opencl", "--no-vulkan", "--output", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::ifstream in(file);
  const inventory inv = parse(std::string(std::istreambuf_iterator<char>(in), {}));
  EXPECT_EQ(backend(inv, "opencl").reason, "not probed (disabled by option)");
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST(xpubench_probe, unwritable_output_exits_2) {
  const auto r = xpubench({"probe", "--no-opencl", "--no-vulkan", "--output", "/nonexistent-dir/x.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent-dir/x.json"), std::string::npos) << r.err;
}

#ifdef XPU_FAKE_LEVEL_ZERO
// A backend of the registry that is probed only (Level Zero, through a fake loader): its devices
// are listed with their facts, `run` says they are not measured, `--no-levelzero` switches it off.
TEST(xpubench_probe, probe_only_backends_list_devices_that_run_refuses) {
  const std::map<std::string, std::string> env{{"XPUBENCH_LEVEL_ZERO_LIBRARY", XPU_FAKE_LEVEL_ZERO}};
  const auto r = xpubench({"probe", "--format", "json", "--no-opencl", "--no-vulkan"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const inventory inv = parse(r.out);
  const device_info* npu = inv.find_device("levelzero1");
  ASSERT_NE(npu, nullptr) << r.out;
  EXPECT_EQ(npu->type, "accelerator");
  EXPECT_EQ(npu->fact("device type"), "VPU/NPU");
  EXPECT_EQ(backend(inv, "levelzero").title, "Level Zero");
  EXPECT_TRUE(backend(inv, "levelzero").available);
  const auto text = xpubench({"probe", "--no-opencl", "--no-vulkan"}, env);
  EXPECT_NE(text.out.find("Level Zero  Level Zero 1.3"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("      memory: 16 GiB"), std::string::npos) << text.out;
  const auto run = xpubench({"run", "--device", "levelzero1", "--kernel", "latency"}, env);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("levelzero1 (Fake AI Boost NPU): probed only: xpubench has no Level Zero kernels"), std::string::npos) << run.err;
  const auto off = parse(xpubench({"probe", "--format", "json", "--no-levelzero", "--no-opencl", "--no-vulkan"}, env).out);
  EXPECT_EQ(backend(off, "levelzero").reason, "not probed (disabled by option)");
  EXPECT_EQ(off.find_device("levelzero0"), nullptr);
}
#endif

TEST(xpubench_probe, missing_icd_loader_is_reported_not_fatal) {
  const auto r = xpubench({"probe", "--format", "json"}, {{"XPUBENCH_OPENCL_LIBRARY", "/nonexistent/libOpenCL.so.1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const inventory inv = parse(r.out);
  const auto& b = backend(inv, "opencl");
  EXPECT_FALSE(b.available);
  EXPECT_NE(b.reason.find("no OpenCL ICD loader"), std::string::npos) << b.reason;
}

TEST(xpubench_probe, icd_loader_without_drivers_is_reported) {
  test::temp_dir empty_vendors;
  const auto r = xpubench({"probe", "--format", "json", "--no-vulkan"}, {{"OCL_ICD_VENDORS", empty_vendors.path().string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const inventory inv = parse(r.out);
  const auto& b = backend(inv, "opencl");
  EXPECT_FALSE(b.available);
  EXPECT_NE(b.reason.find("no platform"), std::string::npos) << b.reason;
  for (const auto& d : inv.devices) EXPECT_NE(d.backend, "opencl");
}

TEST(xpubench_probe, missing_vulkan_loader_or_driver_is_reported) {
  auto r = xpubench({"probe", "--format", "json", "--no-opencl"}, {{"XPUBENCH_VULKAN_LIBRARY", "/nonexistent/libvulkan.so.1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(backend(parse(r.out), "vulkan").reason.find("no Vulkan loader"), std::string::npos);

  r = xpubench({"probe", "--format", "json", "--no-opencl"}, {{"VK_ICD_FILENAMES", "/nonexistent/icd.json"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const inventory inv = parse(r.out);
  const auto& b = backend(inv, "vulkan");
  EXPECT_FALSE(b.available);
  EXPECT_NE(b.reason.find("no driver"), std::string::npos) << b.reason;
}

}  // namespace
}  // namespace xpu
