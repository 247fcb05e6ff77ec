#!/usr/bin/env bash
# The main job (`xpubench` with no arguments: probe + quick suite on every device) as a new user
# meets it: from a cold start (empty HOME caches: no PoCL program cache, no GEMM tuning cache, no
# results folder; the build already done), then again warm. Prints the wall time of each, each
# device's seconds from the report, and the rows ok / noisy / invalid. Issue 30's targets: cold at
# most 60 s, warm at most 45 s, every ok row verified, no more noisy rows than before.
# usage: bench/main_job.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
[[ -x "$build/xpubench" ]] || { echo "no $build/xpubench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
x=$(realpath "$build/xpubench")
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
for run in cold warm; do
  start=$(date +%s.%N)
  (cd "$home" && HOME="$home" XDG_CACHE_HOME="$home/.cache" XDG_DATA_HOME="$home/.local/share" POCL_CACHE_DIR="$home/.cache/pocl" \
    "$x" >"$home/$run.txt" 2>"$home/$run.err") || echo "$run: exit $?"
  end=$(date +%s.%N)
  python3 - "$run" "$start" "$end" "$home/$run.txt" <<'PY'
import re, sys
run, start, end, report = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), open(sys.argv[4]).read()
devices = re.findall(r"^(\S+)\s.*\((\d+) benchmarks in ([\d.]+) s\)", report, re.M)
summary = re.search(r"(\d+) measurements: (\d+) ok \((\d+) noisy[^)]*\), (\d+) invalid", report)
print(f"{run:<5} wall {end - start:6.1f} s   " + "   ".join(f"{d} {s} s ({n} rows)" for d, n, s in devices))
if summary:
    print(f"      {summary.group(1)} rows: {summary.group(2)} ok, {summary.group(3)} noisy, {summary.group(4)} invalid")
PY
done
