#pragma once
// A run history in SQLite or PostgreSQL (results/sql.hpp): every run added keeps its rows and every
// sample, keyed by machine fingerprint, suite, benchmark, implementation, commit and date, so that
// a benchmark's series on one machine can be read back and searched for steps
// (results/changepoints.hpp). Schema migrations are numbered (`schema_version`); a database from a
// newer xpubench is refused, not rewritten.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/pattern.hpp"
#include "results/changepoints.hpp"
#include "results/run.hpp"

namespace xpu {

class sql_connection;
inline constexpr int history_schema_version = 1;

struct history_run {
  std::int64_t id = 0;
  std::string machine, host, suite, git_sha, started_at, xpubench_version, file;
  std::int64_t rows = 0;
};

struct history_point {
  std::int64_t run_id = 0;
  std::string machine, host, started_at, git_sha, implementation, state;
  std::optional<double> median_s, ops_per_s;
  std::vector<double> samples_s;
};

// What identifies a machine across runs: its host name (two nodes of a fleet are two series), CPU
// model, core count, each device's name and driver (the facts compare checks), hashed to 16 hex digits.
std::string machine_fingerprint(const run& r);

// $XDG_DATA_HOME/xpubench/history.sqlite (else ~/.local/share/xpubench/history.sqlite).
std::string default_history_path();

// Thresholds from history (compare --history): per benchmark, exp(`k` x its robust spread) - 1 (the
// spread: 1.4826 x the median absolute deviation of the log medians) over its last `window` ok rows
// on `machine`, at least `floor`; benchmarks with fewer than `min_runs` such rows are left out (the global threshold
// applies to them).
struct history_threshold_options {
  std::size_t window = 30, min_runs = 8;
  double k = 3, floor = 0.01;
};
class history_db;
result<std::map<std::string, double>> history_thresholds(const history_db& db, const std::vector<std::string>& names, const std::string& machine,
                                                         const history_threshold_options& o = {});

// One benchmark on one machine over time (ok rows with a median, oldest first) and its steps.
struct trend_series {
  std::string benchmark, machine, host;
  std::vector<history_point> points;
  std::vector<change_point> steps;  // indices into points
};
// Every benchmark (whose name matches `filter`, when set) per machine, from `since`.
result<std::vector<trend_series>> history_trends(const history_db& db, const std::optional<name_pattern>& filter, const std::string& since,
                                                 const changepoint_options& o);

class history_db {
 public:
  // Opens and migrates to the current schema. `where`: a SQLite file, or a postgresql:// URL (the
  // tables in its schema `xpubench`). `create`: a missing file (and its folder) or schema is made,
  // else it is an error. Another program's SQLite file or tables are refused, never written.
  static result<history_db> open(const std::string& where, bool create = true);
  history_db(history_db&&) noexcept;
  history_db& operator=(history_db&&) noexcept;
  ~history_db();

  // Adds a run and its rows in one transaction; a run already there (same machine, suite, commit
  // and start time) is refused with an `invalid` error naming it.
  result<std::int64_t> add(const run& r, const std::string& file);
  result<std::vector<history_run>> runs() const;
  result<std::vector<std::string>> benchmarks() const;
  // One benchmark's rows, oldest first (by start time, then by id); since: an ISO date prefix bound ("2026-11-01").
  result<std::vector<history_point>> series(const std::string& benchmark, const std::string& since = {}) const;
  // The file, or the URL without its password.
  const std::string& where() const;

 private:
  explicit history_db(std::unique_ptr<sql_connection> c);
  std::unique_ptr<sql_connection> m_sql;
};

}  // namespace xpu
