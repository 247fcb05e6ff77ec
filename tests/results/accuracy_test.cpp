// Accuracy beside speed (results/accuracy.cpp) on hand-made rows: the worst errors and the best
// verified throughput per device, kernel and precision; qgemm's weight formats; failures counted.
#include <gtest/gtest.h>

#include <cmath>

#include "core/problem.hpp"
#include "results/accuracy.hpp"

namespace xpu {
namespace {

measurement row(const std::string& device, const problem& p, double ops_per_s, double rel_l2, double max_rel, bool passed = true) {
  measurement m;
  m.device = device;
  m.kernel = std::string(to_string(p.kind()));
  m.precision = std::string(to_string(p.type));
  m.problem = p.id();
  m.state = passed ? status::ok : status::invalid;
  m.ops_per_s = ops_per_s;
  m.ops_unit = "FLOP";
  m.verification.checked = true;
  m.verification.passed = passed;
  m.verification.rel_l2_error = rel_l2;
  m.verification.max_rel_error = max_rel;
  m.verification.exact = p.type == precision::int8;
  return m;
}

TEST(accuracy, worst_errors_and_best_throughput_per_precision) {
  run r;
  const problem small{gemm_shape{8, 8, 8}, precision::fp32}, large{gemm_shape{64, 64, 64}, precision::fp32};
  problem half = large;
  half.type = precision::fp16;
  problem integer = large;
  integer.type = precision::int8;
  r.measurements = {row("cpu0", small, 1e9, 1e-7, 1e-6), row("cpu0", large, 5e9, 3e-7, 2e-6), row("cpu0", half, 9e9, 4e-4, 3e-3),
                    row("cpu0", integer, 2e10, 0, 0), row("gpu0", large, 7e9, 2e-7, 1e-6, false)};
  r.measurements.push_back(row("cpu0", problem{peak_shape{}, precision::fp32}, 1e12, 0, 0));  // no accuracy to weigh
  const auto t = accuracy_table(r);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].precision, "fp32");
  EXPECT_EQ(t[0].verified, 2u);
  EXPECT_DOUBLE_EQ(t[0].worst_nmse, 3e-7 * 3e-7);
  EXPECT_DOUBLE_EQ(t[0].worst_max_rel, 2e-6);
  EXPECT_EQ(t[0].best_ops_per_s, 5e9);
  EXPECT_FALSE(t[0].exact);
  EXPECT_EQ(t[1].precision, "fp16");
  EXPECT_DOUBLE_EQ(t[1].worst_nmse, 4e-4 * 4e-4);
  EXPECT_EQ(t[2].precision, "int8");
  EXPECT_TRUE(t[2].exact);
  // a failed row is counted, never folded into the errors or the throughput
  EXPECT_EQ(t[3].device, "gpu0");
  EXPECT_EQ(t[3].verified, 0u);
  EXPECT_EQ(t[3].failed, 1u);
  EXPECT_FALSE(t[3].best_ops_per_s);
  EXPECT_EQ(t[3].worst_nmse, 0);
}

TEST(accuracy, quantized_rows_are_labelled_by_their_weights_and_kept_beside_their_kernel) {
  run r;
  const problem q4{qgemm_shape{1, 64, 64, quant_format::q4_0}, precision::int8}, q8{qgemm_shape{1, 64, 64, quant_format::q8_0}, precision::int8};
  const problem g{gemm_shape{1, 64, 64}, precision::fp32};
  problem q4f = q4;
  q4f.type = precision::fp32;
  r.measurements = {row("cpu0", q4, 1e9, 1e-3, 1e-2), row("cpu0", g, 2e9, 1e-7, 1e-6), row("cpu0", q8, 1e9, 1e-4, 1e-3), row("cpu0", q4f, 1e9, 2e-3, 1e-2)};
  const auto t = accuracy_table(r);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].precision, "q4_0 x int8");
  EXPECT_EQ(t[1].precision, "q8_0 x int8");  // beside the other qgemm rows, not after the gemm
  EXPECT_EQ(t[2].precision, "q4_0 x fp32");
  EXPECT_EQ(t[3].kernel, "gemm");
  // moe's rows too: one per block format, not merged into one "int8" row
  r.measurements = {row("cpu0", {moe_shape{1, 64, 64, 8, 2, quant_format::q4_0}, precision::int8}, 1e9, 1e-3, 1e-2),
                    row("cpu0", {moe_shape{1, 64, 64, 8, 2, quant_format::q8_0}, precision::int8}, 1e9, 1e-4, 1e-3)};
  const auto routed = accuracy_table(r);
  ASSERT_EQ(routed.size(), 2u);
  EXPECT_EQ(routed[0].precision, "q4_0 x int8");
  EXPECT_EQ(routed[1].precision, "q8_0 x int8");
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

TEST(accuracy, storage_costs_follow_each_formats_mantissa) {
  // Rounding to nearest with p fraction bits: the error is uniform in +-ulp / 2 (ulp = 2^-p x the
  // binade's base b), mean square ulp^2 / 12, over values whose square averages b^2 to 4 b^2: NMSE
  // between 2^-2p / 48 and 2^-2p / 12 (2^-2p / 28 for values uniform in their binade).
  const double fp16 = *storage_nmse("fp16"), bf16 = *storage_nmse("bf16");
  EXPECT_GT(fp16, std::ldexp(1.0, -20) / 48);  // p = 10
  EXPECT_LT(fp16, std::ldexp(1.0, -20) / 12);
  EXPECT_NEAR(bf16 / fp16, 64, 8);  // three fewer fraction bits: 2^6 in squared error
  EXPECT_EQ(*storage_nmse("fp32"), 0);
  // Blocks of 32 with their own scale beat one scale for 65536 values; 4 bits lose 16^2 x more than 8, about.
  const double q8 = *storage_nmse("q8_0"), int8 = *storage_nmse("int8"), q4 = *storage_nmse("q4_0");
  EXPECT_LT(q8, int8);
  EXPECT_GT(q4 / q8, 100);
  EXPECT_LT(q4 / q8, 600);
  EXPECT_GT(q4, 1e-3);  // Q4_0 on Gaussian data: about 1 % of the signal's power
  EXPECT_LT(q4, 1e-1);
  EXPECT_FALSE(storage_nmse("fp8"));
}

}  // namespace
}  // namespace xpu
