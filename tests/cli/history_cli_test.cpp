// `xpubench history` end to end: add runs, list, show, export, and check finding the step that
// was put into a series; bad input exits 2 with the reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "results/run_json.hpp"
#include "tests/support/postgres_support.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

using test::xpubench;

// On a SQLite file, and on the PostgreSQL server the test script started (skipped without one).
class xpubench_history_on : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(xpubench_history, xpubench_history_on, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "postgresql" : "sqlite"; });

TEST_P(xpubench_history_on, add_list_show_export_and_check_a_step) {
  test::temp_dir dir;
  std::string db = (dir.path() / "h.sqlite").string();
  if (GetParam()) {
    const auto url = test::fresh_postgres_history();
    if (!url) GTEST_SKIP() << test::no_postgres;
    db = *url;
  }
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[gemm]]\nshapes = [{ m = 16, n = 16, k = 16 }]\n");
  const auto first = dir.path() / "r0.json";
  ASSERT_EQ(xpubench({"run", "--suite", suite.string(), "--device", "cpu0", "--in-process", "--quiet", "--json", first.string()}).exit_code, 0);
  auto base = run_file_load(first.string());
  ASSERT_TRUE(base) << base.error().message;
  std::vector<std::string> add{"history", "--db", db, "add"};
  for (int i = 0; i < 16; ++i) {  // 16 commits; from the 10th on, every benchmark takes 30 % longer
    run r = *base;
    r.context.started_at = fmt::format("2026-11-{:02}T00:00:00Z", i + 1);
    r.context.git_sha = fmt::format("c{:02}", i);
    for (auto& m : r.measurements)
      if (m.time_s) m.time_s->median = 1e-3 * (i >= 10 ? 1.3 : 1.0) * (1 + 0.004 * ((i * 7) % 5));
    const auto file = dir.path() / fmt::format("r{}.json", i + 1);
    std::ofstream(file) << run_to_json(r).dump();
    add.push_back(file.string());
  }
  const auto added = xpubench(add);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(added.out.find("as run 16 ("), std::string::npos) << added.out;
  const auto twice = xpubench({"history", "--db", db, "add", add.back()});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("is there already"), std::string::npos) << twice.err;
  const auto list = xpubench({"history", "--db", db, "list"});
  EXPECT_NE(list.out.find("16 run(s) in"), std::string::npos) << list.out;
  const auto show = xpubench({"history", "--db", db, "show", "cpu0/gemm/fp32/m16n16k16/onednn", "--since", "2026-11-15"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("c15"), std::string::npos);
  EXPECT_EQ(show.out.find("c13"), std::string::npos) << show.out;  // before --since
  const auto check = xpubench({"history", "--db", db, "check", "--filter", "onednn"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("c09..c10"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("1 step(s) in 1 series"), std::string::npos) << check.out;
  const auto html = dir.path() / "trend.html";
  ASSERT_EQ(xpubench({"history", "--db", db, "report", "--filter", "onednn", "-o", html.string()}).exit_code, 0);
  const std::string page = test::slurp(html);
  EXPECT_NE(page.find("<svg class=\"trend chart\" id=\"trend-0\" data-points=\"16\""), std::string::npos);
  EXPECT_NE(page.find("fill=\"#cf222e\">+29.7%"), std::string::npos);  // the step, labelled with its change of the median
  EXPECT_NE(page.find("step between c09 and c10"), std::string::npos);
  const auto csv = dir.path() / "all.csv";
  ASSERT_EQ(xpubench({"history", "--db", db, "export", "--format", "csv", "-o", csv.string()}).exit_code, 0);
  const std::string text = test::slurp(csv);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 16 * static_cast<long>(base->measurements.size()));
  const auto missing = xpubench({"history", "--db", db, "show", "cpu9/none"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no rows of 'cpu9/none'"), std::string::npos) << missing.err;
}

TEST(xpubench_history, a_postgresql_server_that_is_not_there_exits_2) {
  const auto r = xpubench({"history", "--db", "postgresql://127.0.0.1:1/x?connect_timeout=2", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
}

// --db is taken before the subcommand and after it (issue 27: `history add run.json --db h.sqlite`
// failed with "The following argument was not expected: --db").
TEST(xpubench_history, db_is_taken_after_the_subcommand_too) {
  test::temp_dir dir;
  const std::string db = (dir.path() / "h.sqlite").string();
  const auto after = xpubench({"history", "list", "--db", db});  // no history there yet: refused, naming the file
  EXPECT_EQ(after.exit_code, 2);
  EXPECT_NE(after.err.find(db), std::string::npos) << after.err;
  const auto before = xpubench({"history", "--db", db, "list"});
  EXPECT_EQ(before.exit_code, 2);
  EXPECT_EQ(after.err, before.err);
  const auto unknown = xpubench({"history", "list", "--no-such-option"});
  EXPECT_EQ(unknown.exit_code, 2);  // what neither level takes is still refused
}

// --since is a real calendar date (issue 28: 2026-13-45 and 0000-00-00 passed, and 100000 digits
// crashed std::regex); a valid one, with or without a time, is taken.
TEST(xpubench_history, since_must_be_a_calendar_date) {
  test::temp_dir dir;
  const std::string db = (dir.path() / "h.sqlite").string();
  for (const std::string& bad : std::vector<std::string>{"2026-13-45", "0000-00-00", "2026-02-30", "2026-1-01", "2026-11-01Tx", "yesterday", std::string(100000, '9')}) {
    const auto r = xpubench({"history", "--db", db, "check", "--since", bad});
    EXPECT_EQ(r.exit_code, 2) << bad.substr(0, 20) << "\n" << r.err;
    EXPECT_NE(r.err.find("expected a calendar date"), std::string::npos) << r.err.substr(0, 300);
    EXPECT_LT(r.err.size(), 400u);  // a long value is shortened in the message
  }
  for (const std::string good : {"2024-02-29", "2026-11-01T08:00:00Z"}) {
    const auto r = xpubench({"history", "--db", db, "check", "--since", good});
    EXPECT_EQ(r.err.find("expected a calendar date"), std::string::npos) << good << ": " << r.err;
  }
}

// The history stores what compare would read (issue 28): a zero, negative or non-finite time, or a
// key with a control byte (a NUL cut the name when read back; an escape reaches terminals), is
// refused with the reason and nothing of that run is stored. Patterns are RE2: a pattern with
// nested quantifiers over a 50000-character name finishes, a backreference is refused.
TEST(xpubench_history, refuses_what_it_could_not_read_back_and_takes_any_pattern_safely) {
  test::temp_dir dir;
  const std::string db = (dir.path() / "h.sqlite").string();
  const auto suite = dir.write("tiny.toml", "repetitions = 2\nmin_time_s = 0.001\n[[latency]]\n");
  const auto good = dir.path() / "good.json";
  ASSERT_EQ(xpubench({"run", "--suite", suite.string(), "--device", "cpu0", "--in-process", "--quiet", "--json", good.string()}).exit_code, 0);
  const auto base = run_file_load(good.string());
  ASSERT_TRUE(base && !base->measurements.empty());
  const auto write = [&](const std::string& name, auto&& edit) {
    run r = *base;
    edit(r);
    const auto file = dir.path() / name;
    std::ofstream(file) << run_to_json(r).dump();
    return file.string();
  };
  const std::pair<std::string, std::string> cases[] = {
      {write("zero.json", [](run& r) { r.measurements[0].samples_s[0] = 0; }), "not positive and finite"},
      {write("negative.json", [](run& r) { r.measurements[0].time_s->median = -1e-3; }), "not positive and finite"},
      {write("nul.json", [](run& r) { r.measurements[0].name += std::string("\0tail", 5); }), "control character in its name"},
      {write("escape.json", [](run& r) { r.context.machine.host.hostname = "h\x1b]0;x\x07"; }), "its host 'h\\x1b]0;x\\x07' holds a control character"},
  };
  for (const auto& [file, why] : cases) {
    const auto r = xpubench({"history", "--db", db, "add", file});
    EXPECT_EQ(r.exit_code, 2) << file << ": " << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << file << ": " << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  }
  const auto long_name = write("long.json", [](run& r) { r.measurements[0].name = "cpu0/" + std::string(50000, 'a'); });
  ASSERT_EQ(xpubench({"history", "--db", db, "add", long_name}).exit_code, 0);
  const auto list = xpubench({"history", "--db", db, "list"});
  EXPECT_NE(list.out.find("1 run(s) in"), std::string::npos) << list.out;  // only the good one of five
  for (const char* hostile : {"(.)*x", "(a*)*b", "cpu0/.*gemm"}) {
    const auto r = xpubench({"history", "--db", db, "check", "--filter", hostile});
    EXPECT_EQ(r.exit_code, 0) << hostile << ": " << r.err;
  }
  const auto back = xpubench({"history", "--db", db, "check", "--filter", "(a)\\1"});
  EXPECT_EQ(back.exit_code, 2);
  EXPECT_NE(back.err.find("not a regular expression xpubench can use"), std::string::npos) << back.err;
}

// Standard output that cannot be written (a full device) is exit 2 with the reason, on every
// command that prints there, never a quiet 0 with the output lost.
TEST(xpubench_output, a_full_standard_output_is_an_error) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  test::temp_dir dir;
  for (const std::string command : {"suite show quick", "probe --no-opencl --no-vulkan --no-cuda --no-levelzero", "run --list --suite quick --device cpu0"}) {
    const auto r = test::run({"/bin/sh", "-c", "\"$0\" " + command + " > /dev/full", test::xpubench_binary()});
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << command << ": " << r.err;
  }
}

}  // namespace
}  // namespace xpu
