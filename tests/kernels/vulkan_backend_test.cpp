// The Vulkan backend on lavapipe (Mesa's real CPU Vulkan driver), with the Khronos validation
// layer on: every operation's cases in every precision verified with both kernel sets, arrays split across bindings,
// limits checked before allocation, the cooperative-matrix selection, and a clean validation log.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "kernels/vulkan/vulkan_device.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"
#include "suites/runner.hpp"
#include "ops/operation.hpp"
#include "tests/support/run_suite.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

class vulkan_backend : public ::testing::Test {
 protected:
  void SetUp() override {
    auto probed = probe_machine({std::nullopt, "/", device_backends_except("vulkan"), "/nonexistent/libnvidia-ml.so.1"});
    ASSERT_TRUE(probed);
    inv = std::move(*probed);
    for (const auto& d : inv.devices)
      if (d.vulkan && d.vulkan->driver_name == "llvmpipe") info = &d;
    ASSERT_NE(info, nullptr) << "lavapipe (mesa-vulkan-drivers) must be installed for the Vulkan tests";
    seen = vulkan_validation_messages().size();
  }
  void TearDown() override {  // the messages this test caused
    const auto log = vulkan_validation_messages();
    for (std::size_t i = seen; i < log.size(); ++i) ADD_FAILURE() << "validation layer: " << log[i];
  }
  std::size_t seen = 0;
  std::unique_ptr<device> open(vulkan_options options = {}) {
    options.validation = true;
    auto dev = vulkan_device_open(*info, options);
    EXPECT_TRUE(dev) << dev.error().message;
    return dev ? std::move(*dev) : nullptr;
  }
  // Prepares, runs, reads back and verifies p with every implementation the device lists.
  int verify_all(device& dev, const problem& p) {
    int checked = 0;
    const support s = dev.supports(p);
    if (s.level == support_level::unsupported) {
      EXPECT_FALSE(s.reason.empty());
      return 0;
    }
    for (const std::string& impl : s.implementations) {
      SCOPED_TRACE(impl);
      const workload& w = workload_for(p.kind());
      host_buffers b = w.make_buffers(p, 21);
      auto ready = dev.prepare(p, b, impl);
      if (!ready) {
        ADD_FAILURE() << ready.error().message;
        continue;
      }
      EXPECT_EQ((*ready)->implementation(), impl);
      for (int launches : {1, 3}) {  // a new launch count re-records the command buffer
        auto t = (*ready)->run_seconds(launches);
        EXPECT_TRUE(t) << t.error().message;
        if (t) {
          EXPECT_GT(*t, 0.0);
        }
      }
      EXPECT_TRUE((*ready)->read_back(b));
      const verification v = w.verify(p, b, 21);
      EXPECT_TRUE(v.passed) << v.message;
      checked += v.checked;
    }
    return checked;
  }
  inventory inv;
  const device_info* info = nullptr;
};

// Every operation's cases (ops/<name>/) in every precision, with the validation layer on, with the
// kernels for CPU devices (what lavapipe gets) and with the kernels for GPUs (shared memory, storage
// buffers), both on lavapipe. (operation_test.cpp runs them too, as a user's run opens the device.)
class vulkan_kernels : public vulkan_backend, public ::testing::WithParamInterface<bool> {};

TEST_P(vulkan_kernels, every_operation_case_verifies_with_validation_on) {
  vulkan_options options;
  options.gpu_kernels = GetParam();
  auto dev = open(options);
  ASSERT_TRUE(dev);
  std::vector<problem> problems;
  for (precision p : all_precisions)
    for (const problem& c : test::operation_cases(p)) problems.push_back(c);
  int verified = 0;
  for (const problem& p : problems) {
    SCOPED_TRACE(p.id());
    const support s = dev->supports(p);
    const operation& op = operation_for(p.kind());
    if (op.unsupported && op.unsupported(p)) {  // the operation's own rule (e.g. the streams are fp32)
      EXPECT_EQ(s.level, support_level::unsupported);
      continue;
    }
    if (is_fp8(p.type)) {  // no fp8 kernels: every problem refused, saying why
      EXPECT_EQ(s.level, support_level::unsupported);
      EXPECT_NE(s.reason.find("fp8"), std::string::npos) << s.reason;  // the operation's rule or the device's (VK_EXT_shader_float8)
      continue;
    }
    // The device's: bf16 (no bf16 in Vulkan 1.3 core); lavapipe has fp16, int8, dot product and shaderFloat64.
    EXPECT_EQ(s.level == support_level::unsupported, p.type == precision::bf16) << s.reason;
    verified += verify_all(*dev, p);
  }
  EXPECT_GE(verified, 30);
}

INSTANTIATE_TEST_SUITE_P(both_kernel_sets, vulkan_kernels, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "gpu_kernels" : "cpu_kernels"; });

TEST_F(vulkan_backend, arrays_beyond_one_binding_are_split_across_dispatches) {
  vulkan_options small;
  small.max_binding_bytes = 4096;  // as if maxStorageBufferRange were 4 KiB
  auto dev = open(small);
  ASSERT_TRUE(dev);
  int verified = 0;
  for (precision p : {precision::fp32, precision::fp16, precision::int8}) {
    verified += verify_all(*dev, {reduction_shape{100003, reduce_op::sum}, p});
    verified += verify_all(*dev, {reduction_shape{5000, reduce_op::max}, p});
  }
  for (auto op : {bandwidth_op::read, bandwidth_op::copy, bandwidth_op::triad})
    verified += verify_all(*dev, {bandwidth_shape{3 * 4 * 10007, op}, precision::fp32});
  EXPECT_EQ(verified, 9);
  // The same splits through storage buffers (the GPU kernels).
  small.gpu_kernels = true;
  auto gpu = open(small);
  ASSERT_TRUE(gpu);
  EXPECT_EQ(verify_all(*gpu, {reduction_shape{100003, reduce_op::sum}, precision::fp16}) + verify_all(*gpu, {bandwidth_shape{3 * 4 * 10007, bandwidth_op::triad}, precision::fp32}), 2);
  // A GEMM operand cannot be split: skipped before allocation, with the limit named.
  const problem g{gemm_shape{64, 64, 64}, precision::fp32};
  host_buffers b = workload_for(kernel_kind::gemm).make_buffers(g, 1);
  auto ready = dev->prepare(g, b, "xpubench");
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().code, status::skipped);
  EXPECT_NE(ready.error().message.find("maxStorageBufferRange"), std::string::npos) << ready.error().message;
}

TEST_F(vulkan_backend, cpu_device_kernels_share_the_uniform_operand_by_subgroup_shuffles_where_the_device_allows) {
  auto dev = open();
  ASSERT_TRUE(dev);
  const auto& v = *info->vulkan;
  const bool shuffles = v.subgroup_size > 0 && 32 % v.subgroup_size == 0 && 8 % v.subgroup_size == 0 &&
                        std::ranges::find(v.subgroup_operations, "shuffle") != v.subgroup_operations.end();
  // GEMM: where A's rows are whole vec4s (K % 4 == 0); conv: where the filter's are (C x R x S % 4 == 0).
  const struct {
    problem p;
    bool whole_vec4s;
    const char* says;
  } cases[] = {
      {{gemm_shape{40, 12, 52}, precision::fp32}, true, "A shared across the subgroup by shuffles, 16 depth steps"},
      {{gemm_shape{40, 12, 50}, precision::fp32}, false, "A shared across the subgroup"},
      {{conv_shape::square(1, 4, 9, 9, 8, 3, 3, 1, 1, 1), precision::fp32}, true, "filter rows shared across the subgroup"},
      {{conv_shape::square(1, 3, 9, 9, 8, 3, 3, 1, 1, 1), precision::fp32}, false, "filter rows shared across the subgroup"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.p.id());
    host_buffers b = workload_for(c.p.kind()).make_buffers(c.p, 1);
    auto ready = dev->prepare(c.p, b, "xpubench");
    ASSERT_TRUE(ready) << ready.error().message;
    EXPECT_EQ((*ready)->notes().find(c.says) != std::string::npos, shuffles && c.whole_vec4s) << (*ready)->notes();
  }
}

TEST_F(vulkan_backend, inputs_beyond_the_device_heap_are_skipped_before_allocation) {
  device_info small = *info;
  for (auto& h : small.vulkan->heaps) h.size_bytes = 1024;
  auto dev = vulkan_device_open(small, {});
  ASSERT_TRUE(dev) << dev.error().message;
  const problem p{reduction_shape{1000, reduce_op::sum}, precision::fp32};
  host_buffers big = workload_for(kernel_kind::reduction).make_buffers(p, 1);
  auto ready = (*dev)->prepare(p, big, "xpubench");
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().code, status::skipped);
  EXPECT_NE(ready.error().message.find("heap"), std::string::npos);
}

TEST_F(vulkan_backend, runs_through_the_suite_runner_with_timestamps) {
  auto dev = open();
  ASSERT_TRUE(dev);
  const run r = test::run_suite("[[gemm]]\nprecisions = [\"fp16\"]\nshapes = [{ m = 32, n = 32, k = 32 }]\n[[latency]]\n", {dev.get()}, inv);
  ASSERT_EQ(r.measurements.size(), 2u);
  for (const auto& m : r.measurements) {
    EXPECT_EQ(m.state, status::ok) << m.kernel << ": " << m.reason;
    EXPECT_EQ(m.backend, "vulkan");
    EXPECT_TRUE(m.verification.passed);
  }
  // lavapipe has no cooperative matrix: our tiled kernel runs, and the support reason says why.
  EXPECT_NE(r.measurements[1].support_reason.find("neither VK_KHR_cooperative_matrix nor VK_NV_cooperative_matrix"), std::string::npos)
      << r.measurements[1].support_reason;
}

TEST_F(vulkan_backend, fp16_gemm_with_fp32_arithmetic_is_compared_with_the_fp32_peak) {
  auto dev = open();
  ASSERT_TRUE(dev);
  const run r = test::run_suite("[[peak]]\nprecisions = [\"fp32\", \"fp16\"]\niterations = 64\n[[gemm]]\nprecisions = [\"fp16\"]\nshapes = [{ m = 64, n = 64, k = 64 }]\n",
                                {dev.get()}, inv);
  ASSERT_EQ(r.measurements.size(), 3u);
  const measurement& g = r.measurements[2];
  ASSERT_EQ(g.kernel, "gemm");
  EXPECT_EQ(g.state, status::ok) << g.reason;
  EXPECT_NE(g.peak_basis.find("peak/fp32"), std::string::npos) << g.peak_basis;
  EXPECT_NE(g.peak_basis.find("computes in fp32"), std::string::npos) << g.peak_basis;
}

TEST_F(vulkan_backend, a_device_id_that_is_gone_is_an_error_not_a_crash) {
  device_info gone = *info;
  gone.id = "vulkan99";
  auto dev = vulkan_device_open(gone);
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.error().message.find("no longer listed"), std::string::npos) << dev.error().message;
}

// The cooperative-matrix choice, on synthetic device details.
coop_matrix_shape shape(std::uint32_t m, std::uint32_t n, std::uint32_t k, std::string a, std::string b, std::string c) {
  return {m, n, k, a, b, c, c, "subgroup", false};
}

TEST(coop_matrix_choice, picks_khr_where_built_and_a_listed_shape_tiles_the_problem) {
  vulkan_details v;
  v.coop_matrix_khr = true;
  v.coop_matrix_khr_shapes = {shape(16, 16, 16, "float16", "float16", "float16"), shape(16, 8, 16, "float16", "float16", "float32"),
                              shape(16, 16, 32, "uint8", "sint8", "sint32")};
  const problem fp16{gemm_shape{128, 64, 256}, precision::fp16};
  const coop_choice c = coop_matrix_choice(v, fp16, true);
  EXPECT_EQ(c.implementation, "coopmat_khr");
  EXPECT_EQ(c.shape.n, 8u);  // the fp16 -> fp16 shape is skipped: the GEMM accumulates in fp32
  EXPECT_EQ(coop_matrix_choice(v, {gemm_shape{64, 64, 64}, precision::int8}, true).implementation, "coopmat_khr");
  // Not built into this binary: no path, and the reason says so.
  const coop_choice unbuilt = coop_matrix_choice(v, fp16, false);
  EXPECT_TRUE(unbuilt.implementation.empty());
  EXPECT_NE(unbuilt.reason.find("not built"), std::string::npos) << unbuilt.reason;
  // A shape that does not divide the problem, a transposed operand, fp32: no path.
  EXPECT_TRUE(coop_matrix_choice(v, {gemm_shape{24, 64, 64}, precision::fp16}, true).implementation.empty());
  EXPECT_TRUE(coop_matrix_choice(v, {gemm_shape{64, 64, 64, true, false}, precision::fp16}, true).implementation.empty());
  EXPECT_TRUE(coop_matrix_choice(v, {gemm_shape{64, 64, 64}, precision::fp32}, true).implementation.empty());
}

TEST(coop_matrix_choice, nv_serves_fp16_only) {
  vulkan_details v;
  v.coop_matrix_nv = true;
  v.coop_matrix_nv_shapes = {shape(16, 16, 16, "float16", "float16", "float32"), shape(8, 8, 32, "uint8", "sint8", "sint32")};
  EXPECT_EQ(coop_matrix_choice(v, {gemm_shape{64, 64, 64}, precision::fp16}, false).implementation, "coopmat_nv");
  const coop_choice int8 = coop_matrix_choice(v, {gemm_shape{64, 64, 64}, precision::int8}, false);
  EXPECT_TRUE(int8.implementation.empty());
  EXPECT_NE(int8.reason.find("fp16 only"), std::string::npos) << int8.reason;
  EXPECT_NE(coop_matrix_choice(vulkan_details{}, {gemm_shape{64, 64, 64}, precision::fp16}, true).reason.find("neither"), std::string::npos);
}

TEST(vulkan_shaders, every_variant_is_embedded_as_spirv) {
  std::vector<std::string> names;
  for (const auto& e : vulkan_spirv_table()) {
    ASSERT_GE(e.words.size(), 5u) << e.name;
    EXPECT_EQ(e.words[0], 0x07230203u) << e.name << " does not start with the SPIR-V magic number";
    names.emplace_back(e.name);
  }
  for (const char* want : {"gemm_fp32", "gemm_fp16", "gemm_int8", "conv2d_int8", "reduce_fp16_subgroup", "reduce_int8", "peak_fp16",
                           "peak_int8", "peak_int8_nodot", "stream_copy", "stream_triad", "empty", "gemm_coop_nv_fp16",
                           "gemm_int8_dot", "conv2d_int8_dot", "gemm_rows_shuffle_fp32", "reduce_fp32_subgroup_texel"})
    EXPECT_NE(std::ranges::find(names, want), names.end()) << want;
  const bool khr = std::ranges::find(names, "gemm_coop_khr_int8") != names.end();
  EXPECT_EQ(khr, vulkan_khr_coop_built());
  if (!khr) {
    EXPECT_NE(vulkan_khr_coop_reason().find("GL_KHR_cooperative_matrix"), std::string::npos);
  }
}

}  // namespace
}  // namespace xpu
