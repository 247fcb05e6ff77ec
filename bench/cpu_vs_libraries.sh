#!/usr/bin/env bash
# xpubench's CPU backend beside direct calls of oneDNN, OpenBLAS and plain OpenMP loops, in one
# run, alternating ROUNDS times; prints each figure's median over the rounds and the ratios the
# targets are stated in.   usage: bench/cpu_vs_libraries.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
[[ -x "$build/xpubench" && -x "$build/bench/xpubench_bench_cpu_direct" ]] || { echo "build first: cmake --build --preset release" >&2; exit 2; }
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
def o(name, field="ops_per_s"): return med([m[field] for m in ours[name]])
def d(name): return med(direct[name])
g = "cpu0/gemm/{}/m2048n2048k2048/{}"
c = "cpu0/conv2d/{}/n1c64h56w56k64r3s3u1p1d1nchw/onednn"
rows = [
  ("fp32 GEMM 2048^3 (oneDNN impl) / best direct", o(g.format("fp32", "onednn")), max(d("onednn_matmul_f32_2048"), d("openblas_sgemm_2048")), 0.95),
  ("fp32 GEMM 2048^3 (OpenBLAS impl) / OpenBLAS direct", o(g.format("fp32", "openblas")), d("openblas_sgemm_2048"), 0.95),
  ("int8 GEMM 2048^3 / our fp32 GEMM", o(g.format("int8", "onednn")), o(g.format("fp32", "onednn")), 3.0),
  ("bf16 GEMM 2048^3 / our fp32 GEMM", o(g.format("bf16", "onednn")), o(g.format("fp32", "onednn")), 1.7),
  ("conv 3x3 64->64 56x56 fp32 / oneDNN direct", o(c.format("fp32")), d("onednn_conv_f32_64x56"), 0.95),
  ("conv 3x3 64->64 56x56 int8 / oneDNN direct", o(c.format("int8")), d("onednn_conv_s8_64x56"), 0.95),
  ("fp32 sum 1 GiB / direct STREAM triad 1 GiB", o("cpu0/reduction/fp32/sum/n268435456/xpubench", "bytes_per_s"), d("stream_triad_1GiB"), 0.9),
  ("fp32 sum 1 GiB / direct plain sum 1 GiB", o("cpu0/reduction/fp32/sum/n268435456/xpubench", "bytes_per_s"), d("plain_sum_1GiB"), None),
  ("our triad 1 GiB / direct STREAM triad 1 GiB", o("cpu0/bandwidth/triad/b1073741824/xpubench"), d("stream_triad_1GiB"), None),
]
print(f"{'ratio (medians of ' + str(rounds) + ' rounds)':<52} {'ours':>12} {'reference':>12} {'ratio':>7} {'target':>7}")
for name, a, b, target in rows:
    ok = "" if target is None else ("  ok" if a / b >= target else "  MISSED")
    print(f"{name:<52} {a:>12.4g} {b:>12.4g} {a / b:>7.2f} {('>= ' + str(target)) if target else '':>7}{ok}")
for name in ("cpu0/peak/fp32/xpubench", "cpu0/peak/int8/xpubench"):
    p = med([m["percent_of_peak"] for m in ours[name]])
    print(f"{name}: {p:.1f}% of {ours[name][0]['peak_basis']}  (target >= 95%)")
lat = med([m["time_s"]["median"] for m in ours["cpu0/latency/empty/xpubench"]])
print(f"empty-task launch latency: {lat * 1e6:.2f} us  (target < 5 us)")
PY
