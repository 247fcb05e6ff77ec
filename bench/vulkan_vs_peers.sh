#!/usr/bin/env bash
# xpubench's Vulkan backend against vkpeak's figures and beside the other backends on the same
# machine, ROUNDS times; prints medians and the ratios the targets are stated in. vkpeak is not
# packaged for Debian 12, so its lavapipe figures (Mesa 22.3.6 on this machine: fp32 vec4 96-100
# GFLOP/s, fp16 vec4 23, int32 vec4 109, int8 dot 84 GOP/s, copy 12.5-14.5 GB/s) are quoted from the issue.
# The CPU backend and the OpenCL device run the same GEMM in each round, on the same cores.
# usage: bench/vulkan_vs_peers.sh [BUILD_DIR] [ROUNDS] [VULKAN_DEVICE] [OPENCL_DEVICE]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
vk=${3:-vulkan0}
cl=${4:-opencl0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  "$build/xpubench" run --suite bench/vulkan.toml --device "$vk" --json "$tmp/vk$r.json" >/dev/null 2>"$tmp/vk$r.log"
  "$build/xpubench" run --suite bench/vulkan.toml --device "$cl" --kernel gemm --json "$tmp/cl$r.json" >/dev/null 2>&1
  "$build/xpubench" run --suite bench/vulkan.toml --device cpu0 --kernel gemm --json "$tmp/cpu$r.json" >/dev/null 2>&1
done
python3 - "$tmp" "$rounds" "$vk" "$cl" <<'PY'
import json, statistics, sys
tmp, rounds, vk, cl = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = {}
for r in range(1, rounds + 1):
    for f in (f"{tmp}/vk{r}.json", f"{tmp}/cl{r}.json", f"{tmp}/cpu{r}.json"):
        for m in json.load(open(f))["measurements"]:
            if m["state"] == "ok":
                rows.setdefault(m["name"], []).append(m)
def med(name, field="ops_per_s"):
    if name not in rows:
        return float("nan")
    return statistics.median(x[field] if field != "time" else x["time_s"]["median"] for x in rows[name])
peak = med(f"{vk}/peak/fp32/xpubench")
for p, quoted, unit in (("fp32", "96-100", "GFLOP/s"), ("fp16", "23", "GFLOP/s"), ("int8", "84", "GOP/s"), ("int32", "109", "GOP/s"),
                        ("fp64", "not quoted", "GFLOP/s")):
    print(f"peak {p}: {med(f'{vk}/peak/{p}/xpubench')/1e9:.1f} {unit} (vkpeak, quoted: {quoted})")
for op in ("read", "copy", "triad"):
    print(f"bandwidth {op}: {med(f'{vk}/bandwidth/{op}/b268435456/xpubench')/1e9:.1f} GB/s (vkpeak copy, quoted: 12.5-14.5; target >= 14)")
print(f"reduction fp32 sum over 1 GiB (split across bindings): {med(f'{vk}/reduction/fp32/sum/n268435456/xpubench')*4/1e9:.1f} GB/s")
g = "gemm/fp32/m1024n1024k1024"
ours, ocl, cpu = med(f"{vk}/{g}/xpubench"), med(f"{cl}/{g}/xpubench"), med(f"cpu0/{g}/onednn")
print(f"fp32 GEMM 1024^3: {ours/1e9:.1f} GFLOP/s = {ours/peak:.2f} x our fp32 peak on {vk} (target >= 0.5); "
      f"OpenCL ({cl}) {ocl/1e9:.1f}; CPU backend (oneDNN) {cpu/1e9:.1f}; Vulkan/CPU {ours/cpu:.2f}")
print(f"empty-dispatch latency (device time between launches): {med(f'{vk}/latency/empty/xpubench', 'time')*1e6:.2f} us")
PY
