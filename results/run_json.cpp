#include "results/run_json.hpp"

#include <cmath>

#include <fmt/format.h>

#include "results/inventory_json.hpp"
#include "results/json_support.hpp"

namespace xpu {

NLOHMANN_JSON_SERIALIZE_ENUM(status, {{status::ok, "ok"},
                                      {status::unsupported, "unsupported"},
                                      {status::skipped, "skipped"},
                                      {status::failed, "failed"},
                                      {status::invalid, "invalid"},
                                      {status::crashed, "crashed"},
                                      {status::timeout, "timeout"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(sample_stats, median, mean, min, max, p90, stddev, cv, count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(verification, checked, passed, rel_l2_error, max_abs_error, max_rel_error,
                                                elements_checked, elements_total, exact, tolerance, tolerance_basis, message)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(contention, measured, steal_fraction, other_fraction, busy, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(clock_record, hz, method, basis, rejected, notes, add_chain_hz, multiply_chain_hz,
                                                peak_implied_hz, peak_ops_per_cycle, nominal_hz)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(model_step, run, count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(prebuild_record, seconds, processes, built, found, devices, notes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(model_profile, name, source, weight_type, tokens, weight_bytes, prefill, decode, inference, notes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(measurement, name, device, backend, kernel, precision, problem, implementation,
                                                state, reason, support, support_reason, notes, dispatch, dispatch_warning,
                                                injected_slowdown, samples_s, host_samples_s, launches, time_s,
                                                ops, ops_unit, bytes, ops_per_s, bytes_per_s, percent_of_peak, peak_basis,
                                                median_uncertainty, noisy, stopped_by, wall_s, load, verification, energy_samples_j, energy_j, average_w,
                                                idle_corrected_w, ops_per_joule, energy_sensor, energy_sample_hz, energy_reason)

namespace {

nlohmann::json context_fields(const run_context& c) {
  return {{"xpubench_version", c.xpubench_version}, {"git_sha", c.git_sha},   {"started_at", c.started_at},
          {"command_line", c.command_line},         {"suite", c.suite},       {"repetitions", c.repetitions},
          {"min_time_s", c.min_time_s},             {"sampling", c.sampling}, {"max_repetitions", c.max_repetitions},
          {"budget_s", c.budget_s},                 {"noisy_threshold", c.noisy_threshold}, {"threads", c.threads},
          {"measured_clock_hz", c.measured_clock_hz}, {"clock", c.clock}, {"libraries", c.libraries}, {"host_pages", c.host_pages}, {"seed", c.seed},
          {"interrupted", c.interrupted}, {"interrupted_by", c.interrupted_by}, {"finished", c.finished}, {"idle_w", c.idle_w},
          {"resumed_from", c.resumed_from.empty() ? nlohmann::json() : nlohmann::json(c.resumed_from)},
          {"model", c.model ? nlohmann::json(*c.model) : nlohmann::json()},
          {"prebuild", c.prebuild ? nlohmann::json(*c.prebuild) : nlohmann::json()}};
}

// Google Benchmark's context fields, filled from the inventory.
nlohmann::json benchmark_context(const run_context& c) {
  const cpu_info& cpu = c.machine.cpu;
  nlohmann::json caches = nlohmann::json::array();
  for (const auto& cache : cpu.topology.caches) {
    const char* type = cache.kind == "data" ? "Data" : cache.kind == "instruction" ? "Instruction" : "Unified";
    nlohmann::json e = {{"type", type}, {"level", cache.level}, {"size", cache.size_bytes}, {"num_sharing", cache.pus.size()}};
    if (std::ranges::find(caches, e) == caches.end()) caches.push_back(e);
  }
  const double mhz = c.measured_clock_hz ? *c.measured_clock_hz / 1e6 : cpu.frequency.current_mhz.value_or(0);
  return {{"date", c.started_at},
          {"host_name", c.machine.host.hostname},
          {"executable", "xpubench"},
          {"num_cpus", cpu.topology.pus},
          {"mhz_per_cpu", static_cast<int>(mhz)},
          {"cpu_scaling_enabled", false},
          {"caches", caches},
          {"library_build_type", "release"}};
}

// Google Benchmark rows: one per repetition, then mean/median/stddev aggregates; a row that did
// not run carries error_occurred and error_message, as Google Benchmark's own skipped runs do.
void benchmark_rows(const measurement& m, std::size_t family, nlohmann::json& out) {
  const nlohmann::json base = {{"family_index", family}, {"per_family_instance_index", 0}, {"run_name", m.name},
                               {"repetitions", m.samples_s.size()}, {"threads", 1}, {"time_unit", "us"}};
  if (m.state != status::ok || m.samples_s.empty()) {
    nlohmann::json row = base;
    row.update({{"name", m.name}, {"run_type", "iteration"}, {"repetition_index", 0}, {"iterations", 0}, {"real_time", 0},
                {"cpu_time", 0}, {"error_occurred", true}, {"error_message", fmt::format("{}: {}", to_string(m.state), m.reason)}});
    out.push_back(row);
    return;
  }
  auto counters = [&](double seconds) {
    nlohmann::json c = nlohmann::json::object();  // update() refuses null: a row without ops has no counters
    if (seconds > 0 && m.ops > 0) c["ops_per_second"] = m.ops / seconds;
    if (seconds > 0 && m.bytes > 0) c["bytes_per_second"] = m.bytes / seconds;
    return c;
  };
  for (std::size_t i = 0; i < m.samples_s.size(); ++i) {
    nlohmann::json row = base;
    row.update({{"name", m.name}, {"run_type", "iteration"}, {"repetition_index", i}, {"iterations", m.launches},
                {"real_time", m.samples_s[i] * 1e6}, {"cpu_time", m.samples_s[i] * 1e6}});
    row.update(counters(m.samples_s[i]));
    out.push_back(row);
  }
  if (!m.time_s) return;
  for (auto [agg, value] : {std::pair{"mean", m.time_s->mean}, {"median", m.time_s->median}, {"stddev", m.time_s->stddev}}) {
    nlohmann::json row = base;
    row.update({{"name", m.name + "_" + agg}, {"run_type", "aggregate"}, {"aggregate_name", agg}, {"aggregate_unit", "time"},
                {"iterations", m.samples_s.size()}, {"real_time", value * 1e6}, {"cpu_time", value * 1e6}});
    if (std::string_view(agg) != "stddev") row.update(counters(value));
    out.push_back(row);
  }
}

}  // namespace

nlohmann::json run_to_json(const run& r) {
  nlohmann::json context = benchmark_context(r.context);
  context["xpubench"] = context_fields(r.context);
  context["inventory"] = inventory_to_json(r.context.machine);
  nlohmann::json benchmarks = nlohmann::json::array();
  for (std::size_t i = 0; i < r.measurements.size(); ++i) benchmark_rows(r.measurements[i], i, benchmarks);
  nlohmann::json doc = {{"schema_version", schema_version},
                        {"kind", "xpubench.run"},
                        {"context", std::move(context)},
                        {"benchmarks", std::move(benchmarks)},
                        {"measurements", r.measurements}};
  json_strip_nulls(doc);
  if (!r.fleet.empty()) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const fleet_host& h : r.fleet) {
      nlohmann::json e = {{"rank", h.rank}, {"host", h.host}, {"state", h.state}, {"reason", h.reason}, {"exit_code", h.exit_code}};
      if (h.measured) e["run"] = run_to_json(*h.measured);
      hosts.push_back(std::move(e));
    }
    doc["fleet"] = {{"ranks", r.fleet.size()}, {"hosts", std::move(hosts)}};
  }
  return doc;
}

result<run> run_from_json(const nlohmann::json& doc, std::string_view file) {
  if (auto ok = json_check_header(doc, "xpubench.run", file); !ok) return std::unexpected(ok.error());
  try {
    run r;
    const auto& ctx = doc.at("context");
    const auto& x = ctx.at("xpubench");
    r.context.xpubench_version = x.value("xpubench_version", "");
    r.context.git_sha = x.value("git_sha", "");
    r.context.started_at = x.value("started_at", "");
    r.context.command_line = x.value("command_line", "");
    r.context.suite = x.value("suite", "");
    r.context.repetitions = x.value("repetitions", 0);
    r.context.min_time_s = x.value("min_time_s", 0.0);
    r.context.sampling = x.value("sampling", "");
    r.context.max_repetitions = x.value("max_repetitions", 0);
    r.context.budget_s = x.value("budget_s", 0.0);
    r.context.noisy_threshold = x.value("noisy_threshold", 0.0);
    r.context.threads = x.value("threads", 0);
    r.context.measured_clock_hz = x.value("measured_clock_hz", std::optional<double>{});
    r.context.libraries = x.value("libraries", "");
    r.context.host_pages = x.value("host_pages", "");
    r.context.seed = x.value("seed", std::uint64_t{0});
    r.context.interrupted = x.value("interrupted", false);
    r.context.interrupted_by = x.value("interrupted_by", "");
    r.context.resumed_from = x.value("resumed_from", "");
    if (const auto p = x.find("prebuild"); p != x.end() && p->is_object()) r.context.prebuild = p->get<prebuild_record>();
    // Runs written before the flag existed count as finished unless they say they were interrupted.
    r.context.finished = x.value("finished", !r.context.interrupted);
    r.context.clock = x.value("clock", clock_record{});
    r.context.idle_w = x.value("idle_w", std::map<std::string, double>{});
    if (const auto m = x.find("model"); m != x.end() && m->is_object()) {
      r.context.model = m->get<model_profile>();
      const model_profile& p = *r.context.model;
      bool counts_ok = (p.tokens > 0 || (p.tokens == 0 && p.prefill.empty() && p.decode.empty())) && std::isfinite(p.weight_bytes) && p.weight_bytes >= 0;
      for (const auto* steps : {&p.prefill, &p.decode, &p.inference})
        for (const auto& step : *steps) counts_ok = counts_ok && step.count > 0 && !step.run.empty();
      if (!counts_ok)
        return fail(status::invalid, "{}: context.xpubench.model: tokens (with prefill or decode steps) and every step's count must be positive, weight_bytes finite and not negative", file);
    }
    auto inv = inventory_from_json(ctx.at("inventory"), file);
    if (!inv) return std::unexpected(inv.error());
    r.context.machine = std::move(*inv);
    r.measurements = doc.at("measurements").get<std::vector<measurement>>();
    if (const auto f = doc.find("fleet"); f != doc.end()) {
      for (const auto& e : f->at("hosts")) {
        fleet_host h;
        h.rank = e.at("rank").get<int>();
        h.host = e.value("host", "");
        h.state = e.value("state", "");
        h.reason = e.value("reason", "");
        h.exit_code = e.value("exit_code", 0);
        if (h.rank < 0 || (h.state != "ok" && h.state != "interrupted" && h.state != "failed" && h.state != "missing"))
          return fail(status::invalid, "{}: fleet.hosts: rank {} has state '{}' (expected ok, interrupted, failed or missing)", file, h.rank, h.state);
        if (const auto sub = e.find("run"); sub != e.end()) {
          if (sub->contains("fleet")) return fail(status::invalid, "{}: fleet.hosts: rank {}'s run is itself a fleet run", file, h.rank);
          auto nested = run_from_json(*sub, fmt::format("{} (rank {})", file, h.rank));
          if (!nested) return std::unexpected(nested.error());
          h.measured = std::make_shared<const run>(std::move(*nested));
        }
        r.fleet.push_back(std::move(h));
      }
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return fail(status::invalid, "{}: not a valid xpubench run (schema version {}): {}", file, schema_version, e.what());
  }
}

result<run> run_file_load(const std::string& path) {
  auto doc = json_file_load(path);
  if (!doc) return std::unexpected(doc.error());
  try {
    return run_from_json(*doc, path);
  } catch (const nlohmann::json::exception& e) {
    return fail(status::invalid, "{}: a field has the wrong type: {}", path, e.what());
  }
}

nlohmann::json measurement_to_json(const measurement& m) {
  nlohmann::json j = m;
  json_strip_nulls(j);
  return j;
}

result<measurement> measurement_from_json(const nlohmann::json& j) {
  try {
    return j.get<measurement>();
  } catch (const nlohmann::json::exception& e) {
    return fail(status::invalid, "not a valid measurement: {}", e.what());
  }
}

nlohmann::json clock_record_to_json(const clock_record& c) { return c; }

result<clock_record> clock_record_from_json(const nlohmann::json& j) {
  try {
    return j.get<clock_record>();
  } catch (const nlohmann::json::exception& e) {
    return fail(status::invalid, "not a valid clock record: {}", e.what());
  }
}

}  // namespace xpu
