#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang-15, ASan + UBSan) and runs each for
# SECONDS (default 60), from the seed corpora in the repository; prints executions and coverage.
# A crash stops with the input saved as build/fuzz/crash-<target>-*: add it to
# fuzz/regressions/<target>/ and fix the reader (the regression inputs run first, every time).
#   bash fuzz/run.sh [SECONDS] [TARGET...]     targets: suite run_json topology tuning_cache gguf onnx escaping
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
# hwloc's own XML reader, the one fuzz_topology targets: where libhwloc-plugins is installed (Open MPI
# pulls it in) hwloc reads XML through libxml2 instead, which leaks on damaged files inside libxml2.
export HWLOC_LIBXML_IMPORT=0
targets=("$@")
((${#targets[@]})) || targets=(suite run_json topology tuning_cache gguf onnx escaping)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

seeds_of() {  # the repository's seed folders for a target
  case $1 in
    suite) echo fuzz/corpus/suite suites/builtin ;;
    run_json) echo fuzz/corpus/run_json ;;
    topology) echo tests/fixtures/topology ;;
    tuning_cache) echo fuzz/corpus/tuning_cache ;;
    gguf) echo fuzz/corpus/gguf ;;
    onnx) echo fuzz/corpus/onnx ;;
    escaping) echo fuzz/corpus/escaping ;;
  esac
}

# Leaks inside third-party libraries (hwloc's error paths) are theirs: the suppressions the test
# suite uses, which never name our code.
export LSAN_OPTIONS="suppressions=$PWD/cmake/sanitizers/lsan.supp:print_suppressions=0"
status=0
for t in "${targets[@]}"; do
  work=build/fuzz/corpus/$t  # what the fuzzer adds: kept between runs, never committed
  mkdir -p "$work"
  dirs=()
  for d in $(seeds_of "$t") "fuzz/regressions/$t"; do [ -d "$d" ] && dirs+=("$d"); done
  log=build/fuzz/$t.log
  if ! "build/fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/crash-$t-" "$work" "${dirs[@]}" >"$log" 2>&1; then
    echo "fuzz_$t: FAILED (see $log and build/fuzz/crash-$t-*)"
    tail -30 "$log"
    status=1
    continue
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  units=$(ls "$work" | wc -l)
  echo "fuzz_$t: ${seconds} s, ${execs} executions, coverage ${cov} edges, ${ft} features, corpus ${units} inputs: no crash"
done
exit $status
