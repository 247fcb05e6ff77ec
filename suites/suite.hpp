#pragma once
#include <cstdint>
#include <optional>
// Suites are data (TOML): which problems to run, in which precisions, and how to measure them.
// The built-in suites (quick, standard, ci, deepbench, llm, llm-quick) are TOML files embedded at build time.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/model_profile.hpp"
#include "core/problem.hpp"
#include "suites/sampling.hpp"

namespace xpu {

// Limits on what a suite file or the command line may ask for: beyond them a run would not end
// (a repetition of an hour, a billion repetitions) or a count would wrap.
inline constexpr std::int64_t max_repetitions = 100000;
inline constexpr double max_min_time_s = 3600;
inline constexpr double max_budget_s = 86400;

struct suite {
  std::string name;
  std::string description;
  std::string source;         // "builtin:quick" or the file path
  int repetitions = 5;        // fixed sampling: the count; adaptive: the minimum
  double min_time_s = 0.05;   // per repetition
  sampling_mode sampling = sampling_mode::adaptive;  // `sampling = "fixed"` for exactly `repetitions`
  int max_repetitions = 0;    // adaptive: the cap (0: the default, suites/sampling.hpp)
  double budget_s = 0;        // adaptive: seconds of repetitions per benchmark (0: the default)
  std::vector<std::string> implementations;  // only these (e.g. "onednn"); empty: every one a device has
  std::vector<problem> problems;
  // [model]: what one token of a model costs in these problems (suites from `suite from-model`).
  std::optional<model_profile> model;
};

// Parses suite text; errors name `source`, the line and what was expected.
result<suite> suite_parse(std::string_view text, std::string_view source);
// A built-in suite by name, or a TOML file by path.
result<suite> suite_load(std::string_view name_or_path);
std::vector<std::string> builtin_suite_names();
// The embedded text of a built-in suite; empty if there is none by that name.
std::string_view builtin_suite_text(std::string_view name);

}  // namespace xpu
