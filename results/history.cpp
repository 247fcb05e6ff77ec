#include "results/history.hpp"

#include <sqlite3.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace xpu {
namespace {

// A prepared statement, finalized when it goes out of scope.
class statement {
 public:
  statement(sqlite3* db, const char* sql) { m_rc = sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr); }
  ~statement() { sqlite3_finalize(m_stmt); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  bool ok() const { return m_rc == SQLITE_OK; }
  void bind(int i, const std::string& s) { sqlite3_bind_text(m_stmt, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(m_stmt, i, v); }
  void bind(int i, std::optional<double> v) { v ? sqlite3_bind_double(m_stmt, i, *v) : sqlite3_bind_null(m_stmt, i); }
  int step() { return sqlite3_step(m_stmt); }
  void reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
  std::string text(int i) const {
    const auto* p = sqlite3_column_text(m_stmt, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(m_stmt, i); }
  std::optional<double> real(int i) const {
    if (sqlite3_column_type(m_stmt, i) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(m_stmt, i);
  }

 private:
  sqlite3_stmt* m_stmt = nullptr;
  int m_rc = SQLITE_ERROR;
};

std::unexpected<error> db_error(sqlite3* db, const std::string& path, std::string_view what) {
  return fail(status::failed, "history {}: {}: {}", path, what, db ? sqlite3_errmsg(db) : "cannot allocate a connection");
}

// Migrations: entry i takes the schema from version i to i + 1.
constexpr const char* migrations[] = {
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, machine TEXT NOT NULL, host TEXT NOT NULL, suite TEXT NOT NULL,"
    " git_sha TEXT NOT NULL, started_at TEXT NOT NULL, xpubench_version TEXT NOT NULL, file TEXT NOT NULL, added_at TEXT NOT NULL,"
    " UNIQUE(machine, suite, git_sha, started_at));"
    "CREATE TABLE results(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, benchmark TEXT NOT NULL,"
    " implementation TEXT NOT NULL, state TEXT NOT NULL, median_s REAL, ops_per_s REAL, samples_s TEXT NOT NULL,"
    " PRIMARY KEY(run_id, benchmark));"
    "CREATE INDEX results_by_benchmark ON results(benchmark, run_id);",
};
static_assert(std::size(migrations) == history_schema_version);

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

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

constexpr int history_application_id = 0x58505542;  // "XPUB": PRAGMA application_id marks the file as a history

result<history_db> history_db::open(const std::string& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec))
    return fail(status::invalid, "no history at {} (`xpubench history add RUN.json` makes one; --db names another)", path);
  if (const auto folder = std::filesystem::path(path).parent_path(); create && !folder.empty()) std::filesystem::create_directories(folder, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), nullptr) != SQLITE_OK) {
    auto e = db_error(db, path, "cannot open");
    sqlite3_close(db);
    return e;
  }
  history_db h(db, path);
  sqlite3_busy_timeout(db, 5000);  // another process adding a run or migrating: wait for it
  std::int64_t app = -1, foreign = -1;
  {
    statement id(db, "PRAGMA application_id");
    if (id.ok() && id.step() == SQLITE_ROW) app = id.integer(0);
    statement others(db, "SELECT COUNT(*) FROM sqlite_master WHERE name NOT IN ('schema_version', 'runs', 'results', 'results_by_benchmark') "
                         "AND name NOT LIKE 'sqlite_%'");
    if (others.ok() && others.step() == SQLITE_ROW) foreign = others.integer(0);
  }
  if (app < 0 || foreign < 0 || (app != 0 && app != history_application_id) || (app == 0 && foreign > 0))
    return fail(status::invalid, "{} is not an xpubench history (not SQLite, or another program's database): name another file with --db", path);
  if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db, path, "cannot set up");
  // Migrations under a write lock, the version read inside it: two processes opening a new file at once take turns.
  if (sqlite3_exec(db, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);", nullptr, nullptr, nullptr) != SQLITE_OK)
    return db_error(db, path, "not an xpubench history (or not SQLite)");
  std::int64_t version = 0;
  {
    statement get(db, "SELECT version FROM schema_version");
    if (get.ok() && get.step() == SQLITE_ROW) version = get.integer(0);
  }
  const auto rollback = [&](auto e) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  if (version > history_schema_version)
    return rollback(fail(status::invalid, "history {}: schema version {} is newer than this xpubench's {}: use a newer xpubench", path, version,
                         history_schema_version));
  for (auto v = version; v < history_schema_version; ++v) {
    const std::string sql = fmt::format("{} DELETE FROM schema_version; INSERT INTO schema_version VALUES({}); PRAGMA application_id = {};", migrations[v],
                                        v + 1, history_application_id);
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return rollback(db_error(db, path, fmt::format("cannot migrate to schema version {}", v + 1)));
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return rollback(db_error(db, path, "cannot commit the schema"));
  return h;
}

history_db::history_db(history_db&& o) noexcept : m_db(std::exchange(o.m_db, nullptr)), m_path(std::move(o.m_path)) {}
history_db& history_db::operator=(history_db&& o) noexcept {
  std::swap(m_db, o.m_db);
  std::swap(m_path, o.m_path);
  return *this;
}
history_db::~history_db() { sqlite3_close(m_db); }

result<std::int64_t> history_db::add(const run& r, const std::string& file) {
  if (sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(m_db, m_path, "cannot begin");
  const auto rollback = [&](auto e) {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  const std::string machine = machine_fingerprint(r);
  statement run_row(m_db, "INSERT INTO runs(machine, host, suite, git_sha, started_at, xpubench_version, file, added_at) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
  if (!run_row.ok()) return rollback(db_error(m_db, m_path, "cannot prepare"));
  run_row.bind(1, machine);
  run_row.bind(2, r.context.machine.host.hostname);
  run_row.bind(3, r.context.suite);
  run_row.bind(4, r.context.git_sha);
  run_row.bind(5, r.context.started_at);
  run_row.bind(6, r.context.xpubench_version);
  run_row.bind(7, file);
  if (const int rc = run_row.step(); rc != SQLITE_DONE) {
    if (sqlite3_extended_errcode(m_db) == SQLITE_CONSTRAINT_UNIQUE)
      return rollback(fail(status::invalid, "history {}: {} is there already (machine {}, suite {}, commit {}, started {})", m_path, file, machine,
                           r.context.suite, r.context.git_sha, r.context.started_at));
    return rollback(db_error(m_db, m_path, "cannot add the run"));
  }
  const std::int64_t id = sqlite3_last_insert_rowid(m_db);
  statement row(m_db, "INSERT INTO results(run_id, benchmark, implementation, state, median_s, ops_per_s, samples_s) VALUES(?, ?, ?, ?, ?, ?, ?)");
  if (!row.ok()) return rollback(db_error(m_db, m_path, "cannot prepare"));
  for (const measurement& m : r.measurements) {
    row.bind(1, id);
    row.bind(2, m.name);
    row.bind(3, m.implementation);
    row.bind(4, std::string(to_string(m.state)));
    row.bind(5, m.time_s ? std::optional(m.time_s->median) : std::nullopt);
    row.bind(6, m.ops_per_s);
    row.bind(7, nlohmann::json(m.samples_s).dump());
    if (row.step() != SQLITE_DONE) return rollback(db_error(m_db, m_path, fmt::format("cannot add row {}", m.name)));
    row.reset();
  }
  if (sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return rollback(db_error(m_db, m_path, "cannot commit"));
  return id;
}

result<std::vector<history_run>> history_db::runs() const {
  statement q(m_db, "SELECT r.id, r.machine, r.host, r.suite, r.git_sha, r.started_at, r.xpubench_version, r.file, "
                    "(SELECT COUNT(*) FROM results WHERE run_id = r.id) FROM runs r ORDER BY r.started_at, r.id");
  if (!q.ok()) return db_error(m_db, m_path, "cannot list the runs");
  std::vector<history_run> out;
  while (q.step() == SQLITE_ROW)
    out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7), q.integer(8)});
  return out;
}

result<std::vector<std::string>> history_db::benchmarks() const {
  statement q(m_db, "SELECT DISTINCT benchmark FROM results ORDER BY benchmark");
  if (!q.ok()) return db_error(m_db, m_path, "cannot list the benchmarks");
  std::vector<std::string> out;
  while (q.step() == SQLITE_ROW) out.push_back(q.text(0));
  return out;
}

result<std::vector<history_point>> history_db::series(const std::string& benchmark, const std::string& since) const {
  statement q(m_db, "SELECT r.id, r.machine, r.host, r.started_at, r.git_sha, x.implementation, x.state, x.median_s, x.ops_per_s, x.samples_s "
                    "FROM results x JOIN runs r ON r.id = x.run_id WHERE x.benchmark = ? AND r.started_at >= ? ORDER BY r.started_at, r.id");
  if (!q.ok()) return db_error(m_db, m_path, "cannot read a series");
  q.bind(1, benchmark);
  q.bind(2, since);
  std::vector<history_point> out;
  while (q.step() == SQLITE_ROW) {
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

result<std::vector<trend_series>> history_trends(const history_db& db, const std::optional<std::regex>& filter, const std::string& since,
                                                 const changepoint_options& o) {
  auto names = db.benchmarks();
  if (!names) return std::unexpected(names.error());
  std::vector<trend_series> out;
  for (const auto& name : *names) {
    if (filter && !std::regex_search(name, *filter)) continue;
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
