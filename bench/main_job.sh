#!/usr/bin/env bash
# The main job (`xpubench` with no arguments: probe + quick suite on every device) as a new user
# meets it: from a cold start (empty HOME caches: no PoCL program cache, no GEMM tuning cache, no
# results folder; the build already done), then warm, then again. Prints the wall time of each, each
# device's seconds from the report, and the rows ok / noisy / invalid; before the warm and the third
# run, what `run --list` estimated per device from the runs before it (the results folder) beside
# what the device then took. Issue 30's targets: cold at most 60 s, warm at most 45 s, every ok row
# verified, the estimate within 25 % per device.
# usage: bench/main_job.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
[[ -x "$build/xpubench" ]] || { echo "no $build/xpubench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
x=$(realpath "$build/xpubench")
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
in_home() { (cd "$home" && HOME="$home" XDG_CACHE_HOME="$home/.cache" XDG_DATA_HOME="$home/.local/share" POCL_CACHE_DIR="$home/.cache/pocl" "$@"); }
for run in cold warm again; do
  [[ $run == cold ]] || in_home "$x" run --list >"$home/$run.list" 2>/dev/null || true
  start=$(date +%s.%N)
  in_home "$x" >"$home/$run.txt" 2>"$home/$run.err" || echo "$run: exit $?"
  end=$(date +%s.%N)
  python3 - "$run" "$start" "$end" "$home/$run.txt" "$home/$run.list" <<'PY'
import os, re, sys
run, start, end, report, listed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), open(sys.argv[4]).read(), sys.argv[5]
devices = re.findall(r"^(\S+)\s.*\((\d+) benchmarks in ([\d.]+) s\)", report, re.M)
summary = re.search(r"(\d+) measurements: (\d+) ok \((\d+) noisy[^)]*\), (\d+) invalid", report)
print(f"{run:<5} wall {end - start:6.1f} s   " + "   ".join(f"{d} {s} s ({n} rows)" for d, n, s in devices))
if summary:
    print(f"      {summary.group(1)} rows: {summary.group(2)} ok, {summary.group(3)} noisy, {summary.group(4)} invalid")
if os.path.exists(listed):
    unit = {"s": 1, "ms": 1e-3, "us": 1e-6}
    est = {d: float(v) * unit[u] for d, v, u in re.findall(r"^(\S+): \d+ benchmark\(s\), (?:about|at least) ([\d.]+) (s|ms|us)", open(listed).read(), re.M)}
    cells = [f"{d} {est[d]:.1f} s vs {float(s):.1f} s ({est[d] / float(s):.2f}x)" for d, n, s in devices if d in est and float(s) > 0]
    print("      run --list estimated: " + "   ".join(cells))
PY
done
