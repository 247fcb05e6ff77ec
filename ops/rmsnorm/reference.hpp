#pragma once
// RMSNorm's reference in float64: row r of X (rows x cols) -> x / sqrt(mean(x^2) + eps) * g.
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

// The outputs at the row-major indices `at` (each row's scale is computed once).
std::vector<double> rmsnorm(const rmsnorm_shape& s, const host_buffer& x, const host_buffer& g, std::span<const std::size_t> at);

}  // namespace xpu::reference
