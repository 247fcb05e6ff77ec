#pragma once
// Run-vs-run comparison for CI gates: per benchmark, base and head medians, the change, a
// Mann-Whitney U test over the repetitions, and a verdict. Reads xpubench runs and plain Google
// Benchmark JSON files.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "results/run.hpp"

namespace xpu {

enum class compare_metric { time, throughput, energy };
std::string_view to_string(compare_metric m);

struct compare_options {
  double threshold = 0.05;            // a regression is a slowdown larger than this fraction...
  double alpha = 0.05;                // ...that is also significant at this level
  double noisy_cv = 0.05;
  compare_metric metric = compare_metric::time;
  bool allow_different_machine = false;
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
};

// Parses an xpubench run or a Google Benchmark JSON document.
result<compare_input> compare_input_read(const nlohmann::json& doc, std::string_view file);
result<compare_input> compare_input_load(const std::string& path);

enum class verdict { faster, slower, same, noisy, too_few, new_benchmark, missing, invalid, not_run };
std::string_view to_string(verdict v);

struct comparison_row {
  std::string name;
  verdict outcome = verdict::same;
  std::optional<double> base, head;   // medians in the metric's unit
  std::optional<double> delta;        // (head - base) / base, as a fraction; positive = larger
  std::optional<double> p_value;
  bool regression = false;
  std::string note;
};

struct comparison {
  compare_metric metric = compare_metric::time;
  std::string unit;                   // "s", "ops/s", "J/launch"
  std::vector<comparison_row> rows;
  std::vector<std::string> machine_differences;
  bool regression = false;            // any row a regression, or an invalid result in head
};

// Fails (status invalid) when the machines differ and options do not allow it.
result<comparison> compare_runs(const compare_input& base, const compare_input& head, const compare_options& options);

std::string comparison_text(const comparison& c, const compare_options& o, bool color);
std::string comparison_markdown(const comparison& c, const compare_options& o);
nlohmann::json comparison_json(const comparison& c, const compare_options& o);

}  // namespace xpu
