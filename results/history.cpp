#include "results/history.hpp"

#include "results/sql.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace xpu {
namespace {

constexpr std::int64_t history_application_id = 0x58505542;  // "XPUB": marks a SQLite file as a history; PostgreSQL's lock key

// Migrations: entry i takes the schema from version i to i + 1. {id}, {int}, {real} and {text}
// are the dialect's types (a 64-bit key, 64-bit integer, double, text compared bytewise).
constexpr const char* migrations[] = {
    "CREATE TABLE runs(id {id}, machine {text} NOT NULL, host {text} NOT NULL, suite {text} NOT NULL,"
    " git_sha {text} NOT NULL, started_at {text} NOT NULL, xpubench_version {text} NOT NULL, file {text} NOT NULL, added_at {text} NOT NULL,"
    " UNIQUE(machine, suite, git_sha, started_at));"
    "CREATE TABLE results(run_id {int} NOT NULL REFERENCES runs(id) ON DELETE CASCADE, benchmark {text} NOT NULL,"
    " implementation {text} NOT NULL, state {text} NOT NULL, median_s {real}, ops_per_s {real}, samples_s {text} NOT NULL,"
    " PRIMARY KEY(run_id, benchmark));"
    "CREATE INDEX results_by_benchmark ON results(benchmark, run_id);",
};
static_assert(std::size(migrations) == history_schema_version);

std::string migration_sql(sql_dialect d, const char* m) {
  const bool pg = d == sql_dialect::postgresql;
  return fmt::format(fmt::runtime(m), fmt::arg("id", pg ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY"),
                     fmt::arg("int", pg ? "BIGINT" : "INTEGER"), fmt::arg("real", pg ? "DOUBLE PRECISION" : "REAL"),
                     fmt::arg("text", pg ? "TEXT COLLATE \"C\"" : "TEXT"));
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::int64_t count_of(const result<std::vector<sql_row>>& r) { return r && !r->empty() ? r->front().integer(0) : -1; }

// Whether the database is ours (or empty): another program's tables are never written. True when
// it has its schema_version table already.
result<bool> check_ours(sql_connection& c, bool create) {
  if (c.dialect() == sql_dialect::sqlite) {
    const std::int64_t app = count_of(c.query("PRAGMA application_id", {}, "cannot read"));
    const std::int64_t foreign = count_of(c.query("SELECT COUNT(*) FROM sqlite_master WHERE name NOT IN ('schema_version', 'runs', 'results', "
                                                  "'results_by_benchmark') AND name NOT LIKE 'sqlite_%'",
                                                  {}, "cannot read"));
    if (app < 0 || foreign < 0 || (app != 0 && app != history_application_id) || (app == 0 && foreign > 0))
      return fail(status::invalid, "{} is not an xpubench history (not SQLite, or another program's database): name another file with --db", c.where());
    return count_of(c.query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_version'", {}, "cannot read")) > 0;
  }
  const auto tables = c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'xpubench'", {}, "cannot read the tables");
  if (!tables) return std::unexpected(tables.error());
  bool versioned = false, foreign = false;
  for (const sql_row& t : *tables) {
    versioned |= t.text(0) == "schema_version";
    foreign |= t.text(0) != "schema_version" && t.text(0) != "runs" && t.text(0) != "results";
  }
  if (!versioned && !create)
    return fail(status::invalid, "no history in {} (`xpubench history add RUN.json --db URL` makes one)", c.where());
  if (foreign || (!versioned && !tables->empty()))
    return fail(status::invalid, "{}: schema xpubench holds another program's tables: use another database", c.where());
  return versioned;
}

std::string utc_now() { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr))); }

}  // namespace

std::string machine_fingerprint(const run& r) {
  const inventory& inv = r.context.machine;
  std::string key = fmt::format("{}|{}|{}", inv.host.hostname, inv.cpu.topology.model, inv.cpu.topology.cores);
  for (const device_info& d : inv.devices) key += fmt::format("|{}={} {}", d.id, d.name, d.driver_version);
  return fmt::format("{:016x}", fnv1a(key));
}

std::string default_history_path() {
  namespace fs = std::filesystem;
  if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data == '/') return (fs::path(data) / "xpubench" / "history.sqlite").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : ".") / ".local" / "share" / "xpubench" / "history.sqlite").string();
}

result<history_db> history_db::open(const std::string& where, bool create) {
  auto connected = is_postgresql_url(where) ? postgresql_connect(where) : sqlite_connect(where, create);
  if (!connected) return std::unexpected(connected.error());
  sql_connection& c = **connected;
  const auto versioned = check_ours(c, create);
  if (!versioned) return std::unexpected(versioned.error());
  // Migrations under a write lock, the version read inside it: two processes opening a new history at once take turns.
  if (auto ok = c.begin_write(history_application_id); !ok) return std::unexpected(ok.error());
  const auto rollback = [&](auto e) {
    c.rollback();
    return e;
  };
  const bool pg = c.dialect() == sql_dialect::postgresql;
  // Made only where missing (tables are never dropped, so the answer read before the lock holds):
  // PostgreSQL checks the right to create before whether the object exists, and a team's role may
  // have been granted reading and adding only.
  if (!*versioned)
    if (auto ok = c.exec(std::string(pg ? "CREATE SCHEMA IF NOT EXISTS xpubench; " : "") + "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)"); !ok)
      return rollback(fail(status::invalid, "{} is not an xpubench history: {}", c.where(), ok.error().message));
  const auto got = c.query("SELECT version FROM schema_version", {}, "cannot read the schema version");
  if (!got) return rollback(std::unexpected(got.error()));
  const std::int64_t version = got->empty() ? 0 : got->front().integer(0);
  if (version > history_schema_version)
    return rollback(fail(status::invalid, "history {}: schema version {} is newer than this xpubench's {}: use a newer xpubench", c.where(), version,
                         history_schema_version));
  for (auto v = version; v < history_schema_version; ++v) {
    const std::string sql = fmt::format("{} DELETE FROM schema_version; INSERT INTO schema_version VALUES({});{}", migration_sql(c.dialect(), migrations[v]),
                                        v + 1, pg ? "" : fmt::format(" PRAGMA application_id = {};", history_application_id));
    if (auto ok = c.exec(sql); !ok)
      return rollback(fail(status::failed, "history {}: cannot migrate to schema version {}: {}", c.where(), v + 1, ok.error().message));
  }
  if (auto ok = c.exec("COMMIT"); !ok) return rollback(std::unexpected(ok.error()));
  return history_db(std::move(*connected));
}

history_db::history_db(std::unique_ptr<sql_connection> c) : m_sql(std::move(c)) {}
history_db::history_db(history_db&&) noexcept = default;
history_db& history_db::operator=(history_db&&) noexcept = default;
history_db::~history_db() = default;

const std::string& history_db::where() const { return m_sql->where(); }

namespace {

// A key with a control byte (a NUL cuts it when read back, an escape reaches terminals) is refused.
bool plain_key(std::string_view s) {
  return std::ranges::none_of(s, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// What compare would refuse is not stored: keys without control bytes, times positive and finite.
result<void> check_storable(const run& r, const std::string& file) {
  const std::pair<const char*, const std::string*> keys[] = {{"host", &r.context.machine.host.hostname}, {"suite", &r.context.suite},
                                                              {"commit", &r.context.git_sha},           {"start time", &r.context.started_at},
                                                              {"xpubench version", &r.context.xpubench_version}};
  for (const auto& [what, value] : keys)
    if (!plain_key(*value)) return fail(status::invalid, "{}: its {} '{}' holds a control character; the history keys only plain text", file, what, *value);
  for (const measurement& m : r.measurements) {
    if (!plain_key(m.name) || !plain_key(m.implementation))
      return fail(status::invalid, "{}: benchmark '{}' ({}) has a control character in its name; the history keys only plain text", file, m.name,
                  m.implementation);
    const auto bad = [](double v) { return !(v > 0) || !std::isfinite(v); };
    if (std::ranges::any_of(m.samples_s, bad) || (m.time_s && bad(m.time_s->median)))
      return fail(status::invalid, "{}: benchmark '{}' has a time that is not positive and finite; the history stores only real times", file, m.name);
    if (m.ops_per_s && (!(*m.ops_per_s >= 0) || !std::isfinite(*m.ops_per_s)))
      return fail(status::invalid, "{}: benchmark '{}' has a rate of {} op/s; rates must be finite and not negative", file, m.name, *m.ops_per_s);
  }
  return {};
}

}  // namespace

result<std::int64_t> history_db::add(const run& r, const std::string& file) {
  if (auto ok = check_storable(r, file); !ok) return std::unexpected(ok.error());
  sql_connection& c = *m_sql;
  if (auto ok = c.begin_write(history_application_id); !ok) return std::unexpected(ok.error());
  const auto rollback = [&](auto e) {
    c.rollback();
    return e;
  };
  const std::string machine = machine_fingerprint(r);
  const auto id = c.query("INSERT INTO runs(machine, host, suite, git_sha, started_at, xpubench_version, file, added_at) "
                          "VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                          {machine, r.context.machine.host.hostname, r.context.suite, r.context.git_sha, r.context.started_at,
                           r.context.xpubench_version, file, utc_now()},
                          "cannot add the run");
  if (!id && id.error().code == status::invalid)
    return rollback(fail(status::invalid, "history {}: {} is there already (machine {}, suite {}, commit {}, started {})", c.where(), file, machine,
                         r.context.suite, r.context.git_sha, r.context.started_at));
  if (!id || id->empty()) return rollback(id ? fail(status::failed, "history {}: the run got no id", c.where()) : std::unexpected(id.error()));
  const std::int64_t run_id = id->front().integer(0);
  for (const measurement& m : r.measurements) {
    const auto added = c.query("INSERT INTO results(run_id, benchmark, implementation, state, median_s, ops_per_s, samples_s) "
                               "VALUES($1, $2, $3, $4, $5, $6, $7)",
                               {run_id, m.name, m.implementation, std::string(to_string(m.state)),
                                m.time_s ? sql_value(m.time_s->median) : sql_value(nullptr), m.ops_per_s ? sql_value(*m.ops_per_s) : sql_value(nullptr),
                                nlohmann::json(m.samples_s).dump()},
                               "cannot add a row");
    if (!added) return rollback(fail(status::failed, "history {}: cannot add row {}: {}", c.where(), m.name, added.error().message));
  }
  if (auto ok = c.exec("COMMIT"); !ok) return rollback(std::unexpected(ok.error()));
  return run_id;
}

result<std::vector<history_run>> history_db::runs() const {
  const auto rows = m_sql->query("SELECT r.id, r.machine, r.host, r.suite, r.git_sha, r.started_at, r.xpubench_version, r.file, "
                                 "(SELECT COUNT(*) FROM results WHERE run_id = r.id) FROM runs r ORDER BY r.started_at, r.id",
                                 {}, "cannot list the runs");
  if (!rows) return std::unexpected(rows.error());
  std::vector<history_run> out;
  for (const sql_row& q : *rows)
    out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7), q.integer(8)});
  return out;
}

result<std::vector<std::string>> history_db::benchmarks() const {
  const auto rows = m_sql->query("SELECT DISTINCT benchmark FROM results ORDER BY benchmark", {}, "cannot list the benchmarks");
  if (!rows) return std::unexpected(rows.error());
  std::vector<std::string> out;
  for (const sql_row& q : *rows) out.push_back(q.text(0));
  return out;
}

result<std::vector<history_point>> history_db::series(const std::string& benchmark, const std::string& since) const {
  const auto rows = m_sql->query("SELECT r.id, r.machine, r.host, r.started_at, r.git_sha, x.implementation, x.state, x.median_s, x.ops_per_s, x.samples_s "
                                 "FROM results x JOIN runs r ON r.id = x.run_id WHERE x.benchmark = $1 AND r.started_at >= $2 ORDER BY r.started_at, r.id",
                                 {benchmark, since}, "cannot read a series");
  if (!rows) return std::unexpected(rows.error());
  std::vector<history_point> out;
  for (const sql_row& q : *rows) {
    history_point p{q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.real(7), q.real(8), {}};
    const auto samples = nlohmann::json::parse(q.text(9), nullptr, false);
    if (samples.is_array())
      for (const auto& s : samples)
        if (s.is_number()) p.samples_s.push_back(s.get<double>());
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace xpu

namespace xpu {

result<std::map<std::string, double>> history_thresholds(const history_db& db, const std::vector<std::string>& names, const std::string& machine,
                                                         const history_threshold_options& o) {
  std::map<std::string, double> out;
  for (const auto& name : names) {
    auto points = db.series(name);
    if (!points) return std::unexpected(points.error());
    std::vector<double> logs;
    for (const auto& p : *points)
      if (p.machine == machine && p.state == "ok" && p.median_s && *p.median_s > 0) logs.push_back(std::log(*p.median_s));
    if (logs.size() < o.min_runs) continue;
    if (logs.size() > o.window) logs.erase(logs.begin(), logs.end() - static_cast<std::ptrdiff_t>(o.window));
    const double med = stats_of(logs).median;
    std::vector<double> dev;
    for (double v : logs) dev.push_back(std::fabs(v - med));
    out[name] = std::max(o.floor, std::exp(o.k * 1.4826 * stats_of(dev).median) - 1);  // a spread of log values, as a ratio
  }
  return out;
}

}  // namespace xpu

namespace xpu {

result<std::vector<trend_series>> history_trends(const history_db& db, const std::optional<name_pattern>& filter, const std::string& since,
                                                 const changepoint_options& o) {
  auto names = db.benchmarks();
  if (!names) return std::unexpected(names.error());
  std::vector<trend_series> out;
  for (const auto& name : *names) {
    if (filter && !filter->found_in(name)) continue;
    auto points = db.series(name, since);
    if (!points) return std::unexpected(points.error());
    std::map<std::string, std::size_t> of_machine;  // a series is one benchmark on one machine
    for (auto& p : *points) {
      if (p.state != "ok" || !p.median_s) continue;
      auto [it, added] = of_machine.try_emplace(p.machine, out.size());
      if (added) out.push_back({name, p.machine, p.host, {}, {}});
      out[it->second].points.push_back(std::move(p));
    }
  }
  for (trend_series& s : out) {
    std::vector<double> medians;
    for (const auto& p : s.points) medians.push_back(*p.median_s);
    s.steps = detect_change_points(medians, o);
  }
  return out;
}

}  // namespace xpu
