#pragma once
// A run in schema version 1 (docs/schema.md): a superset of Google Benchmark's JSON. Its
// `context` and `benchmarks` keep Google Benchmark's fields (so its tools, e.g. compare.py, read
// the file), `context.xpubench` and `context.inventory` describe the run and the machine, and
// `measurements` holds xpubench's full rows.
#include <string_view>

#include <nlohmann/json.hpp>

#include "results/run.hpp"

namespace xpu {

nlohmann::json run_to_json(const run& r);
result<run> run_from_json(const nlohmann::json& doc, std::string_view file);

// One row per measurement, RFC 4180 quoting, header line first.
std::string run_to_csv(const run& r);
std::string csv_quote(std::string_view field);

}  // namespace xpu
