#include "cli/ab_command.hpp"
#include "cli/options.hpp"
#include "core/units.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "cli/compare_command.hpp"
#include "cli/output.hpp"
#include "results/compare.hpp"
#include "session/subprocess.hpp"

namespace xpu {
namespace {

// One process of a round, under the watchdog run's workers have (session/subprocess.hpp): its output
// and errors go to `log`; past `timeout_s` it gets SIGTERM (a run then stops after the current
// benchmark and writes its file) and, 10 s later, SIGKILL with its whole process group.
struct round_process {
  std::string problem;  // "" for exit 0, else "exit code 1", "killed by SIGSEGV (...)" or the timeout, with its last stderr lines
  bool whole = false;   // it ended by itself (an exit code, not a signal or the timeout): a run file it wrote is used
};
round_process run_round_process(const std::vector<std::string>& argv, const std::filesystem::path& log, double timeout_s) {
  std::FILE* out = std::fopen(log.c_str(), "we");
  if (!out) return {fmt::format("could not write its log {}: {}", log.string(), std::strerror(errno))};
  auto child = subprocess::start(argv, "", out, 3);
  if (!child) {
    std::fclose(out);
    return {child.error().message};
  }
  std::string line, stopped;
  auto deadline = subprocess::clock::now() + std::chrono::duration_cast<subprocess::clock::duration>(std::chrono::duration<double>(timeout_s));
  for (;;) {
    const auto ev = child->next(line, deadline, [] { return false; });
    if (ev == subprocess::event::line) {
      std::fprintf(out, "%s\n", line.c_str());
      continue;
    }
    if (ev == subprocess::event::ended) break;
    if (stopped.empty()) {  // the deadline: asked to stop first, as Ctrl-C would
      stopped = fmt::format("ran past --timeout {} s and was stopped", timeout_s);
      child->signal_group(SIGTERM);
      deadline = subprocess::clock::now() + std::chrono::seconds(10);
      continue;
    }
    stopped = fmt::format("ran past --timeout {} s and was killed (SIGTERM did not stop it in 10 s)", timeout_s);
    child->kill_and_reap();
    break;
  }
  std::fclose(out);
  const bool whole = stopped.empty() && !child->ended_by_signal();
  if (whole && child->exit_code() == 0) return {"", true};
  const std::string tail = child->stderr_tail();
  return {(stopped.empty() ? child->how_it_ended() : stopped) + (tail.empty() ? "" : ": " + tail), whole};
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
  sub.add_option("--timeout", timeout_s,
                 "Seconds one process may run (default 3600; raise it for a suite that takes longer): a process past it is stopped (SIGTERM, then SIGKILL), its round is left "
                 "out and the gate says so")
      ->check(finite_range(1.0, 7.0 * 24 * 3600));
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
      const round_process p = run_round_process(argv, log, timeout_s);
      say(stderr, " {}\n", p.problem.empty() ? "ok" : p.problem);
      const bool used = p.whole && fs::exists(file);
      if (used) round_files[is_base ? 0 : 1] = file.string();
      if (!p.problem.empty())
        problems.push_back(fmt::format("{} round {}: {}{} (log: {})", side, r + 1, p.problem, used ? "" : "; no run from it", log.string()));
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
  if (base_files.empty()) {
    for (const auto& p : problems) say(stderr, "xpubench ab: {}\n", p);
    return say(stderr, "xpubench ab: no round had both a base and a head run: see the logs in {}\n", dir.string()), 2;
  }

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
