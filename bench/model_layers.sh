#!/usr/bin/env bash
# Model-shaped figures (issue 15), measured side by side in one run per round:
#  1. `xpubench suite from-model` on the header of a 7B-sized GGUF (Llama-2-7B's tensor table and a
#     32000-token vocabulary, written by bench/make_gguf.py): median of 20 runs (target < 100 ms).
#  2. attention at sequence 512, head_dim 128 (32 heads, 8 KV heads, causal) against the same
#     device's fp32 GEMM 1024^3, on every device (target on PoCL and lavapipe: >= 0.3 x GEMM), and
#     the CPU's attention GFLOP/s and % of its measured fp32 peak.
#  3. decode-shaped GEMV (m = 1, n = 14336, k = 4096: Llama-3-8B's gate/up) as fp32 GEMM and as qgemm in
#     Q8_0 and Q4_0 with fp32 and int8 activations, as bytes/s against the same device's STREAM-style
#     read of the same bytes in the same run (target on the CPU: >= 0.8): reads of 33, 62 and 235 MB, the
#     weights of Q4_0, Q8_0 and fp32 (a Q4_0 matrix about the size of a server's L3 is helped by it, and
#     so is the read it is compared with); each row also against the 235 MB read (memory-bound).
# Medians of ROUNDS processes, one after another.
# usage: bench/model_layers.sh [BUILD_DIR] [ROUNDS]   (default build/release 3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
[[ -x "$build/xpubench" ]] || { echo "no $build/xpubench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing: run scripts/install-deps.sh" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 bench/make_gguf.py "$work/llama-7b.gguf"
hyperfine --style basic -N --warmup 3 --runs 20 --export-json "$work/from_model.json" \
  -n from-model "$build/xpubench suite from-model $work/llama-7b.gguf -o $work/suite.toml" >/dev/null
python3 - "$work/from_model.json" "$work/llama-7b.gguf" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"suite from-model on a {os.path.getsize(sys.argv[2]) / 1e6:.2f} MB 7B header (291 tensors, 32000 tokens): "
      f"median {r['median'] * 1e3:.1f} ms, min {r['min'] * 1e3:.1f} ms (target < 100 ms)")
PY

cat > "$work/layers.toml" <<'TOML'
name = "model-layers-bench"
repetitions = 5
min_time_s = 0.2
[[peak]]
precisions = ["fp32"]
[[gemm]]
precisions = ["fp32"]
shapes = [{ m = 1024, n = 1024, k = 1024 }]
[[attention]]
precisions = ["fp32"]
shapes = [{ heads = 32, kv_heads = 8, seq = 512, head_dim = 128, causal = true }]
[[bandwidth]]
ops = ["read"]
bytes = [33030144, 62390272, 234881024]
[[gemm]]
precisions = ["fp32"]
shapes = [{ m = 1, n = 14336, k = 4096, trans_b = true }]
[[qgemm]]
precisions = ["fp32", "int8"]
formats = ["q8_0", "q4_0"]
shapes = [{ m = 1, n = 14336, k = 4096 }]
TOML
for i in $(seq "$rounds"); do
  "$build/xpubench" run --suite "$work/layers.toml" --json "$work/round$i.json" >/dev/null 2>&1
done
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
per, gemv, gemv_bytes = {}, {}, {}
for i in range(1, rounds + 1):
    for m in json.load(open(f"{work}/round{i}.json"))["measurements"]:
        if m.get("state") != "ok" or "ops_per_s" not in m:
            continue
        if m["kernel"] == "bandwidth" or "m1n14336k4096" in m["problem"]:
            gemv.setdefault((m["device"], m["problem"], m["implementation"]), []).append(m["bytes"] / m["time_s"]["median"])
            gemv_bytes.setdefault((m["device"], m["problem"], m["implementation"]), []).append(m["bytes"])
            continue
        per.setdefault((m["device"], m["kernel"], m["implementation"]), []).append((m["ops_per_s"], m.get("percent_of_peak")))
devices = sorted({d for d, _, _ in per})
for d in devices:
    att = [v for (dd, k, _), v in per.items() if dd == d and k == "attention"]
    gemm = {impl: v for (dd, k, impl), v in per.items() if dd == d and k == "gemm"}
    if not att or not gemm:
        print(f"{d}: attention or GEMM did not run (see the run's rows)")
        continue
    a = statistics.median(x[0] for x in att[0])
    pct = [x[1] for x in att[0] if x[1] is not None]
    for impl, g in gemm.items():
        gm = statistics.median(x[0] for x in g)
        print(f"{d}: attention {a / 1e9:.1f} GFLOP/s{f' ({statistics.median(pct):.0f}% of peak)' if pct else ''}, "
              f"GEMM ({impl}) {gm / 1e9:.1f} GFLOP/s, ratio {a / gm:.2f} (target on PoCL and lavapipe >= 0.3)")
for d in devices:
    read = {int(p.rsplit("/b", 1)[1]): statistics.median(v) for (dd, p, _), v in gemv.items() if dd == d and p.startswith("bandwidth/read")}
    if not read:
        continue
    largest = max(read)
    for (dd, p, impl), v in sorted(gemv.items()):
        if dd == d and not p.startswith("bandwidth"):
            b = statistics.median(v)
            size = statistics.median(gemv_bytes[(dd, p, impl)])
            same = min(read, key=lambda r: abs(r - size))  # the read of (about) the same bytes
            print(f"{d}: {p} ({impl}) {b / 1e9:.1f} GB/s of its {size / 1e6:.0f} MB, {b / read[same]:.2f} x the {same / 1e6:.0f} MB read's "
                  f"{read[same] / 1e9:.1f} GB/s{' (target >= 0.8)' if d.startswith('cpu') else ''}"
                  + (f", {b / read[largest]:.2f} x the {largest / 1e6:.0f} MB read's {read[largest] / 1e9:.1f} GB/s" if same != largest else ""))
PY
