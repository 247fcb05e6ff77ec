#!/usr/bin/env bash
# The CI performance gate that docs/ci.md's GitHub Actions and GitLab CI jobs run: an interleaved
# A/B measurement of two xpubench builds (`xpubench ab`, ABBA processes), the comparison as a
# Markdown table (printed, and appended to $GITHUB_STEP_SUMMARY where set), and the gate's exit
# code: 0 no regression, 1 regression (or lost work), 2 bad input. Nothing in a pipe decides it.
#
# usage: scripts/perf-gate.sh BASE_XPUBENCH HEAD_XPUBENCH [xpubench ab options...]
#   environment: XPUBENCH_GATE_DIR (default perf: ab.json, perf.md, runs/), XPUBENCH_GATE_SUITE (default ci)
set -uo pipefail
base=${1:?usage: scripts/perf-gate.sh BASE_XPUBENCH HEAD_XPUBENCH [ab options...]}
head=${2:?usage: scripts/perf-gate.sh BASE_XPUBENCH HEAD_XPUBENCH [ab options...]}
shift 2
out=${XPUBENCH_GATE_DIR:-perf}
mkdir -p "$out" || exit 2
rm -f "$out/perf.md" "$out/ab.json"
"$head" ab --base "$base" --head "$head" --suite "${XPUBENCH_GATE_SUITE:-ci}" --json "$out/ab.json" --keep "$out/runs" \
  --format md -o "$out/perf.md" "$@"
status=$?
if [[ -s "$out/perf.md" ]]; then
  cat "$out/perf.md"
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then cat "$out/perf.md" >> "$GITHUB_STEP_SUMMARY"; fi
else
  echo "perf-gate: xpubench ab wrote no comparison (exit $status); its runs and logs are in $out/runs" >&2
  ((status != 0)) || status=2
fi
exit "$status"
