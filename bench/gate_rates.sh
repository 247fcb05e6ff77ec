#!/usr/bin/env bash
# The regression gate's false-alarm and detection rates on this machine, measured with the real
# gate (`xpubench ab`, interleaved ABBA processes) and an honest injected slowdown: the head
# processes spin for a known fraction of each launch's time inside the timed region of one
# benchmark (`--inject-slowdown-head`, a documented test-only option), so the slowdown is real
# wall time that the clock, the sentinel and the statistics all see.
#
# Each gate compares the same build with itself, the `ci` suite on cpu0; in the head processes
# one benchmark is slowed by 10 % and another by 3 % (rotating over the suite's rows). So every
# gate is at once an A-A gate (the 8 untouched rows: any `slower` among them, or a failed gate for
# another reason, is a false alarm), a 10 % detection trial and a 3 % trial (never `slower` at
# the 5 % threshold).
#
# The same run files are also compared unpaired (`xpubench compare BASE... -- HEAD...`, each process
# one independent sample) to show what pairing the rounds buys.
#
# usage: bench/gate_rates.sh BUILD_DIR [GATES=20] [ROUNDS=8] [REPETITIONS=5] [MIN_TIME=0.05]
set -euo pipefail
build=${1:?usage: bench/gate_rates.sh BUILD_DIR [GATES] [ROUNDS] [REPETITIONS] [MIN_TIME]}
gates=${2:-20} rounds=${3:-8} reps=${4:-5} min_time=${5:-0.05}
exe=$(realpath "$build/xpubench")
out=$(mktemp -d /tmp/gate_rates.XXXXXX)
mapfile -t names < <("$exe" run --suite ci --device cpu0 --list | awk '$2 == "native" || $2 == "emulated" {print $1}')
(( ${#names[@]} >= 3 )) || { echo "gate_rates: the ci suite lists fewer than 3 runnable rows on cpu0: ${names[*]}"; exit 1; }
echo "gate_rates: $gates gates x $rounds rounds (ABBA) x ${#names[@]} benchmarks, $reps repetitions of >= $min_time s; runs in $out"
for ((g = 0; g < gates; ++g)); do
  ten=${names[g % ${#names[@]}]}
  three=${names[(g + ${#names[@]} / 2) % ${#names[@]}]}
  start=$(date +%s.%N)
  set +e
  "$exe" ab --base "$exe" --head "$exe" --suite ci --device cpu0 --rounds "$rounds" --repetitions "$reps" --min-time "$min_time" \
    --inject-slowdown-head "^${ten}\$=0.10" --inject-slowdown-head "^${three}\$=0.03" \
    --json "$out/gate$g.json" --keep "$out/gate$g.runs" > "$out/gate$g.txt" 2> "$out/gate$g.log"
  rc=$?
  end=$(date +%s.%N)
  "$exe" compare "$out/gate$g.runs"/base-*.json -- "$out/gate$g.runs"/head-*.json --allow-different-machine --format json \
    > "$out/gate$g.unpaired.json" 2> "$out/gate$g.unpaired.log"
  set -e
  python3 - "$out/gate$g.json" "$ten" "$three" "$rc" "$start" "$end" "$out/gate$g.unpaired.json" >> "$out/tally.jsonl" <<'PY'
import json, sys
path, ten, three, rc, start, end, unpaired_path = sys.argv[1:]
doc = json.load(open(path))
up = {r["name"]: r for r in json.load(open(unpaired_path))["rows"]}
rows = {r["name"]: r for r in doc["rows"]}
aa = [r for n, r in rows.items() if n not in (ten, three)]
print(json.dumps({"rc": int(rc), "wall_s": float(end) - float(start),
                  "aa_slower": sum(r["verdict"] == "slower" for r in aa),
                  "aa_verdicts": [r["verdict"] for r in aa],
                  "aa_regression": any(r["regression"] for r in aa) or bool(doc["problems"]),
                  "ten": rows[ten]["verdict"], "ten_delta": rows[ten].get("delta"), "ten_ci": rows[ten].get("ci"),
                  "three": rows[three]["verdict"], "three_delta": rows[three].get("delta"),
                  "noise_floor": doc.get("noise_floor"), "problems": doc["problems"],
                  "unpaired": {"aa_slower": sum(up[n]["verdict"] == "slower" for n in up if n not in (ten, three)),
                               "ten": up[ten]["verdict"], "three": up[three]["verdict"],
                               "noise_floor": json.load(open(unpaired_path)).get("noise_floor")}}))
PY
  tail -n1 "$out/tally.jsonl"
done
python3 - "$out/tally.jsonl" <<'PY'
import json, statistics, sys
t = [json.loads(l) for l in open(sys.argv[1])]
n = len(t)
fa = sum(x["aa_regression"] for x in t)
aa_rows = [v for x in t for v in x["aa_verdicts"]]
det = sum(x["ten"] == "slower" for x in t)
three_slower = sum(x["three"] == "slower" for x in t)
print(f"gates: {n}; wall time per gate (base + head, {t and 'ABBA'}): median {statistics.median(x['wall_s'] for x in t):.0f} s")
print(f"A-A: {fa} of {n} gates raised a false alarm on the untouched rows "
      f"({sum(v == 'slower' for v in aa_rows)} slower of {len(aa_rows)} rows; "
      f"{sum(v == 'same' for v in aa_rows)} same, {sum(v == 'uncertain' for v in aa_rows)} uncertain, "
      f"{sum(v == 'faster' for v in aa_rows)} faster)")
print(f"10% slowdown: called slower in {det} of {n} gates "
      f"(measured change median {statistics.median(x['ten_delta'] for x in t) * 100:+.1f}%)")
print(f"3% slowdown: called slower in {three_slower} of {n} gates "
      f"(measured change median {statistics.median(x['three_delta'] for x in t) * 100:+.1f}%; verdicts "
      f"{ {v: sum(x['three'] == v for x in t) for v in set(x['three'] for x in t)} })")
print(f"noise floor (paired: robust sd of the rounds' log ratios / sqrt 2): median {statistics.median(x['noise_floor'] for x in t if x['noise_floor']) * 100:.1f}%")
u = [x["unpaired"] for x in t]
print(f"the same runs unpaired (each process an independent sample): {sum(x['aa_slower'] > 0 for x in u)} of {n} gates with an A-A row "
      f"slower; 10% called slower in {sum(x['ten'] == 'slower' for x in u)} of {n}; 3% in {sum(x['three'] == 'slower' for x in u)}; "
      f"noise floor median {statistics.median(x['noise_floor'] for x in u if x['noise_floor']) * 100:.1f}%")
PY
