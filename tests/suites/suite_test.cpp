// Suite files: the built-ins parse, a user's file parses, and every kind of bad file is an error
// naming the file, the line and what was expected.
#include <gtest/gtest.h>

#include "ops/operation.hpp"
#include "suites/suite.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

TEST(suite_parse, builtins_all_parse) {
  for (const auto& name : {"quick", "standard", "ci", "deepbench", "llm", "llm-quick"}) {
    auto s = suite_load(name);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->name, name);
    EXPECT_FALSE(s->problems.empty());
  }
  EXPECT_EQ(builtin_suite_names().size(), 6u);
}

// The llm suites' [model] steps: every Llama-3-8B matrix once per token (7 per layer, and the output
// matrix in `llm`), an attention and two RMSNorms per layer and the final one.
TEST(suite_parse, llm_suites_count_every_matrix_of_a_token) {
  for (const auto& [name, matrices] : {std::pair{"llm", 32 * 7 + 1}, std::pair{"llm-quick", 32 * 7}}) {
    auto s = suite_load(name);
    ASSERT_TRUE(s && s->model) << name;
    for (const auto* phase : {&s->model->decode, &s->model->prefill}) {
      std::int64_t gemms = 0, attention = 0, norms = 0;
      for (const auto& step : *phase) {
        if (step.run.starts_with("gemm/")) gemms += step.count;
        if (step.run.starts_with("attention/")) attention += step.count;
        if (step.run.starts_with("rmsnorm/")) norms += step.count;
      }
      EXPECT_EQ(gemms, matrices) << name;
      EXPECT_EQ(attention, 32) << name;
      EXPECT_EQ(norms, 65) << name;
    }
  }
}

TEST(suite_parse, quick_has_every_kernel_and_precision) {
  auto s = suite_load("quick");
  ASSERT_TRUE(s);
  std::set<std::string> seen;
  for (const auto& p : s->problems) seen.insert(std::string(to_string(p.kind())) + "/" + std::string(to_string(p.type)));
  for (const char* k : {"gemm", "conv2d", "peak"})
    for (const char* prec : {"fp32", "fp16", "bf16", "int8"}) EXPECT_TRUE(seen.contains(std::string(k) + "/" + prec)) << k << prec;
  for (const char* prec : {"fp32", "fp16", "int8"}) EXPECT_TRUE(seen.contains(std::string("reduction/") + prec));
  EXPECT_TRUE(seen.contains("bandwidth/fp32"));
  std::set<std::string> ops;
  for (const auto& p : s->problems)
    if (p.kind() == kernel_kind::bandwidth) ops.insert(std::string(to_string(std::get<bandwidth_shape>(p.dims).op)));
  EXPECT_EQ(ops, (std::set<std::string>{"read", "copy", "triad", "upload", "download"}));
  EXPECT_TRUE(seen.contains("latency/fp32"));
  for (const char* k : {"attention", "softmax", "rmsnorm"})
    for (const char* prec : {"fp32", "fp16"}) EXPECT_TRUE(seen.contains(std::string(k) + "/" + prec)) << k << prec;
}

TEST(suite_parse, deepbench_maps_every_listed_problem) {
  auto s = suite_load("deepbench");
  ASSERT_TRUE(s) << s.error().message;
  std::size_t gemm = 0, conv = 0;
  for (const auto& p : s->problems) (p.kind() == kernel_kind::gemm ? gemm : conv)++;
  EXPECT_GT(gemm, 248u);  // each unique shape in 2-3 precisions
  EXPECT_GT(conv, 208u);
}

TEST(suite_parse, a_full_user_file) {
  const char* text = R"(
name = "mine"
implementations = ["onednn"]
repetitions = 3
min_time_s = 0.01
[[gemm]]
precisions = ["fp32", "int8"]
shapes = [{ m = 8, n = 16, k = 32, trans_b = true }]
[[conv2d]]
shapes = [{ n = 1, c = 2, h = 5, w = 5, k = 3, r = 3, s = 3, pad = 1, stride = 2, layout = "nhwc" },
          { n = 1, c = 2, h = 1, w = 9, k = 3, r = 1, s = 3, pad = [0, 1, 0, 2], stride = [1, 2], dilation = [1, 2] }]
[[reduction]]
precisions = ["int8"]
ops = ["max"]
sizes = [100, 200]
[[bandwidth]]
ops = ["copy"]
bytes = [4096]
[[peak]]
precisions = ["fp32"]
iterations = 16
[[latency]]
)";
  auto s = suite_parse(text, "mine.toml");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->repetitions, 3);
  EXPECT_EQ(s->implementations, std::vector<std::string>{"onednn"});
  EXPECT_DOUBLE_EQ(s->min_time_s, 0.01);
  std::vector<std::string> ids;
  for (const auto& p : s->problems) ids.push_back(p.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"gemm/fp32/m8n16k32tb", "gemm/int8/m8n16k32tb", "conv2d/fp32/n1c2h5w5k3r3s3u2p1d1nhwc",
                                           "conv2d/fp32/n1c2h1w9k3r1s3u1x2p0x1x0x2d1x2nchw", "reduction/int8/max/n100", "reduction/int8/max/n200", "bandwidth/copy/b4096", "peak/fp32",
                                           "latency/empty"}));
}

TEST(suite_parse, moe_sections_and_their_ids) {
  const auto s = suite_parse("[[moe]]\nprecisions = [\"fp32\", \"int8\"]\nformats = [\"q4_0\"]\n"
                             "shapes = [{ m = 1, n = 2048, k = 4096, experts = 64, used = 8 }]\n",
                             "moe.toml");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->problems.size(), 2u);
  EXPECT_EQ(s->problems[0].id(), "moe/fp32/q4_0/m1n2048k4096e64u8");
  EXPECT_EQ(s->problems[1].id(), "moe/int8/q4_0/m1n2048k4096e64u8");
  EXPECT_EQ(problem_from_id("moe/int8/q4_0/m1n2048k4096e64u8")->id(), "moe/int8/q4_0/m1n2048k4096e64u8");
  EXPECT_FALSE(problem_from_id("moe/int8/q4_0/m1n2048k4096e64"));
  EXPECT_EQ(std::get<moe_shape>(problem_from_id("moe/int8/q4_0/m1n2048k4096e64u8x3")->dims).copies, 3);
  EXPECT_FALSE(problem_from_id("moe/int8/q4_0/m1n2048k4096e64u8x1"));  // one copy is written without x
  EXPECT_EQ(quantized_weights("moe/int8/q8_0/m1n64k64e4u2"), quant_format::q8_0);
}

struct bad_case {
  const char* text;
  const char* expect;  // a piece of the message
};

TEST(suite_parse, bad_files_name_the_line_and_the_expectation) {
  const bad_case cases[] = {
      {"[[gemm]]\nshapes = [{ m = 8, n = 8, k = 8, q = 1 }]\n", "bad.toml:2: unknown key 'q' in a GEMM shape"},
      {"[[gemm]]\nshapes = [{ m = 0, n = 8, k = 8 }]\n", "bad.toml:2: 'm' must be positive, found 0"},
      {"[[gemm]]\nshapes = [{ m = -4, n = 8, k = 8 }]\n", "'m' must be positive, found -4"},
      {"[[gemm]]\nshapes = [{ m = \"big\", n = 8, k = 8 }]\n", "'m' must be an integer, found string"},
      {"[[gemm]]\nprecisions = [\"fp8\"]\nshapes = [{ m = 8, n = 8, k = 8 }]\n", "bad.toml:2: unknown precision 'fp8'"},
      {"[[gemm]]\nshapes = [{ m = 8, n = 8 }]\n", "GEMM shape lacks 'k'"},
      {"[[gemmm]]\n", "bad.toml:1: unknown key 'gemmm'"},
      {"repetitions = 0\n[[latency]]\n", "bad.toml:1: 'repetitions' must be positive"},
      {"repetitions = 2147483648\n[[latency]]\n", "bad.toml:1: 'repetitions' must be at most 100000, found 2147483648"},
      {"repetitions = 4294967297\n[[latency]]\n", "'repetitions' must be at most 100000"},
      {"min_time_s = nan\n[[latency]]\n", "bad.toml:1: 'min_time_s' must be a number of seconds above 0 and at most 3600"},
      {"min_time_s = inf\n[[latency]]\n", "'min_time_s' must be a number of seconds above 0"},
      {"sampling = \"sometimes\"\n[[latency]]\n", "bad.toml:1: 'sampling' must be \"adaptive\""},
      {"sampling = 1\n[[latency]]\n", "'sampling' must be \"adaptive\""},
      {"max_repetitions = 0\n[[latency]]\n", "bad.toml:1: 'max_repetitions' must be positive"},
      {"max_repetitions = 100001\n[[latency]]\n", "'max_repetitions' must be at most 100000"},
      {"budget_s = -1\n[[latency]]\n", "bad.toml:1: 'budget_s' must be a number of seconds above 0 and at most 86400"},
      {"budget_s = nan\n[[latency]]\n", "'budget_s' must be a number of seconds above 0"},
      {"[[reduction]]\nops = [\"mean\"]\nsizes = [10]\n", "unknown reduction op 'mean'"},
      {"[[bandwidth]]\nops = [\"teleport\"]\nbytes = [64]\n", "unknown bandwidth op 'teleport' (expected read, copy, triad, upload or download)"},
      {"[[conv2d]]\nshapes = [{ n = 1, c = 1, h = 2, w = 2, k = 1, r = 5, s = 5 }]\n", "does not fit the padded input"},
      {"[[moe]]\nshapes = [{ m = 1, n = 8, k = 32, experts = 4, used = 5 }]\n", "used must be at most experts"},
      {"[[moe]]\nshapes = [{ m = 1, n = 8, k = 30, experts = 4, used = 2 }]\n", "not a multiple of 32"},
      {"[[moe]]\nshapes = [{ m = 1, n = 8, k = 32, experts = 4 }]\n", "lacks 'used'"},
      {"[[moe]]\nshapes = [{ m = 1, n = 8, k = 32, experts = 5000, used = 2 }]\n", "at most 4096"},
      {"[[conv2d]]\nshapes = [{ n = 1, c = 1, h = 2, w = 8, k = 1, r = 1, s = 3, pad = [0, 1, 0] }]\n",
       "'pad' must be an integer >= 0 or an array of 4 such integers [top, left, bottom, right]"},
      {"[[conv2d]]\nshapes = [{ n = 1, c = 1, h = 2, w = 8, k = 1, r = 1, s = 3, stride = [1, 0] }]\n", "'stride' must be an integer >= 1"},
      {"[[conv2d]]\nshapes = [{ n = 1, c = 1, h = 2, w = 8, k = 1, r = 1, s = 3, pad = [0, -1, 0, 0] }]\n", "'pad' must be"},
      {"[[conv2d]]\nshapes = [{ n = 1, c = 1, h = 2, w = 8, k = 1, r = 1, s = 3, dilation = \"2\" }]\n", "'dilation' must be"},
      {"[[conv2d]]\nshapes = [{ n = 1, c = 1, h = 1, w = 2, k = 1, r = 1, s = 5, pad = [0, 1, 0, 1] }]\n", "does not fit the padded input"},
      // Sizes that wrapped 64-bit products (issue 12): each names the line and the limit.
      {"[[gemm]]\nshapes = [{ m = 3037000500, n = 3037000500, k = 3037000500 }]\n", "bad.toml:2: gemm/fp32/m3037000500n3037000500k3037000500: a GEMM dimension above 2147483647"},
      {"[[gemm]]\nshapes = [{ m = 8, n = 8, k = 1537228672809129302 }]\n", "a GEMM dimension above 2147483647"},
      {"[[gemm]]\nshapes = [{ m = 2147483647, n = 2147483647, k = 1073741824 }]\n", "elements is beyond any device (at most 2^46"},
      {"[[conv2d]]\nshapes = [{ n = 4611686018427387904, c = 1, h = 8, w = 8, k = 1, r = 1, s = 1 }]\n", "a conv2d size above 2147483647"},
      {"[[conv2d]]\nshapes = [{ n = 2147483647, c = 2147483647, h = 2147483647, w = 2147483647, k = 1, r = 1, s = 1 }]\n",
       "multiply beyond 64-bit arithmetic"},
      {"[[conv2d]]\nshapes = [{ n = 1, c = 1, h = 8, w = 8, k = 1, r = 3, s = 3, dilation = 2147483647 }]\n", "does not fit the padded input"},
      {"[[reduction]]\nsizes = [4611686018427387904]\n", "bad.toml:2: reduction/fp32/sum/n4611686018427387904: a tensor of 4611686018427387904 elements is beyond any device"},
      {"[[bandwidth]]\nops = [\"triad\"]\nbytes = [11]\n", "bad.toml:3: bandwidth/triad/b11: a triad working set of 11 bytes holds no fp32 element; use at least 12 bytes"},
      {"[[bandwidth]]\nops = [\"read\"]\nbytes = [1]\n", "use at least 4 bytes"},
      {"[[peak]]\niterations = 1099511627776\n", "peak iterations must be 1 to 1073741824"},
      {"[[gemm]\n", "bad.toml:1: not valid TOML"},
      {"name = \"empty\"\n", "lists no problem"},
      {"gemm = 3\n", "must be an array of tables"},
  };
  for (const auto& c : cases) {
    auto s = suite_parse(c.text, "bad.toml");
    ASSERT_FALSE(s) << c.text;
    EXPECT_EQ(s.error().code, status::invalid);
    EXPECT_NE(s.error().message.find(c.expect), std::string::npos) << "message: " << s.error().message << "\nexpected: " << c.expect;
  }
}

// Every operation's writer beside its parser: each of its cases written as a section's entry reads
// back as the same problem (what `suite from-model` writes goes through these writers).
TEST(suite_parse, each_operations_writer_is_read_back_by_its_parser) {
  int written = 0;
  for (const operation* op : operations()) {
    if (!op->entry) continue;
    for (const problem& c : op->cases()) {
      const std::string text = operation_section(*op, std::span(&c.type, 1), {{c, "a comment # with a hash"}});
      auto s = suite_parse(text, "written.toml");
      ASSERT_TRUE(s) << text << s.error().message;
      ASSERT_EQ(s->problems.size(), 1u) << text;
      EXPECT_EQ(s->problems[0].id(), c.id()) << text;
      ++written;
    }
  }
  EXPECT_GT(written, 20);
}

TEST(suite_parse, sampling_is_adaptive_unless_a_file_says_fixed) {
  auto s = suite_parse("[[latency]]\n", "plain.toml");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->sampling, sampling_mode::adaptive);
  EXPECT_EQ(s->max_repetitions, 0);
  EXPECT_EQ(s->budget_s, 0);
  s = suite_parse("sampling = \"fixed\"\n[[latency]]\n", "fixed.toml");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->sampling, sampling_mode::fixed);
  s = suite_parse("sampling = \"adaptive\"\nmax_repetitions = 40\nbudget_s = 1.5\n[[latency]]\n", "adaptive.toml");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->sampling, sampling_mode::adaptive);
  EXPECT_EQ(s->max_repetitions, 40);
  EXPECT_DOUBLE_EQ(s->budget_s, 1.5);
  for (const auto& name : builtin_suite_names())  // ci keeps the fixed count its gate rates were measured with
    EXPECT_EQ(suite_load(name)->sampling, name == "ci" ? sampling_mode::fixed : sampling_mode::adaptive) << name;
}

TEST(suite_load, unknown_name_lists_the_builtins) {
  auto s = suite_load("/nonexistent/suite.toml");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("quick"), std::string::npos);
  EXPECT_NE(s.error().message.find("/nonexistent/suite.toml"), std::string::npos);
}

}  // namespace
}  // namespace xpu
