#!/usr/bin/env bash
# xpubench's CPU backend beside direct calls of oneDNN, OpenBLAS and plain OpenMP loops, in one
# run, alternating ROUNDS times; prints each figure's median over the rounds and the ratios the
# targets are stated in.   usage: bench/cpu_vs_libraries.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
[[ -x "$build/xpubench" ]] || { echo "build first: cmake --build --preset release" >&2; exit 2; }
# The direct oneDNN / OpenBLAS program is not in the default build.
[[ -x "$build/bench/xpubench_bench_cpu_direct" ]] || cmake --build "$build" --target xpubench_bench_cpu_direct >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  "$build/xpubench" run --suite bench/cpu.toml --device cpu0 --json "$tmp/xpu$r.json" >/dev/null 2>"$tmp/xpu$r.log"
  "$build/bench/xpubench_bench_cpu_direct" >"$tmp/direct$r.txt"
done
python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
ours, direct = {}, {}
for r in range(1, rounds + 1):
    for m in json.load(open(f"{tmp}/xpu{r}.json"))["measurements"]:
        if m["state"] == "ok":
            ours.setdefault(m["name"], []).append(m)
    for line in open(f"{tmp}/direct{r}.txt"):
        name, value, _ = line.split()
        direct.setdefault(name, []).append(float(value))
med = lambda xs: statistics.median(xs)
class Missing(Exception):
    pass
def o(name, field="ops_per_s"):
    if name not in ours:
        raise Missing(f"{name} did not run ok on this CPU")
    return med([m[field] for m in ours[name]])
def d(name):
    if name not in direct:
        raise Missing(f"the direct benchmark {name} did not run on this CPU")
    return med(direct[name])
g = "cpu0/gemm/{}/m2048n2048k2048/{}"
c = "cpu0/conv2d/{}/n1c64h56w56k64r3s3u1p1d1nchw/onednn"
specs = [
  ("fp32 GEMM 2048^3 (oneDNN impl) / best direct", lambda: o(g.format("fp32", "onednn")), lambda: max(d("onednn_matmul_f32_2048"), d("openblas_sgemm_2048")), 0.95),
  ("fp32 GEMM 2048^3 (OpenBLAS impl) / OpenBLAS direct", lambda: o(g.format("fp32", "openblas")), lambda: d("openblas_sgemm_2048"), 0.95),
  ("int8 GEMM 2048^3 / our fp32 GEMM", lambda: o(g.format("int8", "onednn")), lambda: o(g.format("fp32", "onednn")), 3.0),
  ("bf16 GEMM 2048^3 / our fp32 GEMM", lambda: o(g.format("bf16", "onednn")), lambda: o(g.format("fp32", "onednn")), 1.7),
  ("conv 3x3 64->64 56x56 fp32 / oneDNN direct", lambda: o(c.format("fp32")), lambda: d("onednn_conv_f32_64x56"), 0.95),
  ("conv 3x3 64->64 56x56 int8 / oneDNN direct", lambda: o(c.format("int8")), lambda: d("onednn_conv_s8_64x56"), 0.95),
  ("fp32 sum 1 GiB / direct STREAM triad 1 GiB", lambda: o("cpu0/reduction/fp32/sum/n268435456/xpubench", "bytes_per_s"), lambda: d("stream_triad_1GiB"), 0.9),
  ("fp32 sum 1 GiB / direct plain sum 1 GiB", lambda: o("cpu0/reduction/fp32/sum/n268435456/xpubench", "bytes_per_s"), lambda: d("plain_sum_1GiB"), None),
  ("our triad 1 GiB / direct STREAM triad 1 GiB", lambda: o("cpu0/bandwidth/triad/b1073741824/xpubench"), lambda: d("stream_triad_1GiB"), None),
]
print(f"{'ratio (medians of ' + str(rounds) + ' rounds)':<52} {'ours':>12} {'reference':>12} {'ratio':>7} {'target':>7}")
for name, ours_of, reference_of, target in specs:
    try:
        a, b = ours_of(), reference_of()
    except Missing as why:  # what this CPU lacks (bf16, VNNI) is skipped with the reason
        print(f"{name:<52} skipped: {why}")
        continue
    ok = "" if target is None else ("  ok" if a / b >= target else "  MISSED")
    print(f"{name:<52} {a:>12.4g} {b:>12.4g} {a / b:>7.2f} {('>= ' + str(target)) if target else '':>7}{ok}")
for name in ("cpu0/peak/fp32/xpubench", "cpu0/peak/int8/xpubench"):
    if name not in ours:
        print(f"{name}: skipped: did not run ok on this CPU")
        continue
    p = med([m["percent_of_peak"] for m in ours[name]])
    print(f"{name}: {p:.1f}% of {ours[name][0]['peak_basis']}  (target 85-105%)")
for name, ms in sorted(ours.items()):
    if ms[0].get("dispatch_warning"):
        print(f"{name}: {ms[0]['dispatch_warning']}")
lat = med([m["time_s"]["median"] for m in ours["cpu0/latency/empty/xpubench"]])
print(f"empty-task launch latency: {lat * 1e6:.2f} us  (target < 5 us)")
PY
