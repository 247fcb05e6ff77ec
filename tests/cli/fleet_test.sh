#!/usr/bin/env bash
# Fleet runs under Open MPI on this machine (loopback, --oversubscribe): 2 and 3 ranks gather into
# rank 0's file (3 catches power-of-two assumptions), ranks with different devices, a rank that
# exits early (it reports why), a rank killed with SIGKILL and a rank past --fleet-timeout (both
# listed as missing while the others land), the report and the history reading a fleet file.
# Exit 77 (CTest's skip) where mpirun is absent or xpubench was built without MPI.
# Collectives (xpubench collective) on 2 and 3 ranks: every operation and payload verified exactly.
# Under ASan, leak detection is off (Open MPI keeps its allocations to the end).
# Under the sanitizers (MODE asan) only the 2-rank cases run: the rest waits on timeouts that ASan
# stretches, for code the release run covers.
# usage: fleet_test.sh XPUBENCH [full|asan]
set -euo pipefail
x=$(realpath "$1")
mode=${2:-full}
command -v mpirun >/dev/null || { echo "SKIPPED: no mpirun (apt-get install openmpi-bin libopenmpi-dev, or scripts/install-deps.sh)"; exit 77; }
"$x" --version | grep -q "MPI Open MPI" || { echo "SKIPPED: this xpubench was built without MPI (XPUBENCH_WITH_MPI=OFF)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export NO_COLOR=1 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --mca btl self,vader)
cat > tiny.toml <<'TOML'
repetitions = 2
min_time_s = 0.005
[[gemm]]
shapes = [{ m = 32, n = 32, k = 32 }]
[[reduction]]
ops = ["sum"]
sizes = [4096]
TOML
sed 's/min_time_s = 0.005/min_time_s = 30/' tiny.toml > slow.toml
fail() { echo "FAIL: $*"; exit 1; }
hosts() {  # rank:state per rank of a fleet file
  /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(str(h["rank"]) + ":" + h["state"] for h in d["fleet"]["hosts"]))' "$1"
}

# 2 and 3 ranks: every rank ok, the node's devices shared out, rows from every device, each verified
# (OpenCL off: PoCL's kernel builds would be most of the test's time; with 2 devices, 3 ranks also
# give one rank nothing to measure)
ranks="2 3"
[[ $mode == asan ]] && ranks=2
for n in $ranks; do
  "${mpi[@]}" -np $n "$x" run --suite tiny.toml --json f$n.json -q --no-opencl || fail "$n ranks: exit $?"
  [[ "$(hosts f$n.json)" == "$(seq -s ' ' -f '%g:ok' 0 $((n - 1)))" ]] || fail "$n ranks: $(hosts f$n.json)"
  /usr/bin/python3 - f$n.json $n <<'PY' || fail "$n ranks: rows"
import json, sys
d = json.load(open(sys.argv[1]))
runs = [d] + [h["run"] for h in d["fleet"]["hosts"] if "run" in h]
assert len(runs) == int(sys.argv[2]), len(runs)
devices = [m["device"] for r in runs for m in r["measurements"]]
assert devices, "no rows"
per_rank = [sorted({m["device"] for m in r["measurements"]}) for r in runs]
flat = [d for p in per_rank for d in p]
assert len(flat) == len(set(flat)), f"a device measured by two ranks: {per_rank}"
for r in runs:
    for m in r["measurements"]:
        assert m["state"] in ("ok", "unsupported"), (m["name"], m["state"], m.get("reason"))
        if m["state"] == "ok":
            assert m["verification"]["passed"], m["name"]
PY
done
"$x" report f2.json --format text -o f2.txt || fail "report of a fleet file"
grep -q "Fleet: 2 rank(s) on 1 host(s)" f2.txt || fail "the report has no fleet section"
"$x" history --db h.sqlite add f2.json | grep -q "(ranks 0, 1)" || fail "history add of a fleet file"

# ranks choosing different devices (as nodes with different devices would): each measures its own
"${mpi[@]}" -np 1 "$x" run --suite tiny.toml --json dev.json -q --device cpu0 : -np 1 "$x" run --suite tiny.toml -q --device vulkan0 ||
  fail "different devices: exit $?"
/usr/bin/python3 -c '
import json, sys
d = json.load(open("dev.json"))
assert {m["device"] for m in d["measurements"]} == {"cpu0"}
assert {m["device"] for m in d["fleet"]["hosts"][1]["run"]["measurements"]} == {"vulkan0"}' || fail "different devices: rows"

# a rank that exits early (bad input) says why; the others land; the job fails
if "${mpi[@]}" -np 2 "$x" run --suite tiny.toml --json early.json -q --no-opencl : -np 1 "$x" run --suite /nonexistent.toml -q 2>early.err; then
  fail "a rank exited early, yet the job succeeded"
fi
[[ "$(hosts early.json)" == "0:ok 1:ok 2:failed" ]] || fail "early exit: $(hosts early.json)"
grep -q "ended with exit code 2" early.json || fail "early exit: no reason"

if [[ $mode == full ]]; then
# a rank past --fleet-timeout is missing; rank 0 writes its file and ends the job (ranks 0 and 1
# measure only the CPU, so that rank 1's turn ends well within the timeout even on a loaded machine)
"${mpi[@]}" -np 1 "$x" run --suite tiny.toml --json late.json -q -d cpu0 --fleet-timeout 12 : -np 1 "$x" run --suite tiny.toml -q -d cpu0 \
  : -np 1 "$x" run --suite slow.toml -q -d cpu0 2>late.err && fail "timeout: the job succeeded"
[[ "$(hosts late.json)" == "0:ok 1:ok 2:missing" ]] || fail "timeout: $(hosts late.json)"
grep -q "no report within 12 s" late.json || fail "timeout: no reason"

# a rank killed with SIGKILL once it measures (ranks 0 and 1 are done then): the launcher stops
# the job, and rank 0 still writes what it has
# (5 s between the launcher's SIGTERM and SIGKILL instead of 1, for a loaded CI machine under ASan)
"${mpi[@]}" --mca odls_base_sigkill_timeout 5 -np 1 "$x" run --suite tiny.toml --json killed.json -q -d cpu0 \
  : -np 1 "$x" run --suite tiny.toml -q -d cpu0 : -np 1 "$x" run --suite slow.toml -q -d cpu0 2>killed.err &
launcher=$!
victim=""
for _ in $(seq 600); do
  victim=$(pgrep -P "$launcher" -f slow.toml || true)
  [[ -n "$victim" ]] && pgrep -P "$victim" -f -- --worker >/dev/null && break  # its worker measures: its turn came
  sleep 0.1
done
pgrep -P "$victim" -f -- --worker >/dev/null || fail "kill: the slow rank never started measuring"
kill -9 "$victim"
wait "$launcher" && fail "kill: the job succeeded"
[[ "$(hosts killed.json)" == "0:ok 1:ok 2:missing" ]] || fail "kill: $(hosts killed.json)"
fi
# collectives on 2 and 3 ranks: every operation and payload verified on every rank, bus bandwidth
# as nccl-tests defines it; fewer than 2 ranks, or no launcher, is refused
for n in $ranks; do
  "${mpi[@]}" -np $n "$x" collective --bytes 8 4K --repetitions 2 --min-time 0.002 -q --json coll$n.json || fail "collective on $n ranks: exit $?"
  /usr/bin/python3 - coll$n.json $n <<'PY' || fail "collective on $n ranks: rows"
import json, sys
n = int(sys.argv[2])
rows = json.load(open(sys.argv[1]))["measurements"]
assert len(rows) == 5 * 3 * 2, len(rows)
factor = {"all_reduce": 2 * (n - 1) / n, "all_gather": (n - 1) / n, "reduce_scatter": (n - 1) / n, "broadcast": 1, "send_recv": 1}
for m in rows:
    op = m["problem"].split("/")[1]
    if m["state"] == "unsupported":  # 8 B split over the ranks: less than one element each
        assert op in ("all_gather", "reduce_scatter") and "less than one" in m["reason"], m
        continue
    assert m["state"] == "ok" and m["verification"]["passed"] and m["verification"]["exact"], m
    assert m["verification"]["elements_checked"] > 0, m
    assert abs(m["ops_per_s"] / m["bytes_per_s"] - factor[op]) < 1e-9, (m["name"], m["ops_per_s"] / m["bytes_per_s"])
PY
done
"$x" report coll2.json --format text -o coll2.txt || fail "report of a collective run"
"${mpi[@]}" -np 2 "$x" collective --op broadcast --bytes 64 --json - 2>table.txt | /usr/bin/python3 -c 'import json, sys; json.load(sys.stdin)' ||
  fail "collective --json -: standard output is not the run alone"
grep -q "broadcast" table.txt || fail "collective --json -: the table did not go to standard error"
"${mpi[@]}" -np 2 "$x" collective --bytes 8 --json /nonexistent/dir/c.json 2>badout.err && fail "collective to an unwritable place succeeded"
grep -q "nonexistent" badout.err || fail "unwritable output: $(cat badout.err)"
"${mpi[@]}" -np 2 "$x" run --suite tiny.toml --resume f2.json -q 2>resume.err && fail "--resume under mpirun succeeded"
grep -q "not under mpirun" resume.err || fail "--resume under mpirun: $(cat resume.err)"
"${mpi[@]}" -np 1 "$x" collective --bytes 8 -q 2>one.err && fail "a 1-rank collective job succeeded"
grep -q "at least 2" one.err || fail "1 rank: $(cat one.err)"
# Ranks started with different options stop together before the first operation (they waited
# forever in different collectives); a rank short of memory stops every rank with exit 2, the rows
# measured before it kept.
timeout 120 "${mpi[@]}" -np 1 "$x" collective --op broadcast --bytes 8 -q : -np 1 "$x" collective --op all_reduce --bytes 8 -q 2>plan.err &&
  fail "ranks with different --op succeeded"
grep -q "rank(s) 1 were started with other options than rank 0" plan.err || fail "different --op: $(cat plan.err)"
if [ "$mode" = full ]; then  # ASan reserves more address space than the limit
  (ulimit -v 3000000 && timeout 120 "${mpi[@]}" -np 2 "$x" collective --op all_reduce --precision int8 --bytes 8 2G -q --json short.json 2>short.err) &&
    fail "a collective beyond the memory limit succeeded"
  grep -q "could not allocate 4.0 GiB for all_reduce int8 of 2 GiB: the memory is short" short.err || fail "memory short: $(cat short.err)"
  /usr/bin/python3 -c 'import json, sys; d = json.load(open("short.json")); assert len(d["measurements"]) == 1, d["measurements"]' ||
    fail "memory short: the 8-byte row was not kept"
fi
"$x" collective --bytes 8 2>none.err && fail "collective without a launcher succeeded"
grep -q "mpirun -np 2" none.err || fail "no launcher: $(cat none.err)"
echo "fleet: 2 and 3 ranks, different devices, early exit, timeout and SIGKILL all land in rank 0's file; collectives verified on 2 and 3 ranks"
