// A fleet run's file (results/fleet.hpp, run::fleet): it round-trips through JSON, its hosts come
// out one run per host (a host's ranks merged), and a rank beyond the fleet's spread is an outlier
// while noise within it, or a benchmark on too few ranks, is not.
#include <gtest/gtest.h>

#include "reporters/fleet_report.hpp"
#include "results/fleet.hpp"
#include "results/run_json.hpp"

namespace xpu {
namespace {

run node_run(const std::string& host, const std::vector<std::pair<std::string, double>>& rows) {
  run r;
  r.context.machine.host.hostname = host;
  r.context.started_at = "2026-11-30T00:00:00Z";
  for (const auto& [name, ops] : rows) {
    measurement m;
    m.name = name;
    m.device = name.substr(0, name.find('/'));
    m.ops_per_s = ops;
    m.time_s = sample_stats{};
    m.time_s->median = 1 / ops;
    r.measurements.push_back(m);
  }
  return r;
}

// Rank 0 on "a", then one rank per value on hosts b, c, ...; each measures cpu0/gemm at `ops`.
run fleet_of(const std::vector<double>& ops) {
  run r = node_run("a", {{"cpu0/gemm", ops.at(0)}});
  r.fleet.push_back({0, "a", "ok", "", 0, nullptr});
  for (std::size_t i = 1; i < ops.size(); ++i) {
    const std::string host(1, static_cast<char>('a' + i));
    r.fleet.push_back({static_cast<int>(i), host, "ok", "", 0, std::make_shared<const run>(node_run(host, {{"cpu0/gemm", ops[i]}}))});
  }
  return r;
}

TEST(fleet, a_fleet_file_round_trips_with_every_rank_and_its_state) {
  run r = fleet_of({100, 101});
  r.fleet.push_back({2, "", "missing", "no report within 10 s", 0, nullptr});
  auto back = run_from_json(run_to_json(r), "fleet.json");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->fleet.size(), 3u);
  EXPECT_EQ(back->fleet[1].host, "b");
  ASSERT_TRUE(back->fleet[1].measured);
  EXPECT_EQ(back->fleet[1].measured->measurements.at(0).ops_per_s, 101);
  EXPECT_EQ(back->fleet[2].state, "missing");
  EXPECT_FALSE(back->fleet[2].measured);
  auto doc = run_to_json(r);
  doc["fleet"]["hosts"][1]["state"] = "fine";
  auto bad = run_from_json(doc, "fleet.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("expected ok, interrupted, failed or missing"), std::string::npos) << bad.error().message;
}

TEST(fleet, each_host_is_one_run_with_its_ranks_rows_merged) {
  run r = node_run("a", {{"cpu0/gemm", 100}});
  r.fleet = {{0, "a", "ok", "", 0, nullptr},
             {1, "a", "ok", "", 0, std::make_shared<const run>(node_run("a", {{"opencl0/gemm", 10}}))},
             {2, "b", "ok", "", 0, std::make_shared<const run>(node_run("b", {{"cpu0/gemm", 90}}))},
             {3, "c", "failed", "bad input", 2, nullptr}};
  const auto hosts = fleet_expand("f.json", r);
  ASSERT_EQ(hosts.size(), 2u);  // the failed rank sent no run
  EXPECT_EQ(hosts[0].first, "f.json: a (ranks 0, 1)");
  EXPECT_EQ(hosts[0].second.measurements.size(), 2u);
  EXPECT_TRUE(hosts[0].second.fleet.empty());
  EXPECT_EQ(hosts[1].first, "f.json: b (rank 2)");
  run same = r;  // a rank on host a that measured cpu0 again (--device): its own run, never a duplicate row
  same.fleet.push_back({4, "a", "ok", "", 0, std::make_shared<const run>(node_run("a", {{"cpu0/gemm", 99}}))});
  const auto three = fleet_expand("f.json", same);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[0].second.measurements.size(), 2u);
  EXPECT_EQ(three[2].first, "f.json: a (rank 4)");
  const run alone = node_run("a", {{"cpu0/gemm", 1}});
  ASSERT_EQ(fleet_expand("one.json", alone).size(), 1u);
  EXPECT_EQ(fleet_expand("one.json", alone)[0].first, "one.json");
  const std::string text = fleet_summary_text(r);
  EXPECT_NE(text.find("Fleet: 4 rank(s) on 3 host(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("bad input"), std::string::npos) << text;
}

TEST(fleet, a_node_20_percent_slower_is_an_outlier_and_noise_is_not) {
  const auto outliers = fleet_outliers(fleet_of({100, 101, 99, 80, 100.5}));
  ASSERT_EQ(outliers.size(), 1u);
  EXPECT_EQ(outliers[0].host, "d");
  EXPECT_EQ(outliers[0].rank, 3);
  EXPECT_NEAR(outliers[0].change, 80.0 / 100.0 - 1, 0.01);
  EXPECT_TRUE(fleet_outliers(fleet_of({100, 104, 97, 102, 99})).empty());  // within 10 %
  EXPECT_TRUE(fleet_outliers(fleet_of({100, 50})).empty());                 // two ranks: no majority to judge by
  // A fleet that is noisy everywhere widens the limit: a 25 % spread of ranks is not an outlier there.
  EXPECT_TRUE(fleet_outliers(fleet_of({100, 130, 75, 120, 85, 110, 90})).empty());
}

}  // namespace
}  // namespace xpu
