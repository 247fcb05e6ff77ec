#!/usr/bin/env bash
# The model table's prediction against a real engine on the same GGUF file, on this machine's CPU:
# for each MODEL, `xpubench suite from-model` + `run` on cpu0 (the model table's q4_0 x int8 row:
# qgemm (and moe for experts) with Q8_0 activations, attention/RMSNorm (or LayerNorm)/SiLU in fp16, the 1 GiB read row; fp32 for that row) and ENGINE_CMD, interleaved,
# ROUNDS rounds; prints the medians of prefill and decode tokens/s side by side with their ratios:
# decode streamed (the weights from memory, as the engine reads them) and cached (one matrix timed
# again and again), and the decode memory bound of the same run.
#
# ENGINE_CMD is run as `ENGINE_CMD MODEL PROMPT DECODE THREADS` and prints
# "prefill_tok_s=X decode_tok_s=Y" (bench/engines/node_llama_cpp.mjs does so for llama.cpp through
# npm's node-llama-cpp, installed by hand; no script here installs or builds an engine).
# Optional GGML_PERF: a command printing test-backend-ops' perf lines (`test-backend-ops perf -o
# MUL_MAT -b CPU` from ggml's repository, built by hand): its q4_0 x f32 line at m = 4096, n = 1,
# k = 14336 is set beside our qgemm q4_0 x int8 at the same shape (cached and streamed), each round.
# Model files: bench/make_gguf.py --data (Llama-shaped, random weights; --experts=E,U for a mixture of
# experts, whose routed products are moe rows; see its header).
# usage: bench/vs_engine.sh ENGINE_CMD MODEL.gguf... (env: BUILD=build/release ROUNDS=3 PROMPT=512 DECODE=128
# THREADS=the physical cores; both sides get the same count)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { echo "usage: bench/vs_engine.sh ENGINE_CMD MODEL.gguf..." >&2; exit 2; }
engine=$1
shift
build=${BUILD:-build/release}
rounds=${ROUNDS:-3}
prompt=${PROMPT:-512}
decode=${DECODE:-128}
threads=${THREADS:-$(lscpu -p=CORE,SOCKET | grep -v '^#' | sort -u | wc -l)}
[[ -x "$build/xpubench" ]] || { echo "no $build/xpubench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
for model in "$@"; do [[ -f "$model" ]] || { echo "no model file '$model'" >&2; exit 2; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -n "${GGML_PERF:-}" ]]; then
  cat > "$work/gemv.toml" <<'TOML'
name = "gemv-vs-ggml"
repetitions = 7
min_time_s = 0.2
[[qgemm]]
precisions = ["int8"]
formats = ["q4_0"]
shapes = [{ m = 1, n = 4096, k = 14336 }, { m = 1, n = 4096, k = 14336, copies = 33 }]
TOML
fi

for i in $(seq "$rounds"); do
  n=0
  for model in "$@"; do
    n=$((n + 1))
    if [[ ! -f "$work/suite$n.toml" ]]; then
      "$build/xpubench" suite from-model "$model" --tokens "$prompt" -o "$work/suite$n.toml" >/dev/null 2>"$work/from_model.err" ||
        { echo "xpubench suite from-model $model failed:" >&2; cat "$work/from_model.err" >&2; exit 1; }
    fi
    # shellcheck disable=SC2086
    $engine "$model" "$prompt" "$decode" "$threads" 2>/dev/null | grep -o 'prefill_tok_s=[0-9.]* decode_tok_s=[0-9.]*' > "$work/engine$n.$i" ||
      { echo "the engine printed no 'prefill_tok_s=... decode_tok_s=...' for $model" >&2; exit 1; }
    "$build/xpubench" run --suite "$work/suite$n.toml" -d cpu0 -t "$threads" -k qgemm moe attention rmsnorm layernorm silu bandwidth -p int8 fp16 fp32 \
      --json "$work/run$n.$i.json" >/dev/null 2>&1 || true
    "$build/xpubench" report --format md "$work/run$n.$i.json" > "$work/report$n.$i.md"
  done
  if [[ -n "${GGML_PERF:-}" ]]; then
    # shellcheck disable=SC2086
    $GGML_PERF 2>&1 | grep -F 'type_a=q4_0,type_b=f32,m=4096,n=1,k=14336,' > "$work/ggml.$i" || true
    "$build/xpubench" run --suite "$work/gemv.toml" -d cpu0 -t "$threads" --json "$work/gemv.$i.json" >/dev/null 2>&1 || true
  fi
done

python3 - "$work" "$rounds" "$prompt" "$decode" "$threads" "$@" <<'PY'
import json, os, re, statistics, sys
work, rounds, prompt, decode, threads, models = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
med = lambda xs: statistics.median(xs) if xs else float("nan")
print(f"prefill of {prompt} tokens, decode of {decode}, {threads} threads on both sides, medians of {rounds} interleaved rounds; "
      "xpubench: cpu0, the q4_0 x int8 row")
print(f"{'model':<28} {'MB':>6} {'engine pf':>10} {'ours pf':>8} {'ratio':>6} {'engine dec':>11} {'ours dec':>9} {'ratio':>6} "
      f"{'cached':>7} {'ratio':>6} {'mem bound':>9}")
for n, model in enumerate(models, 1):
    eng_pf, eng_dec, pf, dec, cached, bound = [], [], [], [], [], []
    for i in range(1, rounds + 1):
        m = re.search(r"prefill_tok_s=([0-9.]+) decode_tok_s=([0-9.]+)", open(f"{work}/engine{n}.{i}").read())
        eng_pf.append(float(m.group(1))); eng_dec.append(float(m.group(2)))
        header = None  # the model table of the Markdown report, its columns found by name
        for line in open(f"{work}/report{n}.{i}.md"):
            cells = [c.strip().replace("\\_", "_") for c in line.strip().strip("|").split("|")]
            if "decode tok/s" in cells:
                header = cells
            elif header and len(cells) == len(header) and cells[0] == "cpu0" and cells[1] == "q4_0 x int8":
                num = lambda name: float(cells[header.index(name)]) if re.fullmatch(r"[0-9.e+]+", cells[header.index(name)]) else float("nan")
                dec.append(num("decode tok/s")); cached.append(num("decode tok/s, weights cached")); pf.append(num("prefill tok/s"))
                bound.append(num("decode memory bound tok/s"))
                break
    e_pf, e_dec = med(eng_pf), med(eng_dec)
    print(f"{os.path.basename(model):<28} {os.path.getsize(model) / 1e6:>6.0f} {e_pf:>10.1f} {med(pf):>8.1f} {med(pf) / e_pf:>5.2f}x "
          f"{e_dec:>11.2f} {med(dec):>9.2f} {med(dec) / e_dec:>5.2f}x {med(cached):>7.2f} {med(cached) / e_dec:>5.2f}x {med(bound):>9.2f}")
if os.path.exists(f"{work}/ggml.1"):
    ggml, ours, streamed = [], [], []
    for i in range(1, rounds + 1):
        m = re.search(r"([0-9.]+) us/run", open(f"{work}/ggml.{i}").read())
        if m: ggml.append(float(m.group(1)))
        for row in json.load(open(f"{work}/gemv.{i}.json"))["measurements"]:
            if row.get("state") == "ok" and row.get("time_s") and row.get("verification", {}).get("passed"):
                t = row["time_s"]["median"] * 1e6
                (streamed.append(t / 33) if row["problem"].endswith("x33") else ours.append(t))
    print(f"q4_0 GEMV 4096 x 14336, one token: ggml (test-backend-ops, fp32 activations quantized inside) {med(ggml):.0f} us; "
          f"ours (Q8_0 activations) {med(ours):.0f} us cached ({med(ggml) / med(ours):.2f}x ggml's speed), "
          f"{med(streamed):.0f} us streamed over 33 copies ({med(ggml) / med(streamed):.2f}x)")
PY
