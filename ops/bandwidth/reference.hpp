#pragma once
// The bandwidth kernels' reference: read: X -> Y(1) = sum; copy, upload, download: X -> Y = X;
// triad: X, Z -> Y = X + 3 Z. Only the outputs asked for.
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

// Triad's element: x + 3 z in double.
inline double triad(float x, float z) { return static_cast<double>(x) + 3.0 * static_cast<double>(z); }

std::vector<double> bandwidth(bandwidth_op op, const host_buffers& in, std::span<const std::size_t> at);

}  // namespace xpu::reference
