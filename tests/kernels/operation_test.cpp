// Every operation on every kernel backend, against its reference: each operation's own small
// cases (ops/<name>/: operation::cases) in every precision, on every device of every backend in
// kernel_backends() that the probe finds here (CPU, PoCL, lavapipe; a GPU where there is one). One
// test per backend x operation; a backend registered later is tested on every operation without
// a line here. What a device refuses must say why; what it accepts must prepare, run and verify
// with every implementation it lists. The support matrix is printed (ctest -V) and recorded.
//
// XPU_TEST_BACKEND_OPTIONS (defined by tests/CMakeLists.txt): backend options for the devices opened
// here, as `run --backend-option` takes them ("opencl.tune=off": the default tiles, and no tuning
// cache read or written; every tile candidate is verified in opencl_backend_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "kernels/registry.hpp"
#include "ops/operation.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

struct backend_and_operation {
  std::string backend, operation;
  friend void PrintTo(const backend_and_operation& p, std::ostream* os) { *os << p.operation << " on " << p.backend; }
};

std::vector<backend_and_operation> every_pair() {
  std::vector<backend_and_operation> out;
  for (const kernel_backend& b : kernel_backends())
    for (const operation* op : operations()) out.push_back({std::string(b.name), std::string(op->name)});
  return out;
}

class operation_on_backend : public ::testing::TestWithParam<backend_and_operation> {
 protected:
  void SetUp() override {
    const std::string& backend = GetParam().backend;
    auto probed = probe_machine({std::nullopt, "/", device_backends_except(backend == "cpu" ? "" : backend), "/nonexistent/libnvidia-ml.so.1"});
    ASSERT_TRUE(probed) << probed.error().message;
    inv = std::move(*probed);
    std::istringstream words(XPU_TEST_BACKEND_OPTIONS);
    for (std::string w; words >> w;) {
      if (w.starts_with(GetParam().backend + ".")) {
        ASSERT_TRUE(backend_option_parse(w, options)) << w;
      }
    }
  }
  inventory inv;
  std::map<std::string, backend_options, std::less<>> options;
};

// Prepares, runs (1 launch, then 3: some backends record their launches per count), reads back
// and verifies p with impl; returns whether it verified.
bool run_and_verify(device& dev, const problem& p, const std::string& impl, std::uint64_t seed) {
  const workload& w = workload_for(p.kind());
  host_buffers b = w.make_buffers(p, seed);
  auto ready = dev.prepare(p, b, impl);
  if (!ready) {
    ADD_FAILURE() << "prepare: " << ready.error().message;
    return false;
  }
  EXPECT_EQ((*ready)->implementation(), impl);
  for (int launches : {1, 3}) {
    auto t = (*ready)->run_seconds(launches);
    if (!t) {
      ADD_FAILURE() << "run: " << t.error().message;
      return false;
    }
    EXPECT_GT(*t, 0.0);
  }
  if (auto ok = (*ready)->read_back(b); !ok) {
    ADD_FAILURE() << "read back: " << ok.error().message;
    return false;
  }
  const verification v = w.verify(p, b, seed);
  EXPECT_TRUE(v.passed) << v.message;
  if (!b.outputs.empty()) {  // latency has none
    EXPECT_GT(v.checked, 0u) << "an output nothing was compared in";
  }
  return v.passed;
}

TEST_P(operation_on_backend, verifies_or_says_why) {
  const auto& [backend, name] = GetParam();
  const operation* op = operation_find(name);
  ASSERT_NE(op, nullptr);
  ASSERT_NE(op->cases, nullptr) << name << " has no verification cases (ops/" << name << "/)";
  const std::vector<problem> cases = op->cases();
  ASSERT_FALSE(cases.empty());

  int devices = 0;
  for (const device_info& info : inv.devices) {
    if (info.backend != backend) continue;
    ++devices;
    SCOPED_TRACE(info.id);
    open_context ctx{inv.cpu, 0, nullptr, {}};
    if (auto it = options.find(backend); it != options.end()) ctx.options = it->second;
    auto dev = device_open(info, ctx);
    ASSERT_TRUE(dev) << dev.error().message;

    std::string matrix;  // "fp32 native (xpubench, clblast); bf16 unsupported: ..."
    int verified = 0;
    for (precision type : all_precisions) {
      std::string level;
      for (problem p : cases) {
        p.type = type;
        SCOPED_TRACE(p.id());
        const support s = (*dev)->supports(p);
        if (level.empty())
          level = s.level == support_level::unsupported ? fmt::format("unsupported ({})", s.reason)
                                                        : fmt::format("{} ({})", to_string(s.level), fmt::join(s.implementations, ", "));
        if (s.level == support_level::unsupported) {
          EXPECT_FALSE(s.reason.empty());
          EXPECT_TRUE(s.implementations.empty());
          continue;
        }
        EXPECT_FALSE(s.implementations.empty());
        for (const std::string& impl : s.implementations) {
          SCOPED_TRACE(impl);
          verified += run_and_verify(**dev, p, impl, 21);
        }
      }
      matrix += fmt::format("\n  {:8} {}", to_string(type), level);
    }
    std::cout << info.id << " (" << info.name << ") " << name << ":" << matrix << "\n";
    RecordProperty(info.id, matrix);
    // Every operation runs in some precision on every device of a backend that has a row for it.
    EXPECT_GT(verified, 0) << name << " verified nothing on " << info.id;
  }
  if (devices == 0) {
    const auto status = std::ranges::find(inv.backends, backend, &backend_status::name);
    GTEST_SKIP() << "no " << backend << " device here"
                 << (status != inv.backends.end() && !status->reason.empty() ? ": " + status->reason : std::string());
  }
}

INSTANTIATE_TEST_SUITE_P(every_backend, operation_on_backend, ::testing::ValuesIn(every_pair()),
                         [](const ::testing::TestParamInfo<backend_and_operation>& i) { return i.param.backend + "_" + i.param.operation; });

}  // namespace
}  // namespace xpu
