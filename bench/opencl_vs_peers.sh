#!/usr/bin/env bash
# xpubench's OpenCL backend beside CLBlast (same device, same run) and the CPU backend (same
# cores), ROUNDS times; prints medians and the ratios the targets are stated in. clpeak is not
# packaged for Debian 12, so its figures (PoCL 3.1 on this machine: fp32 peak 80 GFLOP/s with
# float16, global bandwidth 35 GB/s) are quoted from the issue, not measured here.
# usage: bench/opencl_vs_peers.sh [BUILD_DIR] [ROUNDS] [DEVICE]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
dev=${3:-opencl0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  "$build/xpubench" run --suite bench/opencl.toml --device "$dev" --json "$tmp/cl$r.json" >/dev/null 2>"$tmp/cl$r.log"
  "$build/xpubench" run --suite bench/opencl.toml --device cpu0 --kernel gemm --json "$tmp/cpu$r.json" >/dev/null 2>&1
done
python3 - "$tmp" "$rounds" "$dev" <<'PY'
import json, statistics, sys
tmp, rounds, dev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for r in range(1, rounds + 1):
    for f in (f"{tmp}/cl{r}.json", f"{tmp}/cpu{r}.json"):
        for m in json.load(open(f))["measurements"]:
            if m["state"] == "ok":
                rows.setdefault(m["name"], []).append(m)
def med(name, field="ops_per_s"):
    return statistics.median(x[field] if field != "time" else x["time_s"]["median"] for x in rows[name])
for n in (1024, 2048):
    g = f"gemm/fp32/m{n}n{n}k{n}"
    ours, blast, cpu = med(f"{dev}/{g}/xpubench"), med(f"{dev}/{g}/clblast"), med(f"cpu0/{g}/onednn")
    print(f"fp32 GEMM {n}^3: ours {ours/1e9:.1f} GFLOP/s, CLBlast {blast/1e9:.1f}: ratio {ours/blast:.2f} (target >= 2)"
          f"; CPU backend (oneDNN) {cpu/1e9:.1f}: OpenCL/CPU {ours/cpu:.2f}")
print(f"fp32 peak: {med(f'{dev}/peak/fp32/xpubench')/1e9:.1f} GFLOP/s (clpeak, quoted: 80)")
for op in ("read", "copy", "triad"):
    print(f"bandwidth {op}: {med(f'{dev}/bandwidth/{op}/b268435456/xpubench')/1e9:.1f} GB/s (clpeak global bandwidth, quoted: 35)")
print(f"empty-kernel latency (device time between launches): {med(f'{dev}/latency/empty/xpubench', 'time')*1e6:.2f} us")
PY
