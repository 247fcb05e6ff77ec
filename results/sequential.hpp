#pragma once
// A group-sequential design for the paired gate (xpubench ab): the gate looks at its rounds after
// 6, 8, 10, ... of them and stops at the first look where every row's verdict is settled. Looking
// more than once gives a miss more chances, so each look's interval is wider than a single look's
// would be: every look uses one common nominal level (Pocock's idea), the largest for which the
// chance that *any* look's interval misses the true ratio stays at most alpha.
//
// That chance is computed, not bounded: with each round's log ratio symmetric about the true one
// (the paired design's assumption, as for the single look), the signs of the rounds are fair coins
// and the order of their sizes a uniform permutation, so the joint law of the signed-rank
// statistics at all looks is the same for every noise distribution. It is simulated once per
// design with a fixed seed; the level is kept below alpha by two standard errors of the
// simulation. With alpha 0.05 and 8 rounds: looks at 6 and 8, each at a nominal 96.9 % (the
// range of the six ratios at 6, two Walsh averages off each end at 8), 0.044 together.
#include <vector>

namespace xpu {

struct sequential_design {
  std::vector<int> looks;          // rounds at which the gate may stop, ascending; the last is the most rounds
  double nominal_alpha = 0;        // each look's interval is at 1 - nominal_alpha (0: no look has an interval)
  double family_alpha = 0;         // the simulated chance that any look's interval misses (<= alpha)
  int trials = 0;                  // simulated gates behind family_alpha
};

// Looks every `every` rounds from `first` (the least with a 95 % paired interval) to `rounds`, which
// is always the last look. rounds above sequential_most_rounds: one look (the fixed design).
inline constexpr int sequential_most_rounds = 40;
sequential_design sequential_plan(int rounds, double alpha, int first = 6, int every = 2);
// The fixed design: one look after the last round, at alpha exactly.
sequential_design fixed_design(int rounds, double alpha);

}  // namespace xpu
