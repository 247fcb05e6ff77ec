#include "results/accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <span>

#include <fmt/format.h>

#include "core/half.hpp"
#include "ops/operation.hpp"

namespace xpu {

std::optional<double> storage_nmse(std::string_view type) {
  if (type == "fp32" || type == "fp64" || type == "int32") return 0.0;
  static const std::vector<double> data = [] {
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal;
    std::vector<double> v(1 << 16);
    for (double& x : v) x = normal(rng);
    return v;
  }();
  const auto block_scaled = [&](std::size_t block, auto&& round_block) {
    std::vector<double> out(data.size());
    for (std::size_t b = 0; b < data.size(); b += block) round_block(std::span(data).subspan(b, block), std::span(out).subspan(b, block));
    return out;
  };
  std::vector<double> got;
  if (type == "fp16") {
    for (double x : data) got.push_back(half_to_float(half_from_float(static_cast<float>(x))));
  } else if (type == "bf16") {
    for (double x : data) got.push_back(bf16_to_float(bf16_from_float(static_cast<float>(x))));
  } else if (type == "int8" || type == "q8_0") {  // symmetric: d = amax / 127, q = round(x / d); q8_0 per 32 with an fp16 d
    got = block_scaled(type == "int8" ? data.size() : 32, [&](std::span<const double> in, std::span<double> out) {
      double amax = 0;
      for (double x : in) amax = std::max(amax, std::fabs(x));
      const double d = amax / 127;  // quantized with d; q8_0 stores d in fp16 and dequantizes with that (ggml)
      const double stored = type == "q8_0" ? half_to_float(half_from_float(static_cast<float>(d))) : d;
      for (std::size_t i = 0; i < in.size(); ++i) out[i] = d == 0 ? 0 : stored * std::round(in[i] / d);
    });
  } else if (type == "q4_0") {  // ggml: d = (the value of largest magnitude) / -8, q = min(15, trunc(x / d + 8.5)), w = d (q - 8)
    got = block_scaled(32, [](std::span<const double> in, std::span<double> out) {
      double extreme = 0;
      for (double x : in) extreme = std::fabs(x) > std::fabs(extreme) ? x : extreme;
      const double d = extreme / -8, stored = half_to_float(half_from_float(static_cast<float>(d)));
      for (std::size_t i = 0; i < in.size(); ++i)
        out[i] = d == 0 ? 0 : stored * (std::min(15.0, std::trunc(in[i] / d + 8.5)) - 8);
    });
  } else {
    return std::nullopt;
  }
  double err2 = 0, ref2 = 0;
  for (std::size_t i = 0; i < data.size(); ++i) err2 += (got[i] - data[i]) * (got[i] - data[i]), ref2 += data[i] * data[i];
  return err2 / ref2;
}

std::vector<accuracy_row> accuracy_table(const run& r) {
  std::vector<accuracy_row> out;
  for (const measurement& m : r.measurements) {
    if (!m.verification.checked || operation_measures(m.kernel) != measures::work) continue;
    std::string label = m.precision, stored = m.precision;
    if (const auto weights = quantized_weights(m.problem))  // qgemm, moe: the weights' format x the activations
      stored = std::string(to_string(*weights)), label = fmt::format("{} x {}", stored, m.precision);
    auto it = std::ranges::find_if(out, [&](const accuracy_row& x) { return x.device == m.device && x.kernel == m.kernel && x.precision == label; });
    if (it == out.end()) {
      // next to the device's and kernel's other rows
      auto last = std::ranges::find_if(out.rbegin(), out.rend(), [&](const accuracy_row& x) { return x.device == m.device && x.kernel == m.kernel; });
      it = out.insert(last == out.rend() ? out.end() : last.base(), accuracy_row{m.device, m.kernel, label, 0, 0, true, 0, 0, std::nullopt, m.ops_unit, storage_nmse(stored)});
    }
    const verification& v = m.verification;
    if (!v.passed) {
      ++it->failed;
      continue;
    }
    ++it->verified;
    it->exact = it->exact && v.exact;
    it->worst_nmse = std::max(it->worst_nmse, v.rel_l2_error * v.rel_l2_error);
    it->worst_max_rel = std::max(it->worst_max_rel, v.max_rel_error);
    if (m.state == status::ok && m.ops_per_s && (!it->best_ops_per_s || *m.ops_per_s > *it->best_ops_per_s)) it->best_ops_per_s = m.ops_per_s;
  }
  return out;
}

}  // namespace xpu
