#!/usr/bin/env bash
# The history's targets (issue 16), measured here: `history add` of a 100-row run (< 50 ms) and
# `history check` over 10 000 stored runs of one benchmark (< 1 s), each the median of 5 processes
# (whole commands: start-up included). Usage: bench/history.sh BUILD_DIR
set -euo pipefail
bin=${1:-build/release}/xpubench
py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/suite.toml" <<'TOML'
repetitions = 2
min_time_s = 0.001
[[latency]]
TOML
"$bin" run --in-process --quiet --suite "$dir/suite.toml" -d cpu0 --json "$dir/one.json"
# 100 rows: the one row copied under 100 names.
"$py" - "$dir/one.json" "$dir/hundred.json" <<'PY'
import copy, json, sys
run = json.load(open(sys.argv[1]))
row = run["measurements"][0]
run["measurements"] = []
for i in range(100):
    r = copy.deepcopy(row); r["name"] = f"cpu0/latency/empty/copy{i}"; run["measurements"].append(r)
run["context"]["xpubench"]["started_at"] += "-hundred"  # another run than one.json
json.dump(run, open(sys.argv[2], "w"))
PY
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for i in 1 2 3 4 5; do
  rm -f "$dir/add.sqlite"
  "$bin" history --db "$dir/add.sqlite" add "$dir/one.json" > /dev/null  # the schema made outside the timing
  s=$(date +%s%N); "$bin" history --db "$dir/add.sqlite" add "$dir/hundred.json" > /dev/null; e=$(date +%s%N)
  echo $(((e - s) / 1000))
done | median | awk '{printf "history add, a 100-row run: %.1f ms (median of 5 processes; target < 50 ms)\n", $1 / 1000}'
# 10 000 runs of one benchmark with a 5 % step at run 9 000, written straight into the schema.
"$bin" history --db "$dir/big.sqlite" add "$dir/one.json" > /dev/null
"$py" - "$dir/big.sqlite" <<'PY'
import json, random, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); random.seed(1)
with db:
    for i in range(10000):
        cur = db.execute("INSERT INTO runs(machine, host, suite, git_sha, started_at, xpubench_version, file, added_at) VALUES(?,?,?,?,?,?,?,?)",
                         ("m", "h", "ci", f"c{i}", f"2026-01-01T00:00:00Z#{i:05}", "0.1.0", "f", "now"))
        t = 1e-3 * (1.05 if i >= 9000 else 1.0) * (1 + 0.02 * random.gauss(0, 1))
        db.execute("INSERT INTO results VALUES(?,?,?,?,?,?,?)", (cur.lastrowid, "cpu0/gemm/fp32/x/onednn", "onednn", "ok", t, 1 / t, json.dumps([t])))
PY
for i in 1 2 3 4 5; do
  s=$(date +%s%N); "$bin" history --db "$dir/big.sqlite" check > "$dir/check.txt"; e=$(date +%s%N)
  echo $(((e - s) / 1000))
done | median | awk '{printf "history check, 10 000 runs of one benchmark: %.0f ms (median of 5 processes; target < 1 s)\n", $1 / 1000}'
grep "step(s)" "$dir/check.txt"
grep -E "c8999..c9000|c900[0-9]" "$dir/check.txt" | head -3 || echo "the step at run 9000 was not found"
