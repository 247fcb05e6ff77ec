#!/usr/bin/env bash
# The CI recipe can fail: scripts/perf-gate.sh (what docs/ci.md's jobs run) exits with the gate's
# code whatever the table printing does, under the shells GitHub (bash -eo pipefail) and GitLab use;
# and docs/ci.md's jobs call that script rather than a pipe of their own.
# usage: ci_recipe_test.sh SOURCE_DIR
set -u
src=${1:?usage: ci_recipe_test.sh SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
# A stand-in xpubench: writes the table where -o says, then exits with $STUB_EXIT.
cat > "$work/xpubench" <<'STUB'
#!/usr/bin/env bash
out=""
while (($#)); do [[ "$1" == "-o" ]] && out=$2; shift; done
[[ -n "$out" && "${STUB_WRITES:-1}" == 1 ]] && printf '### xpubench compare: stub\n| benchmark |\n' > "$out"
exit "${STUB_EXIT:-0}"
STUB
chmod +x "$work/xpubench"
check() {  # check NAME EXPECTED_EXIT SHELL... (runs the gate script under the given shell)
  local name=$1 want=$2
  shift 2
  (cd "$work" && "$@" "$src/scripts/perf-gate.sh" "$work/xpubench" "$work/xpubench" > "$work/$name.out" 2>&1)
  local got=$?
  if ((got != want)); then
    echo "FAIL $name: exit $got, expected $want"; cat "$work/$name.out"; failures=$((failures + 1))
  else
    echo "ok   $name: exit $got"
  fi
}
for shell in "bash --noprofile --norc -eo pipefail" "bash -e" "bash"; do
  STUB_EXIT=1 check "regression-$shell" 1 $shell
  STUB_EXIT=2 check "bad-input-$shell" 2 $shell
  STUB_EXIT=0 check "pass-$shell" 0 $shell
  STUB_EXIT=0 STUB_WRITES=0 check "no-table-$shell" 2 $shell
done
summary="$work/summary.md"
GITHUB_STEP_SUMMARY=$summary STUB_EXIT=1 check "summary" 1 bash
grep -q "xpubench compare: stub" "$summary" || { echo "FAIL: the table did not reach GITHUB_STEP_SUMMARY"; failures=$((failures + 1)); }
grep -q "xpubench compare: stub" "$work/regression-bash.out" || { echo "FAIL: the table was not printed"; failures=$((failures + 1)); }
# docs/ci.md's jobs run the script (no `compare | tee` whose status would be tee's).
jobs=$(grep -c 'scripts/perf-gate.sh' "$src/docs/ci.md")
((jobs >= 2)) || { echo "FAIL: docs/ci.md's jobs do not both call scripts/perf-gate.sh ($jobs)"; failures=$((failures + 1)); }
if grep -nE 'xpubench (compare|ab) .*\| *tee' "$src/docs/ci.md"; then echo "FAIL: docs/ci.md pipes the gate into tee"; failures=$((failures + 1)); fi
echo "$((17 - failures)) passed, $failures failed"
((failures == 0))
