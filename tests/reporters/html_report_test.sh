#!/usr/bin/env bash
# The HTML report in a real browser: two small runs (the second as if from another host), then
# `xpubench report` with a comparison, opened in headless Chromium. Checks: no console message
# (script errors, SVG attributes the browser rejects, the page's own self-check), the page's
# self-check passed (every plot has its points inside its axes as laid out, every table its
# rows), every roofline point and every matrix cell holds the run's own numbers.
# Usage: html_report_test.sh XPUBENCH [PYTHON3]. Exit 77 (skipped) without a Chromium.
set -euo pipefail
bin=$1
py=${2:-python3}
browser=$(command -v chromium-headless-shell || command -v chromium || true)
if [[ -z $browser ]]; then
  echo "SKIPPED: no chromium-headless-shell or chromium (scripts/install-deps.sh installs chromium-headless-shell)"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/suite.toml" <<'TOML'
name = "report-test"
repetitions = 2
min_time_s = 0.005
[[peak]]
precisions = ["fp32", "int8", "fp8_e4m3"]
[[bandwidth]]
ops = ["read"]
bytes = [4194304]
[[gemm]]
precisions = ["fp32", "int8"]
shapes = [{ m = 64, n = 64, k = 64 }, { m = 1, n = 256, k = 256 }]
[[reduction]]
precisions = ["fp32"]
sizes = [65536]
TOML
"$bin" run --in-process --suite "$dir/suite.toml" -d cpu0 --json "$dir/a.json" > "$dir/run.log" 2>&1 || { cat "$dir/run.log"; exit 1; }
# The second host: the same run with another host name and different numbers.
"$py" - "$dir/a.json" "$dir/b.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
run["context"]["inventory"]["host"]["hostname"] = "second-host"
for m in run["measurements"]:
    for key in ("ops_per_s", "bytes_per_s"):
        if m.get(key):
            m[key] *= 0.75
    if m.get("samples_s"):
        m["samples_s"] = [s / 0.75 for s in m["samples_s"]]
json.dump(run, open(sys.argv[2], "w"))
PY
"$bin" report "$dir/a.json" "$dir/b.json" --base "$dir/b.json" -o "$dir/report.html"
"$browser" --no-sandbox --headless --disable-gpu --enable-logging=stderr --v=0 --user-data-dir="$dir/profile" \
  --dump-dom "file://$dir/report.html" > "$dir/dom.html" 2> "$dir/browser.log" || { cat "$dir/browser.log"; exit 1; }
"$py" - "$dir" <<'PY'
import html.parser, json, re, sys
d = sys.argv[1]
log = open(f"{d}/browser.log", errors="replace").read()
console = [l for l in log.splitlines() if ":CONSOLE" in l]
assert not console, "the browser's console:\n" + "\n".join(console)
dom = open(f"{d}/dom.html").read()
check = re.search(r'data-selfcheck="([^"]*)"', dom)
assert check, "the page's script did not run (no data-selfcheck on <html>)"
assert check.group(1).startswith("ok"), "self-check: " + check.group(1)

class Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.circles, self.cells, self.svgs = {}, {}, []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "roofline" in a.get("class", ""):
            self.svgs.append(a["id"])
        if tag == "circle" and a.get("class") == "pt":
            self.circles.setdefault(self.svgs[-1], set()).add(a["data-name"])
        if tag == "td" and "data-name" in a:
            self.cells.setdefault(a["data-name"], []).append(float(a["data-v"]))
p = Cells()
p.feed(dom)
runs = [json.load(open(f"{d}/{f}.json")) for f in ("a", "b")]
for i, run in enumerate(runs):
    points = {m["name"] for m in run["measurements"]
              if m["state"] == "ok" and m["ops_unit"] in ("FLOP", "OP") and m["bytes"] > 0 and m["kernel"] != "peak"}
    assert points, "the test run has no kernel to plot"
    plotted = p.circles.get(f"roofline-{i}-0", set())
    assert plotted == points, f"run {i + 1}: plotted {sorted(plotted)}, expected {sorted(points)}"
    for m in run["measurements"]:
        if m["state"] != "ok":
            continue
        shown = p.cells.get(m["name"], [])
        best = max(x["ops_per_s"] for x in run["measurements"] if x["state"] == "ok" and x["problem"] == m["problem"] and x["device"] == m["device"])
        if m["ops_per_s"] == best:
            assert m["ops_per_s"] in shown, f"{m['name']}: {m['ops_per_s']} not in the matrix ({shown})"
assert "second-host" in dom and "Compared with" in dom, "the second host or the comparison is missing"
for section in ("Ranking per kernel and precision", "Devices side by side", "Rooflines", "Accuracy beside speed", "unsupported (1)"):
    assert section in dom, f"no '{section}' in the report"
print(f"ok: {check.group(1)}; {sum(len(v) for v in p.circles.values())} points, {len(p.cells)} numbers checked")
PY
# The history's trend report renders in the browser too (its charts pass the same self-check).
"$bin" history --db "$dir/h.sqlite" add "$dir/a.json" "$dir/b.json" > /dev/null
"$bin" history --db "$dir/h.sqlite" report -o "$dir/history.html"
"$browser" --no-sandbox --headless --disable-gpu --enable-logging=stderr --v=0 --user-data-dir="$dir/profile" \
  --dump-dom "file://$dir/history.html" > "$dir/hdom.html" 2> "$dir/hbrowser.log" || { cat "$dir/hbrowser.log"; exit 1; }
if grep ":CONSOLE" "$dir/hbrowser.log"; then echo "the history report logged to the browser's console"; exit 1; fi
grep -q 'data-selfcheck="ok plots=[1-9]' "$dir/hdom.html" || { grep -o 'data-selfcheck="[^"]*"' "$dir/hdom.html"; echo "history report self-check"; exit 1; }
# The other formats render the same runs.
"$bin" report "$dir/a.json" "$dir/b.json" --format md -o "$dir/report.md"
grep -q '^| workload | unit | .* cpu0 | second-host cpu0 |' "$dir/report.md"
"$bin" report "$dir/a.json" --format text -o "$dir/report.txt"
grep -q 'Devices side by side' "$dir/report.txt"
