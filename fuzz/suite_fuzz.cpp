// Suite files (TOML): any input is parsed or refused with a message; a suite that parses yields
// problems whose sizes every layer can compute without overflow (UBSan checks the arithmetic).
#include <cstdint>
#include <string_view>

#include "suites/suite.hpp"
#include "ops/operation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = xpu::suite_parse(text, "fuzz.toml");
  if (!s) return 0;
  for (const auto& p : s->problems) {
    (void)p.id();
    if (xpu::problem_size_error(p)) __builtin_trap();  // the parser let through what the runner would refuse
    const auto& w = xpu::workload_for(p.kind());
    (void)w.ops(p);
    (void)w.min_bytes(p);
  }
  return 0;
}
