#!/usr/bin/env bash
# How long `xpubench probe` takes beside the tools users know, measured side by side in one run:
# lstopo (topology), clinfo (OpenCL), vulkaninfo --summary (Vulkan). The target: xpubench probe
# costs less than the three together, and aims for half of it.
# usage: bench/probe_speed.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
[[ -x "$build/xpubench" ]] || { echo "no $build/xpubench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing: run scripts/install-deps.sh" >&2; exit 2; }

json=$(mktemp)
trap 'rm -f "$json"' EXIT
hyperfine --style basic -N --warmup 3 --runs 30 --export-json "$json" \
  -n lstopo 'lstopo-no-graphics' \
  -n clinfo 'clinfo' \
  -n vulkaninfo 'vulkaninfo --summary' \
  -n 'xpubench probe' "$build/xpubench probe" \
  -n 'xpubench probe --format json' "$build/xpubench probe --format json" >/dev/null

python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1e3 for k, v in r.items()}
peers = med["lstopo"] + med["clinfo"] + med["vulkaninfo"]
print(f"{'command':<30} {'median ms':>10} {'min ms':>8}")
for k, v in r.items():
    print(f"{k:<30} {med[k]:>10.1f} {v['min']*1e3:>8.1f}")
print(f"{'lstopo + clinfo + vulkaninfo':<30} {peers:>10.1f}")
for k in ("xpubench probe", "xpubench probe --format json"):
    print(f"ratio {k} / (lstopo + clinfo + vulkaninfo) = {med[k] / peers:.2f}  (target < 1.0, aim 0.5)")
PY
