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
# The gate stops at its first look where every row is settled (after 6 of 8 rounds, say); the
# tally gives the rounds each gate ran. EXTRA_AB adds options to every gate (e.g. --every-round for
# the fixed design).
#
# LOAD=steady runs a CPU-bound process beside each whole gate at nice 19 (`stress-ng --cpu 1`,
# Debian's stress-ng); LOAD=bursts runs it in bursts (BURST_ON seconds on, BURST_OFF off, default
# 4 and 6): the busy machine a CI runner shares. The gate's own answers to it (rounds run again,
# fewer threads) are in its JSON and tallied.
#
# usage: [LOAD=steady|bursts] [EXTRA_AB='...'] bench/gate_rates.sh BUILD_DIR [GATES=20] [ROUNDS=8] [REPETITIONS=5] [MIN_TIME=0.05]
set -euo pipefail
build=${1:?usage: bench/gate_rates.sh BUILD_DIR [GATES] [ROUNDS] [REPETITIONS] [MIN_TIME]}
gates=${2:-20} rounds=${3:-8} reps=${4:-5} min_time=${5:-0.05}
exe=$(realpath "$build/xpubench")
load=${LOAD:-none}
read -r -a extra <<< "${EXTRA_AB:-}"
if [[ $load != none ]] && ! command -v stress-ng > /dev/null; then
  echo "gate_rates: LOAD=$load needs stress-ng (apt-get install stress-ng); skipped"
  exit 0
fi
[[ $load == none || $load == steady || $load == bursts ]] || { echo "gate_rates: LOAD is none, steady or bursts, not '$load'"; exit 2; }
out=$(mktemp -d /tmp/gate_rates.XXXXXX)
loader=
stop_load() { [[ -n $loader ]] && { kill -- -"$loader" 2> /dev/null || true; wait "$loader" 2> /dev/null || true; loader=; }; }
trap stop_load EXIT
start_load() {
  case $load in
    steady) setsid nice -n 19 stress-ng --cpu 1 --quiet 2> /dev/null & loader=$! ;;
    bursts) setsid bash -c "while :; do timeout ${BURST_ON:-4} nice -n 19 stress-ng --cpu 1 --quiet 2> /dev/null; sleep ${BURST_OFF:-6}; done" & loader=$! ;;
  esac
}
mapfile -t names < <("$exe" run --suite ci --device cpu0 --list | awk '$2 == "native" || $2 == "emulated" {print $1}')
(( ${#names[@]} >= 3 )) || { echo "gate_rates: the ci suite lists fewer than 3 runnable rows on cpu0: ${names[*]}"; exit 1; }
echo "gate_rates: load $load; $gates gates x at most $rounds rounds (ABBA) x ${#names[@]} benchmarks, $reps repetitions of >= $min_time s; runs in $out"
for ((g = 0; g < gates; ++g)); do
  ten=${names[g % ${#names[@]}]}
  three=${names[(g + ${#names[@]} / 2) % ${#names[@]}]}
  start_load
  start=$(date +%s.%N)
  set +e
  "$exe" ab --base "$exe" --head "$exe" --suite ci --device cpu0 --rounds "$rounds" --repetitions "$reps" --min-time "$min_time" \
    --inject-slowdown-head "^${ten}\$=0.10" --inject-slowdown-head "^${three}\$=0.03" "${extra[@]}" \
    --json "$out/gate$g.json" --keep "$out/gate$g.runs" > "$out/gate$g.txt" 2> "$out/gate$g.log"
  rc=$?
  end=$(date +%s.%N)
  stop_load
  mapfile -t used_base < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["base_files"]))' "$out/gate$g.json")
  mapfile -t used_head < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["head_files"]))' "$out/gate$g.json")
  "$exe" compare "${used_base[@]}" -- "${used_head[@]}" --allow-different-machine --format json \
    > "$out/gate$g.unpaired.json" 2> "$out/gate$g.unpaired.log"
  set -e
  python3 - "$out/gate$g.json" "$ten" "$three" "$rc" "$start" "$end" "$out/gate$g.unpaired.json" >> "$out/tally.jsonl" <<'PY'
import json, sys
path, ten, three, rc, start, end, unpaired_path = sys.argv[1:]
doc = json.load(open(path))
up = {r["name"]: r for r in json.load(open(unpaired_path))["rows"]}
rows = {r["name"]: r for r in doc["rows"]}
aa = [r for n, r in rows.items() if n not in (ten, three)]
ab = doc["ab"]
print(json.dumps({"rc": int(rc), "wall_s": float(end) - float(start),
                  "rounds_run": ab.get("rounds_run", ab["rounds"]), "run_again": ab.get("rounds_run_again", 0),
                  "busy_counted": ab.get("busy_rounds_counted", 0),
                  "fewer_threads": sum(1 for a in ab.get("attempts", []) if a.get("threads", 0) > 0),
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
print(f"gates: {n}; wall time per gate (base + head, {t and 'ABBA'}): median {statistics.median(x['wall_s'] for x in t):.0f} s "
      f"(min {min(x['wall_s'] for x in t):.0f}, max {max(x['wall_s'] for x in t):.0f}); rounds run: "
      f"{ {r: sum(x['rounds_run'] == r for x in t) for r in sorted(set(x['rounds_run'] for x in t))} }")
print(f"rounds run again (disturbed): {sum(x['run_again'] for x in t)}; disturbed rounds counted (budget spent): "
      f"{sum(x['busy_counted'] for x in t)}; rounds on fewer threads: {sum(x['fewer_threads'] for x in t)}")
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
