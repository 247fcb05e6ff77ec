#!/usr/bin/env bash
# All-reduce on 2 ranks of this machine (Open MPI's shared-memory transport), 64 MiB of fp32:
# `xpubench collective`'s bus bandwidth against a minimal direct MPI_Allreduce program
# (bench/direct/allreduce.c, built here with mpicc; the same timing rule: the slowest rank's time per
# operation, median of 5 loops) in alternating processes, and the CPU's STREAM-style copy
# bandwidth of the same bytes (`xpubench run`, bandwidth copy) for scale (target: xpubench >= 0.8 x direct).
# Medians of ROUNDS rounds. usage: bench/collectives.sh [BUILD_DIR] [ROUNDS]   (default build/release 5)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-5}
x=$(realpath "$build/xpubench")
command -v mpicc >/dev/null && command -v mpirun >/dev/null || { echo "skipped: no Open MPI (scripts/install-deps.sh installs it)" >&2; exit 0; }
"$x" --version | grep -q "MPI Open MPI" || { echo "skipped: $x was built without MPI" >&2; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpicc -O2 -o "$work/allreduce" bench/direct/allreduce.c
mpi=(mpirun -np 2 --bind-to none --mca btl self,vader)
bytes=67108864
cat > "$work/copy.toml" <<TOML
name = "copy"
repetitions = 5
[[bandwidth]]
ops = ["copy"]
bytes = [$bytes]
TOML
for i in $(seq "$rounds"); do
  if ((i % 2)); then order="ours direct"; else order="direct ours"; fi
  for who in $order; do
    if [[ $who == ours ]]; then
      "${mpi[@]}" "$x" collective --op all_reduce --bytes $bytes --precision fp32 --repetitions 5 --min-time 0.05 -q --json "$work/ours$i.json"
    else
      "${mpi[@]}" "$work/allreduce" $bytes 5 5 > "$work/direct$i.txt"
    fi
  done
  "$x" run --suite "$work/copy.toml" -d cpu0 --in-process -q --json "$work/copy$i.json"
done
/usr/bin/python3 - "$work" "$rounds" "$bytes" <<'PY'
import json, statistics, sys
work, rounds, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ours, direct, copy = [], [], []
for i in range(1, rounds + 1):
    m = json.load(open(f"{work}/ours{i}.json"))["measurements"][0]
    assert m["state"] == "ok" and m["verification"]["passed"], m
    ours.append(m["ops_per_s"] / 1e9)
    direct.append(float(open(f"{work}/direct{i}.txt").read()))
    c = json.load(open(f"{work}/copy{i}.json"))["measurements"][0]
    copy.append(c["bytes_per_s"] / 1e9)
o, d, c = statistics.median(ours), statistics.median(direct), statistics.median(copy)
print(f"all-reduce, 2 ranks, {size >> 20} MiB fp32, bus bandwidth: xpubench {o:.2f} GB/s, direct MPI_Allreduce {d:.2f} GB/s: "
      f"{o / d:.2f} x (target >= 0.8); per round: ours {[round(v, 2) for v in ours]}, direct {[round(v, 2) for v in direct]}")
print(f"the CPU's STREAM-style copy of {size >> 20} MiB (2 threads): {c:.2f} GB/s; the shared-memory all-reduce's bus bandwidth is {o / c:.4f} x it")
PY
