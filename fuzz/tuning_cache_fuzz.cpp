// The OpenCL tuning cache: any file content is read, or ignored (tuned again); a value that is
// not one of the tuner's candidates is never returned.
#include <algorithm>
#include <cstdint>

#include "fuzz/fuzz_file.hpp"
#include "kernels/opencl/tuning.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xpu::fuzz::write_input(data, size, "opencl-gemm-tuning.json");
  static const auto allowed = xpu::gemm_candidates(true, true);
  for (const char* precision : {"fp32", "fp16", "int8"}) {
    const xpu::tuning_key key{"dev", "1.0", precision, "k"};
    if (auto p = xpu::tuning_lookup(xpu::fuzz::scratch_dir(), key, allowed); p && std::ranges::find(allowed, *p) == allowed.end())
      __builtin_trap();
  }
  return 0;
}
