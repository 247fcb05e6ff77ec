// The run history (results/history.cpp) on SQLite and on PostgreSQL (where the test script started
// a server: tests/results/history_postgres_test.sh): runs and every sample round-trip, a run added
// twice is refused, series come back oldest first per benchmark, a newer schema and a file or
// schema that is not a history are refused with the reason.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "results/history.hpp"
#include "results/sql.hpp"
#include "tests/support/postgres_support.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

run sample_run(const std::string& started, const std::string& sha, double median) {
  run r;
  r.context.started_at = started;
  r.context.git_sha = sha;
  r.context.suite = "builtin:ci";
  r.context.xpubench_version = "0.1.0";
  r.context.machine.host.hostname = "alpha";
  r.context.machine.cpu.topology.model = "Some CPU";
  r.context.machine.cpu.topology.cores = 8;
  for (const char* name : {"cpu0/gemm/fp32/m8n8k8/onednn", "cpu0/peak/fp32/xpubench"}) {
    measurement m;
    m.name = name;
    m.implementation = "onednn";
    m.samples_s = {median * 0.99, median, median * 1.01};
    m.time_s = sample_stats{};
    m.time_s->median = median;
    m.ops_per_s = 1e9 / median;
    r.measurements.push_back(m);
  }
  measurement unsupported;
  unsupported.name = "cpu0/gemm/fp16/m8n8k8";
  unsupported.state = status::unsupported;
  r.measurements.push_back(unsupported);
  return r;
}

// Each test on a fresh history: a new SQLite file, or the test server's schema dropped.
class history_on : public ::testing::TestWithParam<sql_dialect> {
 protected:
  void SetUp() override {
    if (GetParam() == sql_dialect::sqlite) {
      where = (dir.path() / "sub" / "h.sqlite").string();  // its folder is made
      return;
    }
    const auto url = test::fresh_postgres_history();
    if (!url) GTEST_SKIP() << test::no_postgres;
    where = *url;
  }
  test::temp_dir dir;
  std::string where;
};
INSTANTIATE_TEST_SUITE_P(history, history_on, ::testing::Values(sql_dialect::sqlite, sql_dialect::postgresql),
                         [](const auto& p) { return p.param == sql_dialect::sqlite ? "sqlite" : "postgresql"; });

TEST_P(history_on, runs_rows_and_samples_round_trip_oldest_first) {
  const std::string path = where;
  {
    auto h = history_db::open(path);
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_TRUE(h->add(sample_run("2026-11-02T00:00:00Z", "bbb", 2e-3), "b.json"));
    ASSERT_TRUE(h->add(sample_run("2026-11-01T00:00:00Z", "aaa", 1e-3), "a.json"));
    auto again = h->add(sample_run("2026-11-01T00:00:00Z", "aaa", 1e-3), "a-copy.json");
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("a-copy.json is there already"), std::string::npos) << again.error().message;
  }
  auto h = history_db::open(path);  // reopened: the schema is current, nothing migrates twice
  ASSERT_TRUE(h) << h.error().message;
  auto runs = h->runs();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 2u);  // the refused duplicate left nothing behind
  EXPECT_EQ((*runs)[0].git_sha, "aaa");
  EXPECT_EQ((*runs)[0].rows, 3);
  EXPECT_EQ((*runs)[0].machine, machine_fingerprint(sample_run("x", "y", 1)));
  auto names = h->benchmarks();
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 3u);
  auto series = h->series("cpu0/gemm/fp32/m8n8k8/onednn");
  ASSERT_TRUE(series);
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].git_sha, "aaa");
  EXPECT_EQ((*series)[0].median_s, 1e-3);
  EXPECT_EQ((*series)[0].samples_s, (std::vector<double>{0.99e-3, 1e-3, 1.01e-3}));
  EXPECT_EQ((*series)[1].median_s, 2e-3);
  auto later = h->series("cpu0/gemm/fp32/m8n8k8/onednn", "2026-11-02");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->size(), 1u);
  auto unsupported = h->series("cpu0/gemm/fp16/m8n8k8");
  ASSERT_TRUE(unsupported);
  ASSERT_EQ(unsupported->size(), 2u);
  EXPECT_EQ((*unsupported)[0].state, "unsupported");
  EXPECT_FALSE((*unsupported)[0].median_s);
}

TEST_P(history_on, thresholds_from_each_benchmarks_own_spread) {
  auto h = history_db::open(where);
  ASSERT_TRUE(h);
  for (int i = 0; i < 10; ++i) {  // a median that moves by +-2 % around 1 ms
    const double wobble = 1 + 0.02 * (i % 2 ? 1 : -1);
    ASSERT_TRUE(h->add(sample_run(fmt::format("2026-11-{:02}T00:00:00Z", i + 1), fmt::format("c{}", i), 1e-3 * wobble), "r.json"));
  }
  const std::string machine = machine_fingerprint(sample_run("t", "s", 1));
  auto t = history_thresholds(*h, {"cpu0/gemm/fp32/m8n8k8/onednn", "cpu0/none"}, machine);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->size(), 1u);  // no history: no threshold of its own
  EXPECT_NEAR(t->at("cpu0/gemm/fp32/m8n8k8/onednn"), std::exp(3 * 1.4826 * std::log(1.02)) - 1, 0.003);
  auto other = history_thresholds(*h, {"cpu0/gemm/fp32/m8n8k8/onednn"}, "another machine");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());  // another machine's history does not count
  history_threshold_options few;
  few.min_runs = 11;
  EXPECT_TRUE(history_thresholds(*h, {"cpu0/gemm/fp32/m8n8k8/onednn"}, machine, few)->empty());
}

TEST(history, the_fingerprint_follows_the_machine) {
  run a = sample_run("t", "s", 1), b = a;
  EXPECT_EQ(machine_fingerprint(a), machine_fingerprint(b));
  b.context.machine.cpu.topology.cores = 16;
  EXPECT_NE(machine_fingerprint(a), machine_fingerprint(b));
  run c = a;
  c.context.machine.host.hostname = "beta";  // a second node of the same make
  EXPECT_NE(machine_fingerprint(a), machine_fingerprint(c));
  EXPECT_EQ(machine_fingerprint(a).size(), 16u);
}

// Runs one SQL statement on a database file, outside the history's own code.
void sql(const std::string& path, const char* statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, statement, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(history, a_newer_schema_and_a_file_that_is_no_history_are_refused) {
  test::temp_dir dir;
  const std::string path = (dir.path() / "h.sqlite").string();
  ASSERT_TRUE(history_db::open(path));
  sql(path, "UPDATE schema_version SET version = 99");
  auto newer = history_db::open(path);
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("schema version 99 is newer"), std::string::npos) << newer.error().message;
  const auto text = dir.write("notes.txt", "this is not a database, it is some text that is long enough to have a header\n");
  auto not_db = history_db::open(text.string());
  ASSERT_FALSE(not_db);
  EXPECT_NE(not_db.error().message.find("not an xpubench history"), std::string::npos) << not_db.error().message;
  // Another program's SQLite database is refused and left as it was.
  const std::string other = (dir.path() / "other.sqlite").string();
  sql(other, "CREATE TABLE notes(text TEXT)");
  auto foreign = history_db::open(other);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("another program's database"), std::string::npos) << foreign.error().message;
  // Reading never creates: a missing file is an error that says how to make one.
  auto missing = history_db::open((dir.path() / "none.sqlite").string(), false);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("history add"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "none.sqlite"));
}

TEST(history, on_postgresql_a_newer_schema_other_tables_and_a_missing_history_are_refused) {
  const auto url = test::fresh_postgres_history();
  if (!url) GTEST_SKIP() << test::no_postgres;
  auto missing = history_db::open(*url, false);  // reading never creates the schema
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("history add"), std::string::npos) << missing.error().message;
  auto c = postgresql_connect(*url);
  ASSERT_TRUE(c) << c.error().message;
  const auto schemas = (*c)->query("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'xpubench'", {}, "count");
  ASSERT_TRUE(schemas);
  EXPECT_EQ(schemas->front().integer(0), 0);
  ASSERT_TRUE(history_db::open(*url));
  ASSERT_TRUE((*c)->exec("UPDATE xpubench.schema_version SET version = 99"));
  auto newer = history_db::open(*url);
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("schema version 99 is newer"), std::string::npos) << newer.error().message;
  ASSERT_TRUE((*c)->exec("DROP SCHEMA xpubench CASCADE; CREATE SCHEMA xpubench; CREATE TABLE xpubench.notes(text TEXT)"));
  auto foreign = history_db::open(*url);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("another program's tables"), std::string::npos) << foreign.error().message;
}

TEST(history, a_postgresql_server_that_is_not_there_is_an_error_without_the_password) {
  // Port 1 on the loopback: nothing listens there.
  auto h = history_db::open("postgresql://someone:s3cret@127.0.0.1:1/db?connect_timeout=2", false);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("cannot connect"), std::string::npos) << h.error().message;
  EXPECT_NE(h.error().message.find("someone:***@127.0.0.1"), std::string::npos) << h.error().message;
  EXPECT_EQ(h.error().message.find("s3cret"), std::string::npos) << h.error().message;
  // A raw '?' or '%' in the password, and password parameters, are masked too.
  for (const char* url : {"postgresql://u:ab?cd@127.0.0.1:1/db?connect_timeout=2", "postgresql://u:a%zz@127.0.0.1:1/db",
                          "postgresql://127.0.0.1:1/db?sslpassword=x1y&password=s3cret&connect_timeout=2"}) {
    auto other = history_db::open(url, false);
    ASSERT_FALSE(other);
    for (const char* secret : {"ab?cd", "a%zz", "x1y", "s3cret"}) EXPECT_EQ(other.error().message.find(secret), std::string::npos) << other.error().message;
  }
}

}  // namespace
}  // namespace xpu
