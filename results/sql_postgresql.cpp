// sql_connection on PostgreSQL through libpq (results/sql.hpp): text parameters and results,
// the history's tables in the schema `xpubench`. libpq is opened when a postgresql:// URL is used,
// not linked: with its Kerberos, LDAP and TLS libraries it would add 11 ms to the start of every
// xpubench process (measured: an empty program 2.3 ms, linked with libpq 13.2 ms).
#include <dlfcn.h>
#include <libpq-fe.h>

#include <vector>

#include <fmt/format.h>

#include "results/sql.hpp"

namespace xpu {

bool is_postgresql_url(std::string_view s) { return s.starts_with("postgresql://") || s.starts_with("postgres://"); }

namespace {

// The secrets in a URL: the password of user:PASSWORD@ (up to the last '@') and every
// ...password=VALUE parameter (password, sslpassword), as written.
std::vector<std::string> secrets_of(const std::string& url) {
  std::vector<std::string> out;
  const std::size_t start = url.find("://") + 3, at = url.rfind('@');
  if (at != std::string::npos && at > start)
    if (const std::size_t colon = url.find(':', start); colon < at && colon + 1 < at) out.push_back(url.substr(colon + 1, at - colon - 1));
  for (std::size_t p = url.find("password="); p != std::string::npos; p = url.find("password=", p + 9)) {
    const std::size_t end = url.find('&', p);
    if (std::string v = url.substr(p + 9, end == std::string::npos ? std::string::npos : end - p - 9); !v.empty()) out.push_back(std::move(v));
  }
  return out;
}

// `text` with every secret replaced by "***" (messages must not carry a password).
std::string masked(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets)
    for (std::size_t p = text.find(s); p != std::string::npos; p = text.find(s, p + 3)) text.replace(p, s.size(), "***");
  return text;
}

// The libpq functions used, from libpq.so.5 (none when it is not installed).
struct libpq_api {
  decltype(&::PQclear) clear = nullptr;
  decltype(&::PQconnectdb) connectdb = nullptr;
  decltype(&::PQerrorMessage) errorMessage = nullptr;
  decltype(&::PQexec) exec = nullptr;
  decltype(&::PQexecParams) execParams = nullptr;
  decltype(&::PQfinish) finish = nullptr;
  decltype(&::PQgetisnull) getisnull = nullptr;
  decltype(&::PQgetlength) getlength = nullptr;
  decltype(&::PQgetvalue) getvalue = nullptr;
  decltype(&::PQnfields) nfields = nullptr;
  decltype(&::PQntuples) ntuples = nullptr;
  decltype(&::PQresultErrorField) resultErrorField = nullptr;
  decltype(&::PQresultStatus) resultStatus = nullptr;
  decltype(&::PQstatus) status = nullptr;
};

const libpq_api* libpq() {
  static const libpq_api* api = [] () -> const libpq_api* {
    void* lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return nullptr;
    static libpq_api a;
    bool all = true;
    all = all && (a.clear = reinterpret_cast<decltype(&::PQclear)>(dlsym(lib, "PQclear")));
    all = all && (a.connectdb = reinterpret_cast<decltype(&::PQconnectdb)>(dlsym(lib, "PQconnectdb")));
    all = all && (a.errorMessage = reinterpret_cast<decltype(&::PQerrorMessage)>(dlsym(lib, "PQerrorMessage")));
    all = all && (a.exec = reinterpret_cast<decltype(&::PQexec)>(dlsym(lib, "PQexec")));
    all = all && (a.execParams = reinterpret_cast<decltype(&::PQexecParams)>(dlsym(lib, "PQexecParams")));
    all = all && (a.finish = reinterpret_cast<decltype(&::PQfinish)>(dlsym(lib, "PQfinish")));
    all = all && (a.getisnull = reinterpret_cast<decltype(&::PQgetisnull)>(dlsym(lib, "PQgetisnull")));
    all = all && (a.getlength = reinterpret_cast<decltype(&::PQgetlength)>(dlsym(lib, "PQgetlength")));
    all = all && (a.getvalue = reinterpret_cast<decltype(&::PQgetvalue)>(dlsym(lib, "PQgetvalue")));
    all = all && (a.nfields = reinterpret_cast<decltype(&::PQnfields)>(dlsym(lib, "PQnfields")));
    all = all && (a.ntuples = reinterpret_cast<decltype(&::PQntuples)>(dlsym(lib, "PQntuples")));
    all = all && (a.resultErrorField = reinterpret_cast<decltype(&::PQresultErrorField)>(dlsym(lib, "PQresultErrorField")));
    all = all && (a.resultStatus = reinterpret_cast<decltype(&::PQresultStatus)>(dlsym(lib, "PQresultStatus")));
    all = all && (a.status = reinterpret_cast<decltype(&::PQstatus)>(dlsym(lib, "PQstatus")));
    return all ? &a : nullptr;
  }();
  return api;
}

std::string trimmed(const char* s) {
  std::string m = s ? s : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

class postgresql_connection final : public sql_connection {
 public:
  postgresql_connection(const libpq_api& pq, PGconn* c, std::string where, std::vector<std::string> secrets)
      : m_pq(pq), m_c(c), m_where(std::move(where)), m_secrets(std::move(secrets)) {}
  ~postgresql_connection() override { m_pq.finish(m_c); }
  sql_dialect dialect() const override { return sql_dialect::postgresql; }
  const std::string& where() const override { return m_where; }

  result<void> exec(const std::string& sql) override {
    const std::unique_ptr<PGresult, void (*)(PGresult*)> r(m_pq.exec(m_c, sql.c_str()), m_pq.clear);
    const auto s = m_pq.resultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return fail(status::failed, "history {}: {}", m_where, masked(trimmed(m_pq.errorMessage(m_c)), m_secrets));
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
        m_pq.execParams(m_c, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr, 0), m_pq.clear);
    const auto s = m_pq.resultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
      if (const char* state = m_pq.resultErrorField(r.get(), PG_DIAG_SQLSTATE); state && std::string_view(state) == "23505")
        return fail(status::invalid, "duplicate");
      return fail(status::failed, "history {}: {}: {}", m_where, what, masked(trimmed(m_pq.errorMessage(m_c)), m_secrets));
    }
    std::vector<sql_row> rows(static_cast<std::size_t>(m_pq.ntuples(r.get())));
    for (int i = 0; i < m_pq.ntuples(r.get()); ++i)
      for (int c = 0; c < m_pq.nfields(r.get()); ++c) {
        auto& row = rows[static_cast<std::size_t>(i)].values;
        if (m_pq.getisnull(r.get(), i, c)) row.emplace_back(nullptr);
        else row.emplace_back(std::string(m_pq.getvalue(r.get(), i, c), static_cast<std::size_t>(m_pq.getlength(r.get(), i, c))));
      }
    return rows;
  }

 private:
  const libpq_api& m_pq;
  PGconn* m_c;
  std::string m_where;
  std::vector<std::string> m_secrets;
};

}  // namespace

result<std::unique_ptr<sql_connection>> postgresql_connect(const std::string& url) {
  const std::vector<std::string> secrets = secrets_of(url);
  const std::string where = masked(url, secrets);
  const libpq_api* pq = libpq();
  if (!pq)
    return fail(status::unsupported, "history {}: PostgreSQL's client library libpq.so.5 cannot be opened: install it (apt-get install libpq5)", where);
  PGconn* c = pq->connectdb(url.c_str());
  if (!c) return fail(status::failed, "history {}: cannot allocate a connection", where);
  if (pq->status(c) != CONNECTION_OK) {
    auto e = fail(status::invalid, "history {}: cannot connect: {} (is the server running, and the URL postgresql://USER@HOST[:PORT]/DATABASE?)", where,
                  masked(trimmed(pq->errorMessage(c)), secrets));
    pq->finish(c);
    return e;
  }
  auto conn = std::make_unique<postgresql_connection>(*pq, c, where, secrets);
  // The schema is made by the first writer (history.cpp's migration, under its lock); until then the search path names it anyway.
  if (auto ok = conn->exec("SET client_min_messages = warning; SET search_path TO xpubench"); !ok) return std::unexpected(ok.error());
  return conn;
}

}  // namespace xpu
