#pragma once
// What softmax, RMSNorm, LayerNorm and SiLU share: a rows x cols matrix X in, Y of X's type out (RMSNorm
// adds a weight per column, LayerNorm a weight and a bias), one element of work each, whole rows
// verified against a float64 reference. Internal to ops/softmax/, ops/rmsnorm/, ops/layernorm/, ops/silu/.
#include <random>

#include <fmt/format.h>

#include "ops/operation.hpp"
#include "ops/shared.hpp"

namespace xpu::ops {

template <class Shape>
class row_workload final : public workload {
 public:
  // The reference: the outputs at `at` from the inputs (X, then `vectors` inputs of cols each: G, B).
  using reference_fn = std::vector<double> (*)(const Shape& s, const host_buffers& in, std::span<const std::size_t> at);
  row_workload(int vectors, reference_fn reference) : m_vectors(vectors), m_reference(reference) {}

  double ops(const problem& p) const override {
    const auto& s = std::get<Shape>(p.dims);
    return static_cast<double>(s.rows) * static_cast<double>(s.cols);
  }
  double min_bytes(const problem& p) const override {  // X (and G, B) read once, Y written once
    const auto& s = std::get<Shape>(p.dims);
    const auto in = static_cast<double>(size_of(input_type(p.type)));
    return ops(p) * (in + static_cast<double>(size_of(stored_output_type(p.type)))) + m_vectors * static_cast<double>(s.cols) * in;
  }
  std::string_view ops_unit(const problem&) const override { return "element"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& s = std::get<Shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(input_type(p.type), static_cast<std::size_t>(s.rows * s.cols));
    for (int v = 0; v < m_vectors; ++v) b.inputs.emplace_back(input_type(p.type), static_cast<std::size_t>(s.cols));
    for (auto& in : b.inputs) fill(in, rng);
    b.outputs.push_back(output(stored_output_type(p.type), static_cast<std::size_t>(s.rows * s.cols)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto& s = std::get<Shape>(p.dims);
    const auto at = sample_rows(static_cast<std::size_t>(s.rows), static_cast<std::size_t>(s.cols), 3.0 * static_cast<double>(s.cols), seed);
    const std::vector<double> ref = m_reference(s, b, at);
    return compare(b.outputs[0], at, ref, stored_tolerance(p.type, static_cast<double>(s.cols), ref));
  }

  // The descriptor's size rule.
  static std::optional<std::string> size_error(const problem& p) {
    const auto& s = std::get<Shape>(p.dims);
    return row_size_error(p, s.rows, s.cols);
  }
  // The descriptor's entry writer (what parse reads back).
  static std::string entry(const problem& p) {
    const auto& s = std::get<Shape>(p.dims);
    return fmt::format("{{ rows = {}, cols = {} }}", s.rows, s.cols);
  }
  // The descriptor's section parser.
  static result<void> parse(const section_context& c) {
    return parse_row_shapes(c, Shape::kind, [](std::int64_t rows, std::int64_t cols) -> shape { return Shape{rows, cols}; });
  }

 private:
  int m_vectors;
  reference_fn m_reference;
};

// A softmax, RMSNorm, LayerNorm or SiLU problem's rows and cols (the backends' host code).
inline std::pair<std::int64_t, std::int64_t> rows_and_cols(const problem& p) {
  if (const auto* r = std::get_if<rmsnorm_shape>(&p.dims)) return {r->rows, r->cols};
  if (const auto* r = std::get_if<layernorm_shape>(&p.dims)) return {r->rows, r->cols};
  if (const auto* r = std::get_if<silu_shape>(&p.dims)) return {r->rows, r->cols};
  const auto& s = std::get<softmax_shape>(p.dims);
  return {s.rows, s.cols};
}

// The precisions of the model-layer operations (softmax, RMSNorm, attention).
inline constexpr precision model_layer_precisions[] = {precision::fp32, precision::fp16, precision::bf16};

}  // namespace xpu::ops
