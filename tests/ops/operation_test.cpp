// The operations' registry and descriptors: every operation is found by its name, has a workload,
// a suite section and precisions; the rules every backend shares are applied through supports().
#include <gtest/gtest.h>

#include <set>

#include "ops/operation.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

TEST(operations, each_is_found_by_its_name_and_kind) {
  std::set<std::string_view> names;
  for (const operation* op : operations()) {
    EXPECT_EQ(op->name, to_string(op->kind));
    EXPECT_EQ(operation_find(op->name), op);
    EXPECT_EQ(&operation_for(op->kind), op);
    EXPECT_FALSE(op->precisions.empty()) << op->name;
    EXPECT_NE(op->parse, nullptr) << op->name;
    EXPECT_TRUE(names.insert(op->name).second) << op->name << " twice";
  }
  EXPECT_EQ(operation_find("fft"), nullptr);
  EXPECT_EQ(names.size(), 6u);
}

TEST(operations, precisions_are_the_union_of_the_descriptors) {
  const auto all = operation_precisions();
  EXPECT_EQ(all, std::vector<precision>(all_precisions.begin(), all_precisions.end()));  // peak has every one
  EXPECT_EQ(operation_names(), "gemm, conv2d, reduction, bandwidth, peak, latency");
  EXPECT_EQ(operation_names(" ", "[[", "]]"), "[[gemm]] [[conv2d]] [[reduction]] [[bandwidth]] [[peak]] [[latency]]");
}

TEST(operations, shared_rules_refuse_what_no_backend_runs) {
  const problem wide{gemm_shape{8, 8, 8}, precision::fp64};
  const auto& gemm = operation_for(kernel_kind::gemm);
  ASSERT_NE(gemm.unsupported, nullptr);
  EXPECT_EQ(gemm.unsupported(wide), "fp64 is measured by the peak micro-benchmark only");
  EXPECT_EQ(gemm.unsupported({gemm_shape{8, 8, 8}, precision::fp16}), std::nullopt);
  const auto& bw = operation_for(kernel_kind::bandwidth);
  EXPECT_EQ(bw.unsupported({bandwidth_shape{1024, bandwidth_op::copy}, precision::fp16}), "bandwidth kernels stream fp32 arrays");
  const auto& peak = operation_for(kernel_kind::peak);
  EXPECT_TRUE(peak.unsupported == nullptr || !peak.unsupported({peak_shape{}, precision::int32}));
}

// Peaks are planned first, and only compute-bound operations are compared with a compute peak.
TEST(operations, order_and_peak_comparison) {
  EXPECT_LT(operation_for(kernel_kind::peak).order, operation_for(kernel_kind::gemm).order);
  EXPECT_LT(operation_for(kernel_kind::bandwidth).order, operation_for(kernel_kind::conv2d).order);
  EXPECT_TRUE(operation_for(kernel_kind::gemm).compute_bound);
  EXPECT_TRUE(operation_for(kernel_kind::conv2d).compute_bound);
  EXPECT_FALSE(operation_for(kernel_kind::reduction).compute_bound);
  EXPECT_FALSE(operation_for(kernel_kind::bandwidth).compute_bound);
}

// Each operation parses its own section; the problems it adds pass problem_size_error.
TEST(operations, each_parses_its_section) {
  const char* text = R"(
    gemm = { shapes = [{ m = 4, n = 5, k = 6 }] }
    bad = { shapes = [{ m = 4, n = 5 }] }
  )";
  const toml::table doc = toml::parse(text);
  const suite_reader r("t.toml");
  std::vector<problem> out;
  ASSERT_TRUE(operation_for(kernel_kind::gemm).parse({*doc["gemm"].as_table(), r, out}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id(), "gemm/fp32/m4n5k6");
  const auto bad = operation_for(kernel_kind::gemm).parse({*doc["bad"].as_table(), r, out});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("t.toml:3: GEMM shape lacks 'k'"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace xpu
