#pragma once
// Run-vs-run comparison for CI gates. Each side is one or more runs (processes). With several
// runs per side each run's median is one sample, so the drift between processes is inside the
// statistics; with one run per side the samples are its repetitions. Per benchmark: the
// head/base ratio (Hodges-Lehmann) with its distribution-free confidence interval (Moses), the
// spread between samples of the same side, and a verdict from where the interval lies against
// the threshold. Reads xpubench runs and plain Google Benchmark JSON files.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/json_support.hpp"

#include "core/error.hpp"
#include "results/run.hpp"

namespace xpu {

enum class compare_metric { time, throughput, energy };
std::string_view to_string(compare_metric m);

struct compare_options {
  double threshold = 0.05;            // slower: the whole interval lies beyond 1 + threshold
  double alpha = 0.05;                // the interval's confidence is 1 - alpha
  compare_metric metric = compare_metric::time;
  bool allow_different_machine = false;
  bool allow_missing = false;         // else a head row missing, not run, failed or interrupted fails the gate
  // Runs of the two sides pair by position (base[i] and head[i] ran side by side: one round of
  // `xpubench ab`): the statistics use each round's ratio, so drift common to a round cancels.
  bool paired = false;
  // Per benchmark name: a threshold that replaces `threshold` for that row (compare --history: each
  // benchmark's own spread over its history).
  std::map<std::string, double> row_thresholds;
};

// One side of a comparison, whatever file it came from.
struct compare_input {
  std::string file;
  std::string format;                 // "xpubench" or "google-benchmark"
  std::optional<run> xpu;             // set for xpubench runs
  struct series {
    std::string name;
    std::string state = "ok";         // xpubench status; "ok" for Google Benchmark rows without error
    std::string reason;
    std::vector<double> time_s;       // seconds per launch, one per repetition
    std::vector<double> energy_j;     // joules per launch, one per repetition (where measured)
    double ops = 0;                   // per launch (0: unknown)
  };
  std::vector<series> rows;
  std::vector<std::pair<std::string, std::string>> machine;  // (what, value) for the machine check
  bool finished = true;               // xpubench runs: completed (not interrupted, every benchmark ran)
  std::string unfinished_reason;
};

// Parses an xpubench run or a Google Benchmark JSON document.
result<compare_input> compare_input_read(const nlohmann::json& doc, std::string_view file);
result<compare_input> compare_input_load(const std::string& path);
result<std::vector<compare_input>> compare_inputs_load(const std::vector<std::string>& paths);

enum class verdict { faster, slower, same, uncertain, too_few, new_benchmark, missing, invalid, not_run };
std::string_view to_string(verdict v);

struct comparison_row {
  std::string name;
  verdict outcome = verdict::same;
  std::optional<double> base, head;   // medians of the samples, in the metric's unit
  std::optional<double> delta;        // head/base ratio - 1 (Hodges-Lehmann); positive = larger
  std::optional<double> ci_low, ci_high;  // the ratio's interval, as deltas
  std::optional<double> spread;       // robust sd (1.4826 MAD) of log samples within each side (~ cv); paired: of the rounds' log ratios / sqrt 2
  std::optional<double> p_value;      // two-sided Mann-Whitney U over the same samples (for reference)
  int base_samples = 0, head_samples = 0;
  bool noisy = false;                 // spread above the threshold: this gate cannot resolve such a change here
  bool regression = false;            // fails the gate
  double threshold = 0;               // the threshold this row was judged against
  std::string note;
};

struct comparison {
  compare_metric metric = compare_metric::time;
  std::string unit;                   // "s", "ops/s", "J/launch"
  std::string samples;                // "paired processes", "processes" (one median per run) or "repetitions" (one run per side)
  std::vector<std::string> base_files, head_files;
  std::vector<comparison_row> rows;
  std::vector<std::string> machine_differences;
  std::vector<std::string> problems;  // head runs that did not finish, and other gate failures beside rows
  std::vector<std::string> notes;     // what a reader needs beside the rows (ab: the sequential design, busy rounds); never fails the gate
  std::optional<double> noise_floor;  // the median spread over rows with samples
  bool regression = false;            // the gate fails: a row slower, invalid or lost, or a problem
};

// Whether more samples could change a row's verdict: `uncertain` and `too few samples` rows could;
// slower, faster, same and the lost-work verdicts are settled.
bool settled(const comparison_row& r);

// Why other processes disturbed a run, "" when they did not: the first row whose other processes
// took more CPU than the cores the run left free (counted in cores: the machine's physical cores -
// its threads, beyond the sentinel's tick slack of busy_other_fraction of the machine), or whose
// stolen time was above busy_steal_fraction. With every core in use this is the row's `busy` flag;
// a one-thread run beside a one-core job on two cores is not disturbed.
std::string run_disturbance(const run& r);

// Fails (status invalid) when the machines differ and options do not allow it, or a side is empty.
result<comparison> compare_runs(const std::vector<compare_input>& base, const std::vector<compare_input>& head,
                                const compare_options& options);
inline result<comparison> compare_runs(const compare_input& base, const compare_input& head, const compare_options& options) {
  return compare_runs(std::vector{base}, std::vector{head}, options);
}

nlohmann::json comparison_json(const comparison& c, const compare_options& o);

}  // namespace xpu
