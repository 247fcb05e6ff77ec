#pragma once
// LayerNorm's reference in float64 (core/problem.hpp: layernorm_shape): the outputs at `at` from X,
// G (weights) and B (biases).
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

std::vector<double> layernorm(const layernorm_shape& s, const host_buffer& x, const host_buffer& g, const host_buffer& b, std::span<const std::size_t> at);

}  // namespace xpu::reference
