// The run's time estimate: each benchmark's wall time from the newest earlier run on this host
// (older runs fill what the newest lacks; other hosts' runs and files that are not runs are passed
// over), summed per device; benchmarks no run has get the settings' lower bound.
#include <gtest/gtest.h>

#include "results/estimate.hpp"
#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

std::string run_file(const std::string& host, const std::string& started, const std::vector<std::pair<std::string, double>>& rows) {
  run r;
  r.context.started_at = started;
  r.context.machine.host.hostname = host;
  for (const auto& [name, s] : rows) {
    measurement m;
    m.name = name;
    m.device = name.substr(0, name.find('/'));
    m.wall_s = s;
    r.measurements.push_back(m);
  }
  return run_to_json(r).dump();
}

TEST(estimate, newest_run_of_this_host_first_then_older_ones_then_the_settings) {
  test::temp_dir dir;
  dir.write("here-20261201-100000/run.json", run_file("here", "2026-12-01T10:00:00Z", {{"cpu0/a", 1.0}, {"cpu0/b", 2.0}, {"gpu0/c", 9.0}}));
  dir.write("here-20261205-100000/run.json", run_file("here", "2026-12-05T10:00:00Z", {{"cpu0/a", 1.5}, {"cpu0/old", 0}}));
  dir.write("there-20261206-100000/run.json", run_file("there", "2026-12-06T10:00:00Z", {{"cpu0/a", 100.0}, {"cpu0/d", 100.0}}));
  dir.write("loose.json", run_file("here", "2026-11-01T10:00:00Z", {{"gpu0/e", 4.0}}));
  dir.write("broken/run.json", "{ not json");
  dir.write("other.json", "{\"schema\": \"something else\"}");
  const earlier_times t = earlier_times_load(dir.path(), "here");
  ASSERT_EQ(t.files.size(), 3u);
  EXPECT_NE(t.files[0].find("20261205"), std::string::npos);  // newest first
  EXPECT_EQ(t.wall_s.at("cpu0/a"), 1.5);                      // the newest run's time
  EXPECT_EQ(t.wall_s.at("cpu0/b"), 2.0);                      // an older run fills the rest
  EXPECT_EQ(t.wall_s.at("gpu0/e"), 4.0);
  EXPECT_FALSE(t.wall_s.contains("cpu0/d"));                  // another host's
  EXPECT_FALSE(t.wall_s.contains("cpu0/old"));                // no time recorded

  const auto e = estimate_devices({{"cpu0", "cpu0/a"}, {"cpu0", "cpu0/b"}, {"cpu0", "cpu0/new"}, {"gpu0", "gpu0/c"}}, t, 0.25);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].device, "cpu0");
  EXPECT_EQ(e[0].benchmarks, 3u);
  EXPECT_EQ(e[0].known, 2u);
  EXPECT_DOUBLE_EQ(e[0].known_s, 3.5);
  EXPECT_DOUBLE_EQ(e[0].unknown_least_s, 0.25);
  EXPECT_DOUBLE_EQ(e[0].seconds(), 3.75);
  EXPECT_EQ(e[1].known, 1u);
  EXPECT_DOUBLE_EQ(e[1].seconds(), 9.0);

  EXPECT_EQ(earlier_times_load(dir.path(), "here", {}, 1).files.size(), 1u);  // only the newest
  EXPECT_TRUE(earlier_times_load(dir.path(), "here", [](const run_context& c) { return c.min_time_s == 0.5; }).files.empty());  // other settings
  EXPECT_TRUE(earlier_times_load(dir.path() / "missing", "here").wall_s.empty());
}

}  // namespace
}  // namespace xpu
