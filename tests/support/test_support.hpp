#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <thread>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"

namespace xpu::test {

std::filesystem::path fixture(const std::string& relative);
std::filesystem::path source_dir();
std::string xpubench_binary();
// The whole file (empty when it cannot be read).
std::string slurp(const std::filesystem::path& p);

struct command_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv (no shell) with extra environment variables; captures stdout and stderr.
command_result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

// The xpubench binary of this build run with args; no colour unless env says otherwise.
command_result xpubench(std::vector<std::string> args, const std::map<std::string, std::string>& env = {{"NO_COLOR", "1"}});

// An environment variable set for a scope; its previous value (or absence) comes back after.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value);
  ~scoped_env();
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  std::string m_name;
  std::optional<std::string> m_before;
};

// A fresh empty directory under the system temp dir, removed at destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  // Writes text to path()/relative, creating parent directories.
  std::filesystem::path write(const std::string& relative, const std::string& text) const;

 private:
  std::filesystem::path m_path;
};

// Writes an increasing energy counter (uJ) to `file` as a device drawing `watts` would, until
// destroyed; wraps at `wrap` when non-zero (a fake RAPL energy_uj).
class counter_writer {
 public:
  counter_writer(std::filesystem::path file, double watts, std::uint64_t start = 0, std::uint64_t wrap = 0);
  ~counter_writer();
  counter_writer(const counter_writer&) = delete;
  counter_writer& operator=(const counter_writer&) = delete;

 private:
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// Every operation's verification cases (ops/<name>/: operation::cases) in precision p, in the
// registry's order.
std::vector<problem> operation_cases(precision p);

}  // namespace xpu::test
