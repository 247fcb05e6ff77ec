#pragma once
// conv2d's reference, naive in float64: input X (N,C,H,W in the problem's layout), filter W
// (K,C,R,S for nchw; K,R,S,C for nhwc), output Y (N,K,P,Q or N,P,Q,K). Only the outputs asked for.
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

std::vector<double> conv2d(const conv_shape& c, const host_buffer& x, const host_buffer& w, std::span<const std::size_t> at);

}  // namespace xpu::reference
