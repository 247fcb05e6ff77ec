// `xpubench suite from-model` end to end: a Llama-shaped GGUF written by the tests becomes a suite,
// the suite runs on the CPU, and the run carries the model: its report gives tokens/s bounds.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "results/run_json.hpp"
#include "results/token_bounds.hpp"
#include "tests/support/gguf_writer.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

using test::xpubench;

TEST(suite_cli, from_model_writes_a_suite_whose_run_bounds_tokens_per_second) {
  test::temp_dir dir;
  const auto model = dir.write("tiny.gguf", test::gguf_writer::llama(2, 64, 128, 4, 2, 96, 2).bytes(true));
  const auto suite = dir.path() / "tiny.toml", json = dir.path() / "run.json";
  auto r = xpubench({"suite", "from-model", model.string(), "--tokens", "16", "-o", suite.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("run it with `xpubench run --suite"), std::string::npos) << r.err;
  // A 16 MiB read instead of the suite's 1 GiB keeps the test short (under ASan too); suites are
  // files a user may edit.
  std::string text;
  {
    std::ifstream in(suite);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("bytes = [1073741824]");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 20, "bytes = [16777216]");
  dir.write("tiny.toml", text);
  r = xpubench({"run", "--suite", suite.string(), "-d", "cpu0", "-p", "fp32", "-r", "1", "--min-time", "0.001", "--json", json.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Model llama: test-llama (q4_0 weights), prompt of 16 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decode tok/s"), std::string::npos) << r.out;
  const auto run = run_file_load(json.string());
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(run->context.model);
  EXPECT_EQ(run->context.model->tokens, 16);
  const auto bounds = token_bounds(*run);
  ASSERT_EQ(bounds.size(), 2u);  // cpu0: the matrices as fp32 GEMMs, and in their Q4_0 blocks with fp32 activations
  EXPECT_EQ(bounds[0].precision, "fp32");
  EXPECT_EQ(bounds[1].precision, "q4_0 x fp32");
  for (const token_bound& b : bounds) {
    SCOPED_TRACE(b.precision);
    ASSERT_TRUE(b.decode.per_s) << (b.decode.missing.empty() ? "" : b.decode.missing.front());
    ASSERT_TRUE(b.prefill.per_s);
    // prefill: 16 tokens per pass of the steps; every step's median x count, summed, is the bound's time
    EXPECT_NEAR(*b.prefill.per_s, 16.0 / *b.prefill.seconds, 1e-9);
    EXPECT_TRUE(b.decode_memory_bound) << b.memory_basis;
    EXPECT_LT(b.worst_rel_l2, 1e-5);
  }
  // the dense fp32 matrices are 4 bytes a weight, the Q4_0 ones 18 bytes per 32 weights
  EXPECT_NEAR(*bounds[0].decode_bytes / *bounds[1].decode_bytes, 4.0 / (18.0 / 32), 1e-9);
}

TEST(suite_cli, from_model_reads_an_onnx_graph_whose_run_bounds_inferences_per_second) {
#ifndef XPU_ONNX_MODELS
  GTEST_SKIP() << "no ONNX test graphs: this build has no ONNX support or /usr/bin/python3 has no onnx module (python3-onnx)";
#else
  test::temp_dir dir;
  const std::string graph = std::string(XPU_ONNX_MODELS) + "/block.onnx";
  const auto suite = dir.path() / "block.toml", json = dir.path() / "run.json";
  auto r = xpubench({"suite", "from-model", graph, "--tokens", "16", "--batch", "2", "-o", suite.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // at batch 2 x 16 tokens QK^T and PV are both 16 x 16 x 16 (8 heads' worth each): 5 distinct shapes
  EXPECT_NE(r.err.find("5 GEMM/convolution/LayerNorm shapes"), std::string::npos) << r.err;
  r = xpubench({"run", "--suite", suite.string(), "-d", "cpu0", "-p", "fp32", "-r", "1", "--min-time", "0.001", "--json", json.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Model onnx: block (float weights): inferences/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("note: an inference at batch = 2 (input 'x'), sequence = 16 (input 'x')"), std::string::npos) << r.out;
  const auto run = run_file_load(json.string());
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(run->context.model);
  EXPECT_EQ(run->context.model->inference.size(), 5u);
  const auto bounds = token_bounds(*run);
  ASSERT_EQ(bounds.size(), 1u);
  ASSERT_TRUE(bounds[0].inference.per_s) << (bounds[0].inference.missing.empty() ? "" : bounds[0].inference.missing.front());
  double sum = 0;  // the bound's time is every GEMM's fastest verified median x its count
  for (const auto& step : run->context.model->inference) {
    double best = 0;
    for (const auto& m : run->measurements)
      if (m.problem == "gemm/fp32/" + step.run.substr(5) && m.time_s && m.verification.passed && (best == 0 || m.time_s->median < best))
        best = m.time_s->median;
    ASSERT_GT(best, 0) << step.run;
    sum += best * static_cast<double>(step.count);
  }
  EXPECT_NEAR(*bounds[0].inference.seconds, sum, sum * 1e-9);
  EXPECT_FALSE(bounds[0].decode_memory_bound);  // no decode phase in a graph

  r = xpubench({"suite", "from-model", graph, "--dim", "sequence"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("write NAME=N"), std::string::npos) << r.err;
  r = xpubench({"suite", "from-model", std::string(XPU_ONNX_MODELS) + "/cnn.onnx"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--dim N=N"), std::string::npos) << r.err;
  r = xpubench({"suite", "from-model", std::string(XPU_ONNX_MODELS) + "/cnn.onnx", "--dim", "N=1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[[conv2d]]"), std::string::npos) << r.out;
  const auto fake = dir.write("fake.onnx", "GGUF is not at the start of this one");
  r = xpubench({"suite", "from-model", fake.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not an ONNX model"), std::string::npos) << r.err;
#endif
}

TEST(suite_cli, bad_models_exit_2_with_the_reason) {
  test::temp_dir dir;
  auto r = xpubench({"suite", "from-model", (dir.path() / "absent.gguf").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  const auto text = dir.write("model.gguf", "not a model at all");
  r = xpubench({"suite", "from-model", text.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a GGUF file"), std::string::npos) << r.err;
  const auto truncated = dir.write("cut.gguf", test::gguf_writer::llama(1, 32, 64, 2, 2, 10, 0).bytes().substr(0, 100));
  r = xpubench({"suite", "from-model", truncated.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  r = xpubench({"suite", "from-model", truncated.string(), "--tokens", "1"});
  EXPECT_EQ(r.exit_code, 2);  // a prompt of one token has no prefill
  // the weights cut short (an interrupted download): refused, the tensor named
  const std::string whole = test::gguf_writer::llama(1, 32, 64, 2, 2, 10, 0).bytes(true);
  const auto short_one = dir.write("short.gguf", whole.substr(0, whole.size() - 64));
  r = xpubench({"suite", "from-model", short_one.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ends past the end of the file"), std::string::npos) << r.err;
  EXPECT_EQ(xpubench({"suite", "from-model", dir.write("whole.gguf", whole).string(), "-o", (dir.path() / "w.toml").string()}).exit_code, 0);
  // a prompt longer than the model's context
  auto short_context = test::gguf_writer::llama(1, 32, 64, 2, 2, 10, 0);
  short_context.u32("llama.context_length", 128);
  const auto ctx = dir.write("ctx.gguf", short_context.bytes(true));
  r = xpubench({"suite", "from-model", ctx.string(), "--tokens", "512"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("takes prompts of at most 128 tokens (its context_length); give --tokens 128 or less"), std::string::npos) << r.err;
  r = xpubench({"suite", "from-model", ctx.string(), "--tokens", "128", "-o", (dir.path() / "ctx.toml").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // the suite is named after its file
  std::ifstream written(dir.path() / "ctx.toml");
  std::string first_lines((std::istreambuf_iterator<char>(written)), {});
  EXPECT_NE(first_lines.find("\nname = \"ctx\"\n"), std::string::npos) << first_lines.substr(0, 400);
  // a FIFO would block the first read forever: refused before it is opened
  const auto fifo = dir.path() / "pipe.gguf";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  r = xpubench({"suite", "from-model", fifo.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  r = xpubench({"suite", "show", "quick"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("[[attention]]"), std::string::npos);
  r = xpubench({"suite", "show", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("built in: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace xpu
