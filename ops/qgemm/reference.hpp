#pragma once
// qgemm's reference in float64: Y[m x n] = X[m x k] . dequantize(W)[n x k]^T (core/problem.hpp:
// qgemm_shape; with copies, Y holds one m x n output per weight matrix of W). X is fp32 (precision fp32) or Q8_0 blocks (precision int8: activations quantized as
// llama.cpp quantizes them for its integer dot products); W is in the shape's format.
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

std::vector<double> qgemm(const qgemm_shape& s, precision activations, const host_buffer& x, const host_buffer& w, std::span<const std::size_t> at);

// moe's (core/problem.hpp: moe_shape): output (token t, choice c, column j) = X[t] . expert
// ids[t x used + c]'s weight row j, in float64; ids are int32, one per (token, choice); with copies,
// copy c's outputs follow copy c - 1's and read copy c's experts (c x experts + the id).
std::vector<double> moe(const moe_shape& s, precision activations, const host_buffer& x, const host_buffer& w, const host_buffer& ids,
                        std::span<const std::size_t> at);

}  // namespace xpu::reference
