// reduction: the sum or the maximum of n elements (core/problem.hpp: reduction_shape); int8 reads
// signed bytes and produces int32.
#include <random>

#include "ops/operation.hpp"
#include "ops/reduction/reference.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

class reduction_workload final : public workload {
 public:
  double ops(const problem& p) const override { return static_cast<double>(std::get<reduction_shape>(p.dims).n); }
  double min_bytes(const problem& p) const override {
    return static_cast<double>(std::get<reduction_shape>(p.dims).n * size_of(input_type(p.type, 1)));
  }
  std::string_view ops_unit(const problem&) const override { return "element"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& r = std::get<reduction_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(p.type == precision::int8 ? element_type::s8 : input_type(p.type), static_cast<std::size_t>(r.n));
    ops::fill(b.inputs[0], rng);
    b.outputs.push_back(ops::output(accumulated_output_type(p.type), 1));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t, precision acc) const override {
    const auto& r = std::get<reduction_shape>(p.dims);
    const std::size_t at[] = {0};
    tolerance tol = r.op == reduce_op::max ? tolerance{true, 0, "exact: max selects an input"}
                                           : ops::tolerance_for(p.type, acc, static_cast<double>(r.n));
    return ops::compare(b.outputs[0], at, {reference::reduce(r.op, b.inputs[0])}, tol);
  }
};

const workload& work() {
  static const reduction_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[reduction]]", {"precisions", "ops", "sizes"}); !ok) return ok;
  auto precs = c.r.precisions(t, {precision::fp32});
  if (!precs) return std::unexpected(precs.error());
  std::vector<reduce_op> ops{reduce_op::sum};
  if (const toml::node* n = t.get("ops")) {
    auto names = c.r.strings(*n, "ops");
    if (!names) return std::unexpected(names.error());
    ops.clear();
    for (const auto& name : *names) {
      if (name != "sum" && name != "max") return c.r.error_at(*n, "unknown reduction op '{}' (expected sum or max)", name);
      ops.push_back(name == "sum" ? reduce_op::sum : reduce_op::max);
    }
  }
  const toml::array* sizes = t["sizes"].as_array();
  if (!sizes) return c.r.error_at(t, "[[reduction]] needs 'sizes', an array of element counts");
  for (const toml::node& s : *sizes) {
    auto n = c.r.positive(s, "sizes");
    if (!n) return std::unexpected(n.error());
    for (reduce_op op : ops)
      for (precision p : *precs)
        if (auto ok = c.add(s, {reduction_shape{*n, op}, p}); !ok) return ok;
  }
  return {};
}

constexpr precision precisions[] = {precision::fp32, precision::fp16, precision::bf16, precision::int8};

// Small verification cases: a length that is no multiple of any vector or work-group.
std::vector<problem> cases() { return {{reduction_shape{100003, reduce_op::sum}, precision::fp32}, {reduction_shape{100003, reduce_op::max}, precision::fp32}}; }

}  // namespace

const operation& reduction_operation() {
  static const operation op{kernel_kind::reduction, "reduction", precisions, false, 3, work, parse, nullptr,
                            ops::only_peak_measures_wide_types, cases};
  return op;
}

}  // namespace xpu
