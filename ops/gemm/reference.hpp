#pragma once
// GEMM's reference, naive in float64 (STYLE.md rule 8): C[m x n] = op(A) . op(B), row-major,
// A stored k x m when trans_a, B stored n x k when trans_b. Computes only the outputs asked for.
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

std::vector<double> gemm(const gemm_shape& g, const host_buffer& a, const host_buffer& b, std::span<const std::size_t> at);

}  // namespace xpu::reference
