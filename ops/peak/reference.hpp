#pragma once
// The peak chains' reference: inputs X0 (chains), A, B (per-chain operands, `lanes` per chain);
// output Y (chains) after `iterations` steps, each adding the chain's product term. Exact.
#include <cstdint>
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

std::vector<double> peak(precision p, std::int64_t iterations, const host_buffers& in, std::span<const std::size_t> at);

}  // namespace xpu::reference
