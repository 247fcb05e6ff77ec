// Power sensors on fake sysfs trees, and NVML's absence.
#include <gtest/gtest.h>

#include "probe/power.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

void rapl_zone(const test::temp_dir& root, const std::string& zone, const std::string& name, const std::string& energy) {
  const std::string dir = "sys/class/powercap/" + zone + "/";
  root.write(dir + "name", name + "\n");
  root.write(dir + "energy_uj", energy + "\n");
  root.write(dir + "max_energy_range_uj", "262143328850\n");
}

TEST(rapl_probe, lists_zones_with_what_they_cover) {
  test::temp_dir root;
  rapl_zone(root, "intel-rapl:0", "package-0", "123456789");
  rapl_zone(root, "intel-rapl:0:0", "core", "5555");
  rapl_zone(root, "intel-rapl:1", "dram", "42");
  root.write("sys/class/powercap/intel-rapl/enabled", "1\n");  // the control type, not a zone
  std::vector<power_sensor> sensors;
  const power_source src = rapl_probe(root.path() / "sys/class/powercap", sensors);
  EXPECT_TRUE(src.available);
  ASSERT_EQ(sensors.size(), 3u);
  EXPECT_EQ(sensors[0].id, "rapl:intel-rapl:0");
  EXPECT_EQ(sensors[0].covers, "cpu package 0");
  EXPECT_EQ(sensors[0].kind, "energy");
  EXPECT_EQ(sensors[0].unit, "uJ");
  EXPECT_TRUE(sensors[0].readable);
  EXPECT_EQ(sensors[0].max_energy_range_uj, 262143328850u);
  EXPECT_EQ(sensors[1].covers, "cpu cores");
  EXPECT_EQ(sensors[2].covers, "dram");
}

TEST(rapl_probe, unreadable_counter_has_a_reason) {
  test::temp_dir root;
  rapl_zone(root, "intel-rapl:0", "package-0", "not-a-number");
  std::vector<power_sensor> sensors;
  const power_source src = rapl_probe(root.path() / "sys/class/powercap", sensors);
  ASSERT_EQ(sensors.size(), 1u);
  EXPECT_FALSE(sensors[0].readable);
  EXPECT_NE(sensors[0].reason.find("expected an unsigned integer"), std::string::npos);
  EXPECT_FALSE(src.available);
  EXPECT_NE(src.reason.find("none readable"), std::string::npos);
}

TEST(rapl_probe, counter_that_cannot_be_opened) {
  test::temp_dir root;
  root.write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
  std::filesystem::create_directories(root.path() / "sys/class/powercap/intel-rapl:0/energy_uj");  // not a file
  std::vector<power_sensor> sensors;
  rapl_probe(root.path() / "sys/class/powercap", sensors);
  ASSERT_EQ(sensors.size(), 1u);
  EXPECT_FALSE(sensors[0].readable);
  EXPECT_NE(sensors[0].reason.find("energy_uj"), std::string::npos);
}

TEST(rapl_probe, no_powercap_directory) {
  test::temp_dir root;
  std::vector<power_sensor> sensors;
  const power_source src = rapl_probe(root.path() / "sys/class/powercap", sensors);
  EXPECT_FALSE(src.available);
  EXPECT_TRUE(sensors.empty());
  EXPECT_NE(src.reason.find("does not exist"), std::string::npos);
}

TEST(hwmon_probe, energy_and_power_inputs_with_labels) {
  test::temp_dir root;
  root.write("sys/class/hwmon/hwmon0/name", "amdgpu\n");
  root.write("sys/class/hwmon/hwmon0/power1_average", "45000000\n");
  root.write("sys/class/hwmon/hwmon0/power1_label", "PPT\n");
  root.write("sys/class/hwmon/hwmon0/temp1_input", "50000\n");
  root.write("sys/class/hwmon/hwmon1/name", "amd_energy\n");
  root.write("sys/class/hwmon/hwmon1/energy1_input", "987654\n");
  root.write("sys/class/hwmon/hwmon1/energy1_label", "Esocket0\n");
  root.write("sys/class/hwmon/hwmon2/name", "nvme\n");
  root.write("sys/class/hwmon/hwmon2/temp1_input", "30000\n");
  std::vector<power_sensor> sensors;
  const power_source src = hwmon_probe(root.path() / "sys/class/hwmon", sensors);
  EXPECT_TRUE(src.available);
  ASSERT_EQ(sensors.size(), 2u);
  EXPECT_EQ(sensors[0].id, "hwmon:amdgpu:power1_average");
  EXPECT_EQ(sensors[0].kind, "power");
  EXPECT_EQ(sensors[0].unit, "uW");
  EXPECT_EQ(sensors[0].name, "amdgpu PPT");
  EXPECT_TRUE(sensors[0].readable);
  EXPECT_EQ(sensors[1].kind, "energy");
  EXPECT_EQ(sensors[1].covers, "cpu");
  EXPECT_EQ(sensors[1].name, "amd_energy Esocket0");
}

TEST(hwmon_probe, chips_without_power_inputs) {
  test::temp_dir root;
  root.write("sys/class/hwmon/hwmon0/name", "k10temp\n");
  root.write("sys/class/hwmon/hwmon0/temp1_input", "40000\n");
  std::vector<power_sensor> sensors;
  const power_source src = hwmon_probe(root.path() / "sys/class/hwmon", sensors);
  EXPECT_FALSE(src.available);
  EXPECT_NE(src.reason.find("no hwmon driver"), std::string::npos);
}

TEST(nvml_probe, missing_library_is_reported_not_fatal) {
  std::vector<power_sensor> sensors;
  const power_source src = nvml_probe("/nonexistent/libnvidia-ml.so.1", sensors);
  EXPECT_FALSE(src.available);
  EXPECT_TRUE(sensors.empty());
  EXPECT_NE(src.reason.find("/nonexistent/libnvidia-ml.so.1"), std::string::npos);
}

TEST(power_probe, whole_tree_reports_every_source) {
  test::temp_dir root;
  rapl_zone(root, "intel-rapl:0", "package-0", "1");
  const power_inventory inv = power_probe({root.path(), "/nonexistent/libnvidia-ml.so.1"});
  ASSERT_EQ(inv.sources.size(), 3u);
  EXPECT_EQ(inv.sources[0].name, "rapl");
  EXPECT_TRUE(inv.sources[0].available);
  EXPECT_EQ(inv.sources[1].name, "hwmon");
  EXPECT_FALSE(inv.sources[1].available);
  EXPECT_FALSE(inv.sources[1].reason.empty());
  EXPECT_EQ(inv.sources[2].name, "nvml");
  EXPECT_FALSE(inv.sources[2].available);
  EXPECT_EQ(inv.sensors.size(), 1u);
}

}  // namespace
}  // namespace xpu
