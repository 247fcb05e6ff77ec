#include "cli/ab_command.hpp"
#include "cli/options.hpp"
#include "core/units.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cli/compare_command.hpp"
#include "cli/output.hpp"
#include "probe/cpu.hpp"
#include "probe/cpu_load.hpp"
#include "results/compare.hpp"
#include "results/sequential.hpp"
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

// The fraction of the machine's CPU time other processes used over the next `seconds` (ab itself idles).
double others_now(double seconds) {
  const auto before = cpu_times_read();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const auto after = cpu_times_read();
  return before && after ? load_between(*before, *after).other : 0;
}

// Why other processes disturbed either run of a round ("" when neither was).
std::string round_disturbance(const std::string (&files)[2]) {
  for (const auto& f : files) {
    auto in = compare_input_load(f);
    if (!in || !in->xpu) continue;  // the comparison reports an unreadable run
    if (std::string why = run_disturbance(*in->xpu); !why.empty()) return fmt::format("{} ({})", why, std::filesystem::path(f).filename().string());
  }
  return "";
}

// How many rows more rounds could still change at the design's level (nullopt when the runs cannot be compared).
std::optional<std::size_t> unsettled_rows(const std::vector<std::string>& base_files, const std::vector<std::string>& head_files, double alpha,
                                          double threshold) {
  compare_options o;
  o.threshold = threshold, o.alpha = alpha, o.paired = true, o.allow_different_machine = true;
  auto b = compare_inputs_load(base_files);
  auto h = b ? compare_inputs_load(head_files) : b;
  if (!h) return std::nullopt;
  auto c = compare_runs(*b, *h, o);
  if (!c) return std::nullopt;
  return static_cast<std::size_t>(std::ranges::count_if(c->rows, [](const comparison_row& r) { return !settled(r); }));
}

sequential_design gate_design(int rounds, double alpha, bool early_stop) {
  if (early_stop)
    if (sequential_design d = sequential_plan(rounds, alpha); d.nominal_alpha > 0) return d;
  return fixed_design(rounds, alpha);
}

std::string design_note(const sequential_design& d, double alpha, const std::string& stopped) {
  if (d.looks.size() < 2) return fmt::format("fixed design: one look after the last round, its interval at {:.1f}%; {}", 100 * (1 - alpha), stopped);
  std::string looks;
  for (int n : d.looks) looks += (looks.empty() ? "" : ", ") + std::to_string(n);
  return fmt::format("group-sequential design: looks after {} rounds, each look's interval at {:.1f}% so that all the looks together miss "
                     "the true ratio with probability {:.3f} <= alpha {} (simulated over {} gates); {}",
                     looks, 100 * (1 - d.nominal_alpha), d.family_alpha, alpha, d.trials, stopped);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

void ab_command::add_options(CLI::App& sub) {
  sub.add_option("--base", base, "The baseline xpubench executable (e.g. built from the base commit in a clean worktree)")
      ->required()
      ->check(CLI::ExistingFile);
  sub.add_option("--head", head, "The xpubench executable to judge")->required()->check(CLI::ExistingFile);
  sub.add_option("--rounds", rounds,
                 "The most rounds of one base and one head process, in ABBA order (default 8; 6 is the least that gives a 95 % interval); "
                 "the gate stops earlier once every verdict is settled (see --every-round)")
      ->check(CLI::Range(2, 1000));
  sub.add_flag("--unpaired", unpaired,
               "Treat the processes as two independent samples instead of pairing each round's two processes (needs 4 rounds)");
  sub.add_option("-s,--suite", suite, "The suite each process runs (default ci)");
  sub.add_option("-d,--device", devices, "Only these devices")->delimiter(',');
  sub.add_option("-f,--filter", filter, "Only benchmarks whose name matches this regular expression");
  sub.add_option("-r,--repetitions", repetitions, "Repetitions per benchmark in each process (default: the suite's)")
      ->check(CLI::Range(1, 100000));
  sub.add_option("-t,--threads", threads,
                 "CPU threads in each process (default: every core, fewer in a round that starts while other processes take cores)")->check(CLI::Range(1, 4096));
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
  sub.add_flag("--every-round", every_round,
               "Run all --rounds rounds and look once (the fixed design), instead of stopping at the first look (after 6, 8, ... rounds) "
               "where every verdict is settled");
  sub.add_option("--busy-retries", busy_retries,
                 "Rounds disturbed by other processes (the contention sentinel, against the cores the round left free) are run again, at "
                 "most this many times in all (default: --rounds); past it they count and the gate says so")
      ->check(CLI::Range(0, 100000));
  sub.add_option("--inject-disturbed-rounds", inject_disturbed, "TEST ONLY: treat the first N whole rounds as disturbed by other processes, whatever the sentinel says")
      ->check(CLI::Range(0, 100000));
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

  const sequential_design design = gate_design(rounds, alpha, !unpaired && !every_round);
  const int retries = busy_retries < 0 ? rounds : busy_retries;
  // The cores a run uses by default (its threads: one per physical core), from the same topology.
  const auto topology = topology_load(std::nullopt);
  const int cores = std::max(1, topology && topology->cores > 0 ? topology->cores : static_cast<int>(std::thread::hardware_concurrency()));
  int fewer = 0, announced = 0;  // once other processes took cores (seen before a round, or disturbing one), the rounds after keep off them
  std::vector<std::string> thread_changes;

  std::vector<std::string> base_files, head_files, problems, discards, busy_counted;
  nlohmann::json round_log = nlohmann::json::array();
  std::string stopped = fmt::format("ran all {} rounds", rounds);
  std::size_t look = 0;
  int injected = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int done = 0, attempt = 0; done < rounds; ++attempt) {
    const bool base_first = done % 2 == 0;  // ABBA over the rounds that count: a re-run keeps its round's order
    // While something else runs, this round's processes leave it the cores it takes (-t fixes the count).
    int round_threads = threads;
    const double others = threads > 0 ? 0 : others_now(0.2) * cores;
    if (threads == 0) {
      if (others >= 0.5) {
        const int free = std::max(1, cores - static_cast<int>(std::ceil(others - 0.25)));
        fewer = fewer > 0 ? std::min(fewer, free) : free;
      }
      if (fewer > 0 && fewer < cores) {
        if (fewer != announced) thread_changes.push_back(fmt::format("from round {} on {} thread(s)", done + 1, fewer)), announced = fewer;
        round_threads = fewer;
      }
    }
    std::string round_files[2];  // base, head
    std::string failed;
    for (int k = 0; k < 2; ++k) {
      const bool is_base = (k == 0) == base_first;
      const std::string side = is_base ? "base" : "head";
      const fs::path file = dir / fmt::format("{}-{}.json", side, attempt), log = dir / fmt::format("{}-{}.log", side, attempt);
      fs::remove(file, ec);
      std::vector<std::string> argv{is_base ? base_exe : head_exe};
      argv.insert(argv.end(), common.begin(), common.end());
      if (round_threads > 0) argv.insert(argv.end(), {"--threads", std::to_string(round_threads)});
      argv.insert(argv.end(), {"--json", file.string()});
      if (!is_base)
        for (const auto& rule : inject_head) argv.insert(argv.end(), {"--inject-slowdown", rule});
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      say(stderr, "[{:3.0f}s] round {}/{}: {}{} ...", elapsed, done + 1, rounds, side,
          threads == 0 && round_threads > 0 ? fmt::format(" ({} thread(s): other processes used {:.1f} cores)", round_threads, others) : "");
      std::fflush(stderr);
      const round_process p = run_round_process(argv, log, timeout_s);
      say(stderr, " {}\n", p.problem.empty() ? "ok" : p.problem);
      const bool used = p.whole && fs::exists(file);
      if (used) round_files[is_base ? 0 : 1] = file.string();
      if (!p.problem.empty())
        failed += fmt::format("{}{} round {}: {}{} (log: {})", failed.empty() ? "" : "; ", side, done + 1, p.problem,
                              used ? "" : "; no run from it", log.string());
    }
    nlohmann::json entry = {{"attempt", attempt}, {"round", done + 1}, {"threads", round_threads}};
    if (threads == 0) entry["other_cores_before"] = others;
    const bool whole = !round_files[0].empty() && !round_files[1].empty();
    // A round whose processes other processes disturbed is run again while the budget lasts.
    std::string disturbed = whole ? round_disturbance(round_files) : "";
    if (whole && injected < inject_disturbed) disturbed = "injected by --inject-disturbed-rounds (a test)", ++injected;
    // Whatever disturbed it will likely come back: the rounds after leave it a core.
    if (!disturbed.empty() && threads == 0 && cores > 1) fewer = std::max(1, (fewer > 0 ? fewer : cores) - 1);
    if (!failed.empty()) problems.push_back(failed);
    if (!disturbed.empty() && static_cast<int>(discards.size()) < retries) {
      discards.push_back(fmt::format("round {} (attempt {}): {}", done + 1, attempt + 1, disturbed));
      say(stderr, "xpubench ab: round {} run again: {}\n", done + 1, disturbed);
      entry["discarded"] = disturbed;
      round_log.push_back(entry);
      continue;
    }
    if (!disturbed.empty()) busy_counted.push_back(fmt::format("round {}: {}", done + 1, disturbed)), entry["busy"] = disturbed;
    round_log.push_back(entry);
    ++done;
    // A round counts only whole: its two processes are a pair.
    if (whole) {
      base_files.push_back(round_files[0]);
      head_files.push_back(round_files[1]);
    } else if (!round_files[0].empty() || !round_files[1].empty()) {
      problems.push_back(fmt::format("round {} left out: one of its two processes wrote no run", done));
    }
    // An interim look: stop once more rounds could not change any verdict.
    const auto pairs = static_cast<int>(base_files.size());
    while (look < design.looks.size() && design.looks[look] < pairs) ++look;
    if (look + 1 < design.looks.size() && design.looks[look] == pairs && done < rounds) {
      if (const auto unsettled = unsettled_rows(base_files, head_files, design.nominal_alpha, threshold_percent / 100.0); unsettled && *unsettled == 0) {
        stopped = fmt::format("stopped after {} of {} rounds: every verdict was settled", done, rounds);
        say(stderr, "xpubench ab: {}\n", stopped);
        break;
      }
    }
  }
  const int rounds_run = static_cast<int>(round_log.size()) - static_cast<int>(discards.size());
  if (static_cast<int>(base_files.size()) < rounds_run)  // the last comparison is then not at one of the design's looks
    stopped += fmt::format(" ({} of them whole pairs, compared)", base_files.size());
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  say(stderr, "xpubench ab: {} rounds in {:.0f} s{}; runs in {}\n", rounds_run, wall,
      discards.empty() ? "" : fmt::format(" ({} more run again: disturbed)", discards.size()), dir.string());
  if (base_files.empty()) {
    for (const auto& p : problems) say(stderr, "xpubench ab: {}\n", p);
    return say(stderr, "xpubench ab: no round had both a base and a head run: see the logs in {}\n", dir.string()), 2;
  }

  compare_options o;
  o.threshold = threshold_percent / 100.0;
  o.alpha = design.nominal_alpha;
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
  c.notes.push_back(design_note(design, alpha, stopped));
  if (!discards.empty())
    c.notes.push_back(fmt::format("{} round(s) run again because other processes disturbed them (budget {}): {}", discards.size(), retries,
                                  join(discards)));
  if (!thread_changes.empty())
    c.notes.push_back(fmt::format("other processes took cores, so the rounds ran on fewer threads than the {} cores: {} (each round's two "
                                  "processes alike; a change that shows only on every core may not show here)",
                                  cores, join(thread_changes)));
  if (!busy_counted.empty())
    c.notes.push_back(fmt::format("{} disturbed round(s) counted, the budget of {} re-runs being spent: {}", busy_counted.size(), retries,
                                  join(busy_counted)));
  if (!problems.empty() && !allow_missing) c.regression = true;
  if (!json.empty()) {
    nlohmann::json doc = comparison_json(c, o);
    doc["ab"] = {{"base", base_exe},
                 {"head", head_exe},
                 {"rounds", rounds},
                 {"rounds_run", rounds_run},
                 {"stopped", stopped},
                 {"looks", design.looks},
                 {"nominal_alpha", design.nominal_alpha},
                 {"family_alpha", design.family_alpha},
                 {"simulated_gates", design.trials},
                 {"rounds_run_again", discards.size()},
                 {"busy_rounds_counted", busy_counted.size()},
                 {"attempts", round_log},
                 {"order", "ABBA"},
                 {"wall_s", wall},
                 {"runs_dir", dir.string()}};
    if (auto ok = write_output(json, doc.dump(2) + "\n"); !ok) return say(stderr, "xpubench ab: {}\n", ok.error().message), 2;
  }
  return compare_emit(c, o, format, output) ? (c.regression ? 1 : 0) : 2;
}

}  // namespace xpu
