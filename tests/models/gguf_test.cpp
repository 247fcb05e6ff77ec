// The GGUF reader (header, metadata, tensor table; never the weights) and the suite written from a
// model's structure: Llama-shaped files written by the tests' gguf_writer, then every kind of
// damage a file can have, each refused with the offset and the reason.
#include <cmath>

#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "models/gguf.hpp"
#include "models/model_suite.hpp"
#include "suites/suite.hpp"
#include "tests/support/gguf_writer.hpp"

namespace xpu {
namespace {

result<gguf::file> parse(const std::string& bytes) {
  std::istringstream in(bytes);
  return gguf::read(in, "m.gguf");
}

std::string error_of(const std::string& bytes) {
  const auto f = parse(bytes);
  return f ? std::string("accepted") : f.error().message;
}

TEST(gguf, reads_metadata_and_the_tensor_table) {
  const auto f = parse(test::gguf_writer::llama(2, 64, 160, 4, 2, 100, 2).bytes(true));
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->version, 3u);
  EXPECT_EQ(f->string("general.architecture"), "llama");
  EXPECT_EQ(f->unsigned_integer("llama.block_count"), 2u);
  EXPECT_NEAR(*f->number("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-9);
  EXPECT_EQ(std::get<gguf::array_summary>(f->metadata.at("tokenizer.ggml.tokens")).count, 100u);
  EXPECT_FALSE(f->string("llama.block_count"));  // a number, not a string
  ASSERT_EQ(f->tensors.size(), 1u + 2 * 9 + 2);
  const gguf::tensor* k = f->find("blk.1.attn_k.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->dims, (std::vector<std::uint64_t>{64, 32}));  // kv_heads x head_dim = 2 x 16 rows of 64
  EXPECT_EQ(gguf::type_name(k->type), "q4_0");
  EXPECT_EQ(gguf::type_bytes(2, 64 * 32), 64.0 * 32 / 32 * 18);
  EXPECT_FALSE(gguf::type_bytes(2, 33));  // not whole blocks
  EXPECT_EQ(gguf::type_name(99), "type 99");
}

TEST(gguf, every_truncation_is_an_error_naming_the_offset) {
  const std::string whole = test::gguf_writer::llama(1, 32, 64, 2, 1, 5, 8).bytes();
  ASSERT_TRUE(parse(whole));
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const std::string e = error_of(whole.substr(0, n));
    ASSERT_NE(e, "accepted") << n;
    ASSERT_TRUE(e.find("byte ") != std::string::npos || e.find("not a GGUF file") != std::string::npos) << e;
  }
}

// Patches the little-endian value at `at` of a valid header.
std::string patched(std::string bytes, std::size_t at, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i) bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

TEST(gguf, damaged_headers_are_refused_with_the_reason) {
  test::gguf_writer w;
  w.text("general.architecture", "llama").tensor("a.weight", {4, 4}, 0);
  const std::string good = w.bytes();
  ASSERT_TRUE(parse(good));
  EXPECT_NE(error_of("GGML" + good.substr(4)).find("not a GGUF file"), std::string::npos);
  EXPECT_NE(error_of(patched(good, 4, 1, 4)).find("version 1 files predate 64-bit counts"), std::string::npos);
  EXPECT_NE(error_of(patched(good, 8, std::uint64_t{1} << 40, 8)).find("tensors (at most"), std::string::npos);
  EXPECT_NE(error_of(patched(good, 16, std::uint64_t{1} << 40, 8)).find("metadata entries (at most"), std::string::npos);
  // the key's length: absurd
  EXPECT_NE(error_of(patched(good, 24, std::uint64_t{1} << 40, 8)).find("claims"), std::string::npos);
  // the value type (after the 20-character key): unknown
  const std::size_t type_at = 24 + 8 + 20;
  EXPECT_NE(error_of(patched(good, type_at, 77, 4)).find("unknown value type 77"), std::string::npos);
  // the tensor's dimension count, then a dimension that overflows the element count
  const std::size_t tensor_at = type_at + 4 + 8 + 5;
  const std::size_t dims_at = tensor_at + 8 + 8;
  EXPECT_NE(error_of(patched(good, dims_at, 5, 4)).find("5 dimensions"), std::string::npos);
  EXPECT_NE(error_of(patched(good, dims_at + 4, 0, 8)).find("dimension 0 is 0"), std::string::npos);
  test::gguf_writer huge;
  huge.tensor("big.weight", {std::uint64_t{1} << 40, std::uint64_t{1} << 40}, 0);
  EXPECT_NE(error_of(huge.bytes()).find("multiply within 64 bits"), std::string::npos);
}

// The data section against the file's size (read_file does it; check_data is the rule): a file one
// byte short, a tensor offset far past the end or off the alignment is refused naming the tensor.
TEST(gguf, tensor_data_must_lie_inside_the_file) {
  const std::string whole = test::gguf_writer::llama(1, 32, 64, 2, 1, 5, 8).bytes(true);
  const auto f = parse(whole);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->alignment, 32u);
  EXPECT_EQ(f->data_offset % 32, 0u);
  EXPECT_TRUE(gguf::check_data(*f, whole.size(), "m.gguf"));
  std::uint64_t end = 0;  // where the last tensor's bytes end (the padding after it is not needed, as llama.cpp reads it)
  for (const auto& t : f->tensors) end = std::max<std::uint64_t>(end, f->data_offset + t.offset + static_cast<std::uint64_t>(*gguf::type_bytes(t.type, t.elements())));
  EXPECT_TRUE(gguf::check_data(*f, end, "m.gguf"));
  const auto short_by_one = gguf::check_data(*f, end - 1, "m.gguf");
  ASSERT_FALSE(short_by_one);
  EXPECT_NE(short_by_one.error().message.find("ends past the end of the file"), std::string::npos) << short_by_one.error().message;
  EXPECT_NE(short_by_one.error().message.find("truncated"), std::string::npos);
  gguf::file far = *f;
  far.tensors.back().offset = std::uint64_t{1} << 60;
  EXPECT_FALSE(gguf::check_data(far, whole.size(), "m.gguf"));
  far.tensors.back().offset = ~std::uint64_t{0} - 31;  // aligned, and the end overflows 64 bits
  EXPECT_FALSE(gguf::check_data(far, ~std::uint64_t{0}, "m.gguf"));
  far.tensors.back().offset = 16;
  const auto misaligned = gguf::check_data(far, whole.size(), "m.gguf");
  ASSERT_FALSE(misaligned);
  EXPECT_NE(misaligned.error().message.find("not a multiple of the alignment 32"), std::string::npos) << misaligned.error().message;
  // the header alone: its data is missing
  EXPECT_FALSE(gguf::check_data(*parse(test::gguf_writer::llama(1, 32, 64, 2, 1, 5, 8).bytes()), whole.size() / 4, "m.gguf"));
}

TEST(gguf, big_endian_files_and_damaged_names_are_named_as_such) {
  test::gguf_writer w;
  w.text("general.architecture", "llama").tensor("a.weight", {4, 4}, 0);
  const std::string good = w.bytes();
  const std::string big = good.substr(0, 4) + std::string("\0\0\0\3", 4) + good.substr(8);
  EXPECT_NE(error_of(big).find("a big-endian GGUF file (version 3"), std::string::npos) << error_of(big);
  test::gguf_writer named;
  named.tensor(std::string(3000000, 'n'), {4, 4}, 0);
  const std::string e = error_of(named.bytes());
  EXPECT_NE(e.find("is 3000000 bytes (ggml allows at most 63)"), std::string::npos) << e.substr(0, 200);
  EXPECT_LT(e.size(), 300u);  // the name itself is not printed
  test::gguf_writer contradicts = test::gguf_writer::llama(1, 64, 160, 4, 2, 100, 8);
  contradicts.u32("llama.embedding_length", 96);  // the token embedding's rows are 64 long
  const auto m = model_from_gguf(*parse(contradicts.bytes()), "m.gguf");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("the metadata contradicts the tensors"), std::string::npos) << m.error().message;
  test::gguf_writer aligned;
  aligned.u32("general.alignment", 48).tensor("a.weight", {4, 4}, 0);
  EXPECT_NE(error_of(aligned.bytes()).find("power of two"), std::string::npos);
}

TEST(model_structure, groups_matrix_shapes_and_sizes_the_weights) {
  const auto f = parse(test::gguf_writer::llama(3, 64, 160, 4, 2, 100, 2).bytes());
  ASSERT_TRUE(f);
  const auto m = model_from_gguf(*f, "m.gguf");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->layers, 3);
  EXPECT_EQ(m->hidden, 64);
  EXPECT_EQ(m->heads, 4);
  EXPECT_EQ(m->kv_heads, 2);
  EXPECT_EQ(m->head_dim, 16);
  EXPECT_EQ(m->vocab, 100);
  // q and o (64 x 64, 6 tensors), k and v (32 x 64, 6), gate and up (160 x 64, 6), down (64 x 160, 3), output (100 x 64, 1)
  ASSERT_EQ(m->matrices.size(), 5u);
  EXPECT_EQ(m->matrices[0].count, 6);
  EXPECT_EQ(m->matrices.back().role, "output");
  EXPECT_EQ(m->matrices.back().count, 1);
  EXPECT_EQ(m->weight_type, "q4_0");
  const double elements = 3.0 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 160) + 64 * 100;
  EXPECT_DOUBLE_EQ(m->weight_bytes, elements / 32 * 18);
}

TEST(model_structure, tied_embeddings_and_what_cannot_be_mapped_are_noted) {
  test::gguf_writer w = test::gguf_writer::llama(1, 32, 64, 2, 2, 50, 1, true);
  w.tensor("blk.0.ffn_gate_exps.weight", {32, 64, 8}, 1);
  const auto f = parse(w.bytes());
  ASSERT_TRUE(f);
  const auto m = model_from_gguf(*f, "m.gguf");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->matrices.back().role, "output (tied to token_embd)");
  ASSERT_EQ(m->notes.size(), 2u);
  EXPECT_NE(m->notes[0].find("3-D expert weights"), std::string::npos);
  EXPECT_NE(m->notes[1].find("tied"), std::string::npos);
  test::gguf_writer bare;
  bare.tensor("a.weight", {4, 4}, 0);
  const auto no_arch = model_from_gguf(*parse(bare.bytes()), "m.gguf");
  ASSERT_FALSE(no_arch);
  EXPECT_NE(no_arch.error().message.find("general.architecture"), std::string::npos);
  test::gguf_writer odd = test::gguf_writer::llama(1, 64, 64, 4, 3, 10, 0);
  const auto groups = model_from_gguf(*parse(odd.bytes()), "m.gguf");
  ASSERT_FALSE(groups);
  EXPECT_NE(groups.error().message.find("not a multiple of head_count_kv 3"), std::string::npos);
}

// Mixture of experts: the 3-D `*_exps` tensors are products too, `expert_used_count` of them per
// token in decode, every expert in prefill over the prompt's share of rows; a token reads the used
// experts' share of their bytes.
TEST(model_structure, experts_run_as_used_per_token_and_spread_over_the_prompt) {
  auto w = test::gguf_writer::llama(2, 32, 64, 2, 2, 50, 8);
  w.u32("llama.expert_count", 8).u32("llama.expert_used_count", 2);
  for (int layer = 0; layer < 2; ++layer) {
    w.tensor(fmt::format("blk.{}.ffn_gate_exps.weight", layer), {32, 48, 8}, 8);
    w.tensor(fmt::format("blk.{}.ffn_up_exps.weight", layer), {32, 48, 8}, 8);
    w.tensor(fmt::format("blk.{}.ffn_down_exps.weight", layer), {48, 32, 8}, 8);
  }
  const auto dense = model_from_gguf(*parse(test::gguf_writer::llama(2, 32, 64, 2, 2, 50, 8).bytes()), "dense.gguf");
  const auto m = model_from_gguf(*parse(w.bytes()), "moe.gguf");
  ASSERT_TRUE(m && dense) << m.error().message;
  const auto gate_up = std::ranges::find_if(m->matrices, [](const model_matrix& mm) { return mm.experts > 0 && mm.n == 48; });
  ASSERT_NE(gate_up, m->matrices.end());
  EXPECT_EQ(gate_up->count, 4);  // gate and up of two layers
  EXPECT_EQ(gate_up->decode_count(), 8);
  EXPECT_EQ(gate_up->prefill_rows(16), 4);  // 16 tokens x 2 used / 8 experts
  EXPECT_EQ(gate_up->prefill_count(), 32);
  EXPECT_EQ(gate_up->prefill_rows(3), 1);   // rounded up, at least one row
  const double expert_bytes = 6.0 * 32 * 48 * 8 / 32 * 34;
  EXPECT_DOUBLE_EQ(m->weight_bytes, dense->weight_bytes + expert_bytes * 2 / 8);
  EXPECT_EQ(m->silu_width, 64);  // the dense FFN's, which this test model has too
  const std::string toml = model_suite_toml(*m, 16);
  EXPECT_NE(toml.find("{ m = 4, n = 48, k = 32, trans_b = true }"), std::string::npos) << toml;
  const auto s = suite_parse(toml, "moe.toml");
  ASSERT_TRUE(s) << s.error().message;
  // Q8_0 experts run routed (moe), once per tensor: the used experts of a token, or of the prompt.
  EXPECT_NE(toml.find("[[moe]]\nprecisions = [\"fp32\", \"int8\"]\nformats = [\"q8_0\"]"), std::string::npos) << toml;
  EXPECT_EQ(toml.find("{ m = 1, n = 48, k = 32 }"), std::string::npos) << toml;  // no qgemm row for an expert matrix
  std::map<std::string, std::int64_t> decode, prefill;
  for (const model_step& st : s->model->decode) decode[st.run] += st.count;
  for (const model_step& st : s->model->prefill) prefill[st.run] += st.count;
  EXPECT_EQ(decode["moe/q8_0/m1n48k32e8u2"], 4);  // gate and up of two layers
  EXPECT_EQ(decode["gemm/m1n32k48tb"], 4);  // down: k = 48 is not whole blocks of 32, a GEMM x the used experts
  EXPECT_EQ(prefill["moe/q8_0/m16n48k32e8u2"], 4);
  EXPECT_EQ(decode.count("gemm/m1n48k32tb"), 0u);
  // and decode streamed: layers of the experts whose used ones read the model's decode bytes
  const std::size_t streamed = toml.find("{ m = 1, n = 48, k = 32, experts = 8, used = 2, copies = ");
  ASSERT_NE(streamed, std::string::npos) << toml;
  const std::int64_t layers = std::stoll(toml.substr(streamed + 57));
  EXPECT_EQ(layers, static_cast<std::int64_t>(m->weight_bytes / (2.0 * 48 * 34)));
  // experts only (no dense FFN): their SiLU is the FFN's, once per used expert and layer
  test::gguf_writer sparse;
  sparse.text("general.architecture", "llama").u32("llama.block_count", 1).u32("llama.embedding_length", 32).u32("llama.attention.head_count", 2);
  sparse.u32("llama.expert_count", 8).u32("llama.expert_used_count", 2);
  sparse.tensor("token_embd.weight", {32, 50}, 8).tensor("blk.0.attn_q.weight", {32, 32}, 8);
  sparse.tensor("blk.0.ffn_gate_exps.weight", {32, 48, 8}, 8).tensor("blk.0.ffn_up_exps.weight", {32, 48, 8}, 8);
  sparse.tensor("blk.0.ffn_down_exps.weight", {48, 32, 8}, 8).tensor("output.weight", {32, 50}, 8);
  const auto only_experts = model_from_gguf(*parse(sparse.bytes()), "sparse.gguf");
  ASSERT_TRUE(only_experts) << only_experts.error().message;
  EXPECT_EQ(only_experts->silu_width, 48);
  EXPECT_EQ(only_experts->silu_layers, 2);
  // without the counts the experts stay out, with the reason
  auto unknown = test::gguf_writer::llama(1, 32, 64, 2, 2, 50, 8);
  unknown.tensor("blk.0.ffn_up_exps.weight", {32, 48, 8}, 8);
  const auto u = model_from_gguf(*parse(unknown.bytes()), "u.gguf");
  ASSERT_TRUE(u);
  ASSERT_FALSE(u->notes.empty());
  EXPECT_NE(u->notes[0].find("no valid llama.expert_count"), std::string::npos) << u->notes[0];
}

// Shape groups keep roles and types apart: an output matrix shaped like the FFN's still runs once
// per prompt, layers stored in another type keep their own qgemm rows; position embeddings are
// looked up, not multiplied.
TEST(model_structure, groups_keep_the_output_and_each_type_apart) {
  auto w = test::gguf_writer::llama(1, 32, 64, 2, 2, 64, 2);  // vocab 64 = the FFN's width: output is 32 -> 64 like gate and up
  w.tensor("blk.1.ffn_down.weight", {64, 32}, 8);           // one more layer's down in q8_0
  w.tensor("position_embd.weight", {32, 1024}, 0);
  const auto m = model_from_gguf(*parse(w.bytes()), "m.gguf");
  ASSERT_TRUE(m) << m.error().message;
  int outputs = 0, downs = 0;
  for (const auto& mm : m->matrices) {
    if (mm.k == 32 && mm.n == 64) outputs += mm.logits;
    if (mm.k == 64 && mm.n == 32) ++downs;
  }
  EXPECT_EQ(outputs, 1);
  EXPECT_EQ(downs, 2);  // q4_0 and q8_0
  EXPECT_NE(std::ranges::find_if(m->notes, [](const std::string& n) { return n.starts_with("position_embd.weight: a row lookup"); }), m->notes.end());
  const std::string toml = model_suite_toml(*m, 16);
  EXPECT_NE(toml.find("formats = [\"q8_0\"]"), std::string::npos);
  EXPECT_NE(toml.find("formats = [\"q4_0\"]"), std::string::npos);
  const auto s = suite_parse(toml, "m.toml");
  ASSERT_TRUE(s) << s.error().message;
  std::map<std::string, std::int64_t> prefill;
  for (const model_step& st : s->model->prefill) EXPECT_TRUE(prefill.emplace(st.run, st.count).second) << st.run << " twice";
  EXPECT_EQ(prefill["gemm/m1n64k32tb"], 1);    // the output, at the prompt's last position only
  EXPECT_EQ(prefill["gemm/m16n64k32tb"], 2);   // gate and up over the whole prompt
  EXPECT_EQ(prefill["gemm/m16n32k64tb"], 2);   // both downs, one step
}

// A header of 100000 matrices of one shape with as many roles, and 100000 3-D expert tensors: the
// roles were searched in a growing text and every expert tensor was a note (26 s, a 10 MB suite);
// now the role text lists a few, the notes are one per role and shape, the suite stays small.
TEST(model_structure, a_header_of_many_odd_tensors_is_mapped_in_linear_time) {
  auto w = test::gguf_writer::llama(1, 64, 160, 4, 2, 100, 8);
  for (int i = 0; i < 100000; ++i) w.tensor(fmt::format("blk.0.role{}.weight", i), {64, 64}, 8);
  for (int i = 0; i < 100000; ++i) w.tensor(fmt::format("blk.{}.ffn_exps{}.weight", i, i % 7), {64, 160, 8}, 8);
  const auto m = model_from_gguf(*parse(w.bytes()), "many.gguf");
  ASSERT_TRUE(m) << m.error().message;
  for (const auto& mm : m->matrices) EXPECT_LT(mm.role.size(), 200u) << mm.role.substr(0, 200);
  EXPECT_LE(m->notes.size(), 8u);
  EXPECT_NE(m->notes[0].find("ffn_exps0 (64 x 160 x 8): 3-D expert weights in 14286 tensor(s) (blk.0.ffn_exps0.weight, ...)"), std::string::npos)
      << m->notes[0];
  const std::string toml = model_suite_toml(*m, 8);
  EXPECT_LT(toml.size(), 20000u);
  ASSERT_TRUE(suite_parse(toml, "many.toml"));
}

TEST(model_suite, the_suite_written_parses_and_each_step_names_a_problem) {
  const auto m = model_from_gguf(*parse(test::gguf_writer::llama(2, 64, 160, 4, 2, 100, 8).bytes()), "m.gguf");
  ASSERT_TRUE(m);
  const auto s = suite_parse(model_suite_toml(*m, 16), "m.toml");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(s->model);
  EXPECT_EQ(s->model->tokens, 16);
  EXPECT_EQ(s->model->weight_type, "q8_0");
  EXPECT_DOUBLE_EQ(s->model->weight_bytes, m->weight_bytes);
  // decode: 5 matrix shapes, attention, RMSNorm, the gated FFN's SiLU (llama); prefill the same
  ASSERT_EQ(s->model->decode.size(), 8u);
  ASSERT_EQ(s->model->prefill.size(), 8u);
  std::int64_t matrices = 0;
  for (const auto& step : s->model->decode)
    if (step.run.starts_with("gemm/m1n")) matrices += step.count;
  EXPECT_EQ(matrices, 2 * 7 + 1);  // seven per layer and the output
  EXPECT_EQ(s->model->decode[5].run, "attention/b1h4kv2q1s16d16c");
  EXPECT_EQ(s->model->decode[6].run, "rmsnorm/r1c64");
  EXPECT_EQ(s->model->decode[6].count, 5);
  EXPECT_EQ(s->model->decode[7].run, "silu/r1c160");  // ffn_gate's width, once per layer
  EXPECT_EQ(s->model->decode[7].count, 2);
  EXPECT_EQ(s->model->prefill[7].run, "silu/r16c160");
  EXPECT_EQ(s->model->prefill[4].run, "gemm/m1n100k64tb");  // logits of the prompt's last position only
  // Each quantized matrix also decoded streamed: as many whole copies as the model's decode bytes hold.
  int streamed = 0;
  for (const problem& p : s->problems)
    if (const auto* q = std::get_if<qgemm_shape>(&p.dims); q && q->copies > 1) {
      ++streamed;
      const double bytes = static_cast<double>(q->n) * static_cast<double>(q->k / 32) * 34;
      EXPECT_EQ(q->m, 1);
      EXPECT_EQ(q->copies, static_cast<std::int64_t>(std::floor(m->weight_bytes / bytes))) << p.id();
    }
  EXPECT_EQ(streamed, 5 * 2);  // five shapes, fp32 and int8 activations
}

// Norms with biases (GPT-2 and kin) are LayerNorm, measured as such: mean and variance, not RMSNorm.
TEST(model_suite, norms_with_biases_are_layernorm) {
  auto w = test::gguf_writer::llama(2, 64, 160, 4, 2, 100, 8);
  for (const char* name : {"blk.0.attn_norm.bias", "blk.1.attn_norm.bias", "output_norm.bias"}) w.tensor(name, {64}, 0);
  w.tensor("blk.0.attn_q_norm.weight", {64}, 0);  // a q norm: not one of the block's norms
  const auto m = model_from_gguf(*parse(w.bytes()), "gpt.gguf");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->layer_norm);
  const auto s = suite_parse(model_suite_toml(*m, 16), "gpt.toml");
  ASSERT_TRUE(s) << s.error().message;
  std::map<std::string, std::int64_t> decode;
  for (const auto& st : s->model->decode) decode[st.run] = st.count;
  EXPECT_EQ(decode["layernorm/r1c64"], 5);
  EXPECT_FALSE(decode.contains("rmsnorm/r1c64"));
  const auto plain = model_from_gguf(*parse(test::gguf_writer::llama(2, 64, 160, 4, 2, 100, 8).bytes()), "m.gguf");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->layer_norm);
  // q/k norms with biases (an RMSNorm model's) do not make it LayerNorm
  auto qk = test::gguf_writer::llama(2, 64, 160, 4, 2, 100, 8);
  qk.tensor("blk.0.attn_q_norm.bias", {64}, 0);
  const auto rms = model_from_gguf(*parse(qk.bytes()), "qk.gguf");
  ASSERT_TRUE(rms);
  EXPECT_FALSE(rms->layer_norm);
  EXPECT_EQ(rms->norms, 5);
}

TEST(model_suite, a_step_that_names_no_problem_is_refused) {
  const auto s = suite_parse("[[rmsnorm]]\nshapes = [{ rows = 1, cols = 8 }]\n[model]\ntokens = 4\n[[model.decode]]\nrun = \"rmsnorm/r2c8\"\n", "x.toml");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("x.toml:6: the model step 'rmsnorm/r2c8' names no problem"), std::string::npos) << s.error().message;
  const auto no_tokens = suite_parse("[[rmsnorm]]\nshapes = [{ rows = 1, cols = 8 }]\n[model]\nname = \"x\"\n[[model.decode]]\nrun = \"rmsnorm/r1c8\"\n", "x.toml");
  ASSERT_FALSE(no_tokens);
  EXPECT_NE(no_tokens.error().message.find("needs 'tokens'"), std::string::npos);
  // An inference (an ONNX graph's) needs no prompt length.
  const auto inference = suite_parse("[[rmsnorm]]\nshapes = [{ rows = 1, cols = 8 }]\n[model]\n[[model.inference]]\nrun = \"rmsnorm/r1c8\"\ncount = 3\n", "x.toml");
  ASSERT_TRUE(inference) << inference.error().message;
  ASSERT_EQ(inference->model->inference.size(), 1u);
  EXPECT_EQ(inference->model->inference[0].count, 3);
}

// Names come from model files: any bytes, including DEL, C1 controls, line breaks, quotes and bytes
// that are not UTF-8, give a suite that parses, with valid UTF-8 text kept as it was.
TEST(model_suite, any_bytes_in_a_name_give_a_suite_that_parses) {
  const auto base = model_from_gguf(*parse(test::gguf_writer::llama(1, 64, 160, 4, 2, 100, 8).bytes()), "m.gguf");
  ASSERT_TRUE(base);
  const std::string hostile[] = {std::string("a\x7f" "b"), "c1 \xc2\x85 next", "quote \" back \\ \n[model]\nx = 1", std::string("nul\0in", 6),
                                 "bad \xff\xfe \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82", "caf\xc3\xa9 \xf0\x9f\x98\x80"};
  std::mt19937 random(7);
  std::vector<std::string> names(std::begin(hostile), std::end(hostile));
  for (int i = 0; i < 200; ++i) {
    std::string bytes(1 + random() % 24, '\0');
    for (char& c : bytes) c = static_cast<char>(random() % 256);
    names.push_back(bytes);
  }
  for (const auto& name : names) {
    model_structure m = *base;
    m.name = name;
    m.source = name + ".gguf";
    const auto s = suite_parse(model_suite_toml(m, 8), "m.toml");
    ASSERT_TRUE(s) << testing::PrintToString(name) << ": " << s.error().message;
  }
  EXPECT_EQ(toml_quoted("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(toml_quoted("a\x7f" "b\xc2\x85\xff"), "\"a\\u007fb\\u0085\\ufffd\"");
  EXPECT_EQ(toml_comment("a\nb\x7f" "c\xff"), "a b c\xef\xbf\xbd");
}

}  // namespace
}  // namespace xpu
