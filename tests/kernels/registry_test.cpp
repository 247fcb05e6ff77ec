// The kernel backends' registry: every device opens through it, a probe-only device is refused with
// the reason, and per-backend options are key=value pairs checked against what the backend takes.
#include <gtest/gtest.h>

#include "kernels/registry.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"

namespace xpu {
namespace {

TEST(kernel_backends, the_cpu_opens_and_a_probe_only_device_is_refused) {
  probe_options o;
  o.skip = device_backends_except("");
  o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  auto inv = probe_machine(o);
  ASSERT_TRUE(inv) << inv.error().message;
  auto cpu = device_open(inv->devices.front(), {inv->cpu, 1, nullptr, {}});
  ASSERT_TRUE(cpu) << cpu.error().message;
  EXPECT_EQ((*cpu)->info().id, "cpu0");
  device_info npu;
  npu.id = "accel0";
  npu.backend = "accel";
  auto refused = device_open(npu, {inv->cpu, 1, nullptr, {}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, status::unsupported);
  EXPECT_EQ(refused.error().message, "probed only: xpubench has no Linux accel kernels");
  for (const auto& k : kernel_backends()) EXPECT_NE(device_backend_find(k.name) == nullptr, k.name != "cpu") << k.name;
}

TEST(kernel_backends, options_are_backend_key_value) {
  std::map<std::string, backend_options, std::less<>> out;
#if XPU_WITH_OPENCL
  ASSERT_TRUE(backend_option_parse("opencl.tune=off", out));
  EXPECT_EQ(out["opencl"]["tune"], "off");
  ASSERT_TRUE(backend_option_parse("opencl.tune=exhaustive", out));
  EXPECT_EQ(out["opencl"]["tune"], "exhaustive");
  const auto bad_value = backend_option_parse("opencl.tune=maybe", out);
  ASSERT_FALSE(bad_value);
  EXPECT_NE(bad_value.error().message.find("tune=on|off|exhaustive, not 'maybe'"), std::string::npos) << bad_value.error().message;
  EXPECT_FALSE(backend_option_parse("opencl.tiles=8", out));
  ASSERT_TRUE(backend_option_parse("opencl.tuning_size=64", out));
  for (const char* bad : {"opencl.tuning_size=63", "opencl.tuning_size=4097", "opencl.tuning_size=1e3", "opencl.tuning_size=", "opencl.tuning_size=-64"})
    EXPECT_FALSE(backend_option_parse(bad, out)) << bad;
#endif
  const auto none = backend_option_parse("cpu.threads=2", out);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("the cpu backend takes no options"), std::string::npos) << none.error().message;
  for (const char* malformed : {"tune=off", "opencl.tune", ".tune=off", "opencl.=off", "nobackend.tune=off"}) {
    const auto e = backend_option_parse(malformed, out);
    ASSERT_FALSE(e) << malformed;
    EXPECT_EQ(e.error().code, status::invalid);
  }
}

}  // namespace
}  // namespace xpu
