#include "cli/ab_command.hpp"
#include "cli/options.hpp"
#include "core/units.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/compare_command.hpp"
#include "cli/output.hpp"
#include "results/compare.hpp"

namespace xpu {
namespace {

// Runs argv with stdout and stderr into `log`; returns the exit status as the shell reports it
// (128 + signal for a signal), or -1 when it could not be started.
int run_process(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    execv(args[0], args.data());
    std::fprintf(stderr, "cannot execute %s\n", args[0]);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace

void ab_command::add_options(CLI::App& sub) {
  sub.add_option("--base", base, "The baseline xpubench executable (e.g. built from the base commit in a clean worktree)")
      ->required()
      ->check(CLI::ExistingFile);
  sub.add_option("--head", head, "The xpubench executable to judge")->required()->check(CLI::ExistingFile);
  sub.add_option("--rounds", rounds,
                 "Rounds of one base and one head process, in ABBA order (default 8; 6 is the least that gives a 95 % interval)")
      ->check(CLI::Range(2, 1000));
  sub.add_flag("--unpaired", unpaired,
               "Treat the processes as two independent samples instead of pairing each round's two processes (needs 4 rounds)");
  sub.add_option("-s,--suite", suite, "The suite each process runs (default ci)");
  sub.add_option("-d,--device", devices, "Only these devices")->delimiter(',');
  sub.add_option("-f,--filter", filter, "Only benchmarks whose name matches this regular expression");
  sub.add_option("-r,--repetitions", repetitions, "Repetitions per benchmark in each process (default: the suite's)")
      ->check(CLI::Range(1, 100000));
  sub.add_option("-t,--threads", threads, "CPU threads in each process (default: every core)")->check(CLI::Range(1, 4096));
  sub.add_option("--min-time", min_time, "Minimum seconds per repetition (default: the suite's)")->check(finite_range(1e-6, 3600.0));
  sub.add_option("--keep", keep, "Directory for each process's run file and log (default: FILE.runs beside --json, else ab-runs)");
  sub.add_option("--json", json, "Write the comparison (xpubench.comparison, with the run files it read) to FILE");
  sub.add_option("--inject-slowdown-head", inject_head,
                 "TEST ONLY (bench/gate_rates.sh): pass --inject-slowdown REGEX=FRACTION to the head processes, a known real slowdown");
  sub.add_option("--threshold", threshold_percent, "As compare (default 5)")->check(finite_range(0.0, 1000.0));
  sub.add_option("--alpha", alpha, "As compare (default 0.05)")->check(finite_range(1e-6, 0.5));
  sub.add_option("--format", format, "Output: text, md or json")->check(CLI::IsMember({"text", "md", "json"}));
  sub.add_option("-o,--output", output, "Write the comparison in --format to FILE instead of standard output ('-': standard output)");
  sub.add_flag("--allow-missing", allow_missing, "As compare");
}

int ab_command::run() const {
  namespace fs = std::filesystem;
  // The fewest samples that can give any interval at alpha 0.05: 6 pairs (signed rank), 4 + 4 (Mann-Whitney).
  if (const int least = unpaired ? 4 : 6; rounds < least && alpha <= 0.05)
    return say(stderr, "xpubench ab: --rounds {} cannot give a {:.0f}% interval {}; use --rounds {} or more\n", rounds,
                      100 * (1 - alpha), unpaired ? "(4 + 4 unpaired processes are the least)" : "(6 paired rounds are the least)", least),
           2;
  const fs::path dir = !keep.empty() ? fs::path(keep) : !json.empty() ? fs::path(json + ".runs") : fs::path("ab-runs");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return say(stderr, "xpubench ab: cannot create {}: {}\n", dir.string(), ec.message()), 2;
  const std::string base_exe = fs::absolute(base).string(), head_exe = fs::absolute(head).string();

  std::vector<std::string> common{"run", "--suite", suite};
  if (!devices.empty()) {
    std::string list;
    for (const auto& d : devices) list += (list.empty() ? "" : ",") + d;
    common.insert(common.end(), {"--device", list});
  }
  if (!filter.empty()) common.insert(common.end(), {"--filter", filter});
  if (repetitions > 0) common.insert(common.end(), {"--repetitions", std::to_string(repetitions)});
  if (min_time > 0) common.insert(common.end(), {"--min-time", fmt::format("{}", min_time)});
  if (threads > 0) common.insert(common.end(), {"--threads", std::to_string(threads)});

  std::vector<std::string> base_files, head_files, problems;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    const bool base_first = r % 2 == 0;
    std::string round_files[2];  // base, head
    for (int k = 0; k < 2; ++k) {
      const bool is_base = (k == 0) == base_first;
      const std::string side = is_base ? "base" : "head";
      const fs::path file = dir / fmt::format("{}-{}.json", side, r), log = dir / fmt::format("{}-{}.log", side, r);
      fs::remove(file, ec);
      std::vector<std::string> argv{is_base ? base_exe : head_exe};
      argv.insert(argv.end(), common.begin(), common.end());
      argv.insert(argv.end(), {"--json", file.string()});
      if (!is_base)
        for (const auto& rule : inject_head) argv.insert(argv.end(), {"--inject-slowdown", rule});
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      say(stderr, "[{:3.0f}s] round {}/{}: {} ...", elapsed, r + 1, rounds, side);
      std::fflush(stderr);
      const int rc = run_process(argv, log);
      say(stderr, " exit {}\n", rc);
      if (fs::exists(file)) round_files[is_base ? 0 : 1] = file.string();
      if (rc != 0)
        problems.push_back(fmt::format("{} round {} exited {}{} (log: {})", side, r + 1, rc, fs::exists(file) ? "" : " and wrote no run",
                                       log.string()));
    }
    // A round counts only whole: its two processes are a pair.
    if (!round_files[0].empty() && !round_files[1].empty()) {
      base_files.push_back(round_files[0]);
      head_files.push_back(round_files[1]);
    } else if (!round_files[0].empty() || !round_files[1].empty()) {
      problems.push_back(fmt::format("round {} left out: one of its two processes wrote no run", r + 1));
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  say(stderr, "xpubench ab: {} rounds in {:.0f} s; runs in {}\n", rounds, wall, dir.string());
  if (base_files.empty())
    return say(stderr, "xpubench ab: no round had both a base and a head run: see the logs in {}\n", dir.string()), 2;

  compare_options o;
  o.threshold = threshold_percent / 100.0;
  o.alpha = alpha;
  o.allow_missing = allow_missing;
  o.paired = !unpaired;
  auto b = compare_inputs_load(base_files);
  auto h = b ? compare_inputs_load(head_files) : b;
  if (!h) return say(stderr, "xpubench ab: {}\n", h.error().message), 2;
  // The two builds may carry different versions: that is the point of the gate.
  o.allow_different_machine = true;
  auto got = compare_runs(*b, *h, o);
  if (!got) return say(stderr, "xpubench ab: {}\n", got.error().message), 2;
  comparison c = std::move(*got);
  c.problems.insert(c.problems.end(), problems.begin(), problems.end());
  if (!problems.empty() && !allow_missing) c.regression = true;
  if (!json.empty()) {
    nlohmann::json doc = comparison_json(c, o);
    doc["ab"] = {{"base", base_exe}, {"head", head_exe}, {"rounds", rounds}, {"order", "ABBA"}, {"wall_s", wall}, {"runs_dir", dir.string()}};
    if (auto ok = write_output(json, doc.dump(2) + "\n"); !ok) return say(stderr, "xpubench ab: {}\n", ok.error().message), 2;
  }
  return compare_emit(c, o, format, output) ? (c.regression ? 1 : 0) : 2;
}

}  // namespace xpu
