// Memory and frequency from fake procfs/sysfs trees.
#include <gtest/gtest.h>

#include "probe/cpu.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

TEST(os_memory_read, reads_total_and_available) {
  test::temp_dir root;
  root.write("proc/meminfo", "MemTotal:       24641536 kB\nMemFree:        1000 kB\nMemAvailable:   24212144 kB\n");
  const os_memory m = os_memory_read(root.path());
  ASSERT_TRUE(m.total_bytes);
  ASSERT_TRUE(m.available_bytes);
  EXPECT_EQ(*m.total_bytes, 24641536ull * 1024);
  EXPECT_EQ(*m.available_bytes, 24212144ull * 1024);
  EXPECT_TRUE(m.reason.empty());
}

TEST(os_memory_read, missing_file_gives_a_reason) {
  test::temp_dir root;
  const os_memory m = os_memory_read(root.path());
  EXPECT_FALSE(m.total_bytes);
  EXPECT_NE(m.reason.find("meminfo"), std::string::npos);
}

TEST(os_memory_read, old_kernel_without_memavailable) {
  test::temp_dir root;
  root.write("proc/meminfo", "MemTotal: 2048 kB\n");
  const os_memory m = os_memory_read(root.path());
  EXPECT_EQ(m.total_bytes, 2048u * 1024);
  EXPECT_FALSE(m.available_bytes);
  EXPECT_NE(m.reason.find("MemAvailable"), std::string::npos);
}

TEST(cpu_frequency_read, cpufreq_figures_in_mhz) {
  test::temp_dir root;
  const std::string dir = "sys/devices/system/cpu/cpu0/cpufreq/";
  root.write(dir + "base_frequency", "2100000\n");
  root.write(dir + "cpuinfo_max_freq", "3800000\n");
  root.write(dir + "cpuinfo_min_freq", "800000\n");
  root.write(dir + "scaling_cur_freq", "3500123\n");
  const cpu_frequency f = cpu_frequency_read(root.path());
  EXPECT_DOUBLE_EQ(f.base_mhz.value_or(0), 2100.0);
  EXPECT_DOUBLE_EQ(f.max_mhz.value_or(0), 3800.0);
  EXPECT_DOUBLE_EQ(f.min_mhz.value_or(0), 800.0);
  EXPECT_DOUBLE_EQ(f.current_mhz.value_or(0), 3500.123);
  EXPECT_EQ(f.source, "cpufreq");
  EXPECT_TRUE(f.reason.empty());
}

TEST(cpu_frequency_read, virtual_machine_has_only_proc_cpuinfo) {
  test::temp_dir root;
  root.write("proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.120\n");
  const cpu_frequency f = cpu_frequency_read(root.path());
  EXPECT_FALSE(f.base_mhz);
  EXPECT_FALSE(f.max_mhz);
  EXPECT_DOUBLE_EQ(f.current_mhz.value_or(0), 2596.12);
  EXPECT_EQ(f.source, "/proc/cpuinfo");
  EXPECT_NE(f.reason.find("no cpufreq driver"), std::string::npos);
}

TEST(cpu_frequency_read, malformed_values_are_ignored) {
  test::temp_dir root;
  root.write("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "fast\n");
  const cpu_frequency f = cpu_frequency_read(root.path());
  EXPECT_FALSE(f.max_mhz);
  EXPECT_FALSE(f.reason.empty());
}

}  // namespace
}  // namespace xpu
