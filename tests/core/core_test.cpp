#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <csignal>
#include <cmath>
#include <limits>
#include <thread>
#include <tuple>

#include "core/buffers.hpp"
#include "core/half.hpp"
#include "core/checked.hpp"
#include "core/forked.hpp"
#include "core/problem.hpp"
#include "core/pattern.hpp"
#include "core/units.hpp"

namespace xpu {
namespace {

TEST(half, every_finite_half_round_trips_through_float) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const float f = half_to_float(bits);
    if (std::isnan(f)) continue;
    EXPECT_EQ(half_from_float(f), bits) << std::hex << h;
  }
}

TEST(half, rounds_to_nearest_even) {
  EXPECT_EQ(half_to_float(half_from_float(1.0f + 1.0f / 2048)), 1.0f);                // tie: stays even
  EXPECT_EQ(half_to_float(half_from_float(1.0f + 3.0f / 2048)), 1.0f + 2.0f / 1024);  // tie: rounds up to even
  EXPECT_EQ(half_from_float(65520.0f), 0x7c00);                                        // rounds to infinity
  EXPECT_EQ(half_to_float(half_from_float(5.9604645e-08f)), 5.9604645e-08f);           // smallest subnormal
}

TEST(bf16, keeps_the_top_16_bits_rounded) {
  EXPECT_EQ(bf16_from_float(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_float(bf16_from_float(3.140625f)), 3.140625f);
  EXPECT_EQ(bf16_from_float(1.0f + 1.0f / 256), 0x3f80);  // tie to even
}

TEST(problem, ids_are_stable_names) {
  EXPECT_EQ((problem{gemm_shape{1024, 512, 256}, precision::fp32}.id()), "gemm/fp32/m1024n512k256");
  EXPECT_EQ((problem{gemm_shape{8, 8, 8, true, true}, precision::int8}.id()), "gemm/int8/m8n8k8tatb");
  const auto c = conv_shape::square(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, conv_layout::nhwc);
  EXPECT_EQ((problem{c, precision::fp16}.id()), "conv2d/fp16/n1c64h56w56k64r3s3u1p1d1nhwc");
  EXPECT_EQ(c.p(), 56);
  EXPECT_EQ(c.q(), 56);
  // Per axis where the axes differ: stride h x w, pads top x left x bottom x right, dilation h x w.
  const conv_shape tf_same{1, 3, 9, 9, 16, 2, 2, 2, 2, 0, 0, 1, 1, 1, 1, conv_layout::nchw};  // TF "SAME", 2 x 2, stride 2
  EXPECT_EQ((problem{tf_same, precision::fp32}.id()), "conv2d/fp32/n1c3h9w9k16r2s2u2p0x0x1x1d1nchw");
  EXPECT_EQ(tf_same.p(), 5);
  EXPECT_EQ(tf_same.q(), 5);
  const conv_shape one_d{1, 8, 1, 33, 12, 1, 3, 1, 2, 0, 2, 0, 2, 1, 2, conv_layout::nhwc};
  EXPECT_EQ((problem{one_d, precision::int8}.id()), "conv2d/int8/n1c8h1w33k12r1s3u1x2p0x2x0x2d1x2nhwc");
  EXPECT_EQ((problem{reduction_shape{100, reduce_op::max}, precision::int8}.id()), "reduction/int8/max/n100");
  EXPECT_EQ((problem{bandwidth_shape{4096, bandwidth_op::triad}, precision::fp32}.id()), "bandwidth/triad/b4096");
  EXPECT_EQ((problem{peak_shape{}, precision::bf16}.id()), "peak/bf16");
  EXPECT_EQ((problem{latency_shape{}, precision::fp32}.kind()), kernel_kind::latency);
}

TEST(problem, ids_are_read_back_and_anything_else_is_refused) {
  const auto gemm = problem_from_id("gemm/int8/m8n7k6tatb");
  ASSERT_TRUE(gemm);
  EXPECT_EQ(gemm->type, precision::int8);
  const auto& g = std::get<gemm_shape>(gemm->dims);
  EXPECT_EQ(g.m, 8);
  EXPECT_EQ(g.n, 7);
  EXPECT_EQ(g.k, 6);
  EXPECT_TRUE(g.trans_a && g.trans_b);
  const auto read = problem_from_id("bandwidth/read/b268435456");
  ASSERT_TRUE(read);
  EXPECT_EQ(std::get<bandwidth_shape>(read->dims).bytes, 268435456);
  EXPECT_EQ(std::get<bandwidth_shape>(read->dims).op, bandwidth_op::read);
  const auto q = problem_from_shape_id("qgemm/q4_0/m1n8k32", precision::int8);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->id(), "qgemm/int8/q4_0/m1n8k32");
  EXPECT_EQ(problem_from_shape_id("peak/bf16", precision::bf16)->id(), "peak/bf16");
  EXPECT_EQ(problem_from_shape_id("gemm/m1n4096k14336tb", precision::fp16)->id(), "gemm/fp16/m1n4096k14336tb");
  for (const char* id : {"conv2d/int8/n1c8h1w33k12r1s3u1x2p0x2x0x2d1x2nhwc", "conv2d/fp32/n1c3h9w9k16r2s2u2p0x0x1x1d1nchw",
                         "conv2d/fp16/n1c64h56w56k64r3s3u1p1d1nhwc"}) {
    const auto conv = problem_from_id(id);
    ASSERT_TRUE(conv) << id;
    EXPECT_EQ(conv->id(), id);
  }
  const auto asym = std::get<conv_shape>(problem_from_id("conv2d/fp32/n1c3h8w9k16r2s2u2x3p1x2x3x4d5x6nchw")->dims);
  EXPECT_EQ(std::tuple(asym.stride_h, asym.stride_w, asym.pad_top, asym.pad_left, asym.pad_bottom, asym.pad_right, asym.dilation_h, asym.dilation_w),
            std::tuple(2, 3, 1, 2, 3, 4, 5, 6));
  for (const char* bad : {"", "gemm", "gemm/fp32", "gemm/m8n8k8", "gemm/fp32/m8n8k8x", "gemm/fp32/m08n8k8", "gemm/fp32/m-8n8k8",
                          "gemm/fp99/m8n8k8", "gemm/fp32/m99999999999999999999n8k8", "gemm/fp32/m8n8k8/", "gemm/fp32/m8n8k8tbta",
                          "bandwidth/read", "bandwidth/fp32/read/b8", "bandwidth/sideways/b8", "latency/full", "peak", "peak/fp32/x",
                          "qgemm/fp32/q5_0/m1n8k32", "reduction/fp32/n8", "conv2d/fp32/n1c1h1w1k1r1s1u1p0d1", "conv2d/fp32/n1c1h1w1k1r1s1u1x1p0d1nchw",
                          "conv2d/fp32/n1c1h1w1k1r1s1u1p0x0d1nchw", "conv2d/fp32/n1c1h1w1k1r1s1u1p0x0x0x1x1d1nchw", "conv2d/fp32/n1c1h1w1k1r1s1u1p0d1x2xnchw", "collective/all_reduce/fp32/b8",
                          "attention/fp16/b1h8kv2q1s64d64cc"})
    EXPECT_FALSE(problem_from_id(bad)) << bad;
  EXPECT_FALSE(problem_from_shape_id("gemm/fp32/m8n8k8", precision::fp32));
}

// set() is at()'s inverse for every value the type holds, rounds floats and saturates integers.
TEST(host_buffer, set_writes_what_at_reads_in_every_type) {
  for (element_type t : {element_type::f32, element_type::f16, element_type::bf16, element_type::u8, element_type::s8, element_type::s32,
                         element_type::f64}) {
    host_buffer b(t, 3);
    b.set(0, 7);
    b.set(1, t == element_type::u8 ? 3 : -3);
    EXPECT_EQ(b.at(0), 7) << to_string(t);
    EXPECT_EQ(b.at(1), t == element_type::u8 ? 3 : -3) << to_string(t);
    EXPECT_EQ(b.at(2), 0) << to_string(t);
  }
  host_buffer s8(element_type::s8, 2);
  s8.set(0, 1000);
  s8.set(1, -1000);
  EXPECT_EQ(s8.at(0), 127);
  EXPECT_EQ(s8.at(1), -128);
  host_buffer f16(element_type::f16, 1);
  f16.set(0, 1.0 + 1.0 / 4096);  // below fp16's half step: to nearest
  EXPECT_EQ(f16.at(0), 1.0);
}

TEST(problem, conv_output_size_with_stride_and_dilation) {
  conv_shape c = conv_shape::square(1, 3, 224, 224, 64, 7, 7, 2, 3, 1, conv_layout::nchw);
  EXPECT_EQ(c.p(), 112);
  conv_shape d = conv_shape::square(1, 1, 10, 10, 1, 3, 3, 1, 0, 2, conv_layout::nchw);
  EXPECT_EQ(d.p(), 6);
}

TEST(terminal_safe, escapes_what_could_drive_a_terminal_and_keeps_colour) {
  // A title-setting OSC, a cursor move and a carriage return (from a driver string or a file).
  EXPECT_EQ(terminal_safe("CPU \x1b]0;pwned\x07 model\r\x1b[2J"), "CPU \\x1b]0;pwned\\x07 model\\x0d\\x1b[2J");
  EXPECT_EQ(terminal_safe("\x1b[1mbold\x1b[0m\tand\n"), "\x1b[1mbold\x1b[0m\tand\n");  // colour, tab, newline stay
  EXPECT_EQ(terminal_safe("a\xc2\x9b" "31mb"), "a\\u009b31mb");                     // C1 CSI, UTF-8 encoded
  EXPECT_EQ(terminal_safe("caf\xc3\xa9 \x7f"), "caf\xc3\xa9 \\x7f");               // other UTF-8 stays, DEL does not
  // SGR other than the painter's colours: conceal, reverse, white on white, several parameters.
  for (const std::string sgr : {"8", "7", "37;47", "1;8", "38;5;0", "", "0000000001"})
    EXPECT_EQ(terminal_safe("\x1b[" + sgr + "mverdict"), "\\x1b[" + sgr + "mverdict") << sgr;
}

// User patterns match in time linear in the name, without recursion: the patterns and names that
// stalled or crashed std::regex (nested quantifiers, 50000-character names) finish.
TEST(name_pattern, matches_anywhere_and_cannot_blow_up) {
  const auto gemm = name_pattern::compile("cpu0/.*gemm", "--filter");
  ASSERT_TRUE(gemm) << gemm.error().message;
  EXPECT_TRUE(gemm->found_in("cpu0/gemm/fp32/m64n64k64"));
  EXPECT_TRUE(gemm->found_in("x cpu0/qgemm"));  // anywhere, as grep
  EXPECT_FALSE(gemm->found_in("opencl0/gemm/fp32"));
  const std::string long_name(50000, 'a');
  for (const char* hostile : {"(a*)*b", "(.)*x", "((a+)+)+b$", "(a|aa)*c", "cpu0/.*gemm"}) {
    const auto p = name_pattern::compile(hostile, "--filter");
    ASSERT_TRUE(p) << hostile;
    EXPECT_FALSE(p->found_in(long_name)) << hostile;
  }
  EXPECT_TRUE(name_pattern::compile("^a*$", "--filter")->found_in(long_name));
  EXPECT_TRUE(name_pattern::compile(std::string(name_pattern::max_length, 'a'), "--filter"));
  EXPECT_TRUE(name_pattern::compile("gemm\\x00", "--filter"));  // a NUL matched by escape
}

TEST(name_pattern, what_re2_cannot_take_is_refused_with_the_reason) {
  const auto back = name_pattern::compile("(a)\\1", "--filter");
  ASSERT_FALSE(back);
  EXPECT_NE(back.error().message.find("--filter '(a)\\1' is not a regular expression"), std::string::npos) << back.error().message;
  EXPECT_NE(back.error().message.find("RE2"), std::string::npos);
  EXPECT_FALSE(name_pattern::compile("(?=x)", "--filter"));
  EXPECT_FALSE(name_pattern::compile("[", "--filter"));
  const auto huge = name_pattern::compile(std::string(100000, '('), "--inject-slowdown");
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("100000 characters long"), std::string::npos) << huge.error().message;
  EXPECT_LT(huge.error().message.size(), 300u);  // the pattern shortened in the message
}

TEST(checked, products_overflow_to_nullopt) {
  EXPECT_EQ(checked_mul(3037000499, 3037000499), std::int64_t{3037000499} * 3037000499);
  EXPECT_EQ(checked_mul(3037000500, 3037000500), std::nullopt);
  EXPECT_EQ(checked_mul(-1, 4), std::nullopt);
  EXPECT_EQ(checked_product({1 << 20, 1 << 20, 1 << 20}), std::int64_t{1} << 60);
  EXPECT_EQ(checked_product({1 << 20, 1 << 20, 1 << 20, 16}), std::nullopt);
  EXPECT_EQ(checked_add(std::numeric_limits<std::int64_t>::max(), 1), std::nullopt);
}

TEST(quoted_name, long_names_are_cut_on_a_character_boundary_with_their_size) {
  EXPECT_EQ(quoted_name("attn_q"), "attn_q");
  EXPECT_EQ(quoted_name(std::string(200, 'a')), std::string(200, 'a'));
  EXPECT_EQ(quoted_name(std::string(3000000, 'a')), std::string(200, 'a') + "... (3000000 bytes)");
  EXPECT_EQ(quoted_name("x\xc3\xa9yz", 2), "x... (5 bytes)");
  EXPECT_EQ(quoted_name("x\xc3\xa9yz", 3), "x\xc3\xa9... (5 bytes)");
}

// A library call tried in a forked child: its reply and exit code come back; a crash is the signal
// that ended it, a hang is killed at the deadline; the parent goes on in every case.
TEST(run_forked, reply_crash_and_hang_are_each_an_outcome) {
  auto ok = run_forked([](std::string& reply) { return reply.assign(200000, 'x'), 7; }, 30);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->exited());
  EXPECT_EQ(ok->exit_code, 7);
  EXPECT_EQ(ok->reply, std::string(200000, 'x'));  // more than a pipe holds: read while the child writes

  auto crash = run_forked([](std::string&) { return std::raise(SIGSEGV), 0; }, 30);
  ASSERT_TRUE(crash);
  EXPECT_EQ(crash->signal, SIGSEGV);
  EXPECT_NE(crash->how_it_ended(30).find("SIGSEGV"), std::string::npos) << crash->how_it_ended(30);

  const auto t0 = std::chrono::steady_clock::now();
  auto hang = run_forked([](std::string&) { return std::this_thread::sleep_for(std::chrono::seconds(60)), 0; }, 0.3);
  ASSERT_TRUE(hang);
  EXPECT_TRUE(hang->timed_out);
  EXPECT_FALSE(hang->exited());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));  // not waited out (a bound, not a timing)
  EXPECT_EQ(hang->how_it_ended(0.3), "no answer within 0.3 s");
}

// Children side by side (the probe's driver backends): one waited for after another that hung is
// read whole even though its deadline passed meanwhile; what a child writes to stderr is kept.
TEST(forked_child, side_by_side_a_finished_child_is_not_taken_for_a_hung_one) {
  auto hung = forked_child::start([](std::string&) { return std::this_thread::sleep_for(std::chrono::seconds(60)), 0; });
  auto quick = forked_child::start(
      [](std::string& reply) {
        std::fprintf(stderr, "first line\nthe driver's last words\n");
        return reply.assign(100, 'q'), 0;
      },
      true);
  ASSERT_TRUE(hung && quick);
  auto h = hung->wait(0.5);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->timed_out);
  auto q = quick->wait(0.5);  // its deadline has passed: what it wrote is there all the same
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->timed_out);
  EXPECT_TRUE(q->exited());
  EXPECT_EQ(q->exit_code, 0);
  EXPECT_EQ(q->reply, std::string(100, 'q'));
  EXPECT_EQ(quick->stderr_tail(), "first line | the driver's last words");
}

}  // namespace
}  // namespace xpu
