#pragma once
// A run in schema version 1 (docs/schema.md): a superset of Google Benchmark's JSON. Its
// `context` and `benchmarks` keep Google Benchmark's fields (so its tools, e.g. compare.py, read
// the file), `context.xpubench` and `context.inventory` describe the run and the machine, and
// `measurements` holds xpubench's full rows.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "results/json_support.hpp"

#include "results/run.hpp"

namespace xpu {

nlohmann::json run_to_json(const run& r);
result<run> run_from_json(const nlohmann::json& doc, std::string_view file);
// A run file read from disk (every JSON error is an `invalid` error naming the file).
result<run> run_file_load(const std::string& path);

// One measurement, one clock record: the lines a worker process sends its supervisor.
nlohmann::json measurement_to_json(const measurement& m);
result<measurement> measurement_from_json(const nlohmann::json& j);
nlohmann::json clock_record_to_json(const clock_record& c);
result<clock_record> clock_record_from_json(const nlohmann::json& j);

// One row per measurement, RFC 4180 quoting, header line first.

}  // namespace xpu
