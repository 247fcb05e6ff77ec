// Run files and Google Benchmark JSON, as `compare` and `run --resume` read them: any input is
// read or refused with a message, never an abort or undefined behaviour.
#include <cstdint>

#include "fuzz/fuzz_file.hpp"
#include "results/compare.hpp"
#include "results/run_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = xpu::fuzz::write_input(data, size, "run.json");
  (void)xpu::run_file_load(path.string());
  auto in = xpu::compare_input_load(path.string());
  if (in) {  // a readable input compares with itself
    xpu::compare_options o;
    (void)xpu::compare_runs({*in}, {*in}, o);
  }
  return 0;
}
