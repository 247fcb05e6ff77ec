#pragma once
// Naive, obviously-right references in float64 / int64 (STYLE.md rule 8). Each computes only the
// output elements asked for, so that large problems can be verified on a seeded sample.
// Buffer conventions (every backend follows them):
//   gemm:      inputs A, B (row-major; transposed storage when trans_*), output C (m x n)
//   conv2d:    inputs X (N,C,H,W in the problem's layout), W (K,C,R,S for nchw; K,R,S,C for nhwc),
//              output Y (N,K,P,Q or N,P,Q,K)
//   reduction: input X (n), output Y (1)
//   bandwidth: read: X -> Y(1) = sum; copy, upload, download: X -> Y = X; triad: X, Z -> Y = X + 3 Z
//   peak:      inputs X0 (chains), A, B (per-chain operands); output Y (chains) after `iterations` steps
#include <cstdint>
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

std::vector<double> gemm(const gemm_shape& g, const host_buffer& a, const host_buffer& b, std::span<const std::size_t> at);
std::vector<double> conv2d(const conv_shape& c, const host_buffer& x, const host_buffer& w, std::span<const std::size_t> at);
double reduce(reduce_op op, const host_buffer& x);
std::vector<double> bandwidth(bandwidth_op op, const host_buffers& in, std::span<const std::size_t> at);
std::vector<double> peak(precision p, std::int64_t iterations, const host_buffers& in, std::span<const std::size_t> at);

}  // namespace xpu::reference
