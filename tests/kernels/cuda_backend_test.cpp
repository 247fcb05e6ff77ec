// The CUDA backend's host side without a GPU, through a fake libcuda.so.1 (tests/fixtures/
// fake_cuda.cpp): every problem the device supports prepares, which loads the embedded fat binaries
// and finds each kernel by the name the host uses (the fake checks it is in the module); the
// kernels the fake runs on the CPU then verify through the same path a GPU row takes (arguments,
// buffers, events, read-back), and the rest fail with the driver's reason. The kernels themselves
// are checked on a GPU by bench/device-check.sh.
#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/cuda/cuda_device.hpp"
#include "ops/operation.hpp"
#include "inventory/inventory.hpp"
#include "results/run.hpp"
#include "probe/cuda/cuda.hpp"
#include "tests/support/run_suite.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

// Set before main: the driver is loaded once per process, and every test here wants the fake.
const test::scoped_env fake_driver("XPUBENCH_CUDA_LIBRARY", XPU_FAKE_CUDA);

class cuda_backend : public ::testing::Test {
 protected:
  void SetUp() override {
    const backend_probe p = cuda_probe();
    ASSERT_EQ(p.devices.size(), 1u) << p.status.reason;
    info = p.devices[0];
  }
  device_info info;
};

TEST_F(cuda_backend, every_supported_problem_prepares_and_the_plain_kernels_verify) {
  auto dev = cuda_device_open(info);
  ASSERT_TRUE(dev) << dev.error().message;
  std::vector<problem> problems;  // every operation's cases (ops/<name>/), in every precision
  for (precision p : all_precisions)
    for (const problem& c : test::operation_cases(p)) problems.push_back(c);
  int verified = 0, tensor_core_rows = 0, refused = 0, moe_verified = 0;
  for (const problem& p : problems) {
    SCOPED_TRACE(p.id());
    const support s = (*dev)->supports(p);
    if (s.level == support_level::unsupported) {
      EXPECT_FALSE(s.reason.empty());
      ++refused;
      continue;
    }
    for (const std::string& impl : s.implementations) {
      SCOPED_TRACE(impl);
      const workload& w = workload_for(p.kind());
      host_buffers b = w.make_buffers(p, 21);
      auto ready = (*dev)->prepare(p, b, impl);
      if (impl == "cublaslt") {  // absent, or the toolkit's, which finds no driver behind the fake: refused with the reason
        if (!ready) {
          EXPECT_NE(ready.error().message.find("cu"), std::string::npos) << ready.error().message;
        }
        continue;
      }
      ASSERT_TRUE(ready) << ready.error().message;
      EXPECT_EQ((*ready)->implementation(), impl);
      auto t = (*ready)->run_seconds(2);
      if (!t) {  // the fake runs no Tensor Core kernel, no 16-bit or quantized forms: the driver's code, named
        EXPECT_NE(t.error().message.find("CUDA_ERROR_NOT_SUPPORTED"), std::string::npos) << t.error().message;
        EXPECT_TRUE(p.type == precision::fp16 || p.type == precision::bf16 || p.type == precision::int8 || p.kind() == kernel_kind::qgemm);
        ++tensor_core_rows;
        continue;
      }
      EXPECT_GT(*t, 0.0);
      ASSERT_TRUE((*ready)->read_back(b));
      const verification v = w.verify(p, b, 21);
      EXPECT_TRUE(v.passed) << v.message;
      verified += v.checked;
      moe_verified += v.checked && p.kind() == kernel_kind::moe;
    }
  }
  EXPECT_EQ(moe_verified, 7) << "moe cases verified: " << moe_verified;  // moe's fp32 cases, 2 of them over layers of experts (copies): each pair's expert read from the ids (the fake runs fp32)
  EXPECT_GE(verified, 28);  // fp32 GEMMs (4 layouts), fp32/int8 reductions, the CUDA-core peaks, the streams, copies both ways, fp32 softmax, RMSNorm, attention, conv2d, moe's 7 cases
  EXPECT_GE(tensor_core_rows, 12);  // fp16, bf16 and int8 GEMMs (4 layouts each) reached the launch (and fp16 rows, reductions)
  EXPECT_GE(refused, 8);            // fp8, and fp64/int32 beyond the peaks
}

TEST_F(cuda_backend, support_names_the_hardware_path_and_what_is_missing) {
  auto dev = cuda_device_open(info);
  ASSERT_TRUE(dev);
  const support gemm16 = (*dev)->supports({gemm_shape{64, 64, 64}, precision::fp16});
  EXPECT_EQ(gemm16.level, support_level::native);
  EXPECT_EQ(gemm16.implementations, (std::vector<std::string>{"xpubench", "cublaslt"}));
  EXPECT_NE(gemm16.reason.find("Tensor Cores"), std::string::npos);
  const support fp8 = (*dev)->supports({gemm_shape{64, 64, 64}, precision::fp8_e4m3});
  EXPECT_EQ(fp8.level, support_level::unsupported);
  EXPECT_NE(fp8.reason.find("no fp8 kernels"), std::string::npos) << fp8.reason;
  const support conv = (*dev)->supports({conv_shape::square(1, 3, 9, 9, 4, 3, 3, 1, 1, 1), precision::fp64});
  EXPECT_EQ((*dev)->supports({attention_shape{1, 2, 2, 4, 4, 64, true}, precision::fp16}).level, support_level::native);
  EXPECT_EQ((*dev)->supports({softmax_shape{4, 64}, precision::bf16}).arithmetic_of("xpubench", precision::bf16), precision::fp32);
  EXPECT_EQ(conv.level, support_level::unsupported);
  EXPECT_FALSE(conv.reason.empty());
}

TEST_F(cuda_backend, the_clock_is_measured_and_rows_go_through_the_runner) {
  auto dev = cuda_device_open(info);
  ASSERT_TRUE(dev);
  const auto hz = (*dev)->clock_hz_measure();
  ASSERT_TRUE(hz);
  EXPECT_NEAR(*hz, 1.5e9, 1e6);  // the fake's cycles over its nanoseconds
  inventory machine;
  machine.devices.push_back(info);
  const run r = test::run_suite("[[peak]]\nprecisions = [\"fp32\"]\niterations = 8\n[[latency]]\n", {dev->get()}, machine);
  ASSERT_EQ(r.measurements.size(), 2u);
  for (const auto& m : r.measurements) EXPECT_EQ(m.state, status::ok) << m.name << ": " << m.reason;
  const auto peak = std::ranges::find(r.measurements, std::string("peak"), &measurement::kernel);
  ASSERT_NE(peak, r.measurements.end());
  ASSERT_TRUE(peak->percent_of_peak);  // against SMs x the measured clock x the rate
  EXPECT_NE(peak->peak_basis.find("132 x 1500 MHz (measured under load"), std::string::npos) << peak->peak_basis;
}

}  // namespace
}  // namespace xpu
