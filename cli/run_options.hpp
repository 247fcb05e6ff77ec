#pragma once
// `xpubench run`'s option checks, and its options as the one JSON line a worker is started with
// (run_command::worker_options / apply_worker_options, defined in run_options.cpp).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/pattern.hpp"

namespace xpu {

// REGEX=FRACTION rules for --inject-slowdown; false (with the message printed) on a bad one.
bool parse_injections(const std::vector<std::string>& specs, std::vector<std::pair<name_pattern, double>>& out);

// The --precision values: every precision some operation has (the operations' descriptors).
std::string precision_names();

// Each value names an operation (--kernel) or a precision (--precision), else the message, false.
bool valid_names(const std::vector<std::string>& values, bool (*known)(std::string_view), const std::string& list, const char* what);
bool known_operation(std::string_view name);
bool known_precision(std::string_view name);

}  // namespace xpu
