#include "cli/suite_command.hpp"

#include <fmt/format.h>

#include "cli/output.hpp"
#include "models/model_suite.hpp"
#include "suites/suite.hpp"

namespace xpu {

void suite_command::add_options(CLI::App& sub) {
  sub.require_subcommand(1, 1);
  from_model_sub = sub.add_subcommand("from-model", "Write the suite of a model's kernels (its matrix shapes at decode and prefill, attention, "
                                                    "RMSNorm) with what one token costs in them, read from a GGUF file's header (weights are not read)");
  from_model_sub->add_option("model", model, "A GGUF model file")->required();
  from_model_sub->add_option("--tokens", tokens, "The prompt length: prefill's m and the KV cache decode attends over (default 512)")
      ->check(CLI::Range(std::int64_t{2}, std::int64_t{1} << 20));
  from_model_sub->add_option("-o,--output", output, "Write the suite to FILE (default '-': standard output)");
  show_sub = sub.add_subcommand("show", "Print a built-in suite's TOML (a starting point for your own)");
  show_sub->add_option("name", show, "A built-in suite")->required();
}

int suite_command::run() const {
  if (show_sub && show_sub->parsed()) {
    const std::string_view text = builtin_suite_text(show);
    if (text.empty()) {
      std::string names;
      for (const auto& n : builtin_suite_names()) names += (names.empty() ? "" : ", ") + n;
      fmt::print(stderr, "xpubench suite show: no built-in suite '{}' (built in: {})\n", show, names);
      return 2;
    }
    fmt::print("{}", text);
    return 0;
  }
  auto file = gguf::read_file(model);
  if (!file) {
    fmt::print(stderr, "xpubench suite from-model: {}\n", file.error().message);
    return 2;
  }
  auto structure = model_from_gguf(*file, model);
  if (!structure) {
    fmt::print(stderr, "xpubench suite from-model: {}\n", structure.error().message);
    return 2;
  }
  const std::string text = model_suite_toml(*structure, tokens);
  if (auto check = suite_parse(text, model); !check) {  // sizes beyond the kernels' rules (a huge --tokens x hidden)
    fmt::print(stderr, "xpubench suite from-model: {} at --tokens {} gives problems xpubench cannot run: {}\n", model, tokens, check.error().message);
    return 2;
  }
  if (auto ok = write_output(output, text); !ok) {
    fmt::print(stderr, "xpubench suite from-model: {}\n", ok.error().message);
    return 2;
  }
  if (!output_is_stdout(output))
    fmt::print(stderr, "{}: {} matrix shapes, {} layers; run it with `xpubench run --suite {}`\n", output, structure->matrices.size(),
               structure->layers, output);
  return 0;
}

}  // namespace xpu
