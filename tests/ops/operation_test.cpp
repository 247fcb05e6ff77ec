// The operations' registry and descriptors: every operation is found by its name, has a workload,
// a suite section and precisions; the rules every backend shares are applied through supports().
#include <cstring>

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
    ASSERT_NE(op->cases, nullptr) << op->name;  // tests/kernels/operation_test.cpp runs them on every backend
    for (const problem& c : op->cases()) EXPECT_EQ(c.kind(), op->kind) << c.id();
    EXPECT_TRUE(names.insert(op->name).second) << op->name << " twice";
  }
  EXPECT_EQ(operation_find("fft"), nullptr);
  EXPECT_EQ(names.size(), 13u);
}

// Every id a run can hold is read back as the problem that wrote it (results/ reads ids this way).
TEST(operations, every_case_id_is_read_back_as_its_problem) {
  int read = 0;
  for (const operation* op : operations())
    for (problem p : op->cases())
      for (precision type : op->precisions) {
        p.type = type;
        const auto back = problem_from_id(p.id());
        ASSERT_TRUE(back) << p.id();
        EXPECT_EQ(back->id(), p.id());
        EXPECT_EQ(back->kind(), op->kind);
        const auto shaped = problem_from_shape_id(p.shape_id(), type);
        ASSERT_TRUE(shaped) << p.shape_id();
        EXPECT_EQ(shaped->id(), p.id());
        ++read;
      }
  EXPECT_GT(read, 100);
}

TEST(operations, precisions_are_the_union_of_the_descriptors) {
  const auto all = operation_precisions();
  EXPECT_EQ(all, std::vector<precision>(all_precisions.begin(), all_precisions.end()));  // peak has every one
  EXPECT_EQ(operation_names(), "gemm, conv2d, reduction, bandwidth, peak, latency, softmax, rmsnorm, attention, qgemm, silu, layernorm, moe");
  EXPECT_EQ(operation_names(" ", "[[", "]]"),
            "[[gemm]] [[conv2d]] [[reduction]] [[bandwidth]] [[peak]] [[latency]] [[softmax]] [[rmsnorm]] [[attention]] [[qgemm]] [[silu]] [[layernorm]] [[moe]]");
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

// The traits the layers above read instead of matching names (results/: accuracy, roofline, % of
// peak, token bounds); a kernel name no operation has is plain work without a role.
TEST(operations, traits_say_what_a_row_measures_and_its_role_in_a_model) {
  EXPECT_EQ(operation_measures("peak"), measures::peak);
  EXPECT_EQ(operation_measures("bandwidth"), measures::bandwidth);
  EXPECT_EQ(operation_measures("latency"), measures::latency);
  for (std::string_view work : {"gemm", "conv2d", "reduction", "softmax", "rmsnorm", "attention", "qgemm", "silu", "layernorm"})
    EXPECT_EQ(operation_measures(work), measures::work) << work;
  EXPECT_EQ(operation_role("gemm"), model_role::matrix);
  EXPECT_EQ(operation_role("conv2d"), model_role::matrix);
  EXPECT_EQ(operation_role("qgemm"), model_role::block_matrix);
  for (std::string_view layer : {"attention", "rmsnorm", "softmax", "silu", "layernorm"}) EXPECT_EQ(operation_role(layer), model_role::float_layer) << layer;
  EXPECT_EQ(operation_role("bandwidth"), model_role::memory);
  EXPECT_EQ(operation_role("reduction"), model_role::none);
  EXPECT_EQ(operation_measures("fft"), measures::work);
  EXPECT_EQ(operation_role("fft"), model_role::none);
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

// The model-layer sections: their shapes, their defaults and what they refuse, with the line.
TEST(operations, model_layer_sections_parse_and_refuse_what_cannot_run) {
  const char* text = R"(
    softmax = { precisions = ["fp32", "fp16"], shapes = [{ rows = 2, cols = 10 }] }
    rmsnorm = { shapes = [{ rows = 1, cols = 4096 }] }
    attention = { shapes = [{ heads = 32, kv_heads = 8, seq = 512, head_dim = 128, causal = true }, { heads = 2, seq_q = 1, seq_kv = 9, head_dim = 64 }] }
    no_cols = { shapes = [{ rows = 2 }] }
    groups = { shapes = [{ heads = 6, kv_heads = 4, seq = 8, head_dim = 64 }] }
    short_keys = { shapes = [{ heads = 1, seq_q = 8, seq_kv = 4, head_dim = 64, causal = true }] }
    both = { shapes = [{ heads = 1, seq = 8, seq_q = 8, head_dim = 64 }] }
    wide = { shapes = [{ heads = 1, seq = 8, head_dim = 512 }] }
    no_seq = { shapes = [{ heads = 1, head_dim = 64 }] }
  )";
  const toml::table doc = toml::parse(text);
  const suite_reader r("t.toml");
  std::vector<problem> out;
  ASSERT_TRUE(operation_for(kernel_kind::softmax).parse({*doc["softmax"].as_table(), r, out}));
  ASSERT_TRUE(operation_for(kernel_kind::rmsnorm).parse({*doc["rmsnorm"].as_table(), r, out}));
  ASSERT_TRUE(operation_for(kernel_kind::attention).parse({*doc["attention"].as_table(), r, out}));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].id(), "softmax/fp32/r2c10");
  EXPECT_EQ(out[1].id(), "softmax/fp16/r2c10");
  EXPECT_EQ(out[2].id(), "rmsnorm/fp32/r1c4096");
  EXPECT_EQ(out[3].id(), "attention/fp32/b1h32kv8q512s512d128c");
  EXPECT_EQ(out[4].id(), "attention/fp32/b1h2kv2q1s9d64");  // kv_heads defaults to heads
  const auto refused = [&](const char* section, kernel_kind kind) {
    const auto e = operation_for(kind).parse({*doc[section].as_table(), r, out});
    return e ? std::string("accepted") : e.error().message;
  };
  EXPECT_NE(refused("no_cols", kernel_kind::softmax).find("softmax shape lacks 'cols'"), std::string::npos) << refused("no_cols", kernel_kind::softmax);
  EXPECT_NE(refused("groups", kernel_kind::attention).find("heads (6) must be a multiple of kv_heads (4)"), std::string::npos);
  EXPECT_NE(refused("short_keys", kernel_kind::attention).find("a causal mask needs seq_kv >= seq_q"), std::string::npos);
  EXPECT_NE(refused("both", kernel_kind::attention).find("either 'seq' or 'seq_q' and 'seq_kv'"), std::string::npos);
  EXPECT_NE(refused("wide", kernel_kind::attention).find("head_dim 512 is above 256"), std::string::npos);
  EXPECT_NE(refused("no_seq", kernel_kind::attention).find("needs 'seq'"), std::string::npos);
}

TEST(operations, qgemm_sections_take_formats_and_refuse_partial_blocks) {
  const toml::table doc = toml::parse(R"(
    q = { precisions = ["fp32", "int8"], formats = ["q4_0"], shapes = [{ m = 1, n = 14336, k = 4096 }] }
    both = { shapes = [{ m = 2, n = 8, k = 64 }] }
    partial = { shapes = [{ m = 1, n = 8, k = 40 }] }
    format = { formats = ["q5_k"], shapes = [{ m = 1, n = 8, k = 64 }] }
    streamed = { formats = ["q8_0"], shapes = [{ m = 1, n = 8, k = 64, copies = 12 }] }
    none = { shapes = [{ m = 1, n = 8, k = 64, copies = 0 }] }
    many = { shapes = [{ m = 1, n = 8, k = 64, copies = 2000000 }] }
  )");
  const suite_reader r("t.toml");
  std::vector<problem> out;
  const operation& op = operation_for(kernel_kind::qgemm);
  ASSERT_TRUE(op.parse({*doc["q"].as_table(), r, out}));
  ASSERT_TRUE(op.parse({*doc["both"].as_table(), r, out}));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].id(), "qgemm/fp32/q4_0/m1n14336k4096");
  EXPECT_EQ(out[1].id(), "qgemm/int8/q4_0/m1n14336k4096");
  EXPECT_EQ(out[1].shape_id(), "qgemm/q4_0/m1n14336k4096");
  EXPECT_EQ(out[2].id(), "qgemm/fp32/q8_0/m2n8k64");  // both formats by default
  EXPECT_EQ(out[3].id(), "qgemm/fp32/q4_0/m2n8k64");
  const auto partial = op.parse({*doc["partial"].as_table(), r, out});
  ASSERT_FALSE(partial);
  EXPECT_NE(partial.error().message.find("k = 40 is not a multiple of 32"), std::string::npos) << partial.error().message;
  const auto format = op.parse({*doc["format"].as_table(), r, out});
  ASSERT_FALSE(format);
  EXPECT_NE(format.error().message.find("unknown weight format 'q5_k'"), std::string::npos);
  // copies: one launch over 12 weight matrices, 12 x the work and bytes, 12 outputs; read back from its id
  ASSERT_TRUE(op.parse({*doc["streamed"].as_table(), r, out}));
  EXPECT_EQ(out.back().id(), "qgemm/fp32/q8_0/m1n8k64x12");
  EXPECT_EQ(op.entry(out.back()), "{ m = 1, n = 8, k = 64, copies = 12 }");
  ASSERT_TRUE(problem_from_id("qgemm/fp32/q8_0/m1n8k64x12"));
  EXPECT_FALSE(problem_from_id("qgemm/fp32/q8_0/m1n8k64x1"));  // one copy is written without x
  const problem one{qgemm_shape{1, 8, 64, quant_format::q8_0}, precision::fp32};
  EXPECT_DOUBLE_EQ(op.work().ops(out.back()), 12 * op.work().ops(one));
  EXPECT_DOUBLE_EQ(op.work().min_bytes(out.back()), 12 * op.work().min_bytes(one));
  const host_buffers b = op.work().make_buffers(out.back(), 7);
  EXPECT_EQ(b.inputs[1].bytes.size(), 12u * 8 * 2 * 34);
  EXPECT_EQ(b.outputs[0].count(), 12u * 8);
  EXPECT_NE(std::memcmp(b.inputs[1].bytes.data(), b.inputs[1].bytes.data() + 8 * 2 * 34, 8 * 2 * 34), 0);  // copies differ
  const auto none = op.parse({*doc["none"].as_table(), r, out});
  ASSERT_FALSE(none);
  const auto many = op.parse({*doc["many"].as_table(), r, out});
  ASSERT_FALSE(many);
  EXPECT_NE(many.error().message.find("copies = 2000000"), std::string::npos) << many.error().message;
  EXPECT_TRUE(op.unsupported({qgemm_shape{1, 1, 32}, precision::fp16}));
  EXPECT_FALSE(op.unsupported({qgemm_shape{1, 1, 32}, precision::int8}));
}

TEST(operations, model_layers_run_in_float_storage_types_only) {
  for (kernel_kind k : {kernel_kind::softmax, kernel_kind::rmsnorm, kernel_kind::attention}) {
    const operation& op = operation_for(k);
    EXPECT_FALSE(op.unsupported({softmax_shape{1, 1}, precision::fp16}));
    EXPECT_FALSE(op.unsupported({softmax_shape{1, 1}, precision::bf16}));
    const auto why = op.unsupported({softmax_shape{1, 1}, precision::int8});
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("runs in fp32, fp16 and bf16"), std::string::npos) << *why;
  }
  EXPECT_TRUE(operation_for(kernel_kind::attention).compute_bound);
  EXPECT_FALSE(operation_for(kernel_kind::softmax).compute_bound);
}

}  // namespace
}  // namespace xpu
