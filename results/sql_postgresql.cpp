// sql_connection on PostgreSQL through libpq (results/sql.hpp): text parameters and results,
// the history's tables in the schema `xpubench`.
#include <libpq-fe.h>

#include <fmt/format.h>

#include "results/sql.hpp"

namespace xpu {

bool is_postgresql_url(std::string_view s) { return s.starts_with("postgresql://") || s.starts_with("postgres://"); }

namespace {

// The URL with any password in it (user:PASSWORD@, password=PASSWORD) replaced by "***": messages must not carry it.
std::string without_password(std::string url) {
  const std::size_t start = url.find("://") + 3, at = url.find('@', start), end = url.find_first_of("/?", start);
  if (const std::size_t colon = url.find(':', start); at != std::string::npos && at < end && colon < at) url.replace(colon + 1, at - colon - 1, "***");
  if (const std::size_t p = url.find("password="); p != std::string::npos) {
    const std::size_t amp = url.find('&', p);
    url.replace(p + 9, amp == std::string::npos ? std::string::npos : amp - p - 9, "***");
  }
  return url;
}

std::string trimmed(const char* s) {
  std::string m = s ? s : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

class postgresql_connection final : public sql_connection {
 public:
  postgresql_connection(PGconn* c, std::string where) : m_c(c), m_where(std::move(where)) {}
  ~postgresql_connection() override { PQfinish(m_c); }
  sql_dialect dialect() const override { return sql_dialect::postgresql; }
  const std::string& where() const override { return m_where; }

  result<void> exec(const std::string& sql) override {
    const std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(m_c, sql.c_str()), PQclear);
    const auto s = PQresultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return fail(status::failed, "history {}: {}", m_where, trimmed(PQerrorMessage(m_c)));
    return {};
  }
  result<void> begin_write(std::int64_t lock) override { return exec(fmt::format("BEGIN; SELECT pg_advisory_xact_lock({})", lock)); }

  result<std::vector<sql_row>> query(const std::string& sql, const std::vector<sql_value>& params, std::string_view what) override {
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::nullptr_t>(params[i])) continue;
      if (const auto* s = std::get_if<std::string>(&params[i])) text[i] = *s;
      else if (const auto* n = std::get_if<std::int64_t>(&params[i])) text[i] = std::to_string(*n);
      else text[i] = fmt::format("{}", std::get<double>(params[i]));  // shortest text that reads back exactly
      values[i] = text[i].c_str();
    }
    const std::unique_ptr<PGresult, void (*)(PGresult*)> r(
        PQexecParams(m_c, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr, 0), PQclear);
    const auto s = PQresultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
      if (const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE); state && std::string_view(state) == "23505")
        return fail(status::invalid, "duplicate");
      return fail(status::failed, "history {}: {}: {}", m_where, what, trimmed(PQerrorMessage(m_c)));
    }
    std::vector<sql_row> rows(static_cast<std::size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i)
      for (int c = 0; c < PQnfields(r.get()); ++c) {
        auto& row = rows[static_cast<std::size_t>(i)].values;
        if (PQgetisnull(r.get(), i, c)) row.emplace_back(nullptr);
        else row.emplace_back(std::string(PQgetvalue(r.get(), i, c), static_cast<std::size_t>(PQgetlength(r.get(), i, c))));
      }
    return rows;
  }

 private:
  PGconn* m_c;
  std::string m_where;
};

}  // namespace

result<std::unique_ptr<sql_connection>> postgresql_connect(const std::string& url) {
  const std::string where = without_password(url);
  PGconn* c = PQconnectdb(url.c_str());
  if (!c) return fail(status::failed, "history {}: cannot allocate a connection", where);
  if (PQstatus(c) != CONNECTION_OK) {
    auto e = fail(status::invalid, "history {}: cannot connect: {} (is the server running, and the URL postgresql://USER@HOST[:PORT]/DATABASE?)", where,
                  trimmed(PQerrorMessage(c)));
    PQfinish(c);
    return e;
  }
  auto conn = std::make_unique<postgresql_connection>(c, where);
  // The schema is made by the first writer (history.cpp's migration, under its lock); until then the search path names it anyway.
  if (auto ok = conn->exec("SET client_min_messages = warning; SET search_path TO xpubench"); !ok) return std::unexpected(ok.error());
  return conn;
}

}  // namespace xpu
