#include "cli/suite_command.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/output.hpp"
#include "core/units.hpp"
#include "models/model_suite.hpp"
#include "models/onnx.hpp"
#include "suites/suite.hpp"

namespace xpu {
namespace {

int write_suite(const std::string& text, const std::string& output, const std::string& summary) {
  if (auto ok = write_output(output, text); !ok) {
    say(stderr, "xpubench suite from-model: {}\n", ok.error().message);
    return 2;
  }
  if (!output_is_stdout(output)) say(stderr, "{}: {}; run it with `xpubench run --suite {}`\n", output, summary, output);
  return 0;
}

}  // namespace

void suite_command::add_options(CLI::App& sub) {
  sub.require_subcommand(1, 1);
  from_model_sub = sub.add_subcommand("from-model", "Write the suite of a model's kernels with what one token (GGUF: matrix shapes at decode and "
                                                    "prefill, routed experts, attention, RMSNorm or LayerNorm; the header only, weights are not read) "
                                                    "or one inference (ONNX: its MatMul, Gemm, 1-D/2-D Conv and LayerNormalization shapes after "
                                                    "shape inference) costs in them");
  from_model_sub->add_option("model", model, "A GGUF model file, or an ONNX graph")->required();
  from_model_sub->add_option("--tokens", tokens, "The prompt length: prefill's m and the KV cache decode attends over; ONNX: the size of "
                                                 "sequence dimensions (default 512)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  from_model_sub->add_option("--batch", batch, "ONNX: the size of batch dimensions (default 1)")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  from_model_sub->add_option("--dim", dims, "ONNX: NAME=N sets a symbolic input dimension (repeatable; wins over --batch and --tokens)");
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
      say(stderr, "xpubench suite show: no built-in suite '{}' (built in: {})\n", show, names);
      return 2;
    }
    fmt::print("{}", text);
    return 0;
  }
  if (auto ok = outputs_apart({{"-o", output}}, {{"model", model}}); !ok)
    return say(stderr, "xpubench suite from-model: {}\n", ok.error().message), 2;
  // A FIFO or a device would block the first read: only files (a missing one is the readers' to name).
  std::error_code ec;
  if (const auto st = std::filesystem::status(model, ec); std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    return say(stderr, "xpubench suite from-model: '{}' is not a regular file (a directory, a pipe, a device or a socket): give the model file itself\n",
               model), 2;
  // By name, then by content: GGUF files start with "GGUF"; anything else is tried as ONNX.
  const std::string ext = std::filesystem::path(model).extension().string();
  if (ext == ".onnx") return from_onnx();
  std::ifstream in(model, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  if (!in || ext == ".gguf" || std::string_view(magic, 4) == "GGUF") return from_gguf();
  return from_onnx();
}

int suite_command::from_gguf() const {
  if (tokens < 2) {
    say(stderr, "xpubench suite from-model: --tokens {}: a GGUF suite needs a prompt of at least 2 tokens (prefill and decode differ)\n", tokens);
    return 2;
  }
  if (!dims.empty() || batch != 1) {
    say(stderr, "xpubench suite from-model: {} is a GGUF file: --batch and --dim set an ONNX graph's dimensions\n", model);
    return 2;
  }
  auto file = gguf::read_file(model);
  if (!file) {
    say(stderr, "xpubench suite from-model: {}\n", file.error().message);
    return 2;
  }
  auto structure = model_from_gguf(*file, model);
  if (!structure) {
    say(stderr, "xpubench suite from-model: {}\n", structure.error().message);
    return 2;
  }
  if (structure->context_length > 0 && tokens > structure->context_length) {
    say(stderr, "xpubench suite from-model: a prompt of {} tokens (--tokens, 512 unless given): {} takes prompts of at most {} tokens (its "
                "context_length); give --tokens {} or less\n",
        tokens, model, structure->context_length, structure->context_length);
    return 2;
  }
  const std::string text = model_suite_toml(*structure, tokens);
  if (auto check = suite_parse(text, model); !check) {  // sizes beyond the kernels' rules (a huge --tokens x hidden)
    say(stderr, "xpubench suite from-model: {} at --tokens {} gives problems xpubench cannot run: {}\n", model, tokens, check.error().message);
    return 2;
  }
  return write_suite(text, output, fmt::format("{} matrix shapes, {} layers", structure->matrices.size(), structure->layers));
}

int suite_command::from_onnx() const {
  onnx_dims d{batch, tokens, {}};
  for (const std::string& item : dims) {
    const auto eq = item.find('=');
    std::int64_t v = 0;
    const char* end = item.data() + item.size();
    const auto [ptr, ec] = eq == std::string::npos ? std::from_chars(end, end, v) : std::from_chars(item.data() + eq + 1, end, v);
    if (eq == std::string::npos || eq == 0 || ec != std::errc{} || ptr != end || v < 1 || v > (std::int64_t{1} << 30)) {
      say(stderr, "xpubench suite from-model: --dim '{}': write NAME=N with N from 1 to 2^30 (e.g. --dim sequence_length=128)\n", item);
      return 2;
    }
    d.dims[item.substr(0, eq)] = v;
  }
  auto structure = model_from_onnx(model, d);
  if (!structure) {
    say(stderr, "xpubench suite from-model: {}\n", structure.error().message);
    return 2;
  }
  const std::string text = onnx_suite_toml(*structure, d);
  if (auto check = suite_parse(text, model); !check) {
    say(stderr, "xpubench suite from-model: {} gives problems xpubench cannot run: {}\n", model, check.error().message);
    return 2;
  }
  return write_suite(text, output, fmt::format("{} GEMM/convolution/LayerNorm shapes", structure->steps.size()));
}

}  // namespace xpu
