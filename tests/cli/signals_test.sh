#!/usr/bin/env bash
# `xpubench run` and signals (issue 12): SIGTERM and SIGHUP end a run like SIGINT (results kept,
# interrupted: true, exit 128 + signal); a second SIGINT kills a hung worker at once; kill -9 at
# any point leaves the JSON and CSV whole (each is replaced atomically).
set -u
xpubench=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Enough benchmarks that a signal lands in the middle: 12 reductions of 0.05 s x 3 repetitions.
cat > "$dir/suite.toml" <<'TOML'
repetitions = 3
min_time_s = 0.05
[[reduction]]
precisions = ["fp32", "int8"]
ops = ["sum", "max"]
sizes = [4096, 8192, 16384]
TOML

# Starts a command in the background with SIGINT at its default: bash starts background jobs of a
# script with SIGINT ignored, and xpubench rightly keeps a signal its caller ignores.
# What these runs start carries this mark in its environment: a worker's command line is only
# `xpubench run --worker` (its options come on stdin), so the mark is how a leftover one is found.
mark="XPU_SIGNALS_TEST=$$"
marked_running() { grep -qsxz -- "$mark" /proc/[0-9]*/environ; }
launch() { exec python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' "$@"; }

# Waits until the run file lists at least one measurement (at most 60 s).
wait_for_rows() {
  for _ in $(seq 600); do
    python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("measurements") else 1)' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

check_interrupted() {  # file expected_signal_name
  python3 - "$1" "$2" <<'PY' || fail "$1 is not an interrupted run by $2"
import json, sys
run = json.load(open(sys.argv[1]))
x = run["context"]["xpubench"]
assert x["interrupted"] is True, x
assert x["interrupted_by"] == sys.argv[2], x
assert x["finished"] is False, x
assert len(run["measurements"]) >= 1
PY
}

for sig in TERM HUP INT; do
  out="$dir/$sig.json"
  launch "$xpubench" run --suite "$dir/suite.toml" --device cpu0 --json "$out" >"$dir/$sig.log" 2>&1 &
  pid=$!
  wait_for_rows "$out" || fail "no row before SIG$sig"
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  case $sig in TERM) want=143 ;; HUP) want=129 ;; INT) want=130 ;; esac
  [ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, expected $want ($(tail -3 "$dir/$sig.log"))"
  check_interrupted "$out" "SIG$sig"
done

# A signal the caller ignores stays ignored (`nohup`): SIGHUP does not end such a run.
out="$dir/nohup.json"
(trap '' HUP; exec "$xpubench" run --suite "$dir/suite.toml" --device cpu0 --json "$out" >"$dir/nohup.log" 2>&1) &
pid=$!
wait_for_rows "$out" || fail "nohup: no row"
kill -HUP "$pid"
wait "$pid"
rc=$?
[ "$rc" = 0 ] || fail "an ignored SIGHUP ended the run (exit $rc)"
python3 -c 'import json,sys; x=json.load(open(sys.argv[1]))["context"]["xpubench"]; assert x["finished"] and not x["interrupted"]' "$out" \
  || fail "nohup: the run did not finish"

# A second SIGINT kills a hung worker at once (the fake driver hangs in clFinish; --no-prebuild: the
# measuring worker meets the hang, not a helper building kernels before it).
if [ -n "${XPU_FAKE_OPENCL:-}" ]; then
  out="$dir/twice.json"
  XPUBENCH_OPENCL_LIBRARY=$XPU_FAKE_OPENCL FAKE_OPENCL_FAULT=hang_finish \
    launch env "$mark" "$xpubench" run --suite "$dir/suite.toml" --device opencl0 --timeout 600 --no-prebuild --json "$out" >"$dir/twice.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q "opencl0/" "$dir/twice.log" && break; sleep 0.1; done
  sleep 1
  kill -INT "$pid"
  sleep 1
  kill -0 "$pid" 2>/dev/null || fail "one SIGINT ended a run whose worker is hung (it should wait for the benchmark)"
  start=$(date +%s)
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  [ "$rc" = 130 ] || fail "second SIGINT: exit $rc, expected 130"
  [ $(($(date +%s) - start)) -le 5 ] || fail "second SIGINT took more than 5 s"
  python3 -c 'import json,sys; x=json.load(open(sys.argv[1]))["context"]["xpubench"]; assert x["interrupted"]' "$out" || fail "second SIGINT: not interrupted"
  sleep 0.3
  marked_running && fail "a worker outlived its supervisor"
fi

# SIGINT while the kernels are built before timing (a helper hung in clFinish): the helpers are
# killed at once and the run ends interrupted, with nothing measured and no helper left behind.
if [ -n "${XPU_FAKE_OPENCL:-}" ]; then
  out="$dir/prebuild.json"
  XPUBENCH_OPENCL_LIBRARY=$XPU_FAKE_OPENCL FAKE_OPENCL_FAULT=hang_finish XDG_CACHE_HOME="$dir/cache" \
    launch env "$mark" "$xpubench" run --suite "$dir/suite.toml" --device opencl0 --timeout 600 --json "$out" >"$dir/prebuild.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q "building the kernels" "$dir/prebuild.log" && break; sleep 0.1; done
  sleep 1
  start=$(date +%s)
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  [ "$rc" = 130 ] || fail "SIGINT while building kernels: exit $rc, expected 130 ($(tail -3 "$dir/prebuild.log"))"
  [ $(($(date +%s) - start)) -le 5 ] || fail "SIGINT while building kernels took more than 5 s"
  python3 -c 'import json,sys; x=json.load(open(sys.argv[1])); c=x["context"]["xpubench"]; assert c["interrupted"] and not x["measurements"] and c["prebuild"]' "$out" \
    || fail "SIGINT while building kernels: not an interrupted run without rows"
  sleep 0.3
  marked_running && fail "a helper building kernels outlived its supervisor"
fi

# kill -9 of the supervisor at random points: the files are whole (old or new), the worker dies too.
for delay in 0.3 0.9 1.7 2.6; do
  out="$dir/k9.json"
  csv="$dir/k9.csv"
  rm -f "$out" "$csv"
  env "$mark" "$xpubench" run --suite "$dir/suite.toml" --device cpu0 --json "$out" --csv "$csv" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  sleep 0.3
  marked_running && fail "kill -9 at ${delay}s left a worker running"
  [ -e "$out" ] || continue  # killed before the first write
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" || fail "kill -9 at ${delay}s: $out is not valid JSON"
  python3 -c 'import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=""))); assert rows and all(len(r)==len(rows[0]) for r in rows)' "$csv" \
    || fail "kill -9 at ${delay}s: $csv is not valid CSV"
done

[ "$failures" = 0 ] && echo "signals: all passed"
exit "$failures"
