#pragma once
// Simulated rounds of a paired gate (xpubench ab) for the statistics tests: each round has a drift
// common to its two processes (log-normal, sd `drift`) and noise per process (sd `noise`); the head
// side is `factor` times the base. One benchmark row, three repetitions per process.
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "results/compare.hpp"

namespace xpu::test {

inline std::pair<std::vector<compare_input>, std::vector<compare_input>> simulated_rounds(std::mt19937_64& rng, double factor, double drift,
                                                                                        double noise, int rounds) {
  std::normal_distribution<double> round_effect(0, drift), process(0, noise);
  std::vector<compare_input> base, head;
  for (int r = 0; r < rounds; ++r) {
    const double common = std::exp(round_effect(rng));
    for (auto [side, f] : {std::pair{&base, 1.0}, std::pair{&head, factor}}) {
      compare_input in;
      in.file = side == &base ? "base" : "head";
      in.format = "xpubench";
      const double t = 1e-3 * f * common * std::exp(process(rng));
      in.rows.push_back({"cpu0/gemm/fp32/sim/onednn", "ok", "", {t, t, t}, {}, 1e9});
      side->push_back(in);
    }
  }
  return {std::move(base), std::move(head)};
}

}  // namespace xpu::test
