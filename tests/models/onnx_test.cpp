// ONNX graphs to suites: graphs written by python3-onnx at build time (tests/models/make_onnx.py),
// read through libonnx's shape inference at the dimensions given, mapped to GEMM and conv2d
// problems with their counts; damaged files and missing dimensions refused with the reason.
#include <gtest/gtest.h>

#include <map>

#include <filesystem>
#include <fstream>

#include "models/model_suite.hpp"
#include "models/onnx.hpp"
#include "suites/suite.hpp"

namespace xpu {
namespace {

#ifdef XPU_ONNX_MODELS
const std::filesystem::path models_dir = XPU_ONNX_MODELS;
#define NEED_ONNX_MODELS()
#else
const std::filesystem::path models_dir;
#define NEED_ONNX_MODELS() GTEST_SKIP() << "no ONNX test graphs: this build has no ONNX support or /usr/bin/python3 has no onnx module (python3-onnx)"
#endif

std::int64_t count_of(const onnx_structure& m, const std::string& shape) {
  for (const auto& s : m.steps)
    if (s.what.shape_id() == shape) return s.count;
  return 0;
}

std::string all_notes(const onnx_structure& m) {
  std::string s;
  for (const auto& n : m.notes) s += n + "\n";
  return s;
}

TEST(onnx, transformer_block_at_the_given_batch_and_sequence) {
  NEED_ONNX_MODELS();
  const auto m = model_from_onnx(models_dir / "block.onnx", {1, 8, {}});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->name, "block");
  EXPECT_EQ(m->opset, 13);
  EXPECT_TRUE(m->uses_tokens);
  // Weights take every row of the activations; QK^T and PV run once per head (4 heads, one K/V head broadcast).
  EXPECT_EQ(count_of(*m, "gemm/m8n64k64"), 2);   // q_proj, o_proj
  EXPECT_EQ(count_of(*m, "gemm/m8n16k64"), 2);   // k_proj, v_proj
  EXPECT_EQ(count_of(*m, "gemm/m8n8k16"), 4);    // scores
  EXPECT_EQ(count_of(*m, "gemm/m8n16k8"), 4);    // context
  EXPECT_EQ(count_of(*m, "gemm/m8n128k64"), 1);  // up
  EXPECT_EQ(count_of(*m, "gemm/m8n64k128"), 1);  // down
  EXPECT_EQ(m->steps.size(), 6u);
  EXPECT_EQ(m->weight_bytes, 4.0 * (64 * 64 * 2 + 64 * 16 * 2 + 64 * 128 * 2));
  EXPECT_EQ(m->weight_type, "float");
  for (const auto& s : m->steps)
    EXPECT_EQ(s.weight_type, s.what.shape_id() == "gemm/m8n8k16" || s.what.shape_id() == "gemm/m8n16k8" ? "activations" : "float") << s.nodes;

  const auto two = model_from_onnx(models_dir / "block.onnx", {2, 8, {}});
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(count_of(*two, "gemm/m16n64k64"), 2);  // the batch joins the rows
  EXPECT_EQ(count_of(*two, "gemm/m8n8k16"), 8);    // and multiplies the per-head products
  // --dim wins over --tokens.
  const auto named = model_from_onnx(models_dir / "block.onnx", {1, 8, {{"sequence", 32}}});
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(count_of(*named, "gemm/m32n64k64"), 2);
  EXPECT_FALSE(named->uses_tokens);
}

TEST(onnx, convolutions_their_padding_and_groups) {
  NEED_ONNX_MODELS();
  const auto missing = model_from_onnx(models_dir / "cnn.onnx", {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("symbolic dimension 'N'"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("--dim N=N"), std::string::npos) << missing.error().message;

  const auto m = model_from_onnx(models_dir / "cnn.onnx", {1, 512, {{"N", 2}}});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_FALSE(m->uses_tokens);
  EXPECT_EQ(count_of(*m, "conv2d/n2c3h32w32k16r3s3u1p1d1nchw"), 1) << m->steps.front().what.shape_id();
  EXPECT_EQ(count_of(*m, "conv2d/n2c16h32w32k32r3s3u2p1d1nchw"), 1);
  EXPECT_EQ(count_of(*m, "conv2d/n2c1h16w16k1r3s3u1p1d1nchw"), 32);  // depthwise: one channel, 32 times
  EXPECT_EQ(count_of(*m, "conv2d/n2c32h16w16k64r1s1u1p0d1nchw"), 1);
  EXPECT_EQ(count_of(*m, "conv2d/n2c64h16w16k64r3s3u1p1d1nchw"), 1);  // SAME_UPPER at stride 1: pad 1 each side
  EXPECT_EQ(count_of(*m, "conv2d/n2c64h16w16k64r2s2u1p0x0x1x1d1nchw"), 1);  // pads top, left, bottom, right
  EXPECT_EQ(count_of(*m, "conv2d/n2c64h16w16k64r2s2u1p1x1x0x0d1nchw"), 1);  // SAME_LOWER: the odd pad before
  EXPECT_EQ(count_of(*m, "gemm/m2n10k64tb"), 1);                              // Gemm with transB
  EXPECT_EQ(m->steps.size(), 8u);
  const std::string notes = all_notes(*m);
  EXPECT_EQ(notes.find("'asymmetric'"), std::string::npos) << notes;
  EXPECT_NE(notes.find("grouped convolutions"), std::string::npos) << notes;
}

TEST(onnx, one_dimensional_convolutions_are_measured_with_height_one) {
  NEED_ONNX_MODELS();
  const auto m = model_from_onnx(models_dir / "audio.onnx", {});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(count_of(*m, "conv2d/n1c40h1w100k64r1s3u1p0x1x0x1d1nchw"), 1);
  EXPECT_EQ(count_of(*m, "conv2d/n1c64h1w100k64r1s5u1x2p0x2x0x2d1nchw"), 1);  // stride 2 along time: 50 outputs
  EXPECT_EQ(count_of(*m, "conv2d/n1c64h1w50k32r1s3u1p0x2x0x2d1x2nchw"), 1);   // dilation 2 along time
  EXPECT_EQ(count_of(*m, "conv2d/n1c32h1w50k32r1s3u1x2p0x0x0x1d1nchw"), 1);   // SAME_UPPER, stride 2: the odd pad after
  EXPECT_EQ(m->steps.size(), 4u);
  const std::string notes = all_notes(*m);
  EXPECT_NE(notes.find("1-D convolutions are measured as 2-D ones of height 1"), std::string::npos) << notes;
  EXPECT_NE(notes.find("'volume': a 3-D convolution"), std::string::npos) << notes;
  // What the suite measures is what the graph computes: the second convolution's output is 50 wide.
  const auto down = std::get<conv_shape>(problem_from_shape_id("conv2d/n1c64h1w100k64r1s5u1x2p0x2x0x2d1nchw", precision::fp32)->dims);
  EXPECT_EQ(down.p(), 1);
  EXPECT_EQ(down.q(), 50);
}

TEST(onnx, layer_normalization_is_its_own_row) {
  NEED_ONNX_MODELS();
  const auto m = model_from_onnx(models_dir / "norms.onnx", {});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(count_of(*m, "layernorm/r16c64"), 1);  // over the last axis: 2 x 8 rows of 64
  EXPECT_EQ(count_of(*m, "layernorm/r2c256"), 1);  // axis 1: 2 rows of 8 x 32
  EXPECT_EQ(count_of(*m, "gemm/m16n32k64"), 1);
  const std::string text = onnx_suite_toml(*m, {});
  EXPECT_NE(text.find("[[layernorm]]\nprecisions = [\"fp32\", \"fp16\", \"bf16\"]"), std::string::npos) << text;
  const auto s = suite_parse(text, "norms.toml");
  ASSERT_TRUE(s) << s.error().message << "\n" << text;
  const auto bad = model_from_onnx(models_dir / "norm_axis.onnx", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, status::invalid) << bad.error().message;
}

TEST(onnx, weight_types_and_operators_left_out) {
  NEED_ONNX_MODELS();
  const auto m = model_from_onnx(models_dir / "quantized.onnx", {4, 512, {}});
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->steps.size(), 2u);
  EXPECT_EQ(m->steps[0].what.shape_id(), "gemm/m4n48k32");
  EXPECT_EQ(m->steps[0].weight_type, "float16");
  EXPECT_EQ(m->steps[1].what.shape_id(), "gemm/m4n24k32");
  EXPECT_EQ(m->steps[1].weight_type, "int8");
  EXPECT_EQ(m->weight_bytes, 32 * 48 * 2 + 32 * 24);
  EXPECT_EQ(m->weight_type, "float16");
  EXPECT_NE(all_notes(*m).find("1 x com.microsoft.FusedMatMul"), std::string::npos) << all_notes(*m);
}

TEST(onnx, the_suite_written_parses_and_counts_each_problem) {
  NEED_ONNX_MODELS();
  const onnx_dims dims{1, 8, {}};
  const auto m = model_from_onnx(models_dir / "block.onnx", dims);
  ASSERT_TRUE(m) << m.error().message;
  const std::string text = onnx_suite_toml(*m, dims);
  const auto s = suite_parse(text, "block.toml");
  ASSERT_TRUE(s) << s.error().message << "\n" << text;
  ASSERT_TRUE(s->model);
  EXPECT_EQ(s->model->tokens, 8);
  EXPECT_TRUE(s->model->decode.empty());
  EXPECT_TRUE(s->model->prefill.empty());
  ASSERT_EQ(s->model->inference.size(), 6u);
  std::int64_t total = 0;
  for (const auto& step : s->model->inference) total += step.count;
  EXPECT_EQ(total, 2 + 2 + 4 + 4 + 1 + 1);
  EXPECT_EQ(s->problems.size(), 6u * 4);  // each shape in fp32, fp16, bf16, int8

  const auto cnn = model_from_onnx(models_dir / "cnn.onnx", {1, 512, {{"N", 1}}});
  ASSERT_TRUE(cnn) << cnn.error().message;
  const auto cs = suite_parse(onnx_suite_toml(*cnn, {}), "cnn.toml");
  ASSERT_TRUE(cs) << cs.error().message;
  EXPECT_EQ(cs->model->tokens, 0);  // no sequence dimension: inferences/s only
}

// Reshape targets computed from the graph's shapes (Shape -> Cast -> Slice -> Cast -> Concat, then
// Shape -> Gather -> Concat after a MatMul): folded, so both MatMuls behind them are found.
TEST(onnx, shape_arithmetic_behind_reshapes_is_folded) {
  NEED_ONNX_MODELS();
  const auto m = model_from_onnx(models_dir / "chain.onnx", {});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(count_of(*m, "gemm/m10n16k32"), 1) << all_notes(*m);
  EXPECT_EQ(count_of(*m, "gemm/m10n8k16"), 1) << all_notes(*m);
  EXPECT_NE(all_notes(*m).find("2 Reshape target(s) computed from the graph's shape arithmetic"), std::string::npos) << all_notes(*m);
  EXPECT_EQ(all_notes(*m).find("not known"), std::string::npos) << all_notes(*m);
  // What once crashed the folding: read or refused, with the reason.
  for (const char* file : {"fold_empty_add.onnx", "fold_big_step.onnx"}) {
    const auto odd = model_from_onnx(models_dir / file, {});
    EXPECT_TRUE(odd || !odd.error().message.empty()) << file;
  }
  const auto foreign = model_from_onnx(models_dir / "fold_foreign.onnx", {});
  ASSERT_TRUE(foreign) << foreign.error().message;  // another domain's Reshape is not folded
  EXPECT_EQ(count_of(*foreign, "gemm/m8n6k8"), 1) << all_notes(*foreign);  // batch x rows against one weight
}

TEST(onnx, hostile_graphs_are_refused_or_mapped_with_notes_never_crash) {
  NEED_ONNX_MODELS();
  const auto zero = model_from_onnx(models_dir / "stride0.onnx", {});
  ASSERT_FALSE(zero);  // checked before libonnx's inference, which divides by it
  EXPECT_NE(zero.error().message.find("Conv 'zero': strides holds 0"), std::string::npos) << zero.error().message;

  const auto odd = model_from_onnx(models_dir / "odd.onnx", {});
  ASSERT_TRUE(odd) << odd.error().message;
  ASSERT_EQ(odd->steps.size(), 1u);
  EXPECT_EQ(odd->steps[0].what.shape_id(), "gemm/m8n6k8");
  EXPECT_EQ(odd->steps[0].count, 1);
  EXPECT_NE(all_notes(*odd).find("'mismatch': batch dimensions 2 and 3 do not broadcast"), std::string::npos) << all_notes(*odd);
  // A line break in a node's name cannot turn the rest of it into suite sections.
  const auto s = suite_parse(onnx_suite_toml(*odd, {}), "odd.toml");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->problems.size(), 4u);  // m8n6k8 in four precisions, no m7n7k7

  const auto no_output = model_from_onnx(models_dir / "no_output.onnx", {});  // libonnx's inference refuses it; caught
  ASSERT_FALSE(no_output);
  EXPECT_NE(no_output.error().message.find("shape inference failed"), std::string::npos) << no_output.error().message;

  // libonnx's own inference crashes on it (SIGSEGV, found by fuzz_onnx): run in a child, refused.
  const auto ranks = model_from_onnx(models_dir / "ranks.onnx", {});
  ASSERT_FALSE(ranks);
  EXPECT_NE(ranks.error().message.find("ONNX shape inference crashed on this graph"), std::string::npos) << ranks.error().message;

  // Convolutions no runtime accepts are refused (they were mapped, or left out with a note, exit 0).
  for (const auto& [file, expect] : std::vector<std::pair<std::string, std::string>>{
           {"group0.onnx", "Conv 'group0': group 0"},
           {"group2.onnx", "Conv 'group2': group 2 does not divide its 3 input and 4 output channels"},
           {"kernel5.onnx", "kernel_shape 5 x 5 disagrees with its weights' 3 x 3"},
           {"huge.onnx", "dimension 2 of 4611686018427387904: above 2^30"}}) {
    const auto bad = model_from_onnx(models_dir / file, {});
    ASSERT_FALSE(bad) << file;
    EXPECT_NE(bad.error().message.find(expect), std::string::npos) << file << ": " << bad.error().message;
  }

  const auto typo = model_from_onnx(models_dir / "block.onnx", {1, 8, {{"seqlen", 16}}});
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("--dim seqlen=16: no input of the graph has a symbolic dimension 'seqlen' (it has: batch, sequence)"),
            std::string::npos)
      << typo.error().message;
}

// A graph of 50000 nodes the reader cannot map gives 50000 notes, each found unique in O(log n)
// (a search of the list was quadratic: 100000 such nodes took 22 s), and a suite whose notes
// stay readable: the first max_notes_written, then how many more.
// If and Loop bodies are walked: the If's branch of more work counted, both named; a Loop's body
// times its constant trip count, once where the count is an input, each said in a note.
TEST(onnx, if_and_loop_bodies_are_walked_with_their_counts_stated) {
  NEED_ONNX_MODELS();
  const auto m = model_from_onnx(models_dir / "control_flow.onnx", {});
  ASSERT_TRUE(m) << m.error().message;
  std::map<std::string, std::int64_t> count;
  for (const auto& st : m->steps) count[st.what.shape_id()] += st.count;
  EXPECT_EQ(count["gemm/m4n64k32"], 1);   // then_a (else_a has the same shape but is not the branch counted)
  EXPECT_EQ(count["gemm/m4n64k64"], 1);   // then_b
  EXPECT_EQ(count["gemm/m4n32k32"], 6);   // the loop's body, 6 trips
  EXPECT_EQ(count["gemm/m4n16k16"], 1);   // a loop of unknown trip count: once
  EXPECT_EQ(count["gemm/m4n16k32"], 1);   // outside the loops
  EXPECT_EQ(count.size(), 5u);
  const std::string notes = all_notes(*m);
  EXPECT_NE(notes.find("If 'branch': the then branch counted (2 product(s)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("not the else (1 product(s)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("Loop 'repeat': its body counted 6 time(s)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("Loop 'until': its trip count is not a constant: its body counted once"), std::string::npos) << notes;
  EXPECT_EQ(notes.find("x If"), std::string::npos) << notes;  // no longer "1 x If: not mapped"
  // The weights of both branches and both bodies are the model's bytes.
  EXPECT_DOUBLE_EQ(m->weight_bytes, 4.0 * (32 * 64 + 64 * 64 + 32 * 64 + 32 * 32 + 32 * 16 + 16 * 16));
}

TEST(onnx, a_large_graph_of_odd_nodes_is_read_in_linear_time_with_bounded_notes) {
  NEED_ONNX_MODELS();
  const auto m = model_from_onnx(models_dir / "many.onnx", {});
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->steps.size(), 1u);
  EXPECT_EQ(m->steps[0].what.shape_id(), "gemm/m4n6k8");
  EXPECT_EQ(m->notes.size(), 50000u);
  const std::string toml = onnx_suite_toml(*m, {});
  EXPECT_LT(toml.size(), 20000u);
  EXPECT_NE(toml.find(" more notes\""), std::string::npos);
  const auto s = suite_parse(toml, "many.toml");
  ASSERT_TRUE(s) << s.error().message;
}

TEST(onnx, damaged_and_foreign_files_are_refused_with_the_reason) {
  NEED_ONNX_MODELS();
  const auto tmp = std::filesystem::temp_directory_path() / ("xpu_onnx_" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  std::ifstream in(models_dir / "block.onnx", std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), {});
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(tmp / name, std::ios::binary) << bytes;
    return tmp / name;
  };
  const auto error_of = [&](const std::filesystem::path& p) {
    const auto m = model_from_onnx(p, {1, 8, {}});
    return m ? std::string("accepted") : m.error().message;
  };
  EXPECT_NE(error_of(write("truncated.onnx", whole.substr(0, whole.size() / 2))).find("not an ONNX model"), std::string::npos);
  EXPECT_NE(error_of(write("empty.onnx", "")).find("without a graph"), std::string::npos);
  EXPECT_NE(error_of(write("text.onnx", "this is not a model\n")).find(tmp.string()), std::string::npos);
  EXPECT_NE(error_of(tmp / "absent.onnx").find("cannot read"), std::string::npos);
  EXPECT_NE(error_of(models_dir / "relu.onnx").find("no MatMul, Gemm, 1-D or 2-D Conv or LayerNormalization"), std::string::npos);
  const auto huge = model_from_onnx(models_dir / "block.onnx", {1, std::int64_t{1} << 31, {}});
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("outside 1 to 2^30"), std::string::npos) << huge.error().message;
  std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace xpu
