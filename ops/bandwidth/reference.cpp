#include "ops/bandwidth/reference.hpp"

#include "ops/reduction/reference.hpp"

namespace xpu::reference {

std::vector<double> bandwidth(bandwidth_op op, const host_buffers& in, std::span<const std::size_t> at) {
  std::vector<double> out;
  if (op == bandwidth_op::read) {
    for (std::size_t i = 0; i < at.size(); ++i) out.push_back(reduce(reduce_op::sum, in.inputs[0]));
    return out;
  }
  for (std::size_t idx : at)
    out.push_back(op == bandwidth_op::triad ? triad(in.inputs[0].as<float>()[idx], in.inputs[1].as<float>()[idx]) : in.inputs[0].at(idx));
  return out;
}

}  // namespace xpu::reference
