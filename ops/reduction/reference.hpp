#pragma once
// The reduction's reference: the sum (float64/int64) or the maximum of input X (n); output Y (1).
#include "core/buffers.hpp"
#include "core/problem.hpp"

namespace xpu::reference {

double reduce(reduce_op op, const host_buffer& x);

}  // namespace xpu::reference
