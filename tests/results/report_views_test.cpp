// The report's views over runs (results/roofline.cpp, results/workload_matrix.cpp) on hand-made
// rows: which rows become ceilings and points, the best verified row per device and workload,
// who is fastest and most efficient, the ranking over the shapes every device measured.
#include <gtest/gtest.h>

#include "core/problem.hpp"
#include "results/roofline.hpp"
#include "results/workload_matrix.hpp"

namespace xpu {
namespace {

measurement row(const std::string& device, const problem& p, const std::string& impl, double ops_per_s, double ops = 0, double bytes = 0) {
  measurement m;
  m.device = device;
  m.kernel = std::string(to_string(p.kind()));
  m.precision = std::string(to_string(p.type));
  m.problem = p.id();
  m.implementation = impl;
  m.name = device + "/" + m.problem + "/" + impl;
  m.ops_per_s = ops_per_s;
  m.ops = ops;
  m.bytes = bytes;
  m.ops_unit = p.type == precision::int8 ? "OP" : "FLOP";
  if (p.kind() == kernel_kind::bandwidth) m.ops_unit = "B";
  if (p.kind() == kernel_kind::reduction) m.ops_unit = "element";
  m.time_s = sample_stats{};
  m.time_s->median = ops > 0 ? ops / ops_per_s : 1e-3;
  m.verification.checked = true;
  m.verification.passed = true;
  return m;
}

device_info device(const std::string& id, double fp32_estimate) {
  device_info d;
  d.id = id;
  d.name = id + " model";
  precision_support fp32;
  fp32.type = precision::fp32;
  fp32.level = support_level::native;
  fp32.peak = peak_estimate{fp32_estimate, "cores x clock x ops/cycle", 0, 0, 0};
  d.precisions = {fp32};
  return d;
}

const problem gemm_big{gemm_shape{512, 512, 512}, precision::fp32}, gemm_small{gemm_shape{64, 64, 64}, precision::fp32};
const problem peak32{peak_shape{}, precision::fp32}, read_big{bandwidth_shape{1 << 28, bandwidth_op::read}, precision::fp32};

TEST(roofline, measured_ceilings_estimates_and_points) {
  run r;
  r.context.machine.devices = {device("cpu0", 2e12)};
  r.measurements = {row("cpu0", peak32, "xpubench", 1e12), row("cpu0", peak32, "other", 0.9e12), row("cpu0", read_big, "xpubench", 5e10, 0, 1 << 28),
                    row("cpu0", gemm_big, "onednn", 8e11, 2.0 * 512 * 512 * 512, 3.0 * 512 * 512 * 4),
                    row("cpu0", problem{reduction_shape{4096}, precision::fp32}, "xpubench", 1e9, 4096, 4 * 4096)};
  measurement unsupported = row("cpu0", gemm_small, "onednn", 0);
  unsupported.state = status::unsupported;
  unsupported.ops_per_s.reset();
  r.measurements.push_back(unsupported);
  measurement no_ops = row("cpu0", gemm_small, "onednn", 1e11, 0, 100);  // a hand-edited file: no op count, no point
  measurement unchecked = row("cpu0", gemm_small, "xpubench", 1e11, 1e6, 100);
  unchecked.verification.passed = false;  // ok in name but failed: never a point
  r.measurements.insert(r.measurements.end(), {no_ops, unchecked});
  const auto roofs = rooflines(r);
  ASSERT_EQ(roofs.size(), 1u);
  const roofline& roof = roofs[0];
  EXPECT_EQ(roof.device_name, "cpu0 model");
  ASSERT_EQ(roof.ceilings.size(), 3u);
  EXPECT_EQ(roof.ceilings[0].label, "fp32 peak");
  EXPECT_EQ(roof.ceilings[0].value, 1e12);  // the best implementation
  EXPECT_EQ(roof.ceilings[0].basis, "cpu0/peak/fp32/xpubench");
  EXPECT_TRUE(roof.ceilings[1].memory);
  EXPECT_EQ(roof.ceilings[1].label, "read 256 MiB");
  EXPECT_FALSE(roof.ceilings[2].measured);  // the probe's estimate, labelled
  EXPECT_EQ(roof.ceilings[2].value, 2e12);
  ASSERT_EQ(roof.points.size(), 1u);  // the GEMM; the reduction counts elements
  EXPECT_DOUBLE_EQ(roof.points[0].intensity, 2.0 * 512 / 12);
  EXPECT_EQ(roof.left_out, 2u);  // the reduction and the row without ops
  EXPECT_TRUE(roof.missing.empty());
}

TEST(roofline, says_which_ceiling_the_run_did_not_measure) {
  run r;
  r.measurements = {row("gpu0", gemm_big, "xpubench", 1e11, 1e8, 1e6)};
  const auto roofs = rooflines(r);
  ASSERT_EQ(roofs.size(), 1u);
  EXPECT_EQ(roofs[0].missing, "the run measured no peak and no read bandwidth on gpu0");
  EXPECT_TRUE(roofs[0].ceilings.empty());  // no inventory entry: no estimate either
}

TEST(workload_matrix, best_verified_row_fastest_and_most_efficient) {
  run a;
  a.context.machine.host.hostname = "alpha";
  measurement fast_wrong = row("cpu0", gemm_big, "fast", 9e11);
  fast_wrong.verification.passed = false;  // never the best, whatever its speed
  fast_wrong.state = status::invalid;
  measurement gpu = row("gpu0", gemm_big, "xpubench", 4e11);
  gpu.ops_per_joule = 4e9;
  measurement cpu = row("cpu0", gemm_big, "onednn", 5e11);
  cpu.ops_per_joule = 1e9;
  measurement ok_but_failed = row("gpu0", gemm_big, "clblast", 8e11);
  ok_but_failed.verification.passed = false;
  ok_but_failed.verification.message = "3 elements differ";
  a.measurements = {fast_wrong, cpu, row("cpu0", gemm_big, "openblas", 3e11), gpu, ok_but_failed};
  const std::vector<run> runs{a};
  const workload_matrix m = workload_matrix_of(runs);
  ASSERT_EQ(m.columns.size(), 2u);
  EXPECT_EQ(m.columns[0].label, "cpu0");  // one host: no host in the label
  ASSERT_EQ(m.rows.size(), 1u);
  const workload_row& w = m.rows[0];
  ASSERT_TRUE(w.cells[0].best);
  EXPECT_EQ(w.cells[0].best->implementation, "onednn");
  EXPECT_EQ(w.cells[0].implementations, 2u);
  EXPECT_EQ(w.cells[1].best->implementation, "xpubench");  // not the faster row that failed its check
  EXPECT_EQ(w.fastest, 0u);
  EXPECT_EQ(w.most_efficient, 1u);
  // Energy on one device only: no "most efficient" (a ranking of one).
  a.measurements[1].ops_per_joule.reset();
  const std::vector<run> one_meter{a};
  EXPECT_FALSE(workload_matrix_of(one_meter).rows[0].most_efficient);
}

TEST(workload_matrix, a_failure_explains_a_cell_before_unsupported) {
  run a;
  measurement unsupported = row("cpu0", gemm_big, "clblast", 0);
  unsupported.state = status::unsupported;
  unsupported.reason = "no such library";
  unsupported.ops_per_s.reset();
  measurement crashed = row("cpu0", gemm_big, "xpubench", 0);
  crashed.state = status::crashed;
  crashed.reason = "SIGSEGV";
  crashed.ops_per_s.reset();
  a.measurements = {unsupported, crashed};
  const std::vector<run> runs{a, a};  // one host twice: the runs are numbered
  const workload_matrix m = workload_matrix_of(runs);
  EXPECT_EQ(m.columns[1].label, "run 2 cpu0");
  EXPECT_EQ(m.rows[0].cells[0].state, "crashed");
  EXPECT_EQ(m.rows[0].cells[0].reason, "xpubench: SIGSEGV");
}

TEST(workload_matrix, hosts_side_by_side_and_ranked_over_common_shapes) {
  run a, b;
  a.context.machine.host.hostname = "alpha";
  b.context.machine.host.hostname = "beta";
  a.measurements = {row("cpu0", gemm_big, "onednn", 4e11), row("cpu0", gemm_small, "onednn", 1e11)};
  b.measurements = {row("cpu0", gemm_big, "onednn", 2e11)};  // beta lacks the small shape
  measurement unsupported = row("cpu0", gemm_small, "onednn", 0);
  unsupported.state = status::unsupported;
  unsupported.reason = "no such shape here";
  unsupported.ops_per_s.reset();
  b.measurements.push_back(unsupported);
  const std::vector<run> runs{a, b};
  const workload_matrix m = workload_matrix_of(runs);
  ASSERT_EQ(m.columns.size(), 2u);
  EXPECT_EQ(m.columns[0].label, "alpha cpu0");
  EXPECT_EQ(m.columns[1].label, "beta cpu0");
  ASSERT_EQ(m.rows.size(), 2u);
  EXPECT_EQ(m.rows[1].cells[1].state, "unsupported");
  EXPECT_EQ(m.rows[1].cells[1].reason, "onednn: no such shape here");
  EXPECT_FALSE(m.rows[1].fastest);  // one result is no ranking
  ASSERT_EQ(m.rankings.size(), 1u);
  const workload_ranking& g = m.rankings[0];
  EXPECT_EQ(g.shapes, 1u);  // only the shape both measured
  ASSERT_EQ(g.ranks.size(), 2u);
  EXPECT_EQ(g.ranks[0].column, 0u);
  EXPECT_NEAR(g.ranks[0].geomean_ops_per_s, 4e11, 1);  // exp(mean log): exact to rounding
  EXPECT_NEAR(g.ranks[1].geomean_ops_per_s, 2e11, 1);
}

}  // namespace
}  // namespace xpu
