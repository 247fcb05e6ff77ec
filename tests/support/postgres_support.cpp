#include "tests/support/postgres_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "results/sql.hpp"

namespace xpu::test {

std::optional<std::string> fresh_postgres_history() {
  const char* url = std::getenv("XPUBENCH_TEST_POSTGRES");
  if (!url || !*url) return std::nullopt;
  auto c = postgresql_connect(url);
  EXPECT_TRUE(c) << c.error().message;
  if (!c) return std::nullopt;
  const auto dropped = (*c)->exec("DROP SCHEMA IF EXISTS xpubench CASCADE");
  EXPECT_TRUE(dropped) << dropped.error().message;
  return url;
}

}  // namespace xpu::test
