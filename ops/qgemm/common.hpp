#pragma once
// What the qgemm and moe operations share beside the blocks (blocks.hpp): their activations, their
// weights with copies (qgemm's streamed copies, moe's experts), their tolerance and the `formats`
// key of their suite sections. Defined in common.cpp.
#include <random>
#include <vector>

#include "core/buffers.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"
#include "ops/workload.hpp"

namespace xpu {
struct section_context;
}

namespace xpu::quant {

// X: m x k fp32 values (precision fp32), or m rows of k / 32 Q8_0 blocks (precision int8).
host_buffer activations(precision p, std::int64_t m, std::int64_t k, std::mt19937_64& rng);
// X's bytes.
double activation_bytes(precision p, std::int64_t m, std::int64_t k);
// W: `copies` n x k matrices in f blocks back to back, copy 0 at random, the others fill_copies'.
host_buffer weights(quant_format f, std::int64_t n, std::int64_t k, std::int64_t copies, std::mt19937_64& rng);
// The bound on a k-deep product's error: fp32 activations over k terms; int8 (Q8_0 blocks) over the
// k / 32 scaled block sums, each block's dot product being exact in int32.
tolerance product_tolerance(precision p, std::int64_t k);
// The section's `formats` (q8_0, q4_0), else `fallback`.
result<std::vector<quant_format>> formats(const section_context& c, std::vector<quant_format> fallback);

}  // namespace xpu::quant
