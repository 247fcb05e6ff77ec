#pragma once
// The softmax's reference in float64: row r of X (rows x cols) -> exp(x - max) / sum(exp(x - max)).
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

// The outputs at the row-major indices `at` (whole rows are computed once each).
std::vector<double> softmax(const softmax_shape& s, const host_buffer& x, std::span<const std::size_t> at);

}  // namespace xpu::reference
