#pragma once
// The little SQL the run history needs (results/history.cpp), on SQLite (a file) or PostgreSQL (a
// server, for a team): statements with $1, $2, ... parameters (SQLite reads them as named
// parameters numbered in order of appearance, so each must first appear in order), typed values
// in, rows of values out. PostgreSQL's rows come back as text and are converted when read
// (sql_row's accessors), SQLite's as the types stored.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace xpu {

using sql_value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

struct sql_row {
  std::vector<sql_value> values;
  std::string text(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;
  std::optional<double> real(std::size_t i) const;  // NULL: none
};

enum class sql_dialect { sqlite, postgresql };

class sql_connection {
 public:
  virtual ~sql_connection() = default;
  virtual sql_dialect dialect() const = 0;
  // Statements without parameters (may be several, ';'-separated).
  virtual result<void> exec(const std::string& sql) = 0;
  // One statement; errors name `what`. A UNIQUE constraint broken: an error of status::invalid
  // whose message is "duplicate".
  virtual result<std::vector<sql_row>> query(const std::string& sql, const std::vector<sql_value>& params, std::string_view what) = 0;
  // Starts a transaction that writes: SQLite takes the write lock at once (BEGIN IMMEDIATE),
  // PostgreSQL a transaction-scoped advisory lock keyed by `lock` (writers of the schema take turns).
  virtual result<void> begin_write(std::int64_t lock) = 0;
  void rollback() { (void)exec("ROLLBACK"); }
  // Where it is, for messages (a file path, or a URL without its password).
  virtual const std::string& where() const = 0;
};

// `create`: a missing file (and its folder) is made, else it is an error.
result<std::unique_ptr<sql_connection>> sqlite_connect(const std::string& path, bool create);
// A libpq connection string or URL (postgresql://user@host:port/db?...): the tables live in the
// schema `xpubench` (made when missing), so a team's database can hold other things beside them.
result<std::unique_ptr<sql_connection>> postgresql_connect(const std::string& url);
bool is_postgresql_url(std::string_view s);

}  // namespace xpu
