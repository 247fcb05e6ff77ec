// The device backends' registry, and the two probe-only backends added through it: Level Zero
// (a fake loader, the real one without a driver) and Linux accel devices (a fake sysfs tree).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "probe/accel/accel.hpp"
#include "probe/levelzero/levelzero.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

TEST(device_backends, names_ids_and_order) {
  std::set<std::string_view> names;
  for (const auto& b : device_backends()) {
    EXPECT_TRUE(names.insert(b.name).second) << b.name;
    EXPECT_EQ(device_backend_find(b.name), &b);
    EXPECT_FALSE(b.title.empty());
  }
  EXPECT_EQ(device_backend_of("opencl1"), device_backend_find("opencl"));
  EXPECT_EQ(device_backend_of("vulkan12"), device_backend_find("vulkan"));
  EXPECT_EQ(device_backend_of("cpu0"), nullptr);
  EXPECT_EQ(device_backend_of("opencl"), nullptr);
  EXPECT_EQ(device_backend_of("openclx"), nullptr);
  EXPECT_EQ(backend_title("cpu"), "CPU");
  EXPECT_EQ(backend_title("levelzero"), "Level Zero");
  EXPECT_LT(device_backend_rank("cpu"), device_backend_rank("opencl"));
  EXPECT_LT(device_backend_rank("opencl"), device_backend_rank("vulkan"));
  const auto others = device_backends_except("vulkan");
  EXPECT_EQ(others.size(), device_backends().size() - 1);
  EXPECT_EQ(std::ranges::find(others, "vulkan"), others.end());
}

// Every backend of the registry has a status in the inventory, switched off ones say so.
TEST(device_backends, every_backend_has_a_status) {
  probe_options o;
  o.skip = device_backends_except("accel");
  o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  const auto inv = probe_machine(o);
  ASSERT_TRUE(inv) << inv.error().message;
  ASSERT_EQ(inv->backends.size(), device_backends().size() + 1);
  EXPECT_EQ(inv->backends[0].name, "cpu");
  for (std::size_t i = 0; i < device_backends().size(); ++i) {
    const auto& s = inv->backends[i + 1];
    EXPECT_EQ(s.name, device_backends()[i].name);
    EXPECT_EQ(s.title, device_backends()[i].title);
    if (s.name != "accel") {
      EXPECT_EQ(s.reason, "not probed (disabled by option)");
    }
  }
}

#if XPU_WITH_LEVEL_ZERO
TEST(levelzero_probe, a_driver_lists_gpus_and_npus_as_facts) {
  test::scoped_env lib("XPUBENCH_LEVEL_ZERO_LIBRARY", XPU_FAKE_LEVEL_ZERO);
  const backend_probe p = levelzero_probe();
  ASSERT_TRUE(p.status.available) << p.status.reason;
  EXPECT_EQ(p.status.version, "Level Zero 1.3");
  ASSERT_EQ(p.devices.size(), 2u);
  const device_info& gpu = p.devices[0];
  EXPECT_EQ(gpu.id, "levelzero0");
  EXPECT_EQ(gpu.backend, "levelzero");
  EXPECT_EQ(gpu.name, "Fake Arc Graphics");
  EXPECT_EQ(gpu.vendor, "Intel");
  EXPECT_EQ(gpu.type, "integrated_gpu");
  EXPECT_EQ(gpu.fact("memory"), "16 GiB");
  EXPECT_EQ(gpu.fact("PCI ids"), "0x8086:0x7d55");
  EXPECT_NE(gpu.fact("execution units").find("128 (1 slices x 8 sub-slices x 16 EUs"), std::string_view::npos) << gpu.fact("execution units");
  EXPECT_EQ(gpu.extensions, (std::vector<std::string>{"fp16", "dp4a"}));
  EXPECT_TRUE(gpu.precisions.empty());  // probed only
  const device_info& npu = p.devices[1];
  EXPECT_EQ(npu.id, "levelzero1");
  EXPECT_EQ(npu.type, "accelerator");
  EXPECT_EQ(npu.fact("device type"), "VPU/NPU");
  EXPECT_EQ(npu.fact("execution units"), "");
}

TEST(levelzero_probe, no_driver_and_no_loader_are_reasons) {
  {
    test::scoped_env lib("XPUBENCH_LEVEL_ZERO_LIBRARY", XPU_FAKE_LEVEL_ZERO);
    test::scoped_env fault("FAKE_LEVEL_ZERO", "no_driver");
    const backend_probe p = levelzero_probe();
    EXPECT_FALSE(p.status.available);
    EXPECT_NE(p.status.reason.find("zeInit failed: ZE_RESULT_ERROR_UNINITIALIZED"), std::string::npos) << p.status.reason;
  }
  test::scoped_env lib("XPUBENCH_LEVEL_ZERO_LIBRARY", "/nonexistent/libze_loader.so.1");
  const backend_probe p = levelzero_probe();
  EXPECT_FALSE(p.status.available);
  EXPECT_NE(p.status.reason.find("no Level Zero loader"), std::string::npos) << p.status.reason;
  EXPECT_TRUE(p.devices.empty());
}
#endif

// A fake sysfs tree as Linux 6.x lays it out: the class entry, its PCI device, the driver link.
TEST(accel_probe, lists_npus_from_sysfs) {
  test::temp_dir dir;
  const auto root = dir.path();
  const auto pci = root / "sys/devices/pci0000:00/0000:00:0b.0";
  std::filesystem::create_directories(pci / "accel/accel0");
  std::filesystem::create_directories(root / "sys/bus/pci/drivers/intel_vpu");
  std::filesystem::create_directories(root / "sys/class/accel");
  std::filesystem::create_directories(root / "dev/accel");
  std::ofstream(pci / "vendor") << "0x8086\n";
  std::ofstream(pci / "device") << "0x7d1d\n";
  std::ofstream(pci / "numa_node") << "-1\n";
  std::ofstream(root / "dev/accel/accel0") << "";
  std::filesystem::create_directory_symlink(root / "sys/bus/pci/drivers/intel_vpu", pci / "driver");
  std::filesystem::create_directory_symlink(pci, pci / "accel/accel0/device");
  std::filesystem::create_directory_symlink(pci / "accel/accel0", root / "sys/class/accel/accel0");
  std::filesystem::create_directory(root / "sys/class/accel/card0");  // not an accelN entry

  const backend_probe p = accel_probe_at(root);
  ASSERT_TRUE(p.status.available) << p.status.reason;
  ASSERT_EQ(p.devices.size(), 1u);
  const device_info& d = p.devices[0];
  EXPECT_EQ(d.id, "accel0");
  EXPECT_EQ(d.backend, "accel");
  EXPECT_EQ(d.name, "Intel NPU");
  EXPECT_EQ(d.vendor, "Intel");
  EXPECT_EQ(d.type, "accelerator");
  EXPECT_EQ(d.pci_bus_id, "0000:00:0b.0");
  EXPECT_EQ(d.fact("driver"), "intel_vpu");
  EXPECT_EQ(d.fact("PCI ids"), "0x8086:0x7d1d");
  EXPECT_EQ(d.fact("NUMA node"), "");  // -1: none
  EXPECT_NE(d.fact("device node").find("/dev/accel/accel0"), std::string_view::npos);
  EXPECT_NE(d.fact("measured").find("no:"), std::string_view::npos);

  // Through the registry: probe_machine hands its root to the backend.
  probe_options o;
  o.root = root;
  o.skip = device_backends_except("accel");
  o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  const auto inv = probe_machine(o);
  ASSERT_TRUE(inv) << inv.error().message;
  ASSERT_NE(inv->find_device("accel0"), nullptr);
  EXPECT_EQ(inv->find_device("accel0")->fact("driver"), "intel_vpu");
}

TEST(accel_probe, no_accel_class_is_a_reason) {
  test::temp_dir dir;
  const backend_probe p = accel_probe_at(dir.path());
  EXPECT_FALSE(p.status.available);
  EXPECT_NE(p.status.reason.find("no /sys/class/accel"), std::string::npos);
  std::filesystem::create_directories(dir.path() / "sys/class/accel");
  const backend_probe empty = accel_probe_at(dir.path());
  EXPECT_FALSE(empty.status.available);
  EXPECT_EQ(empty.status.reason, "/sys/class/accel lists no device");
}

}  // namespace
}  // namespace xpu
