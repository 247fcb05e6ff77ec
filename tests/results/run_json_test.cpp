// Statistics on known values, the run schema round trip, Google Benchmark compatibility, CSV.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "reporters/run_csv.hpp"
#include "results/json_support.hpp"
#include "results/run_json.hpp"
#include "results/statistics.hpp"

namespace xpu {
namespace {

TEST(stats_of, known_values) {
  const double v[] = {4, 1, 3, 2, 5};
  const sample_stats s = stats_of(v);
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.p90, 4.6);                  // 1 + 0.9 * 4 positions: between 4 and 5
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.5));  // sample deviation
  EXPECT_DOUBLE_EQ(s.cv, std::sqrt(2.5) / 3);
  const double one[] = {7};
  EXPECT_DOUBLE_EQ(stats_of(one).cv, 0);
  const double even[] = {1, 2, 3, 10};
  EXPECT_DOUBLE_EQ(stats_of(even).median, 2.5);
}

run sample_run() {
  run r;
  r.context.xpubench_version = "0.1.0";
  r.context.suite = "builtin:ci";
  r.context.repetitions = 3;
  r.context.measured_clock_hz = 3.6e9;
  r.context.host_pages = "transparent huge pages (THP always)";
  r.context.machine.host.hostname = "box";
  r.context.machine.cpu.topology.pus = 2;
  measurement ok;
  ok.name = "cpu0/gemm/fp32/m8n8k8/onednn";
  ok.device = "cpu0";
  ok.kernel = "gemm";
  ok.precision = "fp32";
  ok.problem = "gemm/fp32/m8n8k8";
  ok.implementation = "onednn";
  ok.samples_s = {1e-3, 2e-3, 3e-3};
  ok.launches = 100;
  ok.ops = 1024;
  ok.ops_unit = "FLOP";
  ok.time_s = stats_of(ok.samples_s);
  ok.ops_per_s = 1024 / 2e-3;
  ok.verification = {true, true, 1e-7, 1e-6, 2e-6, 64, 64, false, 1e-5, "basis", ""};
  ok.notes = "weights pre-packed, \"quoted\"";
  r.measurements.push_back(ok);
  measurement skipped;
  skipped.name = "cpu0/gemm/bf16/m8n8k8";
  skipped.state = status::unsupported;
  skipped.reason = "no bf16 arithmetic, needs AVX512_BF16";
  r.measurements.push_back(skipped);
  return r;
}

TEST(run_json, round_trip) {
  const nlohmann::json first = run_to_json(sample_run());
  auto back = run_from_json(first, "run.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(run_to_json(*back), first);
  EXPECT_EQ(back->measurements[1].state, status::unsupported);
}

TEST(run_json, google_benchmark_fields_are_there) {
  const nlohmann::json j = run_to_json(sample_run());
  EXPECT_EQ(j["context"]["host_name"], "box");
  EXPECT_EQ(j["context"]["num_cpus"], 2);
  EXPECT_EQ(j["context"]["mhz_per_cpu"], 3600);
  const auto& rows = j["benchmarks"];
  ASSERT_EQ(rows.size(), 3u + 3u + 1u);  // 3 repetitions, mean/median/stddev, the unsupported row
  EXPECT_EQ(rows[0]["name"], "cpu0/gemm/fp32/m8n8k8/onednn");
  EXPECT_EQ(rows[0]["run_type"], "iteration");
  EXPECT_EQ(rows[0]["time_unit"], "us");
  EXPECT_DOUBLE_EQ(rows[1]["real_time"].get<double>(), 2000.0);
  EXPECT_EQ(rows[4]["aggregate_name"], "median");
  EXPECT_EQ(rows[4]["name"], "cpu0/gemm/fp32/m8n8k8/onednn_median");
  EXPECT_TRUE(rows[6]["error_occurred"].get<bool>());
  EXPECT_NE(rows[6]["error_message"].get<std::string>().find("unsupported"), std::string::npos);
}

TEST(run_json, rejects_other_documents) {
  auto r = run_from_json(nlohmann::json{{"schema_version", 1}, {"kind", "xpubench.inventory"}}, "inv.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("inv.json"), std::string::npos);
  r = run_from_json(nlohmann::json{{"schema_version", 1}, {"kind", "xpubench.run"}}, "cut.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cut.json"), std::string::npos);
}

TEST(csv, rfc4180_quoting) {
  EXPECT_EQ(csv_quote("plain"), "plain");
  EXPECT_EQ(csv_quote("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_quote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_quote("two\nlines"), "\"two\nlines\"");
}

TEST(csv, one_row_per_measurement_with_a_header) {
  const std::string text = run_to_csv(sample_run());
  std::size_t lines = 0;
  for (std::size_t pos = 0; (pos = text.find("\r\n", pos)) != std::string::npos; pos += 2) ++lines;
  EXPECT_EQ(lines, 3u);
  EXPECT_EQ(text.rfind("name,device,backend,kernel,precision,", 0), 0u);
  EXPECT_NE(text.find("\"weights pre-packed, \"\"quoted\"\"\""), std::string::npos);
  EXPECT_NE(text.find("\"no bf16 arithmetic, needs AVX512_BF16\""), std::string::npos);
}

// Found by fuzz_run_json: a float (or a too-large integer) in an integer field was cast by
// nlohmann (undefined behaviour); it is refused as a bad file now.
TEST(run_json, an_integer_field_holding_an_out_of_range_number_is_refused) {
  run r;
  r.context.xpubench_version = "0.1.0";
  measurement m;
  m.name = "cpu0/latency/empty/xpubench";
  m.launches = 10;
  r.measurements.push_back(m);
  for (const nlohmann::json& bad : {nlohmann::json(4.5e35), nlohmann::json(1.5), nlohmann::json(3000000000), nlohmann::json(1e19)}) {
    nlohmann::json doc = run_to_json(r);
    doc["context"]["xpubench"]["threads"] = bad;  // an int
    auto back = run_from_json(doc, "bad.json");
    ASSERT_FALSE(back) << bad.dump();
    EXPECT_NE(back.error().message.find("does not fit the integer field"), std::string::npos) << back.error().message;
  }
  nlohmann::json doc = run_to_json(r);
  doc["context"]["xpubench"]["threads"] = 4.0;  // an integral float is the integer it writes
  auto back = run_from_json(doc, "ok.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->context.threads, 4);
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

// CSV cells a spreadsheet would run as formulas (names come from files a user did not write) get a
// leading ': text starting with =, +, -, @, TAB or CR; numbers (negative ones too) stay numbers;
// csv_cells::raw writes every cell as it is.
TEST(csv, formula_cells_are_defended_and_numbers_are_not) {
  EXPECT_EQ(csv_quote("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_quote("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
  EXPECT_EQ(csv_quote("-2+3"), "'-2+3");
  EXPECT_EQ(csv_quote("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_quote("\tx"), "'\tx");
  EXPECT_EQ(csv_quote("-1.5e-05"), "-1.5e-05");
  EXPECT_EQ(csv_quote("-3"), "-3");
  EXPECT_EQ(csv_quote("cpu0/gemm/fp32"), "cpu0/gemm/fp32");
  EXPECT_EQ(csv_quote("=1+1", csv_cells::raw), "=1+1");
  run r = sample_run();
  r.measurements[0].name = "=cmd|'/C calc'!A0";
  const std::string defended = run_to_csv(r), raw = run_to_csv(r, csv_cells::raw);
  EXPECT_NE(defended.find("\r\n'=cmd|'/C calc'!A0,"), std::string::npos) << defended;
  EXPECT_NE(raw.find("\r\n=cmd|'/C calc'!A0,"), std::string::npos) << raw;
}

// json_file_load bounds nesting in one pass over the text before parsing: brackets inside strings
// (with escaped quotes and backslashes before them) do not count, real nesting past 256 is refused
// whatever string precedes it, and a device without a size (/dev/zero) is refused at the size
// bound instead of read until memory runs out.
TEST(json_file_load, nesting_is_counted_outside_strings_and_size_is_bounded) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("xpu_json_load_{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto load = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return json_file_load((dir / name).string());
  };
  const std::string brackets(300, '[');
  const auto in_string = load("in_string.json", "{\"a\": \"\\\"" + brackets + "\", \"b\": [[1]]}");  // "\"[[[..."
  ASSERT_TRUE(in_string) << in_string.error().message;
  EXPECT_EQ((*in_string)["b"][0][0], 1);
  const auto after_backslash = load("after_backslash.json", "{\"a\": \"x\\\\\", \"b\": " + brackets + std::string(300, ']') + "}");  // "x\\" then 300 deep
  ASSERT_FALSE(after_backslash);
  EXPECT_NE(after_backslash.error().message.find("nested deeper than 256 levels"), std::string::npos) << after_backslash.error().message;
  const auto deepest = load("deepest.json", std::string(256, '[') + std::string(256, ']'));
  EXPECT_TRUE(deepest) << deepest.error().message;
  const auto one_more = load("one_more.json", std::string(257, '[') + std::string(257, ']'));
  EXPECT_FALSE(one_more);
  if (std::filesystem::exists("/dev/zero")) {
    const auto zeros = json_file_load("/dev/zero");
    ASSERT_FALSE(zeros);
    EXPECT_NE(zeros.error().message.find("more than 256 MiB of JSON"), std::string::npos) << zeros.error().message;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xpu
