// Every output option, end to end (issue 12): '-' is standard output; devices, FIFOs and
// /dev/stdout are written in place, once; symlinks are followed; a regular file is replaced
// atomically with no temporary left; any write error exits 2 and never claims 'wrote'.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "results/run_json.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

namespace fs = std::filesystem;

using test::xpubench;

using test::slurp;

// A run short enough for many tests: one empty-task benchmark on the CPU.
std::vector<std::string> tiny_run(const test::temp_dir& dir) {
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n");
  return {"run", "--suite", suite.string(), "--device", "cpu0"};
}

std::vector<std::string> with(std::vector<std::string> a, std::initializer_list<std::string> more) {
  a.insert(a.end(), more);
  return a;
}

// Names in dir other than the suite file: what a command left behind.
std::vector<std::string> left_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != "tiny.toml") names.push_back(e.path().filename().string());
  std::ranges::sort(names);
  return names;
}

TEST(outputs, dash_is_standard_output_for_every_command) {
  test::temp_dir dir;
  const auto probe = xpubench({"probe", "--no-opencl", "--no-vulkan", "--format", "json", "-o", "-"});
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_TRUE(nlohmann::json::accept(probe.out));
  EXPECT_FALSE(fs::exists("-"));  // never a file named '-'
  EXPECT_EQ(probe.err.find("wrote"), std::string::npos);

  const auto run = xpubench(with(tiny_run(dir), {"--json", "-"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto parsed = run_from_json(nlohmann::json::parse(run.out), "stdout");  // stdout holds the run and nothing else
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->measurements.size(), 1u);
  EXPECT_NE(run.err.find("1 measurements: 1 ok"), std::string::npos) << run.err;  // the report moved to stderr
  EXPECT_FALSE(fs::exists("-"));

  const auto both = xpubench(with(tiny_run(dir), {"--json", "-", "--csv", "-"}));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("cannot both be standard output"), std::string::npos) << both.err;
}

TEST(outputs, dev_null_stays_a_device) {
  test::temp_dir dir;
  const auto r = xpubench(with(tiny_run(dir), {"--json", "/dev/null", "--csv", "/dev/null"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_FALSE(std::ranges::any_of(left_in("/dev"), [](const std::string& n) { return n.starts_with(".null."); }));
}

TEST(outputs, a_full_disk_is_an_error_and_never_wrote) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  test::temp_dir dir;
  const auto r = xpubench(with(tiny_run(dir), {"--json", "/dev/full"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("error writing '/dev/full': No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/dev/full was NOT written"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrote /dev/full"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("1 measurements: 1 ok"), std::string::npos) << r.out;  // what was measured is still reported

  const auto probe = xpubench({"probe", "--no-opencl", "--no-vulkan", "-o", "/dev/full"});
  EXPECT_EQ(probe.exit_code, 2);
  EXPECT_NE(probe.err.find("No space left on device"), std::string::npos) << probe.err;
  EXPECT_EQ(probe.err.find("wrote"), std::string::npos) << probe.err;
}

TEST(outputs, a_fifo_gets_one_document_at_the_end) {
  test::temp_dir dir;
  const auto fifo = dir.path() / "rows.csv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opened read-write here so that the writer's open never blocks; the CSV fits the pipe buffer.
  const int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  const auto r = xpubench(with(tiny_run(dir), {"--csv", fifo.string()}));
  std::string got(1 << 16, '\0');
  const ssize_t n = ::read(fd, got.data(), got.size());
  ::close(fd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GT(n, 0);
  got.resize(static_cast<std::size_t>(n));
  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 2) << got;  // header + one row, written once
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(left_in(dir.path()), std::vector<std::string>{"rows.csv"});
}

TEST(outputs, a_fifo_without_a_reader_is_an_error_not_a_hang) {
  test::temp_dir dir;
  const auto fifo = dir.path() / "nobody.csv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto r = xpubench(with(tiny_run(dir), {"--csv", fifo.string()}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no process is reading this FIFO"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("was NOT written"), std::string::npos) << r.err;
}

TEST(outputs, dev_stdout_redirected_to_a_file_is_appended_not_replaced) {
  test::temp_dir dir;
  const auto log = dir.write("log.txt", "KEEP\n");
  std::string cmd = "'" + test::xpubench_binary() + "'";
  for (const auto& a : with(tiny_run(dir), {"--json", "/dev/stdout"})) cmd += " '" + a + "'";
  cmd += " >> '" + log.string() + "' 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string text = slurp(log);
  ASSERT_EQ(text.rfind("KEEP\n{", 0), 0u) << text.substr(0, 200);  // appended after what was there
  EXPECT_TRUE(nlohmann::json::accept(text.substr(5)));                // the run alone: the report went to stderr
}

TEST(outputs, a_symlink_is_followed_and_kept) {
  test::temp_dir dir;
  fs::create_directory(dir.path() / "real");
  const auto target = dir.path() / "real" / "run.json", link = dir.path() / "latest.json";
  fs::create_symlink("real/run.json", link);  // relative and dangling until the run writes it
  const auto r = xpubench(with(tiny_run(dir), {"--json", link.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(run_from_json(nlohmann::json::parse(slurp(target)), target.string()));
  EXPECT_EQ(left_in(dir.path() / "real"), std::vector<std::string>{"run.json"});  // no temporary left
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::owner_read, fs::perms::owner_read);
}

TEST(outputs, an_existing_file_is_replaced_whole_keeping_its_mode) {
  test::temp_dir dir;
  const auto out = dir.write("run.csv", std::string(100000, '\x01'));
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const auto r = xpubench(with(tiny_run(dir), {"--csv", out.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = slurp(out);
  EXPECT_EQ(text.find('\x01'), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(fs::status(out).permissions(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_EQ(left_in(dir.path()), std::vector<std::string>{"run.csv"});
}

TEST(outputs, an_unwritable_place_is_refused_before_measuring) {
  test::temp_dir dir;
  const auto missing = xpubench(with(tiny_run(dir), {"--json", (dir.path() / "no" / "such" / "run.json").string()}));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot create a file in"), std::string::npos) << missing.err;
  EXPECT_EQ(missing.err.find("[1/1"), std::string::npos) << missing.err;  // nothing was measured

  const auto folder = xpubench(with(tiny_run(dir), {"--csv", dir.path().string()}));
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_NE(folder.err.find("it is a directory"), std::string::npos) << folder.err;

  if (::geteuid() == 0) GTEST_SKIP() << "root writes into a read-only folder: the permission case needs a normal user";
  fs::create_directory(dir.path() / "ro");
  fs::permissions(dir.path() / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  const auto ro = xpubench(with(tiny_run(dir), {"--json", (dir.path() / "ro" / "run.json").string()}));
  fs::permissions(dir.path() / "ro", fs::perms::owner_all);
  EXPECT_EQ(ro.exit_code, 2);
  EXPECT_NE(ro.err.find("Permission denied"), std::string::npos) << ro.err;
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

// No command writes an output over one of its inputs or over another output (issue 28: `run --json
// F --html F` ended with HTML in F and the measurements gone; `history export -o` over the database
// replaced it with JSON): refused with exit 2 before any work, the input untouched.
TEST(outputs, an_output_never_replaces_an_input_or_another_output) {
  test::temp_dir dir;
  const auto suite = dir.write("s.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n");
  const std::string run = (dir.path() / "run.json").string();
  ASSERT_EQ(test::xpubench({"run", "--suite", suite.string(), "--device", "cpu0", "--json", run}).exit_code, 0);
  const std::string kept = test::slurp(run);
  const auto link = dir.path() / "link.json";
  std::filesystem::create_symlink(run, link);
  const std::string other = (dir.path() / "other.json").string();
  const auto model = dir.write("m.gguf", "GGUF");
  const auto db = (dir.path() / "h.sqlite").string();
  ASSERT_EQ(test::xpubench({"history", "--db", db, "add", run}).exit_code, 0);
  const std::string db_kept = test::slurp(db);
  struct refused {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<refused> cases = {
      {{"run", "--suite", suite.string(), "--device", "cpu0", "--json", other, "--html", other}, "--json and --html name the same file"},
      {{"run", "--suite", suite.string(), "--device", "cpu0", "--resume", run, "--json", run}, "would replace the input --resume"},
      {{"run", "--suite", suite.string(), "--device", "cpu0", "--csv", suite.string()}, "would replace the input --suite"},
      {{"report", run, "-o", run}, "would replace the input run"},
      {{"report", other, "--base", run, "-o", link.string()}, "would replace the input --base"},  // through a symlink
      {{"compare", run, run, "-o", run}, "would replace the input run"},
      {{"suite", "from-model", model.string(), "-o", model.string()}, "would replace the input model"},
      {{"history", "--db", db, "export", "-o", db}, "would replace the input --db"},
  };
  for (const auto& c : cases) {
    const auto r = test::xpubench(c.args);
    EXPECT_EQ(r.exit_code, 2) << fmt::format("{}", fmt::join(c.args, " ")) << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << fmt::format("{}", fmt::join(c.args, " ")) << "\n" << r.err;
  }
  EXPECT_EQ(test::slurp(run), kept);
  EXPECT_EQ(test::slurp(db), db_kept);
  EXPECT_EQ(test::slurp(model), "GGUF");
  // Two different files, and standard output, are fine.
  EXPECT_EQ(test::xpubench({"report", run, "-o", (dir.path() / "r.html").string()}).exit_code, 0);
  EXPECT_EQ(test::xpubench({"compare", run, run, "-o", "-"}).exit_code, 0);
}

}  // namespace
}  // namespace xpu
