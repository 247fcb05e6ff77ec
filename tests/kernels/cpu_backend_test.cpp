// What is the CPU backend's own, on the real CPU: the ISA paths below the widest, the clock and its
// calibration, the libraries' choices, energy; and the runner end to end, including a deliberately
// wrong kernel that must come out invalid. Every operation's cases in every precision and
// implementation: operation_test.cpp.
#include <gtest/gtest.h>

#include <functional>

#include <atomic>

#include "kernels/cpu/cpu_device.hpp"
#include "kernels/cpu/cpu_kernels.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"
#include "suites/runner.hpp"
#include "ops/operation.hpp"
#include "tests/support/run_suite.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

class cpu_backend : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto inv = probe_machine({std::nullopt, "/", device_backends_except(""), "/nonexistent/libnvidia-ml.so.1"});
    ASSERT_TRUE(inv);
    s_inventory = new inventory(std::move(*inv));
    s_device = cpu_device_create(s_inventory->devices.front(), s_inventory->cpu, {}).release();
  }
  static void TearDownTestSuite() {
    delete s_device;
    delete s_inventory;
  }
  static inline inventory* s_inventory = nullptr;
  static inline device* s_device = nullptr;
};

TEST_F(cpu_backend, avx2_and_avx_vnni_peak_paths_verify_too) {
  // The same CPU presented as an AVX2 + AVX-VNNI part: the 256-bit kernels (peak, qgemm) are chosen and checked.
  const cpu_isa live = s_inventory->cpu.isa;
  if (!live.has("avx2") || !live.has("fma")) GTEST_SKIP() << "this CPU has no AVX2+FMA";
  cpu_info narrower = s_inventory->cpu;
  x86_raw r;
  r.sse4_2 = r.avx = r.avx2 = r.fma = r.f16c = true;
  r.avx_vnni = live.has("avx_vnni");
  r.osxsave = true;
  r.xcr0 = 0x7;
  narrower.isa = isa_decode_x86(r);
  auto dev = cpu_device_create(cpu_device(narrower), narrower, {});
  for (precision p : {precision::fp32, precision::int8}) {
    const problem prob{peak_shape{32}, p};
    if (dev->supports(prob).level == support_level::unsupported) continue;
    const workload& w = workload_for(kernel_kind::peak);
    host_buffers b = w.make_buffers(prob, 5);
    auto ready = dev->prepare(prob, b, "xpubench");
    ASSERT_TRUE(ready) << ready.error().message;
    EXPECT_NE((*ready)->notes().find("ymm"), std::string::npos) << (*ready)->notes();
    ASSERT_TRUE((*ready)->run_seconds(1));
    ASSERT_TRUE((*ready)->read_back(b));
    EXPECT_TRUE(w.verify(prob, b, 5).passed) << prob.id();
  }
  // qgemm's 256-bit paths (the AVX-512 machine's repacked groups of 16 rows are not chosen here).
  for (const problem& prob : test::operation_cases(precision::int8)) {
    if (prob.kind() != kernel_kind::qgemm) continue;
    const workload& w = workload_for(kernel_kind::qgemm);
    host_buffers b = w.make_buffers(prob, 5);
    auto ready = dev->prepare(prob, b, "xpubench");
    ASSERT_TRUE(ready) << ready.error().message;
    EXPECT_EQ((*ready)->notes().find("AVX-512"), std::string::npos) << (*ready)->notes();
    ASSERT_TRUE((*ready)->run_seconds(1));
    ASSERT_TRUE((*ready)->read_back(b));
    EXPECT_TRUE(w.verify(prob, b, 5).passed) << prob.id();
  }
}

TEST_F(cpu_backend, problems_larger_than_memory_are_skipped_before_allocation) {
  const run r = test::run_suite("[[gemm]]\nshapes = [{ m = 1000000, n = 1000000, k = 1000000 }]\n", {s_device}, *s_inventory);
  ASSERT_FALSE(r.measurements.empty());
  for (const auto& m : r.measurements) {
    EXPECT_EQ(m.state, status::skipped);
    EXPECT_NE(m.reason.find("available"), std::string::npos) << m.reason;
  }
}

TEST_F(cpu_backend, unsupported_precisions_say_why) {
  const support s = s_device->supports({reduction_shape{10, reduce_op::sum}, precision::bf16});
  EXPECT_EQ(s.level, support_level::unsupported);
  EXPECT_FALSE(s.reason.empty());
  EXPECT_EQ(s_device->supports({bandwidth_shape{4096, bandwidth_op::copy}, precision::int8}).level, support_level::unsupported);
  // fp8: no kernels yet, and the reason carries what the probe found (whatever this CPU has)
  const support fp8 = s_device->supports({peak_shape{16}, precision::fp8_e4m3});
  EXPECT_EQ(fp8.level, support_level::unsupported);
  EXPECT_NE(fp8.reason.find("no fp8 kernels"), std::string::npos) << fp8.reason;
  EXPECT_GT(fp8.reason.size(), std::string("xpubench has no fp8 kernels ()").size()) << fp8.reason;
}

TEST_F(cpu_backend, the_clock_is_plausible_and_agrees_with_the_peak_kernel) {
  // Properties of every x86-64 and AArch64 core: a chain clock between 0.2 and 6.5 GHz; on x86 the
  // add and the multiply chain agree (no core retires two dependent register adds per cycle or
  // folds an IMUL chain; ctest runs tests side by side, so the bound leaves room for contention,
  // which slows one chain's timings, never speeds them); the fp32 peak kernel cannot beat cores x clock x the estimated FLOP/cycle
  // (the estimate is an upper bound on every x86 core: two FMA pipes of the widest vector).
  const int threads = std::max(1, s_inventory->cpu.topology.cores);
  // ctest runs other tests beside this one: contention slows one chain's timings (never speeds
  // them), so the best of three calibrations, the one whose chains agree most, is judged.
  cpu_clock c;
  double worst = 1e9;
  for (int attempt = 0; attempt < 3 && worst > 1.1; ++attempt) {
    cpu_clock next = cpu_clock_calibrate(s_inventory->cpu, threads, 0.01);
    const double off = next.readings.multiply_chain_hz > 0 ? std::max(next.hz / next.readings.multiply_chain_hz,
                                                                       next.readings.multiply_chain_hz / next.hz)
                                                           : 1.0;
    if (off < worst) worst = off, c = std::move(next);
  }
  ASSERT_GT(c.hz, clock_floor_hz) << c.basis;
  EXPECT_LT(c.hz, clock_ceiling_hz) << c.basis;
  EXPECT_FALSE(c.basis.empty());
  if (!clock_chain_available(clock_chain::add)) GTEST_SKIP() << "no clock chain for this architecture";
  ASSERT_TRUE(c.chain) << c.basis << (c.rejected.empty() ? "" : "; rejected: " + c.rejected[0]);
  if (clock_chain_available(clock_chain::multiply)) {
    ASSERT_GT(c.readings.multiply_chain_hz, 0.0);
    EXPECT_LT(c.hz / c.readings.multiply_chain_hz, 1.5) << c.basis;
    EXPECT_GT(c.hz / c.readings.multiply_chain_hz, 1 / 1.5) << c.basis;
  }
  if (c.readings.peak_implied_hz && s_inventory->cpu.isa.family == "x86") {
    EXPECT_LT(*c.readings.peak_implied_hz, 1.1 * c.hz) << "the fp32 peak kernel beat the estimated peak: " << c.basis;
  }
}

TEST(clock_choose, a_core_that_folds_adds_falls_back_to_the_multiply_chain) {
  // Golden Cove-like: the add chain reads 11 GHz on a 2.6 GHz core.
  clock_readings in;
  in.add_chain_hz = 11.1e9;
  in.multiply_chain_hz = 2.6e9;
  in.peak_implied_hz = 2.55e9;
  in.nominal_hz = 2.3e9;
  cpu_clock c = clock_choose(in);
  EXPECT_EQ(c.chain, clock_chain::multiply);
  EXPECT_DOUBLE_EQ(c.hz, 2.6e9);
  ASSERT_FALSE(c.rejected.empty());
  EXPECT_NE(c.rejected[0].find("above"), std::string::npos) << c.rejected[0];  // 11 GHz is above 6.5 GHz
  // Below the ceiling but twice the multiply chain: folded, rejected for that.
  in.add_chain_hz = 5.2e9;
  c = clock_choose(in);
  EXPECT_EQ(c.chain, clock_chain::multiply);
  ASSERT_EQ(c.rejected.size(), 1u);
  EXPECT_NE(c.rejected[0].find("more than one dependent add per cycle"), std::string::npos) << c.rejected[0];
}

TEST(clock_choose, without_a_plausible_chain_the_fallbacks_are_labelled) {
  clock_readings in;
  in.add_chain_hz = 9e9;  // an Arm-like case: no multiply chain, the add chain implausible
  in.peak_implied_hz = 3.0e9;
  in.nominal_hz = 2.0e9;
  cpu_clock c = clock_choose(in);
  EXPECT_FALSE(c.chain);
  EXPECT_DOUBLE_EQ(c.hz, 3.0e9);
  EXPECT_NE(c.basis.find("implied by the fp32 peak kernel"), std::string::npos) << c.basis;
  // A chain far above what the peak kernel implies, with no second chain to vouch for it.
  in.add_chain_hz = 6.0e9;
  c = clock_choose(in);
  EXPECT_DOUBLE_EQ(c.hz, 3.0e9);
  EXPECT_NE(c.rejected.back().find("the fp32 peak kernel implies"), std::string::npos);
  in.peak_implied_hz.reset();
  in.add_chain_hz = 0;
  c = clock_choose(in);
  EXPECT_DOUBLE_EQ(c.hz, 2.0e9);
  EXPECT_NE(c.basis.find("nominal, not measured"), std::string::npos) << c.basis;
  // cpufreq's maximum sets the ceiling where it is known.
  in.add_chain_hz = 4.0e9;
  in.max_hz = 3.0e9;
  c = clock_choose(in);
  EXPECT_FALSE(c.chain);
  EXPECT_NE(c.rejected[0].find("cpufreq maximum"), std::string::npos) << c.rejected[0];
  // Two chains that agree win over the peak kernel; the per-cycle estimate is what is off.
  clock_readings agree;
  agree.add_chain_hz = 3.5e9;
  agree.multiply_chain_hz = 3.45e9;
  agree.peak_implied_hz = 1.75e9;  // 512-bit on 256-bit pipes, say
  c = clock_choose(agree);
  EXPECT_EQ(c.chain, clock_chain::add);
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("per-cycle estimate"), std::string::npos);
}

TEST_F(cpu_backend, library_rows_name_the_library_choice) {
  for (const std::string impl : {"onednn", "openblas"}) {
    const problem p{gemm_shape{64, 64, 64}, precision::fp32};
    host_buffers b = workload_for(p.kind()).make_buffers(p, 3);
    auto ready = s_device->prepare(p, b, impl);
    ASSERT_TRUE(ready) << ready.error().message;
    const auto choice = (*ready)->dispatch();
    EXPECT_NE(choice.what.find(impl == "onednn" ? "oneDNN " : "OpenBLAS "), std::string::npos) << choice.what;
    EXPECT_NE(choice.what.find(impl == "onednn" ? "dispatches up to" : "kernels ("), std::string::npos) << choice.what;
  }
  // Rows carry it through the runner.
  auto s = suite_parse("[[gemm]]\nprecisions = [\"fp32\"]\nshapes = [{ m = 32, n = 32, k = 32 }]\n", "d.toml");
  ASSERT_TRUE(s);
  run_options options;
  options.progress = nullptr;
  run r;
  r.context.repetitions = 2;
  r.context.min_time_s = 0.001;
  r.context.machine = *s_inventory;
  std::atomic<bool> stop{false};
  run_cases(plan_cases(*s, {s_device}, options), options, r, nullptr, stop);
  ASSERT_GE(r.measurements.size(), 2u);
  for (const auto& m : r.measurements) EXPECT_FALSE(m.dispatch.empty()) << m.name;
}

TEST(openblas_choice, older_kernels_than_the_cpu_say_so_and_how_to_fix_it) {
  x86_raw raw;
  raw.sse4_2 = raw.avx = raw.avx2 = raw.fma = raw.f16c = raw.avx512f = raw.avx512bw = raw.avx512vl = raw.osxsave = true;
  raw.xcr0 = 0xe7;
  const cpu_isa avx512 = isa_decode_x86(raw);
  auto c = cpu::openblas_choice("Prescott", avx512, nullptr, 2, 2);
  EXPECT_NE(c.what.find("Prescott kernels (SSE), 2 threads (OpenMP)"), std::string::npos) << c.what;
  EXPECT_NE(c.warning.find("does not know this CPU"), std::string::npos) << c.warning;
  EXPECT_NE(c.warning.find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos) << c.warning;
  c = cpu::openblas_choice("Haswell", avx512, "Haswell", 2, 2);
  EXPECT_NE(c.warning.find("OPENBLAS_CORETYPE=Haswell is set in the environment"), std::string::npos) << c.warning;
  EXPECT_TRUE(cpu::openblas_choice("SkylakeX", avx512, nullptr, 2, 2).warning.empty());
  EXPECT_TRUE(cpu::openblas_choice("COOPERLAKE", avx512, nullptr, 1, 0).warning.empty());
  raw.avx512f = raw.avx512bw = raw.avx512vl = false;
  raw.xcr0 = 0x7;
  EXPECT_TRUE(cpu::openblas_choice("Haswell", isa_decode_x86(raw), nullptr, 2, 2).warning.empty());
}

// The CPU device with its read-back altered: `alter` gives the outputs in place of the real read-back
// (which it may call), so the runner's checks can be tried on wrong results.
class altered_device final : public device {
 public:
  using alter = std::function<result<void>(std::string_view implementation, prepared& real, host_buffers& out)>;
  altered_device(device& real, alter a) : m_real(real), m_alter(std::move(a)) {}
  const device_info& info() const override { return m_real.info(); }
  support supports_op(const problem& p) const override { return m_real.supports(p); }
  result<std::unique_ptr<prepared>> prepare(const problem& p, const host_buffers& in, std::string_view impl) override {
    auto inner = m_real.prepare(p, in, impl);
    if (!inner) return inner;
    return std::make_unique<altered>(std::move(*inner), m_alter);
  }

 private:
  class altered final : public prepared {
   public:
    altered(std::unique_ptr<prepared> inner, const alter& a) : m_inner(std::move(inner)), m_alter(a) {}
    std::string_view implementation() const override { return m_inner->implementation(); }
    result<double> run_seconds(int n) override { return m_inner->run_seconds(n); }
    result<void> read_back(host_buffers& out) override { return m_alter(m_inner->implementation(), *m_inner, out); }

   private:
    std::unique_ptr<prepared> m_inner;
    const alter& m_alter;
  };
  device& m_real;
  alter m_alter;
};

// A GEMM wrong by one element.
result<void> off_by_one(std::string_view, prepared& real, host_buffers& out) {
  auto ok = real.read_back(out);
  if (out.outputs[0].type == element_type::s32) out.outputs[0].as<std::int32_t>()[3] += 1;
  else out.outputs[0].as<float>()[3] += 0.5f;
  return ok;
}

run make_run(const inventory& inv) {
  run r;
  r.context.repetitions = 3;
  r.context.min_time_s = 0.001;
  r.context.machine = inv;
  r.context.measured_clock_hz = cpu_clock_measure(0.002);
  r.context.finished = true;
  return r;
}

TEST_F(cpu_backend, runner_marks_a_wrong_kernel_invalid) {
  altered_device wrong(*s_device, off_by_one);  // the runner must report it invalid, not time it
  const run r = test::run_suite("[[gemm]]\nprecisions = [\"fp32\", \"int8\"]\nshapes = [{ m = 16, n = 16, k = 16 }]\n", {&wrong}, *s_inventory);
  ASSERT_GE(r.measurements.size(), 2u);
  for (const auto& m : r.measurements) {
    EXPECT_EQ(m.state, status::invalid) << m.name;
    EXPECT_NE(m.reason.find("verification failed"), std::string::npos);
    EXPECT_TRUE(m.samples_s.empty());  // never timed
  }
}

// Implementations of one problem share its inputs (kept from one case to the next), never its
// results: an implementation that writes nothing finds the sentinel, not the last one's answer.
TEST_F(cpu_backend, kept_inputs_never_carry_the_last_implementations_results) {
  // OpenBLAS's GEMM reads nothing back: the outputs keep what was in them.
  altered_device lazy(*s_device, [](std::string_view impl, prepared& real, host_buffers& out) -> result<void> {
    return impl == "openblas" ? result<void>{} : real.read_back(out);
  });
  const run r = test::run_suite("[[gemm]]\nprecisions = [\"fp32\"]\nshapes = [{ m = 16, n = 16, k = 16 }]\n", {&lazy}, *s_inventory);
  ASSERT_EQ(r.measurements.size(), 2u);
  ASSERT_EQ(r.measurements[0].implementation, "onednn");
  ASSERT_EQ(r.measurements[1].implementation, "openblas");
  EXPECT_EQ(r.measurements[0].state, status::ok) << r.measurements[0].reason;
  EXPECT_EQ(r.measurements[1].state, status::invalid) << r.measurements[1].reason;
  EXPECT_NE(r.measurements[1].reason.find("verification failed"), std::string::npos) << r.measurements[1].reason;
}

TEST_F(cpu_backend, ci_suite_end_to_end_at_tiny_sizes) {
  // The ci suite's kernels, shrunk: every row ok or unsupported with a reason; results arrive one by one.
  const char* text = R"(
repetitions = 3
min_time_s = 0.001
[[gemm]]
precisions = ["fp32", "fp16", "bf16", "int8"]
shapes = [{ m = 32, n = 32, k = 32 }]
[[conv2d]]
precisions = ["fp32", "int8"]
shapes = [{ n = 1, c = 4, h = 8, w = 8, k = 4, r = 3, s = 3, pad = 1 }]
[[reduction]]
precisions = ["fp32", "int8"]
sizes = [4096]
[[bandwidth]]
ops = ["triad"]
bytes = [49152]
[[peak]]
precisions = ["fp32", "int8"]
iterations = 32
[[latency]]
)";
  auto s = suite_parse(text, "tiny-ci.toml");
  ASSERT_TRUE(s) << s.error().message;
  run_options options;
  options.progress = nullptr;
  run r = make_run(*s_inventory);
  std::atomic<bool> stop{false};
  std::size_t calls = 0;
  const auto cases = plan_cases(*s, {s_device}, options);
  run_cases(cases, options, r, [&](const run& current) { EXPECT_EQ(current.measurements.size(), ++calls); }, stop);
  EXPECT_EQ(r.measurements.size(), cases.size());
  EXPECT_EQ(calls, cases.size());
  for (const auto& m : r.measurements) {
    if (m.state == status::unsupported) {
      EXPECT_FALSE(m.reason.empty()) << m.name;
      continue;
    }
    EXPECT_EQ(m.state, status::ok) << m.name << ": " << m.reason;
    EXPECT_EQ(m.samples_s.size(), 3u) << m.name;
    ASSERT_EQ(m.host_samples_s.size(), 3u) << m.name;  // host wall time beside the device's
    EXPECT_GT(m.host_samples_s[0], 0.0);
    ASSERT_TRUE(m.time_s) << m.name;
    EXPECT_GT(m.launches, 0);
    if (m.kernel != "latency") {
      EXPECT_TRUE(m.verification.passed) << m.name;
      EXPECT_TRUE(m.ops_per_s) << m.name;
    }
  }
}

TEST_F(cpu_backend, energy_is_read_around_each_repetition_from_the_matched_sensor) {
  test::temp_dir root;
  root.write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
  root.write("sys/class/powercap/intel-rapl:0/energy_uj", "0\n");
  root.write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
  test::counter_writer writer(root.path() / "sys/class/powercap/intel-rapl:0/energy_uj", 80.0);
  run r = make_run(*s_inventory);
  r.context.machine.power = power_probe({root.path(), "/nonexistent/libnvidia-ml.so.1"});
  // Repetitions of 0.4 s or more: the fake counter is rewritten every 0.2 ms by a thread that a
  // loaded machine (ASan, tests side by side, the GEMM's threads on both cores) can delay by tens of
  // ms (0.15 s repetitions read 110 W once), which must stay small against them.
  r.context.min_time_s = 0.4;
  r.context.idle_w["cpu0"] = 20.0;
  auto s = suite_parse("[[gemm]]\nprecisions = [\"fp32\"]\nshapes = [{ m = 64, n = 64, k = 64 }]\n", "e.toml");
  ASSERT_TRUE(s);
  run_options options;
  options.progress = nullptr;
  std::atomic<bool> stop{false};
  run_cases(plan_cases(*s, {s_device}, options), options, r, nullptr, stop);
  ASSERT_FALSE(r.measurements.empty());
  for (const auto& m : r.measurements) {
    ASSERT_EQ(m.state, status::ok) << m.reason;
    EXPECT_EQ(m.energy_sensor, "rapl:intel-rapl:0");
    EXPECT_TRUE(m.energy_reason.empty()) << m.energy_reason;
    ASSERT_EQ(m.energy_samples_j.size(), m.samples_s.size());
    ASSERT_TRUE(m.average_w);
    EXPECT_NEAR(*m.average_w, 80.0, 16.0);
    EXPECT_NEAR(*m.idle_corrected_w, *m.average_w - 20.0, 1e-9);
    ASSERT_TRUE(m.ops_per_joule);
    EXPECT_NEAR(*m.ops_per_joule, m.ops / *m.energy_j, 1e-6 * *m.ops_per_joule);
  }
}

TEST_F(cpu_backend, no_sensor_means_no_energy_fields_and_a_reason) {
  run r = make_run(*s_inventory);
  r.context.machine.power = {};
  auto s = suite_parse("[[latency]]\n", "e.toml");
  run_options options;
  options.progress = nullptr;
  std::atomic<bool> stop{false};
  run_cases(plan_cases(*s, {s_device}, options), options, r, nullptr, stop);
  ASSERT_EQ(r.measurements.size(), 1u);
  EXPECT_FALSE(r.measurements[0].energy_j);
  EXPECT_FALSE(r.measurements[0].ops_per_joule);
  EXPECT_NE(r.measurements[0].energy_reason.find("no readable energy sensor"), std::string::npos);
}

TEST_F(cpu_backend, stop_flag_ends_the_run_and_keeps_what_was_measured) {
  auto s = suite_parse("[[latency]]\n[[peak]]\nprecisions = [\"fp32\"]\niterations = 16\n", "t.toml");
  ASSERT_TRUE(s);
  run_options options;
  options.progress = nullptr;
  run r = make_run(*s_inventory);
  std::atomic<bool> stop{false};
  run_cases(plan_cases(*s, {s_device}, options), options, r, [&](const run&) { stop = true; }, stop);
  EXPECT_EQ(r.measurements.size(), 1u);
  EXPECT_TRUE(r.context.interrupted);
}

}  // namespace
}  // namespace xpu
