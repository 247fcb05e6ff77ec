#!/usr/bin/env bash
# The OpenCL GEMM tuner's two passes (at 256^3 each kernel family's first candidate, then the rest of
# the fastest family; then the 4 fastest at 1024^3)
# against timing every candidate at 1024^3 (opencl.tune=exhaustive), side by side: per precision
# and round, each from an empty tuning cache, interleaved; the time the tuning run took and the
# throughput of the tiles each picked (that run's own 1024^3 row). Medians over the rounds. The
# target: the two passes' tiles within the run-to-run spread of the exhaustive ones, in a fraction
# of the time. PoCL's own program cache is warmed first, so compiling is in neither figure.
# usage: bench/opencl_tuning.sh [BUILD_DIR] [ROUNDS]   (default build/release, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
[[ -x "$build/xpubench" ]] || { echo "no $build/xpubench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
x=$(realpath "$build/xpubench")
if ! "$x" run --device opencl0 --list >/dev/null 2>&1; then
  echo "skipped: no OpenCL device opencl0 here (install pocl-opencl-icd: scripts/install-deps.sh)" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export POCL_CACHE_DIR="$work/pocl"  # one program cache for every run (else it follows XDG_CACHE_HOME and starts empty)
one() {  # MODE PRECISION ROUND -> "seconds ops_per_s tiles"
  local cache="$work/cache-$1-$2-$3"
  local start end
  start=$(date +%s.%N)
  XDG_CACHE_HOME="$cache" "$x" run --device opencl0 -k gemm -p "$2" --filter xpubench -q --json "$work/$1-$2-$3.json" \
    --backend-option "opencl.tune=$([[ $1 == exhaustive ]] && echo exhaustive || echo on)"
  end=$(date +%s.%N)
  python3 - "$work/$1-$2-$3.json" "$start" "$end" <<'PY'
import json, sys
m = [m for m in json.load(open(sys.argv[1]))["measurements"] if m["state"] == "ok"]
if not m: print("nan nan none"); sys.exit()
notes = m[0].get("notes", "")
print(float(sys.argv[3]) - float(sys.argv[2]), m[0]["ops_per_s"], notes[:notes.find(" (tuned")].replace(" ", "_"))
PY
}
for p in fp32 fp16 int8; do one exhaustive $p warm >/dev/null; done  # every candidate built once before anything is compared
out="$work/results"
for r in $(seq 1 "$rounds"); do
  for p in fp32 fp16 int8; do
    for mode in two-pass exhaustive; do
      echo "$p $mode $(one $mode $p $r)" >>"$out"
    done
  done
done
python3 - "$out" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'precision':<9} {'tuning':<10} {'run s (median)':>14} {'GOP/s (median)':>15}  tiles picked")
for p in ("fp32", "fp16", "int8"):
    med = {}
    for mode in ("two-pass", "exhaustive"):
        sel = [r for r in rows if r[0] == p and r[1] == mode]
        s = statistics.median(float(r[2]) for r in sel); g = statistics.median(float(r[3]) for r in sel) / 1e9
        med[mode] = (s, g)
        print(f"{p:<9} {mode:<10} {s:>14.2f} {g:>15.1f}  {'; '.join(sorted(set(r[4].replace('_', ' ') for r in sel)))[:220]}")
    print(f"{p:<9} two-pass / exhaustive: time {med['two-pass'][0] / med['exhaustive'][0]:.2f} x, throughput of the tiles {med['two-pass'][1] / med['exhaustive'][1]:.2f} x")
PY
