// Energy meters on fake sysfs trees (a moving RAPL counter, wrap-around, a stuck counter, a
// sampled hwmon power input) and on a fake NVML library loaded through the real dlopen path.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "probe/energy.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

TEST(counter_delta, plain_and_wrapped) {
  EXPECT_EQ(counter_delta(100, 350, 1000), 250u);
  EXPECT_EQ(counter_delta(900, 50, 1000), 150u);  // wrapped at 1000
  EXPECT_EQ(counter_delta(900, 50, std::nullopt), 50u);
}

power_inventory rapl_tree(const test::temp_dir& root, std::uint64_t range = 262143328850) {
  root.write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
  root.write("sys/class/powercap/intel-rapl:0/energy_uj", "0\n");
  root.write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", std::to_string(range) + "\n");
  return power_probe({root.path(), "/nonexistent/libnvidia-ml.so.1"});
}

device_info cpu0() {
  device_info d;
  d.id = "cpu0";
  d.type = "cpu";
  return d;
}

double measure(energy_meter& m, double seconds, energy_reading* out = nullptr) {
  EXPECT_TRUE(m.start());
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  auto r = m.stop();
  EXPECT_TRUE(r) << r.error().message;
  if (out && r) *out = *r;
  return r ? r->joules / r->seconds : 0;
}

// The counter is written by the test itself between start and stop (a thread rewriting it in real
// time was late by tens of ms on a loaded machine: 80 W read for 100): the joules are then exact and
// the watts are those joules over the meter's own window.
energy_reading meter_across(energy_meter& m, const test::temp_dir& root, std::uint64_t before, std::uint64_t after) {
  const std::string counter = "sys/class/powercap/intel-rapl:0/energy_uj";
  root.write(counter, std::to_string(before) + "\n");
  EXPECT_TRUE(m.start());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  root.write(counter, std::to_string(after) + "\n");
  auto r = m.stop();
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : energy_reading{};
}

TEST(energy_meter, rapl_counter_gives_average_watts) {
  test::temp_dir root;
  const power_inventory power = rapl_tree(root);
  const sensor_match match = sensors_for(cpu0(), power);
  ASSERT_EQ(match.sensors.size(), 1u) << match.reason;
  auto meter = energy_meter_open(match);
  ASSERT_TRUE(meter) << meter.error().message;
  EXPECT_EQ((*meter)->name(), "rapl:intel-rapl:0");
  const energy_reading r = meter_across(**meter, root, 1'000'000, 3'500'000);
  EXPECT_NEAR(r.joules, 2.5, 1e-9);
  EXPECT_GE(r.seconds, 0.02);
}

TEST(energy_meter, rapl_wrap_around_is_handled) {
  test::temp_dir root;
  const std::uint64_t range = 30'000'000;  // 30 J
  const power_inventory power = rapl_tree(root, range);
  auto meter = energy_meter_open(sensors_for(cpu0(), power));
  ASSERT_TRUE(meter);
  // 5 J before the wrap to 3 J after it: 8 J, not a negative or a 30 J jump
  const energy_reading r = meter_across(**meter, root, range - 5'000'000, 3'000'000);
  EXPECT_NEAR(r.joules, 8.0, 1e-9);
}

TEST(energy_meter, stuck_counter_is_an_error_not_zero_watts) {
  test::temp_dir root;
  const power_inventory power = rapl_tree(root);
  auto meter = energy_meter_open(sensors_for(cpu0(), power));
  ASSERT_TRUE(meter);
  ASSERT_TRUE((*meter)->start());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  auto r = (*meter)->stop();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("did not move"), std::string::npos);
}

TEST(energy_meter, hwmon_power_is_sampled_and_integrated) {
  test::temp_dir root;
  root.write("sys/class/hwmon/hwmon0/name", "amd_energy\n");
  root.write("sys/class/hwmon/hwmon0/power1_average", "50000000\n");  // 50 W
  power_inventory power = power_probe({root.path(), "/nonexistent/libnvidia-ml.so.1"});
  ASSERT_EQ(power.sensors.size(), 1u);
  // The CPU takes hwmon energy inputs only; meter the power input directly.
  sensor_match match{power.sensors, ""};
  auto meter = energy_meter_open(match, {"/nonexistent", 0.002});
  ASSERT_TRUE(meter) << meter.error().message;
  energy_reading r;
  EXPECT_NEAR(measure(**meter, 0.1, &r), 50.0, 0.5);
  ASSERT_TRUE(r.sample_hz);
  EXPECT_GT(*r.sample_hz, 50.0);
}

TEST(energy_meter, no_sensor_gives_the_reason) {
  test::temp_dir root;
  const power_inventory power = power_probe({root.path(), "/nonexistent/libnvidia-ml.so.1"});
  const sensor_match match = sensors_for(cpu0(), power);
  EXPECT_TRUE(match.sensors.empty());
  EXPECT_NE(match.reason.find("rapl:"), std::string::npos) << match.reason;
  auto meter = energy_meter_open(match);
  ASSERT_FALSE(meter);
  EXPECT_EQ(meter.error().code, status::unsupported);
}

device_info gpu(const std::string& bus) {
  device_info d;
  d.id = "vulkan0";
  d.type = "discrete_gpu";
  d.pci_bus_id = bus;
  return d;
}

TEST(sensors_for, gpus_are_matched_by_pci_bus_id) {
  test::temp_dir root;
  const auto pci = root.path() / "sys/devices/pci0000:00/0000:03:00.0";
  std::filesystem::create_directories(pci);
  root.write("sys/class/hwmon/hwmon0/name", "amdgpu\n");
  root.write("sys/class/hwmon/hwmon0/power1_average", "45000000\n");
  std::filesystem::create_directory_symlink(pci, root.path() / "sys/class/hwmon/hwmon0/device");
  const power_inventory power = power_probe({root.path(), "/nonexistent/libnvidia-ml.so.1"});
  ASSERT_EQ(power.sensors.size(), 1u);
  EXPECT_EQ(power.sensors[0].covers, "pci 0000:03:00.0");

  sensor_match m = sensors_for(gpu("0000:03:00.0"), power);
  ASSERT_EQ(m.sensors.size(), 1u) << m.reason;
  EXPECT_EQ(m.sensors[0].id, "hwmon:amdgpu:power1_average");
  m = sensors_for(gpu("0000:04:00.0"), power);
  EXPECT_TRUE(m.sensors.empty());
  EXPECT_NE(m.reason.find("pci 0000:04:00.0"), std::string::npos) << m.reason;
  m = sensors_for(gpu(""), power);
  EXPECT_NE(m.reason.find("no PCI bus id"), std::string::npos) << m.reason;
  EXPECT_TRUE(sensors_for(cpu0(), power).sensors.empty());  // a GPU's sensor never counts for the CPU
}

TEST(energy_meter, fake_nvml_through_dlopen) {
  std::vector<power_sensor> sensors;
  const power_source src = nvml_probe(XPU_FAKE_NVML, sensors);
  ASSERT_TRUE(src.available) << src.reason;
  ASSERT_EQ(sensors.size(), 1u);
  EXPECT_EQ(sensors[0].name, "Fake GPU 200W");
  EXPECT_EQ(sensors[0].covers, "pci 0000:01:00.0");
  EXPECT_EQ(sensors[0].kind, "energy");
  power_inventory power;
  power.sensors = sensors;
  const sensor_match match = sensors_for(gpu("0000:01:00.0"), power);  // matched by PCI bus id
  ASSERT_EQ(match.sensors.size(), 1u) << match.reason;
  auto meter = energy_meter_open(match, {XPU_FAKE_NVML, 0.005});
  ASSERT_TRUE(meter) << meter.error().message;
  EXPECT_NEAR(measure(**meter, 0.2), 200.0, 10.0);
}

}  // namespace
}  // namespace xpu
