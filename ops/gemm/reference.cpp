#include "ops/gemm/reference.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>

#include "ops/shared.hpp"

namespace xpu::reference {
namespace {

// op(A)'s row i and op(B)'s column j as strided runs of the stored matrices.
struct gemm_runs {
  const gemm_shape& g;
  std::size_t a_first(std::int64_t i) const { return static_cast<std::size_t>(g.trans_a ? i : i * g.k); }
  std::size_t a_stride() const { return static_cast<std::size_t>(g.trans_a ? g.m : 1); }
  std::size_t b_first(std::int64_t j) const { return static_cast<std::size_t>(g.trans_b ? j * g.k : j); }
  std::size_t b_stride() const { return static_cast<std::size_t>(g.trans_b ? 1 : g.n); }
};

}  // namespace

std::vector<double> gemm(const gemm_shape& g, const host_buffer& a, const host_buffer& b, std::span<const std::size_t> at) {
  const gemm_runs runs{g};
  const auto k = static_cast<std::size_t>(g.k);
  std::vector<double> out(at.size());
  // The outputs grouped by a block of op(B)'s columns, then by row: each block of columns and each
  // row is widened to float64 once per block, and every output is then one product of two
  // contiguous runs. Blocks run in parallel; the sums are the same whatever the thread count.
  constexpr std::int64_t block = 64;
  std::vector<std::size_t> order(at.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto n = static_cast<std::size_t>(g.n);
  const auto block_of = [&](std::size_t e) { return at[e] % n / block; };  // output e's column block
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return block_of(x) != block_of(y) ? block_of(x) < block_of(y) : at[x] < at[y];
  });
  std::vector<std::size_t> starts;  // where each block's outputs start in `order`
  for (std::size_t e = 0; e < order.size(); ++e)
    if (e == 0 || block_of(order[e]) != block_of(order[e - 1])) starts.push_back(e);
  starts.push_back(order.size());
  ops::parallel_for(starts.size() - 1, static_cast<double>(at.size()) * static_cast<double>(k), [&](std::size_t s) {
    const auto j0 = static_cast<std::int64_t>(block_of(order[starts[s]])) * block;
    const std::int64_t width = std::min<std::int64_t>(block, g.n - j0);
    // Uninitialised: a sample widens a few of the block's columns, and a zero-fill of all would cost
    // as much as widening them.
    const auto columns = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(width) * k);
    std::vector<double> row(k);
    std::vector<bool> widened(static_cast<std::size_t>(width));  // a sample needs a few columns, a whole check all
    std::int64_t row_i = -1;
    for (std::size_t e = starts[s]; e < starts[s + 1]; ++e) {
      const auto i = static_cast<std::int64_t>(at[order[e]] / n), j = static_cast<std::int64_t>(at[order[e]] % n);
      double* column = columns.get() + static_cast<std::size_t>(j - j0) * k;
      if (!widened[static_cast<std::size_t>(j - j0)]) b.widen(runs.b_first(j), runs.b_stride(), k, column), widened[static_cast<std::size_t>(j - j0)] = true;
      if (i != row_i) a.widen(runs.a_first(i), runs.a_stride(), k, row.data()), row_i = i;
      out[order[e]] = ops::dot(row.data(), column, k);
    }
  });
  return out;
}

}  // namespace xpu::reference
