// Tokens/s from a model suite's run (results/token_bounds.cpp), on hand-made rows: the sums, the
// precisions a step may borrow and the failures it may not hide, the quantized rows, the memory bound.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/problem.hpp"
#include "results/token_bounds.hpp"

namespace xpu {
namespace {

measurement row(const std::string& device, const problem& p, double median_s, status state = status::ok) {
  measurement m;
  m.device = device;
  m.kernel = std::string(to_string(p.kind()));
  m.precision = std::string(to_string(p.type));
  m.problem = p.id();
  m.state = state;
  if (state == status::ok) {
    m.time_s = sample_stats{};
    m.time_s->median = median_s;
    m.verification.checked = m.verification.passed = true;
    m.verification.rel_l2_error = 1e-7;
  }
  return m;
}

run model_run() {
  run r;
  model_profile m;
  m.tokens = 8;
  m.weight_type = "q4_0";
  m.weight_bytes = 1000;
  m.decode = {{"gemm/m1n64k32tb", 4}, {"attention/b1h2kv2q1s8d16c", 2}};
  m.prefill = {{"gemm/m8n64k32tb", 4}, {"attention/b1h2kv2q8s8d16c", 2}};
  r.context.model = m;
  return r;
}

const token_bound* find(const std::vector<token_bound>& bounds, const std::string& precision) {
  for (const auto& b : bounds)
    if (b.precision == precision) return &b;
  return nullptr;
}

TEST(token_bounds, sums_steps_and_borrows_fp16_attention_for_int8_rows) {
  run r = model_run();
  for (precision p : {precision::fp32, precision::int8}) {
    r.measurements.push_back(row("cpu0", {gemm_shape{1, 64, 32, false, true}, p}, 1e-3));
    r.measurements.push_back(row("cpu0", {gemm_shape{8, 64, 32, false, true}, p}, 2e-3));
  }
  r.measurements.push_back(row("cpu0", {attention_shape{1, 2, 2, 1, 8, 16, true}, precision::fp32}, 5e-4));
  r.measurements.push_back(row("cpu0", {attention_shape{1, 2, 2, 8, 8, 16, true}, precision::fp32}, 5e-4));
  r.measurements.push_back(row("cpu0", {attention_shape{1, 2, 2, 1, 8, 16, true}, precision::fp16}, 4e-4));
  r.measurements.push_back(row("cpu0", {attention_shape{1, 2, 2, 8, 8, 16, true}, precision::fp16}, 4e-4));
  r.measurements.push_back(row("cpu0", {bandwidth_shape{1 << 20, bandwidth_op::read}, precision::fp32}, 1e-3));
  r.measurements.back().bytes_per_s = 1e9;
  const auto bounds = token_bounds(r);
  ASSERT_EQ(bounds.size(), 2u);
  const token_bound* fp32 = find(bounds, "fp32");
  ASSERT_TRUE(fp32 && fp32->decode.seconds);
  EXPECT_DOUBLE_EQ(*fp32->decode.seconds, 4 * 1e-3 + 2 * 5e-4);
  EXPECT_DOUBLE_EQ(*fp32->prefill.per_s, 8 / (4 * 2e-3 + 2 * 5e-4));
  EXPECT_TRUE(fp32->substituted.empty());
  EXPECT_DOUBLE_EQ(*fp32->decode_bytes, 4.0 * 64 * 32 * 4);  // 4 matrices of 64 x 32 fp32 weights
  EXPECT_DOUBLE_EQ(*fp32->decode_memory_bound, 1e9 / (4.0 * 64 * 32 * 4));
  const token_bound* int8 = find(bounds, "int8");
  ASSERT_TRUE(int8 && int8->decode.seconds);
  EXPECT_DOUBLE_EQ(*int8->decode.seconds, 4 * 1e-3 + 2 * 4e-4);  // attention in fp16
  EXPECT_EQ(int8->substituted, std::vector<std::string>{"attention in fp16"});
}

TEST(token_bounds, a_failed_kernel_is_missing_never_replaced) {
  run r = model_run();
  r.measurements.push_back(row("cpu0", {gemm_shape{1, 64, 32, false, true}, precision::fp16}, 1e-3));
  r.measurements.push_back(row("cpu0", {attention_shape{1, 2, 2, 1, 8, 16, true}, precision::fp16}, 0, status::invalid));
  r.measurements.back().reason = "verification failed";
  r.measurements.push_back(row("cpu0", {attention_shape{1, 2, 2, 1, 8, 16, true}, precision::fp32}, 5e-4));
  const auto bounds = token_bounds(r);
  ASSERT_EQ(bounds.size(), 1u);
  EXPECT_FALSE(bounds[0].decode.per_s);
  ASSERT_EQ(bounds[0].decode.missing.size(), 1u);
  EXPECT_NE(bounds[0].decode.missing[0].find("invalid: verification failed"), std::string::npos) << bounds[0].decode.missing[0];
  EXPECT_FALSE(bounds[0].read_bytes_per_s);
  EXPECT_NE(bounds[0].memory_basis.find("no verified bandwidth read"), std::string::npos);
}

TEST(token_bounds, quantized_rows_use_qgemm_and_a_dense_gemm_for_other_matrices) {
  run r = model_run();
  r.context.model->decode = {{"gemm/m1n64k32tb", 4}, {"gemm/m1n100k32tb", 1}};
  r.context.model->prefill.clear();
  r.measurements.push_back(row("cpu0", {qgemm_shape{1, 64, 32, quant_format::q4_0}, precision::int8}, 1e-4));
  r.measurements.push_back(row("cpu0", {gemm_shape{1, 100, 32, false, true}, precision::int8}, 3e-4));  // output in Q6_K: dense
  const auto bounds = token_bounds(r);
  const token_bound* q = find(bounds, "q4_0 x int8");
  ASSERT_TRUE(q && q->decode.seconds) << (q && !q->decode.missing.empty() ? q->decode.missing[0] : "");
  EXPECT_DOUBLE_EQ(*q->decode.seconds, 4 * 1e-4 + 3e-4);
  EXPECT_EQ(q->substituted, std::vector<std::string>{"matrices without a q4_0 qgemm row as dense int8 GEMMs"});
  EXPECT_DOUBLE_EQ(*q->decode_bytes, 1000);  // the model file's own bytes
  EXPECT_TRUE(token_bounds(run{}).empty());    // no model: nothing
}

// Decode from the streamed rows (copies: weights from memory) per copy where the run has them, the
// cache-resident rows beside it; a streamed row that went wrong leaves the step missing.
TEST(token_bounds, decode_uses_streamed_rows_and_keeps_the_cached_figure_beside_it) {
  run r = model_run();
  r.context.model->decode = {{"gemm/m1n64k32tb", 4}, {"gemm/m1n100k32tb", 1}};
  r.context.model->prefill.clear();
  r.measurements.push_back(row("cpu0", {qgemm_shape{1, 64, 32, quant_format::q4_0}, precision::int8}, 1e-4));
  r.measurements.push_back(row("cpu0", {qgemm_shape{1, 64, 32, quant_format::q4_0, 10}, precision::int8}, 2e-3));
  r.measurements.push_back(row("cpu0", {qgemm_shape{1, 64, 32, quant_format::q4_0, 5}, precision::int8}, 5e-4));  // a smaller working set: not used
  r.measurements.push_back(row("cpu0", {qgemm_shape{1, 100, 32, quant_format::q4_0}, precision::int8}, 3e-4));
  auto bounds = token_bounds(r);
  const token_bound* q = find(bounds, "q4_0 x int8");
  ASSERT_TRUE(q && q->decode.seconds && q->decode_cached.seconds);
  EXPECT_DOUBLE_EQ(*q->decode.seconds, 4 * 2e-4 + 3e-4);  // 2 ms for 10 copies
  EXPECT_DOUBLE_EQ(*q->decode_cached.seconds, 4 * 1e-4 + 3e-4);
  EXPECT_EQ(q->matrix_steps, 2);
  EXPECT_EQ(q->streamed_steps, 1);
  EXPECT_DOUBLE_EQ(*q->decode_working_set, 10.0 * 64 * 18);  // 10 copies of 64 rows of one Q4_0 block
  EXPECT_EQ(decode_made_of(*q), "streamed matrices for 1 of 2 matrix steps, the rest cache-resident");

  r.measurements.push_back(row("cpu0", {qgemm_shape{1, 100, 32, quant_format::q4_0, 7}, precision::int8}, 0, status::invalid));
  bounds = token_bounds(r);
  q = find(bounds, "q4_0 x int8");
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->decode.seconds);
  ASSERT_EQ(q->decode.missing.size(), 1u);
  EXPECT_NE(q->decode.missing[0].find("qgemm/int8/q4_0/m1n100k32x7 (invalid"), std::string::npos) << q->decode.missing[0];
  EXPECT_TRUE(q->decode_cached.seconds);  // the cached figure is still what it is
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

// Routed experts (moe steps): their own row in the quantized rows; GEMM passes in the dense ones,
// one per expert read over its share of the rows; the used experts' weights in the memory bound.
TEST(token_bounds, routed_experts_use_moe_rows_or_dense_gemm_passes) {
  run r;
  model_profile m;
  m.tokens = 8;
  m.weight_type = "q4_0";
  m.weight_bytes = 1000;
  m.decode = {{"moe/q4_0/m1n64k32e8u2", 3}};
  m.prefill = {{"moe/q4_0/m8n64k32e8u2", 3}};  // 16 pairs over 8 experts: 8 passes of 2 rows
  r.context.model = m;
  r.measurements.push_back(row("cpu0", {moe_shape{1, 64, 32, 8, 2, quant_format::q4_0}, precision::int8}, 1e-4));
  r.measurements.push_back(row("cpu0", {moe_shape{1, 64, 32, 8, 2, quant_format::q4_0, 4}, precision::int8}, 8e-4));  // streamed: 4 layers
  r.measurements.push_back(row("cpu0", {moe_shape{8, 64, 32, 8, 2, quant_format::q4_0}, precision::int8}, 6e-4));
  r.measurements.push_back(row("cpu0", {gemm_shape{1, 64, 32, false, true}, precision::fp32}, 2e-4));
  r.measurements.push_back(row("cpu0", {gemm_shape{2, 64, 32, false, true}, precision::fp32}, 3e-4));
  const auto bounds = token_bounds(r);
  const token_bound* quantized = find(bounds, "q4_0 x int8");
  ASSERT_TRUE(quantized);
  ASSERT_TRUE(quantized->decode.seconds && quantized->prefill.seconds) << fmt::format("{} | {}", fmt::join(quantized->decode.missing, "; "), fmt::join(quantized->prefill.missing, "; "));
  EXPECT_DOUBLE_EQ(*quantized->decode.seconds, 3 * 8e-4 / 4);  // the streamed row, per layer
  EXPECT_DOUBLE_EQ(*quantized->decode_cached.seconds, 3 * 1e-4);
  EXPECT_DOUBLE_EQ(*quantized->prefill.seconds, 3 * 6e-4);
  EXPECT_EQ(quantized->matrix_steps, 1);
  EXPECT_EQ(quantized->streamed_steps, 1);
  EXPECT_DOUBLE_EQ(*quantized->decode_working_set, 4.0 * 2 * 64 * 18);  // the used experts of 4 layers, 64 rows of one Q4_0 block
  const token_bound* dense = find(bounds, "fp32");
  ASSERT_TRUE(dense && dense->decode.seconds && dense->prefill.seconds);
  EXPECT_DOUBLE_EQ(*dense->decode.seconds, 3 * 2 * 2e-4);    // 2 passes (the used experts) of one row
  EXPECT_DOUBLE_EQ(*dense->prefill.seconds, 3 * 8 * 3e-4);  // 8 passes of 2 rows
  EXPECT_EQ(dense->substituted, std::vector<std::string>{"routed experts (moe) as dense GEMM passes, one per expert read"});
  EXPECT_DOUBLE_EQ(*dense->decode_bytes, 3.0 * 2 * 64 * 32 * 4);  // the used experts' fp32 weights

  // A device that does not run the moe rows: the quantized row's experts as dense GEMM passes in its
  // activations, said so; one that ran them and failed: missing.
  run skipped = r;
  skipped.measurements = {row("cpu0", {moe_shape{1, 64, 32, 8, 2, quant_format::q4_0}, precision::int8}, 0, status::unsupported),
                          row("cpu0", {moe_shape{8, 64, 32, 8, 2, quant_format::q4_0}, precision::int8}, 6e-4),
                          row("cpu0", {gemm_shape{1, 64, 32, false, true}, precision::int8}, 1e-4)};
  const auto fallback = token_bounds(skipped);
  const token_bound* q = find(fallback, "q4_0 x int8");
  ASSERT_TRUE(q && q->decode.seconds);
  EXPECT_DOUBLE_EQ(*q->decode.seconds, 3 * 2 * 1e-4);
  EXPECT_EQ(q->substituted, std::vector<std::string>{"routed experts without a q4_0 moe row as dense int8 GEMM passes"});
  skipped.measurements[0] = row("cpu0", {moe_shape{1, 64, 32, 8, 2, quant_format::q4_0}, precision::int8}, 0, status::invalid);
  const auto after_failure = token_bounds(skipped);
  const token_bound* failed = find(after_failure, "q4_0 x int8");
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->decode.seconds);
}

TEST(token_bounds, an_inference_sums_gemms_and_convolutions_without_a_memory_bound) {
  run r;
  model_profile m;  // an ONNX graph's: no tokens, no decode
  m.inference = {{"conv2d/n1c3h8w8k4r3s3u1p1d1nchw", 3}, {"gemm/m1n10k64tb", 1}};
  r.context.model = m;
  r.measurements = {row("cpu0", {conv_shape::square(1, 3, 8, 8, 4, 3, 3, 1, 1, 1), precision::fp32}, 2e-3),
                    row("cpu0", {gemm_shape{1, 10, 64, false, true}, precision::fp32}, 1e-3),
                    row("cpu0", {conv_shape::square(1, 3, 8, 8, 4, 3, 3, 1, 1, 1), precision::int8}, 1e-3, status::unsupported),
                    row("cpu0", {gemm_shape{1, 10, 64, false, true}, precision::int8}, 5e-4)};
  const auto bounds = token_bounds(r);
  ASSERT_EQ(bounds.size(), 2u);
  const token_bound* fp32 = find(bounds, "fp32");
  ASSERT_TRUE(fp32 && fp32->inference.seconds);
  EXPECT_DOUBLE_EQ(*fp32->inference.seconds, 3 * 2e-3 + 1e-3);
  EXPECT_DOUBLE_EQ(*fp32->inference.per_s, 1 / (3 * 2e-3 + 1e-3));
  EXPECT_FALSE(fp32->decode_memory_bound);
  EXPECT_TRUE(fp32->memory_basis.empty());
  EXPECT_FALSE(fp32->decode.per_s);
  // int8: the convolution has no int8 row and borrows no other precision (only attention and the row kernels do)
  const token_bound* int8 = find(bounds, "int8");
  ASSERT_TRUE(int8);
  EXPECT_FALSE(int8->inference.per_s);
  ASSERT_EQ(int8->inference.missing.size(), 1u);
  EXPECT_NE(int8->inference.missing[0].find("conv2d/n1c3h8w8k4r3s3u1p1d1nchw"), std::string::npos);
  EXPECT_TRUE(int8->substituted.empty());
}

}  // namespace
}  // namespace xpu
