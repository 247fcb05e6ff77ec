// `run`'s options as the worker protocol carries them (cli/run_options.cpp): what the supervisor
// writes, a worker applies back to the same options; text JSON cannot carry is refused up front.
#include <gtest/gtest.h>

#include "cli/run_command.hpp"

namespace xpu {
namespace {

TEST(run_options, a_worker_gets_back_every_option_the_supervisor_had) {
  run_command sent;
  sent.suite = "my suite.toml";
  sent.seed = 18446744073709551615ull;
  sent.noisy_threshold = 0.05;
  sent.threads = 3;
  sent.repetitions = 4;
  sent.min_time = 0.25;
  sent.kernels = {"gemm", "silu"};
  sent.precisions = {"fp16"};
  sent.filter = "gemm/.*\n\"x\"";
  sent.inject_slowdown = {"gemm=0.1"};
  sent.backend_option_specs = {"opencl.tune=off"};
  sent.no_tune = true;
  run_command got;
  ASSERT_TRUE(got.apply_worker_options(nlohmann::json::parse(sent.worker_options().dump())));
  EXPECT_EQ(got.suite, sent.suite);
  EXPECT_EQ(got.seed, sent.seed);
  EXPECT_EQ(got.noisy_threshold, sent.noisy_threshold);
  EXPECT_EQ(got.threads, sent.threads);
  EXPECT_EQ(got.repetitions, sent.repetitions);
  EXPECT_EQ(got.min_time, sent.min_time);
  EXPECT_EQ(got.kernels, sent.kernels);
  EXPECT_EQ(got.precisions, sent.precisions);
  EXPECT_EQ(got.filter, sent.filter);
  EXPECT_EQ(got.inject_slowdown, sent.inject_slowdown);
  EXPECT_EQ(got.backend_option_specs, sent.backend_option_specs);
  EXPECT_EQ(got.no_tune, sent.no_tune);

  auto wrong = sent.worker_options();
  wrong["threads"] = "three";
  const auto refused = got.apply_worker_options(wrong);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'threads' has the wrong type"), std::string::npos) << refused.error().message;
}

TEST(run_options, text_that_is_not_utf8_is_named) {
  run_command c;
  EXPECT_FALSE(c.not_utf8());
  c.filter = "caf\xc3\xa9";  // UTF-8
  EXPECT_FALSE(c.not_utf8());
  c.filter = "caf\xe9";  // Latin-1
  ASSERT_TRUE(c.not_utf8());
  EXPECT_EQ(c.not_utf8()->rfind("--filter '", 0), 0u) << *c.not_utf8();
}

}  // namespace
}  // namespace xpu
