#include "tests/support/test_support.hpp"

#include "ops/operation.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

extern char** environ;

namespace xpu::test {

scoped_env::scoped_env(const char* name, const char* value) : m_name(name) {
  if (const char* before = std::getenv(name)) m_before = before;
  ::setenv(name, value, 1);
}

scoped_env::~scoped_env() {
  if (m_before) ::setenv(m_name.c_str(), m_before->c_str(), 1);
  else ::unsetenv(m_name.c_str());
}

std::filesystem::path fixture(const std::string& relative) { return std::filesystem::path(XPU_FIXTURES_DIR) / relative; }
std::filesystem::path source_dir() { return XPU_SOURCE_DIR; }
std::string xpubench_binary() { return XPU_BINARY; }

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

command_result xpubench(std::vector<std::string> args, const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), xpubench_binary());
  return run(args, env);
}

command_result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  temp_dir tmp;
  const auto out_path = tmp.path() / "stdout", err_path = tmp.path() / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string s = *e;
    if (!env.contains(s.substr(0, s.find('=')))) env_strings.push_back(s);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  command_result r;
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) == 0) {
    int st = 0;
    waitpid(pid, &st, 0);
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  posix_spawn_file_actions_destroy(&actions);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

temp_dir::temp_dir() {
  std::random_device rd;
  m_path = std::filesystem::temp_directory_path() / ("xpubench-test-" + std::to_string(rd()) + std::to_string(getpid()));
  std::filesystem::create_directories(m_path);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::filesystem::path temp_dir::write(const std::string& relative, const std::string& text) const {
  const auto p = m_path / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

counter_writer::counter_writer(std::filesystem::path file, double watts, std::uint64_t start, std::uint64_t wrap)
    : m_thread([=, this] {
        const auto t0 = std::chrono::steady_clock::now();
        while (!m_stop) {
          const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          std::uint64_t v = start + static_cast<std::uint64_t>(watts * s * 1e6);
          if (wrap) v %= wrap;
          std::ofstream(file.string() + ".tmp") << v << "\n";
          std::filesystem::rename(file.string() + ".tmp", file);
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
      }) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

counter_writer::~counter_writer() {
  m_stop = true;
  m_thread.join();
}

std::vector<problem> operation_cases(precision p) {
  std::vector<problem> out;
  for (const operation* op : operations())
    for (problem c : op->cases()) {
      c.type = p;
      out.push_back(c);
    }
  return out;
}

}  // namespace xpu::test
