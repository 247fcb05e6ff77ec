// Operation and byte counts, and the verifier itself: it must pass a right answer and catch
// wrong ones (a perturbed element, an untouched sentinel).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <tuple>

#include "core/half.hpp"

#include "ops/attention/reference.hpp"
#include "ops/conv2d/reference.hpp"
#include "ops/gemm/reference.hpp"
#include "ops/layernorm/reference.hpp"
#include "ops/peak/reference.hpp"
#include "ops/qgemm/blocks.hpp"
#include "ops/qgemm/reference.hpp"
#include "ops/rmsnorm/reference.hpp"
#include "ops/softmax/reference.hpp"
#include "ops/operation.hpp"
#include "ops/shared.hpp"

namespace xpu {
namespace {

TEST(workload, gemm_counts) {
  const problem p{gemm_shape{64, 32, 16}, precision::fp32};
  const workload& w = workload_for(kernel_kind::gemm);
  EXPECT_DOUBLE_EQ(w.ops(p), 2.0 * 64 * 32 * 16);
  EXPECT_DOUBLE_EQ(w.min_bytes(p), 4.0 * (64 * 16 + 16 * 32 + 64 * 32));
  const problem q{gemm_shape{64, 32, 16}, precision::int8};
  EXPECT_DOUBLE_EQ(w.min_bytes(q), 1.0 * 64 * 16 + 1.0 * 16 * 32 + 4.0 * 64 * 32);
  EXPECT_EQ(w.ops_unit(q), "OP");
}

TEST(workload, conv_counts) {
  const conv_shape c = conv_shape::square(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, conv_layout::nchw);
  const problem p{c, precision::fp32};
  const workload& w = workload_for(kernel_kind::conv2d);
  EXPECT_DOUBLE_EQ(w.ops(p), 2.0 * 2 * 4 * 3 * 3 * 3 * 8 * 8);
  EXPECT_DOUBLE_EQ(w.min_bytes(p), 4.0 * (2 * 3 * 8 * 8 + 4 * 3 * 3 * 3 + 2 * 4 * 8 * 8));
}

TEST(workload, reduction_and_bandwidth_counts) {
  EXPECT_DOUBLE_EQ(workload_for(kernel_kind::reduction).min_bytes({reduction_shape{1000, reduce_op::sum}, precision::fp16}), 2000);
  const workload& bw = workload_for(kernel_kind::bandwidth);
  EXPECT_DOUBLE_EQ(bw.min_bytes({bandwidth_shape{3 * 4 * 100, bandwidth_op::triad}, precision::fp32}), 1200);
  EXPECT_DOUBLE_EQ(bw.min_bytes({bandwidth_shape{1000, bandwidth_op::copy}, precision::fp32}), 1000);
  EXPECT_DOUBLE_EQ(bw.min_bytes({bandwidth_shape{4000, bandwidth_op::upload}, precision::fp32}), 4000);
}

TEST(workload, model_layer_counts) {
  const workload& sm = workload_for(kernel_kind::softmax);
  EXPECT_DOUBLE_EQ(sm.ops({softmax_shape{3, 100}, precision::fp16}), 300);
  EXPECT_DOUBLE_EQ(sm.min_bytes({softmax_shape{3, 100}, precision::fp16}), 300.0 * (2 + 2));  // fp16 in, fp16 out
  EXPECT_DOUBLE_EQ(workload_for(kernel_kind::rmsnorm).min_bytes({rmsnorm_shape{3, 100}, precision::fp32}), 300.0 * 8 + 100 * 4);
  const workload& at = workload_for(kernel_kind::attention);
  // 2 heads x 4 queries x 4 keys, 4 x head_dim FLOP a pair; causal keeps 1 + 2 + 3 + 4 pairs of each head
  EXPECT_DOUBLE_EQ(at.ops({attention_shape{1, 2, 2, 4, 4, 8, false}, precision::fp32}), 4.0 * 8 * 2 * 16);
  EXPECT_DOUBLE_EQ(at.ops({attention_shape{1, 2, 2, 4, 4, 8, true}, precision::fp32}), 4.0 * 8 * 2 * 10);
  // seq_q 2 of seq_kv 5, causal: the queries see 4 and 5 keys
  EXPECT_DOUBLE_EQ((attention_shape{1, 1, 1, 2, 5, 8, true}.pairs()), 9.0);
  // Q and O: 2 x 3 x 8; K and V: 1 x 5 x 8 each (grouped-query heads share them)
  EXPECT_DOUBLE_EQ(at.min_bytes({attention_shape{1, 2, 1, 3, 5, 8, false}, precision::fp16}), 2.0 * (2 * 2 * 3 * 8 + 2 * 5 * 8));
  EXPECT_EQ(at.make_buffers({attention_shape{1, 2, 1, 3, 5, 8, false}, precision::fp16}, 1).outputs[0].type, element_type::f16);
}

TEST(reference, model_layers_on_hand_computed_cases) {
  host_buffer x(element_type::f32, 4);
  const float xs[] = {0.0f, static_cast<float>(std::log(3.0)), 3.0f, 4.0f};
  std::copy(std::begin(xs), std::end(xs), x.as<float>().begin());
  const std::size_t both[] = {0, 1}, second_row[] = {2, 3};
  const auto sm = reference::softmax({2, 2}, x, both);  // [0, ln 3] -> [1/4, 3/4]
  EXPECT_NEAR(sm[0], 0.25, 1e-7);
  EXPECT_NEAR(sm[1], 0.75, 1e-7);
  host_buffer g(element_type::f32, 2);
  g.as<float>()[0] = 1, g.as<float>()[1] = 2;
  const auto rn = reference::rmsnorm({2, 2}, x, g, second_row);  // [3, 4]: mean of squares 12.5
  EXPECT_NEAR(rn[0], 3.0 / std::sqrt(12.5 + rmsnorm_eps), 1e-12);
  EXPECT_NEAR(rn[1], 8.0 / std::sqrt(12.5 + rmsnorm_eps), 1e-12);
  // LayerNorm of [3, 4]: mean 3.5, variance 0.25 -> -+1 / sqrt(0.25 + eps) x g + b
  host_buffer bias(element_type::f32, 2);
  bias.as<float>()[0] = 0.5f, bias.as<float>()[1] = -1;
  const auto ln = reference::layernorm({2, 2}, x, g, bias, second_row);
  EXPECT_NEAR(ln[0], -0.5 / std::sqrt(0.25 + layernorm_eps) * 1 + 0.5, 1e-12);
  EXPECT_NEAR(ln[1], 0.5 / std::sqrt(0.25 + layernorm_eps) * 2 - 1, 1e-12);
  EXPECT_DOUBLE_EQ(workload_for(kernel_kind::layernorm).min_bytes({layernorm_shape{3, 100}, precision::fp32}), 300.0 * 8 + 2 * 100 * 4);
  // head_dim 1: q = 1, keys 0 and 1, values 2 and 4 -> (2 + 4e) / (1 + e); causal: the first query sees key 0 only
  host_buffer q(element_type::f32, 2), k(element_type::f32, 2), v(element_type::f32, 2);
  q.as<float>()[0] = 1, q.as<float>()[1] = 1, k.as<float>()[0] = 0, k.as<float>()[1] = 1, v.as<float>()[0] = 2, v.as<float>()[1] = 4;
  const double e = std::exp(1.0);
  const auto full = reference::attention({1, 1, 1, 2, 2, 1, false}, q, k, v, both);
  EXPECT_NEAR(full[0], (2 + 4 * e) / (1 + e), 1e-12);
  const auto causal = reference::attention({1, 1, 1, 2, 2, 1, true}, q, k, v, both);
  EXPECT_NEAR(causal[0], 2.0, 1e-12);
  EXPECT_NEAR(causal[1], (2 + 4 * e) / (1 + e), 1e-12);
}

// GGUF's block layouts, by hand: a Q8_0 block of scale 0.5 holding 1..32, and a Q4_0 block whose
// byte j holds nibble j (weight j) and 15 - j (weight j + 16), against an all-ones fp32 row and a
// Q8_0 row of scale 2 and values 1.
TEST(reference, qgemm_reads_the_gguf_block_layouts) {
  std::vector<std::uint8_t> q8(34), q4(18), x8(34);
  q8[0] = 0x00, q8[1] = 0x38;  // fp16 0.5
  for (int t = 0; t < 32; ++t) q8[2 + t] = static_cast<std::uint8_t>(t + 1);
  q4[0] = 0x00, q4[1] = 0x3c;  // fp16 1.0
  for (int j = 0; j < 16; ++j) q4[2 + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  x8[0] = 0x00, x8[1] = 0x40;  // fp16 2.0
  for (int t = 0; t < 32; ++t) x8[2 + t] = 1;
  EXPECT_EQ(quant::value(quant_format::q4_0, q4.data(), 3), 3 - 8);
  EXPECT_EQ(quant::value(quant_format::q4_0, q4.data(), 16 + 3), 15 - 3 - 8);
  const auto bytes = [](const std::vector<std::uint8_t>& v) {
    host_buffer b(element_type::u8, v.size());
    std::memcpy(b.bytes.data(), v.data(), v.size());
    return b;
  };
  host_buffer ones(element_type::f32, 32);
  for (float& v : ones.as<float>()) v = 1;
  const std::size_t first[] = {0};
  EXPECT_DOUBLE_EQ(reference::qgemm({1, 1, 32, quant_format::q8_0}, precision::fp32, ones, bytes(q8), first)[0], 0.5 * 528);
  // Q4_0: (0 + ... + 15) - 16 x 8 for the low nibbles, the same for the high ones
  EXPECT_DOUBLE_EQ(reference::qgemm({1, 1, 32, quant_format::q4_0}, precision::fp32, ones, bytes(q4), first)[0], 2.0 * (120 - 128));
  EXPECT_DOUBLE_EQ(reference::qgemm({1, 1, 32, quant_format::q8_0}, precision::int8, bytes(x8), bytes(q8), first)[0], 2.0 * 0.5 * 528);
  const workload& w = workload_for(kernel_kind::qgemm);
  // Q4_0 weights 8 x 64 (2 blocks of 18 bytes a row), fp32 activations 3 x 64, fp32 output 3 x 8
  EXPECT_DOUBLE_EQ(w.min_bytes({qgemm_shape{3, 8, 64, quant_format::q4_0}, precision::fp32}), 4.0 * 3 * 64 + 8 * 2 * 18 + 4.0 * 3 * 8);
  EXPECT_DOUBLE_EQ(w.min_bytes({qgemm_shape{3, 8, 64, quant_format::q8_0}, precision::int8}), 3.0 * 2 * 34 + 8 * 2 * 34 + 4.0 * 3 * 8);
  EXPECT_EQ(w.ops_unit({qgemm_shape{3, 8, 64}, precision::int8}), "OP");
}

// A model-layer output set to the reference passes (in fp16 too: rounded to half); one wrong
// element and an untouched output fail.
TEST(verify, model_layers_pass_the_reference_and_catch_errors) {
  for (const problem& p : {problem{softmax_shape{5, 300}, precision::fp16}, problem{rmsnorm_shape{4, 64}, precision::fp32},
                           problem{attention_shape{1, 4, 2, 9, 12, 16, true}, precision::fp16},
                           problem{qgemm_shape{3, 7, 96, quant_format::q4_0}, precision::int8},
                           problem{qgemm_shape{2, 5, 64, quant_format::q8_0}, precision::fp32}}) {
    SCOPED_TRACE(p.id());
    const workload& w = workload_for(p.kind());
    host_buffers b = w.make_buffers(p, 5);
    EXPECT_FALSE(w.verify(p, b, 5).passed);  // the sentinel
    std::vector<std::size_t> all(b.outputs[0].count());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::vector<double> ref;
    if (const auto* s = std::get_if<softmax_shape>(&p.dims)) ref = reference::softmax(*s, b.inputs[0], all);
    else if (const auto* r = std::get_if<rmsnorm_shape>(&p.dims)) ref = reference::rmsnorm(*r, b.inputs[0], b.inputs[1], all);
    else if (const auto* q = std::get_if<qgemm_shape>(&p.dims)) ref = reference::qgemm(*q, p.type, b.inputs[0], b.inputs[1], all);
    else ref = reference::attention(std::get<attention_shape>(p.dims), b.inputs[0], b.inputs[1], b.inputs[2], all);
    const auto set = [&](std::size_t i, double value) {
      if (b.outputs[0].type == element_type::f16) b.outputs[0].as<std::uint16_t>()[i] = half_from_float(static_cast<float>(value));
      else b.outputs[0].as<float>()[i] = static_cast<float>(value);
    };
    for (std::size_t i = 0; i < all.size(); ++i) set(i, ref[i]);
    const verification good = w.verify(p, b, 5);
    EXPECT_TRUE(good.passed) << good.message;
    set(all.size() / 2, ref[all.size() / 2] * 1.5 + 0.01);
    EXPECT_FALSE(w.verify(p, b, 5).passed);
  }
}

TEST(workload, inputs_are_seeded_and_never_zero) {
  const problem p{gemm_shape{16, 16, 16}, precision::int8};
  const workload& w = workload_for(kernel_kind::gemm);
  const host_buffers a = w.make_buffers(p, 7), b = w.make_buffers(p, 7), c = w.make_buffers(p, 8);
  EXPECT_EQ(a.inputs[0].bytes, b.inputs[0].bytes);
  EXPECT_NE(a.inputs[0].bytes, c.inputs[0].bytes);
  for (const auto& in : a.inputs)
    for (std::size_t i = 0; i < in.count(); ++i) EXPECT_NE(in.at(i), 0.0);
  EXPECT_EQ(a.inputs[0].type, element_type::u8);
  EXPECT_EQ(a.inputs[1].type, element_type::s8);
  EXPECT_EQ(a.outputs[0].type, element_type::s32);
}

// Fills the output with the reference itself (a correct kernel), then breaks it.
host_buffers solved_gemm(const problem& p) {
  const workload& w = workload_for(kernel_kind::gemm);
  host_buffers b = w.make_buffers(p, 3);
  const auto& g = std::get<gemm_shape>(p.dims);
  std::vector<std::size_t> all(static_cast<std::size_t>(g.m * g.n));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const auto ref = reference::gemm(g, b.inputs[0], b.inputs[1], all);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (b.outputs[0].type == element_type::s32) b.outputs[0].as<std::int32_t>()[i] = static_cast<std::int32_t>(ref[i]);
    else b.outputs[0].as<float>()[i] = static_cast<float>(ref[i]);
  }
  return b;
}

TEST(verify, passes_a_right_answer_and_catches_a_wrong_one) {
  const problem p{gemm_shape{24, 20, 300}, precision::fp32};
  const workload& w = workload_for(kernel_kind::gemm);
  host_buffers b = solved_gemm(p);
  verification v = w.verify(p, b, 3);
  EXPECT_TRUE(v.checked);
  EXPECT_TRUE(v.passed) << v.message;
  EXPECT_EQ(v.elements_checked, 24u * 20u);
  EXPECT_LT(v.rel_l2_error, 1e-7);

  b.outputs[0].as<float>()[17] *= 1.01f;  // one element 1 % off
  v = w.verify(p, b, 3);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.message.find("exceeds the tolerance"), std::string::npos);
}

TEST(verify, max_relative_error_skips_references_near_zero) {
  host_buffer y(element_type::f32, 4);
  const std::vector<double> ref{100, -50, 1e-3, 10};
  auto out = y.as<float>();
  out[0] = 101, out[1] = -50, out[2] = 2e-3f, out[3] = 10.5f;  // 1 %, 0, 100 % (of a reference below 100 / 1000), 5 %
  const std::size_t at[] = {0, 1, 2, 3};
  const verification v = ops::compare(y, at, ref, {false, 1.0, "test"});
  EXPECT_NEAR(v.max_rel_error, 0.05, 1e-6);  // the 1e-3 element is cancellation-sized: left to the L2 error
  EXPECT_NEAR(v.max_abs_error, 1, 1e-6);
}

TEST(verify, half_accumulation_gets_the_half_bound_and_no_more) {
  // A result rounded to fp16 (what a half GEMM returns at best): beyond the fp32-accumulation bound,
  // within the fp16 one (3.2 % at K = 64); 10 % off (about one of the 64 terms missing) fails it.
  // int8 stays exact whatever is claimed.
  const problem p{gemm_shape{24, 20, 64}, precision::fp16};
  const workload& w = workload_for(kernel_kind::gemm);
  host_buffers b = solved_gemm(p);
  for (float& y : b.outputs[0].as<float>()) y = half_to_float(half_from_float(y));
  EXPECT_FALSE(w.verify(p, b, 3, precision::fp32).passed);
  const verification v = w.verify(p, b, 3, precision::fp16);
  EXPECT_TRUE(v.passed) << v.message;
  EXPECT_NE(v.tolerance_basis.find("fp16 accumulation"), std::string::npos);
  for (float& y : b.outputs[0].as<float>()) y *= 1.1f;
  EXPECT_FALSE(w.verify(p, b, 3, precision::fp16).passed);
  const problem q{gemm_shape{8, 8, 64}, precision::int8};
  host_buffers exact = solved_gemm(q);
  exact.outputs[0].as<std::int32_t>()[5] += 1;
  EXPECT_FALSE(w.verify(q, exact, 3, precision::fp16).passed);
}

TEST(verify, int8_must_be_exact) {
  const problem p{gemm_shape{8, 8, 64, true, false}, precision::int8};
  const workload& w = workload_for(kernel_kind::gemm);
  host_buffers b = solved_gemm(p);
  EXPECT_TRUE(w.verify(p, b, 3).passed);
  b.outputs[0].as<std::int32_t>()[5] += 1;
  const verification v = w.verify(p, b, 3);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.message.find("element 5"), std::string::npos);
}

// The streams check every element as they read it (no index or reference vectors): a right copy and
// triad pass, one element off (the last one) fails.
TEST(verify, streams_check_every_element_and_name_a_wrong_one) {
  const workload& w = workload_for(kernel_kind::bandwidth);
  for (auto op : {bandwidth_op::copy, bandwidth_op::triad, bandwidth_op::upload, bandwidth_op::download}) {
    const problem p{bandwidth_shape{3 * 4 * 5000, op}, precision::fp32};
    host_buffers b = w.make_buffers(p, 9);
    const auto x = b.inputs[0].as<float>();
    auto y = b.outputs[0].as<float>();
    ASSERT_EQ(y.size(), x.size());
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = op == bandwidth_op::triad ? x[i] + 3.0f * b.inputs[1].as<float>()[i] : x[i];
    verification v = w.verify(p, b, 9);
    EXPECT_TRUE(v.passed) << to_string(op) << ": " << v.message;
    EXPECT_EQ(v.elements_checked, y.size());
    y.back() *= 1.5f;
    v = w.verify(p, b, 9);
    EXPECT_FALSE(v.passed) << to_string(op);
    EXPECT_GT(v.max_abs_error, 0.06) << to_string(op);  // |x| >= 0.125 off by half
  }
}

TEST(verify, untouched_output_is_caught_by_the_sentinel) {
  const problem p{gemm_shape{8, 8, 8}, precision::fp32};
  const workload& w = workload_for(kernel_kind::gemm);
  const host_buffers b = w.make_buffers(p, 3);  // nobody wrote the output
  EXPECT_FALSE(w.verify(p, b, 3).passed);
}

TEST(verify, large_outputs_are_sampled) {
  const problem p{gemm_shape{4096, 4096, 4096}, precision::fp32};
  const workload& w = workload_for(kernel_kind::gemm);
  // Only the counts matter here: build the buffers without filling 4096^2 outputs by hand.
  host_buffers b;
  b.inputs.emplace_back(element_type::f32, 4096u * 4096u);
  b.inputs.emplace_back(element_type::f32, 4096u * 4096u);
  b.outputs.emplace_back(element_type::f32, 4096u * 4096u);
  const verification v = w.verify(p, b, 1);
  EXPECT_EQ(v.elements_checked, verify_sample);
  EXPECT_EQ(v.elements_total, 4096u * 4096u);
}

TEST(reference, conv_matches_a_hand_computed_case) {
  // 1x1x3x3 input 1..9, one 2x2 filter of ones, no padding: sums of each 2x2 window.
  conv_shape c = conv_shape::square(1, 1, 3, 3, 1, 2, 2, 1, 0, 1, conv_layout::nchw);
  host_buffer x(element_type::f32, 9), w(element_type::f32, 4);
  for (int i = 0; i < 9; ++i) x.as<float>()[i] = static_cast<float>(i + 1);
  for (int i = 0; i < 4; ++i) w.as<float>()[i] = 1;
  const std::size_t at[] = {0, 1, 2, 3};
  EXPECT_EQ(reference::conv2d(c, x, w, at), (std::vector<double>{12, 16, 24, 28}));
}

// The references group, widen and split their work (ops/gemm/reference.cpp, ops/conv2d/reference.cpp);
// each output must still be the definition's sum, written here as plainly as it reads, for every
// layout, a sample in any order with repeats, and sizes that do not fill a block.
std::vector<std::size_t> some_of(std::size_t total, std::mt19937_64& rng) {
  std::vector<std::size_t> at{total - 1, 0, total - 1};
  std::uniform_int_distribution<std::size_t> pick(0, total - 1);
  for (int e = 0; e < 200; ++e) at.push_back(pick(rng));
  return at;
}

TEST(reference, gemm_is_the_definition_in_every_layout_and_order) {
  std::mt19937_64 rng(7);
  for (const element_type type : {element_type::f32, element_type::bf16, element_type::s8})
    for (const bool ta : {false, true})
      for (const bool tb : {false, true}) {
        const gemm_shape g{13, 70, 37, ta, tb};  // n = 70: one whole block of 64 columns and a part
        host_buffer a(type, 13 * 37), b(type, 37 * 70);
        ops::fill(a, rng), ops::fill(b, rng);
        std::vector<std::size_t> all(13 * 70);
        std::iota(all.begin(), all.end(), std::size_t{0});
        for (const auto& at : {all, some_of(all.size(), rng)}) {
          const auto got = reference::gemm(g, a, b, at);
          ASSERT_EQ(got.size(), at.size());
          for (std::size_t e = 0; e < at.size(); ++e) {
            const std::int64_t i = static_cast<std::int64_t>(at[e]) / 70, j = static_cast<std::int64_t>(at[e]) % 70;
            double want = 0;
            for (std::int64_t p = 0; p < 37; ++p)
              want += a.at(static_cast<std::size_t>(ta ? p * 13 + i : i * 37 + p)) * b.at(static_cast<std::size_t>(tb ? j * 37 + p : p * 70 + j));
            if (type == element_type::s8) ASSERT_EQ(got[e], want) << i << "," << j;  // integers: exact in float64
            else ASSERT_NEAR(got[e], want, 1e-12 * (1 + std::abs(want))) << i << "," << j;
          }
        }
      }
}

TEST(reference, gemm_spread_over_threads_is_the_definition) {
  // Enough work for ops::parallel_for to use its threads: the same sums, whatever thread took them.
  std::mt19937_64 rng(5);
  const gemm_shape g{96, 130, 400, false, true};
  host_buffer a(element_type::f16, 96 * 400), b(element_type::f16, 400 * 130);
  ops::fill(a, rng), ops::fill(b, rng);
  std::vector<std::size_t> all(96 * 130);
  std::iota(all.begin(), all.end(), std::size_t{0});
  const auto got = reference::gemm(g, a, b, all);
  for (std::size_t e = 0; e < all.size(); e += 7) {
    const std::int64_t i = static_cast<std::int64_t>(e) / 130, j = static_cast<std::int64_t>(e) % 130;
    double want = 0;
    for (std::int64_t p = 0; p < 400; ++p) want += a.at(static_cast<std::size_t>(i * 400 + p)) * b.at(static_cast<std::size_t>(j * 400 + p));
    ASSERT_NEAR(got[e], want, 1e-12 * (1 + std::abs(want))) << i << "," << j;
  }
}

TEST(buffers, widen_is_at_for_every_type_and_stride) {
  std::mt19937_64 rng(9);
  for (const element_type type :
       {element_type::f32, element_type::f16, element_type::bf16, element_type::u8, element_type::s8, element_type::s32, element_type::f64}) {
    host_buffer b(type, 40);
    std::uniform_int_distribution<int> value(-100, 100);
    for (std::size_t e = 0; e < 40; ++e) b.set(e, value(rng) / (type == element_type::u8 ? 1.0 : 4.0) + (type == element_type::u8 ? 100 : 0));
    for (const auto& [first, stride, count] : {std::tuple<std::size_t, std::size_t, std::size_t>{0, 1, 40}, {3, 4, 9}, {39, 1, 1}, {5, 7, 0}}) {
      std::vector<double> out(count + 1, -12345);
      b.widen(first, stride, count, out.data());
      for (std::size_t e = 0; e < count; ++e) ASSERT_EQ(out[e], b.at(first + e * stride)) << to_string(type) << " element " << first + e * stride;
      EXPECT_EQ(out[count], -12345) << "nothing past the run";
    }
  }
}

TEST(reference, conv_is_the_definition_in_every_layout_stride_pad_and_dilation) {
  std::mt19937_64 rng(11);
  for (const conv_layout layout : {conv_layout::nchw, conv_layout::nhwc})
    // stride h, w; pads top, left, bottom, right; dilation h, w
    for (const auto& [sh, sw, pt, pl, pb, pr, dh, dw] : {std::array{1, 1, 1, 1, 1, 1, 1, 1}, {2, 2, 1, 1, 1, 1, 1, 1}, {1, 1, 2, 2, 2, 2, 2, 2},
                                                         {2, 2, 0, 0, 0, 0, 3, 3}, {2, 1, 0, 2, 1, 0, 1, 2}, {1, 3, 2, 0, 0, 1, 2, 1}}) {
      const conv_shape c{2, 3, 9, 8, 4, 3, 2, sh, sw, pt, pl, pb, pr, dh, dw, layout};
      host_buffer x(element_type::s8, 2 * 3 * 9 * 8), w(element_type::s8, 4 * 3 * 3 * 2);
      ops::fill(x, rng), ops::fill(w, rng);
      const std::size_t total = static_cast<std::size_t>(2 * 4 * c.p() * c.q());
      std::vector<std::size_t> all(total);
      std::iota(all.begin(), all.end(), std::size_t{0});
      // Every output and a sample (the tensors widened once), and one output (read element by element).
      for (const auto& at : {all, some_of(total, rng), std::vector<std::size_t>{total / 2}}) {
        const auto got = reference::conv2d(c, x, w, at);
        ASSERT_EQ(got.size(), at.size());
        for (std::size_t e = 0; e < at.size(); ++e) {
          std::int64_t n, k, p, q, rest = static_cast<std::int64_t>(at[e]);
          if (layout == conv_layout::nhwc) k = rest % 4, rest /= 4, q = rest % c.q(), rest /= c.q(), p = rest % c.p(), n = rest / c.p();
          else q = rest % c.q(), rest /= c.q(), p = rest % c.p(), rest /= c.p(), k = rest % 4, n = rest / 4;
          double want = 0;
          for (std::int64_t ch = 0; ch < 3; ++ch)
            for (std::int64_t r = 0; r < 3; ++r)
              for (std::int64_t s = 0; s < 2; ++s) {
                const std::int64_t h = p * sh - pt + r * dh, wi = q * sw - pl + s * dw;
                if (h < 0 || h >= 9 || wi < 0 || wi >= 8) continue;
                const auto xi = layout == conv_layout::nhwc ? ((n * 9 + h) * 8 + wi) * 3 + ch : ((n * 3 + ch) * 9 + h) * 8 + wi;
                const auto wj = layout == conv_layout::nhwc ? ((k * 3 + r) * 2 + s) * 3 + ch : ((k * 3 + ch) * 3 + r) * 2 + s;
                want += x.at(static_cast<std::size_t>(xi)) * w.at(static_cast<std::size_t>(wj));
              }
          ASSERT_EQ(got[e], want) << "output " << at[e] << " of " << problem{c, precision::int8}.id();
        }
      }
    }
}

TEST(reference, peak_is_x0_plus_iterations_times_the_step) {
  host_buffers in;
  in.inputs.emplace_back(element_type::s32, 1);
  in.inputs.emplace_back(element_type::u8, 4);
  in.inputs.emplace_back(element_type::s8, 4);
  in.inputs[0].as<std::int32_t>()[0] = 5;
  for (int i = 0; i < 4; ++i) in.inputs[1].as<std::uint8_t>()[i] = 2, in.inputs[2].as<std::int8_t>()[i] = -3;
  const std::size_t at[] = {0};
  EXPECT_EQ(reference::peak(precision::int8, 10, in, at)[0], 5 + 10 * 4 * (2 * -3));
}

TEST(problem_size, checked_products_never_wrap) {
  EXPECT_EQ(largest_tensor_elements({gemm_shape{4, 5, 6}}), 30);
  EXPECT_EQ(largest_tensor_elements({gemm_shape{std::int64_t{1} << 32, std::int64_t{1} << 32, 1}}), std::nullopt);  // 2^64
  EXPECT_EQ(largest_tensor_elements({reduction_shape{-1}}), std::nullopt);
  conv_shape c = conv_shape::square(2, 3, 8, 8, 4, 3, 3, 1, 1, 1);
  EXPECT_EQ(largest_tensor_elements({c}), 2 * 4 * 8 * 8);  // output N x K x P x Q
  c.dilation_w = std::int64_t{1} << 62;                    // dilation x (s - 1) overflows
  EXPECT_EQ(largest_tensor_elements({c}), std::nullopt);
  c.dilation_w = 1, c.pad_bottom = std::numeric_limits<std::int64_t>::max();  // h + pads overflows
  EXPECT_EQ(largest_tensor_elements({c}), std::nullopt);
  // Per-axis stride and padding: 1-D along w, pads 0, 2, 0, 1, stride 3: Q = (10 + 3 - 3) / 3 + 1
  const conv_shape one_d{1, 4, 1, 10, 5, 1, 4, 1, 3, 0, 2, 0, 1, 1, 1, conv_layout::nchw};
  EXPECT_EQ(one_d.p(), 1);
  EXPECT_EQ(one_d.q(), 4);
  EXPECT_EQ(largest_tensor_elements({one_d}), 5 * 4 * 4);  // the filter, K x C x R x S
  EXPECT_EQ(problem_size_error({gemm_shape{64, 64, 64}}), std::nullopt);
  EXPECT_EQ(problem_size_error({bandwidth_shape{12, bandwidth_op::triad}}), std::nullopt);
  EXPECT_TRUE(problem_size_error({bandwidth_shape{8, bandwidth_op::triad}}));
}

}  // namespace
}  // namespace xpu
