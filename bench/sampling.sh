#!/usr/bin/env bash
# Adaptive sampling against the quick suite's old fixed design (5 repetitions of >= 20 ms), in
# interleaved processes on every device (warm caches: a first run fills PoCL's and the tuning
# cache): per round the wall time, the rows with an interval of their median (6 repetitions or
# more), the rows noisy (interval wider than +-2.5 %), and how the adaptive rows stopped.
# usage: bench/sampling.sh [ROUNDS] [BUILD_DIR]   (default 2 rounds, build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
build=${2:-build/release}
[[ -x "$build/xpubench" ]] || { echo "no $build/xpubench: build first" >&2; exit 2; }
x=$(realpath "$build/xpubench")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$x" run -q --json "$out/warmup.json" >/dev/null 2>&1 || true
for i in $(seq "$rounds"); do
  for design in fixed adaptive; do
    args=()
    [[ $design == fixed ]] && args=(--sampling fixed -r 5 --min-time 0.02)
    start=$(date +%s.%N)
    "$x" run -q --json "$out/$design-$i.json" "${args[@]}" >/dev/null 2>&1 || echo "$design round $i: exit $?"
    end=$(date +%s.%N)
    python3 - "$design" "$i" "$start" "$end" "$out/$design-$i.json" <<'PY'
import collections, json, sys
design, i, start, end, path = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rows = [m for m in json.load(open(path))["measurements"] if m["state"] == "ok"]
interval = sum(1 for m in rows if m.get("median_uncertainty") is not None)
noisy = sum(1 for m in rows if m.get("noisy"))
stops = collections.Counter(m.get("stopped_by", "") for m in rows)
print(f"round {i} {design:<8} wall {end - start:5.1f} s   {len(rows)} ok rows: {interval} with an interval, {noisy} noisy   "
      + ", ".join(f"{k} {v}" for k, v in sorted(stops.items())))
PY
  done
done
