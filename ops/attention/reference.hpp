#pragma once
// Attention's reference in float64 (core/problem.hpp: attention_shape): inputs Q, K, V, outputs at
// the row-major indices of O (batch x heads x seq_q x head_dim); each query row is computed once.
#include <span>
#include <vector>

#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

std::vector<double> attention(const attention_shape& a, const host_buffer& q, const host_buffer& k, const host_buffer& v,
                              std::span<const std::size_t> at);

}  // namespace xpu::reference
