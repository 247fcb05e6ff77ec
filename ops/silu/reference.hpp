#pragma once
// SiLU's reference in float64: y = x / (1 + exp(-x)), element by element.
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

// The outputs at the row-major indices `at`.
std::vector<double> silu(const host_buffer& x, std::span<const std::size_t> at);

}  // namespace xpu::reference
