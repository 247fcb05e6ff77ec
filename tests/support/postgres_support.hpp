#pragma once
// The PostgreSQL server that tests/results/history_postgres_test.sh starts for the history tests.
#include <optional>
#include <string>

namespace xpu::test {

// Its URL (XPUBENCH_TEST_POSTGRES) with the history's schema dropped, so each test starts from an
// empty history; none where no server was started (the tests skip, saying so).
std::optional<std::string> fresh_postgres_history();
inline constexpr const char* no_postgres = "no PostgreSQL server: tests/results/history_postgres_test.sh starts one (ctest -R postgres)";

}  // namespace xpu::test
