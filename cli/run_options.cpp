#include "cli/run_options.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/run_command.hpp"
#include "core/units.hpp"
#include "ops/operation.hpp"

namespace xpu {

bool parse_injections(const std::vector<std::string>& specs, std::vector<std::pair<name_pattern, double>>& out) {
  for (const auto& spec : specs) {
    const auto eq = spec.rfind('=');
    double fraction = -1;
    if (eq != std::string::npos) {
      try {
        std::size_t used = 0;
        fraction = std::stod(spec.substr(eq + 1), &used);
        if (used != spec.size() - eq - 1) fraction = -1;
      } catch (const std::exception&) {
        fraction = -1;
      }
    }
    if (eq == std::string::npos || eq == 0 || !(fraction > 0 && fraction <= 10)) {
      say(stderr, "xpubench run: --inject-slowdown '{}': expected REGEX=FRACTION with 0 < FRACTION <= 10, e.g. 'gemm/fp32=0.1'\n",
                 spec);
      return false;
    }
    auto p = name_pattern::compile(spec.substr(0, eq), "--inject-slowdown");
    if (!p) return say(stderr, "xpubench run: {}\n", p.error().message), false;
    out.emplace_back(std::move(*p), fraction);
  }
  return true;
}

std::string precision_names() {
  std::string out;
  for (precision p : operation_precisions()) out += fmt::format("{}{}", out.empty() ? "" : ", ", to_string(p));
  return out;
}

bool valid_names(const std::vector<std::string>& values, bool (*known)(std::string_view), const std::string& list, const char* what) {
  for (const auto& v : values) {
    if (known(v)) continue;
    say(stderr, "xpubench run: unknown {} '{}' (expected one of: {})\n", what, v, list);
    return false;
  }
  return true;
}

bool known_operation(std::string_view name) { return operation_find(name) != nullptr; }
bool known_precision(std::string_view name) {
  const auto p = precision_parse(name);
  const std::vector<precision> all = operation_precisions();
  return p && std::ranges::find(all, *p) != all.end();
}

result<std::map<std::string, backend_options, std::less<>>> run_command::backend_options_parse() const {
  std::map<std::string, backend_options, std::less<>> out;
  std::vector<std::string> specs = backend_option_specs;
  if (no_tune)
    for (const kernel_backend& b : kernel_backends())
      if (!b.no_tune_option.empty()) specs.insert(specs.begin(), fmt::format("{}.{}", b.name, b.no_tune_option));
  for (const auto& spec : specs)
    if (auto ok = backend_option_parse(spec, out); !ok) return std::unexpected(ok.error());
  return out;
}

nlohmann::json run_command::worker_options() const {
  return {{"suite", suite},
          {"seed", seed},
          {"noisy_threshold", noisy_threshold},
          {"threads", threads},
          {"repetitions", repetitions},
          {"min_time", min_time},
          {"sampling", sampling},
          {"max_repetitions", max_reps},
          {"budget", budget_s},
          {"kernels", kernels},
          {"precisions", precisions},
          {"filter", filter},
          {"inject_slowdown", inject_slowdown},
          {"backend_options", backend_option_specs},
          {"no_tune", no_tune}};
}

std::optional<std::string> run_command::not_utf8() const {
  const auto check = [](std::string_view flag, const std::vector<std::string>& values) -> std::optional<std::string> {
    for (const auto& v : values)
      if (!valid_utf8(v)) return fmt::format("{} '{}'", flag, v);
    return std::nullopt;
  };
  for (const auto& [flag, values] : {std::pair{"--suite", std::vector<std::string>{suite}}, std::pair{"--filter", std::vector<std::string>{filter}},
                                     std::pair{"--kernel", kernels}, std::pair{"--precision", precisions},
                                     std::pair{"--inject-slowdown", inject_slowdown}, std::pair{"--backend-option", backend_option_specs}})
    if (auto bad = check(flag, values)) return bad;
  return std::nullopt;
}

result<void> run_command::apply_worker_options(const nlohmann::json& o) {
  std::string bad;
  const auto take = [&](const char* key, auto& field) {
    if (!bad.empty() || !o.contains(key)) return;
    try {
      o.at(key).get_to(field);
    } catch (const nlohmann::json::exception&) {
      bad = key;
    }
  };
  take("suite", suite);
  take("seed", seed);
  take("noisy_threshold", noisy_threshold);
  take("threads", threads);
  take("repetitions", repetitions);
  take("min_time", min_time);
  take("sampling", sampling);
  take("max_repetitions", max_reps);
  take("budget", budget_s);
  take("kernels", kernels);
  take("precisions", precisions);
  take("filter", filter);
  take("inject_slowdown", inject_slowdown);
  take("backend_options", backend_option_specs);
  take("no_tune", no_tune);
  if (!bad.empty()) return fail(status::invalid, "the supervisor's option '{}' has the wrong type: {:.80}", bad, o.at(bad).dump());
  return {};
}

}  // namespace xpu
