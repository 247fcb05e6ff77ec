#!/usr/bin/env bash
# The one prepared check for a lent NVIDIA GPU machine (an H100: driver 580, CUDA 13.0, PyTorch in
# python3, no network, none of Debian's libraries), made to fit one call of at most 8 minutes:
#   (a) the GPUs as nvidia-smi describes them (queries only: no GPU setting is ever changed), the
#       machine, and which cuBLASLt the cublaslt rows will use;
#   (b) `xpubench probe`, as text and JSON, from the relocatable bundle (scripts/device-pack.sh);
#   (c) `xpubench run` of bench/device-check.toml on the first CUDA device (GEMM 8192^3 fp16, bf16,
#       int8 and 4096^3 fp32 with ours and cuBLASLt, 4 GiB bandwidth, long peak chains, latency);
#   (d) PyTorch's figures for the same work on the same GPU, in the same session: torch.matmul fp16
#       and bf16 and torch._int_mm int8 at 8192^3, a 4 GiB device-to-device copy (medians of 20
#       launches timed with CUDA events after warm-up);
#   (c') the built-in quick suite on every GPU device (CUDA, and OpenCL/Vulkan devices the NVIDIA
#       driver offers where the machine has their loaders) and the host CPU, with the time that is
#       left (its report.html, in the archive, shows the GPU beside the CPU);
#   (e) a table of same-run ratios against their targets, each PASS, FAIL or SKIPPED (why).
# The check suite and PyTorch run before the quick suite so the table's numbers come first and
# from the same minutes (same clocks and temperature); the quick suite gets what time is left.
# Every step has a time limit (timeout) inside an overall budget; a step that no longer fits is
# skipped and says so. Nothing is invented: a number that was not measured is SKIPPED with the
# reason, and the probe's peaks are labelled estimates. On a machine without a GPU (a dry run) the
# heavy steps are skipped and the table is all SKIPPED lines.
#
# usage: bench/device-check.sh [BUNDLE.tar.gz]
#   BUNDLE   the bundle (default $XPUBENCH_BUNDLE, else build/xpubench-bundle.tar.gz from the
#            repository root); make it on a build machine with: bash scripts/device-pack.sh
# environment:
#   OUT                        where the results go: device-check.tar.gz (everything) beside table.txt,
#                              check.json, peers.json, probe.json, quick.json, device-check.log (7 files:
#                              the device tool brings back at most 8); default: the working folder, printed
#   DEVICE_CHECK_BUDGET_S      the overall time budget in seconds (default 450)
#   DEVICE_CHECK_DEVICES       devices to measure instead of the probe's GPUs (comma-separated ids;
#                              the first one runs the check suite), e.g. cuda0 or, for a trial of
#                              this script on a machine without a GPU, opencl0
#   XPUBENCH_CUBLASLT_LIBRARY  the cuBLASLt for the cublaslt rows (default: the one PyTorch loads,
#                              so that cuBLASLt/PyTorch compares harnesses, not library versions)
# Exit: 0 the table was written (read it for PASS/FAIL); 2 no bundle or bad usage.
# Files in the working folder (and the archive): device-check.log (all output), system.txt, nvidia-smi.txt, nvidia-smi.csv,
# nvidia-smi-q.txt, probe.txt, probe.json, check.json + check.log, peers.json + peers.log,
# quick.json + quick.log, steps.tsv (each step's state and reason), table.txt, table.json,
# results/ (the runs' own folders: run.json, report.html).
set -euo pipefail
(($# <= 1)) || { sed -n '/^# usage:/,/^# Exit:/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
budget=${DEVICE_CHECK_BUDGET_S:-450}
start=$SECONDS
# Paths from the caller are taken relative to the caller's directory; then the repository root.
bundle=${1:-${XPUBENCH_BUNDLE:-}}
if [[ -n $bundle ]]; then bundle=$(realpath -m "$bundle"); fi
# Everything is written to a working folder; with OUT set (the device tool brings back at most 8
# files from it), OUT gets, at the end, one archive of that folder and the few files read first.
final_out=""
if [[ -n ${OUT:-} ]]; then
  mkdir -p "$OUT"
  final_out=$(cd "$OUT" && pwd)
fi
out=$(mktemp -d /tmp/device-check.XXXXXX)
cd "$(dirname "$0")/.."
repo=$PWD
bundle=${bundle:-$repo/build/xpubench-bundle.tar.gz}
work=$(mktemp -d)               # the unpacked bundle and scratch files: not results, not under OUT
trap 'rm -rf "$work"' EXIT
exec > >(tee -a "$out/device-check.log") 2>&1
echo "device-check: writing under $out (budget ${budget} s)"

: > "$out/steps.tsv"
# step NAME STATE REASON: one line of steps.tsv (the table explains SKIPPED lines from it).
step() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$out/steps.tsv"; echo "device-check: [$1] $2${3:+: $3}"; }
left() { echo $((budget - (SECONDS - start))); }
# slot CAP RESERVE: seconds a step may take: at most CAP, leaving RESERVE for the steps after it
# (and 10 s for timeout's kill grace); 0 when fewer than 20 s would remain for it.
slot() {
  local s=$(($(left) - $2 - 10))
  ((s > $1)) && s=$1
  ((s >= 20)) || s=0
  echo "$s"
}
# limited SECONDS LOG CMD...: runs CMD under timeout (SIGTERM, then SIGKILL 10 s later), its output
# to LOG; returns its exit status (124/137: cut by the time limit).
limited() {
  local secs=$1 log=$2
  shift 2
  local rc=0
  timeout -k 10 "$secs" "$@" > "$log" 2>&1 || rc=$?
  return "$rc"
}
py=$(command -v python3 || true)

# --- (a) the machine and its GPUs (queries only) ------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -n); kernel $(uname -r) $(uname -m); $(nproc) CPUs"
  echo "os: $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}" || echo unknown)"
  echo "glibc: $(getconf GNU_LIBC_VERSION 2>/dev/null || echo unknown)"
  echo "python3: ${py:-absent}${py:+ ($("$py" --version 2>&1))}"
  echo "repository: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout')"
} > "$out/system.txt"
cat "$out/system.txt"
if command -v nvidia-smi >/dev/null; then
  fields=index,name,pci.bus_id,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem,power.draw,power.limit,power.max_limit,temperature.gpu
  if limited 30 "$out/nvidia-smi.csv" nvidia-smi --query-gpu="$fields" --format=csv; then
    step gpus ok "$(($(wc -l < "$out/nvidia-smi.csv") - 1)) GPU(s) listed by nvidia-smi"
    column -s, -t < "$out/nvidia-smi.csv" 2>/dev/null || cat "$out/nvidia-smi.csv"
  else
    step gpus failed "nvidia-smi --query-gpu: $(tail -n 1 "$out/nvidia-smi.csv")"
  fi
  limited 30 "$out/nvidia-smi.txt" nvidia-smi || true
  grep -o 'CUDA Version: [0-9.]*' "$out/nvidia-smi.txt" || true
  limited 30 "$out/nvidia-smi-q.txt" nvidia-smi -q || true
else
  step gpus skipped "no nvidia-smi on this machine (no NVIDIA driver)"
fi

# --- (b) the bundle, and the probe ----------------------------------------------------------------
if [[ ! -f $bundle ]]; then
  echo "device-check: no bundle at $bundle. Make it on a build machine (Debian 12 with a release build):" >&2
  echo "  cmake --preset release && cmake --build --preset release && bash scripts/device-pack.sh" >&2
  echo "and bring build/xpubench-bundle.tar.gz along (or pass its path / set XPUBENCH_BUNDLE)." >&2
  exit 2
fi
mkdir -p "$work/bundle"
tar -C "$work/bundle" -xzf "$bundle"
xpb=$work/bundle/xpubench
[[ -x $xpb ]] || { echo "device-check: $bundle has no xpubench launcher at its root (not made by scripts/device-pack.sh?)" >&2; exit 2; }
export XPUBENCH_RESULTS=$out/results XDG_CACHE_HOME=$work/cache
# NVIDIA's Vulkan driver where the loader does not look for it (a container's driver mount).
if [[ -z ${VK_DRIVER_FILES:-} && -z ${VK_ICD_FILENAMES:-} ]] && ! compgen -G '/usr/share/vulkan/icd.d/nvidia*.json' > /dev/null &&
  ! compgen -G '/etc/vulkan/icd.d/nvidia*.json' > /dev/null && [[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  echo "device-check: VK_DRIVER_FILES=$VK_DRIVER_FILES (NVIDIA's Vulkan driver outside the loader's folders)"
fi
usable=1
glibc_min=$(sed -n 's/^glibc_min=//p' "$work/bundle/MANIFEST.txt" 2>/dev/null || true)
glibc_here=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}' || true)
if [[ -n $glibc_min && -n $glibc_here && $(printf '%s\n%s\n' "$glibc_min" "$glibc_here" | sort -V | head -n 1) != "$glibc_min" ]]; then
  usable=0
  step bundle failed "the bundle needs glibc $glibc_min or newer; this machine has $glibc_here (rebuild on an older distribution)"
elif ! limited 30 "$out/version.txt" "$xpb" --version; then
  usable=0
  step bundle failed "the bundle's xpubench does not start: $(tail -n 2 "$out/version.txt" | tr '\n' ' ')"
else
  step bundle ok "$(head -n 1 "$out/version.txt") from $bundle"
fi

# Which cuBLASLt: the caller's, else the one PyTorch loads (the same library on both sides of the
# cuBLASLt/PyTorch ratio), else what xpubench finds itself (libcublasLt.so.13, .12 on the library
# path), else a CUDA toolkit's under /usr/local.
if [[ -n ${XPUBENCH_CUBLASLT_LIBRARY:-} ]]; then
  step cublaslt ok "XPUBENCH_CUBLASLT_LIBRARY=$XPUBENCH_CUBLASLT_LIBRARY (from the caller)"
else
  found=
  if [[ -n $py ]] && s=$(slot 60 200) && ((s > 0)); then
    limited "$s" "$work/torch-cublaslt.txt" "$py" -c '
import torch
if torch.cuda.is_available():
    a = torch.ones(64, 64, device="cuda", dtype=torch.float16)
    (a @ a).sum().item()
    print(next((l.split()[-1] for l in open("/proc/self/maps") if "libcublasLt.so" in l), ""))
' || true
    found=$(grep -m1 '^/' "$work/torch-cublaslt.txt" || true)
  fi
  if [[ -n $found ]]; then
    export XPUBENCH_CUBLASLT_LIBRARY=$found
    step cublaslt ok "$found (the copy PyTorch loads)"
  elif command -v ldconfig >/dev/null && ldconfig -p | grep -q 'libcublasLt\.so\.1[23] '; then
    step cublaslt ok "xpubench's own search finds it: $(ldconfig -p | grep -m1 'libcublasLt\.so\.1[23] ' | awk '{print $NF}')"
  else
    for v in 13 12; do
      for f in /usr/local/cuda*/{lib64,lib,targets/x86_64-linux/lib}/libcublasLt.so."$v"; do
        if [[ -f $f && -z $found ]]; then found=$f; fi
      done
    done
    if [[ -n $found ]]; then
      export XPUBENCH_CUBLASLT_LIBRARY=$found
      step cublaslt ok "$found (a CUDA toolkit's)"
    else
      step cublaslt skipped "no libcublasLt.so.13/.12 found (PyTorch, ldconfig, /usr/local/cuda*): cublaslt rows will be unsupported"
    fi
  fi
fi

gpus=() cuda=()
if ((usable)); then
  s=$(slot 60 20)
  if ((s == 0)); then
    step probe skipped "the time budget ran out ($(left) s left)"
  elif limited "$s" "$out/probe-json.log" "$xpb" probe --format json -o "$out/probe.json"; then
    if s=$(slot 60 20) && ((s > 0)); then limited "$s" "$out/probe.txt" "$xpb" probe || true; fi
    sed -n '/^Devices/,/^$/p' "$out/probe.txt"   # the device table (all of it: probe.txt)
    # GPU devices: every CUDA device, and OpenCL/Vulkan devices that are not CPUs (PoCL, lavapipe).
    [[ -n $py ]] && mapfile -t gpus < <("$py" -c '
import json, sys
for d in json.load(open(sys.argv[1]))["inventory"]["devices"]:
    if d["backend"] == "cuda" or (d["backend"] in ("opencl", "vulkan") and d["type"] != "cpu"):
        print(d["id"])' "$out/probe.json")
    step probe ok "GPU devices: ${gpus[*]:-none}"
    if [[ -n ${DEVICE_CHECK_DEVICES:-} ]]; then
      IFS=, read -r -a gpus <<<"$DEVICE_CHECK_DEVICES"
      step devices ok "${gpus[*]} (DEVICE_CHECK_DEVICES)"
    fi
    for d in "${gpus[@]}"; do if [[ $d == cuda* ]]; then cuda+=("$d"); fi; done
  else
    step probe failed "xpubench probe did not finish: $(tail -n 2 "$out/probe-json.log" | tr '\n' ' ')"
  fi
fi

# --- (c) the device-check suite on one device ---------------------------------------------------
check_dev=${cuda[0]:-${gpus[0]:-}}
if ((!usable)); then
  step check skipped "the bundle cannot run here"
elif [[ -z $check_dev ]]; then
  step check skipped "no GPU device found by the probe"   # (the suite is for GPUs: its 8192^3 GEMMs take minutes on a CPU)
elif s=$(slot 210 70) && ((s > 0)); then
  echo "device-check: bench/device-check.toml on $check_dev (at most $s s)"
  rc=0
  limited "$s" "$out/check.log" "$xpb" run --suite "$repo/bench/device-check.toml" --device "$check_dev" --timeout 90 \
    --json "$out/check.json" || rc=$?
  tail -n 25 "$out/check.log"
  case $rc in
    0) step check ok "$check_dev" ;;
    124|137) step check partial "cut at its ${s} s limit"; echo "device-check: the rows written before the cut are used" ;;
    *) step check failed "xpubench run exited $rc (see check.log; the rows it wrote are used)" ;;
  esac
else
  step check skipped "the time budget ran out ($(left) s left)"
fi
printf '%s\n' "$check_dev" > "$work/check_dev"

# --- (d) PyTorch on the same GPU ----------------------------------------------------------------
cat > "$work/peers.py" <<'PY'
# PyTorch's figures for the device check: medians of CUDA-event-timed launches after warm-up.
# Convention for the copy: bytes read + bytes written, as xpubench's bandwidth/copy (two fp32
# arrays whose sizes add up to the working set: 4 GiB = 2 GiB read + 2 GiB written).
import json, statistics, sys
out = sys.argv[1]
res = {"tool": "pytorch", "available": False, "reason": "", "results": {},
       "convention": "GEMM: 2*M*N*K ops per launch; copy: bytes read + bytes written (working set 4 GiB: two 2 GiB fp32 arrays), as xpubench's bandwidth/copy/b4294967296"}
def save():
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
try:
    import torch
except Exception as e:  # no PyTorch here: the table says so
    res["reason"] = f"no PyTorch (import torch: {type(e).__name__}: {e})"
    save(); print("peers:", res["reason"]); sys.exit(0)
res["torch_version"], res["torch_cuda"] = torch.__version__, torch.version.cuda
if not torch.cuda.is_available():
    res["reason"] = f"PyTorch {torch.__version__} sees no CUDA device"
    save(); print("peers:", res["reason"]); sys.exit(0)
props = torch.cuda.get_device_properties(0)
res["available"] = True
res["device"] = {"index": 0, "name": props.name, "total_memory": props.total_memory, "uuid": str(getattr(props, "uuid", ""))}
m = torch.backends.cuda.matmul
res["settings"] = {"allow_tf32": m.allow_tf32,
                   "allow_fp16_reduced_precision_reduction": m.allow_fp16_reduced_precision_reduction,
                   "allow_bf16_reduced_precision_reduction": m.allow_bf16_reduced_precision_reduction}
save()

def timed(fn, runs=20, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(runs):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize()
        samples.append(a.elapsed_time(b) / 1e3)
    return samples

def record(key, ops, unit, fn):
    try:
        s = timed(fn)
        med = statistics.median(s)
        res["results"][key] = {"median_s": med, "samples_s": s, "ops": ops, "unit": unit, "per_s": ops / med}
        print(f"peers: {key}: median {med * 1e3:.3f} ms, {ops / med / 1e12:.1f} T{unit}/s")
    except Exception as e:
        res["results"][key] = {"error": f"{type(e).__name__}: {e}"}
        print(f"peers: {key}: {type(e).__name__}: {e}")
    save()

n = 8192
dev = torch.device("cuda:0")
for name, dt in (("fp16", torch.float16), ("bf16", torch.bfloat16)):
    a, b = torch.randn(n, n, device=dev, dtype=dt), torch.randn(n, n, device=dev, dtype=dt)
    c = torch.empty(n, n, device=dev, dtype=dt)
    record(f"gemm/{name}/m{n}n{n}k{n}", 2 * n**3, "FLOP", lambda: torch.matmul(a, b, out=c))
    del a, b, c
if hasattr(torch, "_int_mm"):
    a = torch.randint(-128, 128, (n, n), device=dev, dtype=torch.int8)
    b = torch.randint(-128, 128, (n, n), device=dev, dtype=torch.int8)
    record(f"gemm/int8/m{n}n{n}k{n}", 2 * n**3, "OP", lambda: torch._int_mm(a, b))
    del a, b
else:
    res["results"][f"gemm/int8/m{n}n{n}k{n}"] = {"error": f"torch._int_mm is absent in PyTorch {torch.__version__}"}
res["cublaslt_library"] = next((l.split()[-1] for l in open("/proc/self/maps") if "libcublasLt.so" in l), "")
torch.cuda.empty_cache()
working_set = 4294967296
elements = working_set // 8  # two fp32 arrays
if torch.cuda.mem_get_info()[0] < working_set + (1 << 28):
    res["results"]["bandwidth/copy/b4294967296"] = {"error": "less than 4.25 GiB of free GPU memory"}
else:
    src = torch.empty(elements, device=dev, dtype=torch.float32).uniform_()
    dst = torch.empty_like(src)
    record("bandwidth/copy/b4294967296", elements * 8, "B", lambda: dst.copy_(src))
save()
PY
if ! ((${#gpus[@]})) && ! command -v nvidia-smi >/dev/null; then
  printf '{"tool": "pytorch", "available": false, "reason": "no GPU on this machine (no nvidia-smi, no GPU device in the probe)", "results": {}}\n' > "$out/peers.json"
  step peers skipped "no GPU on this machine"
elif [[ -z $py ]]; then
  step peers skipped "no python3"
elif s=$(slot 120 15) && ((s > 0)); then
  rc=0
  limited "$s" "$out/peers.log" "$py" "$work/peers.py" "$out/peers.json" || rc=$?
  cat "$out/peers.log"
  case $rc in
    0) why=$("$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); print("" if d.get("available") else d.get("reason") or "?")' "$out/peers.json")
       if [[ -n $why ]]; then step peers skipped "$why"; else step peers ok "$(grep -c '"per_s"' "$out/peers.json" || true) figure(s)"; fi ;;
    124|137) step peers partial "cut at its ${s} s limit" ;;
    *) step peers failed "python3 exited $rc (see peers.log)" ;;
  esac
else
  step peers skipped "the time budget ran out ($(left) s left)"
fi

# --- (c') the quick suite on every GPU device, with the time left -------------------------------
if ((!usable)); then
  step quick skipped "the bundle cannot run here"
elif ! ((${#gpus[@]})); then
  step quick skipped "no GPU device found by the probe"
elif s=$(slot 180 15) && ((s >= 30)); then
  # The host CPU too, so that `xpubench report quick.json` shows the GPU beside it (its own roofline each).
  devs=$(IFS=,; echo "${gpus[*]},cpu0")
  echo "device-check: the quick suite on $devs (at most $s s)"
  rc=0
  limited "$s" "$out/quick.log" "$xpb" run --suite quick --device "$devs" --timeout 60 --json "$out/quick.json" || rc=$?
  tail -n 15 "$out/quick.log"
  case $rc in
    0) step quick ok "$devs" ;;
    124|137) step quick partial "cut at its ${s} s limit" ;;
    *) step quick failed "xpubench run exited $rc (see quick.log)" ;;
  esac
else
  step quick skipped "the time budget ran out ($(left) s left)"
fi

# --- (e) the table ------------------------------------------------------------------------------
if [[ -z $py ]]; then
  echo "device-check: no python3: no table (the JSON files are under $out)"
  exit 0
fi
"$py" - "$out" "$(cat "$work/check_dev")" <<'PY'
import json, os, sys
out, dev = sys.argv[1], sys.argv[2]
steps = {}
for line in open(f"{out}/steps.tsv"):
    name, state, reason = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    steps[name] = (state, reason)

def load(name):
    try:
        with open(f"{out}/{name}") as f:
            return json.load(f), None
    except FileNotFoundError:
        return None, None
    except ValueError as e:
        return None, f"{name} is not readable JSON ({e})"

def why(step, fallback):
    state, reason = steps.get(step, ("", ""))
    return f"{step} {state}: {reason}" if state and state != "ok" else fallback

check, check_err = load("check.json")
peers, peers_err = load("peers.json")
probe, _ = load("probe.json")
rows = {m["name"]: m for m in (check or {}).get("measurements", [])}
inventory = ((check or {}).get("context") or {}).get("inventory") or (probe or {}).get("inventory") or {}
device = next((d for d in inventory.get("devices", []) if d["id"] == dev), None)

class Missing(Exception):
    def __init__(self, verdict, reason):
        self.verdict, self.reason = verdict, reason

def ours(name, field="ops_per_s", judged=True):
    """A row of the check run: its figure, or Missing (FAIL where our own row broke, else SKIPPED)."""
    if not dev:
        raise Missing("SKIPPED", why("probe", why("check", "no GPU device")))
    if check is None:
        raise Missing("SKIPPED", check_err or why("check", "no check.json"))
    m = rows.get(f"{dev}/{name}")
    if m is None:  # an unsupported problem has one row without an implementation: its reason
        problem = f"{dev}/{name.rsplit('/', 1)[0]}"
        m = next((r for n, r in rows.items() if n == problem and r["state"] != "ok"), None)
    if m is None:
        raise Missing("SKIPPED", f"no row {dev}/{name} in check.json" + ("" if steps.get("check", ("ok",))[0] == "ok" else f" ({why('check', '')})"))
    if m["state"] != "ok" or not m.get(field):
        bad = m["state"] in ("failed", "invalid", "crashed", "timeout")
        raise Missing("FAIL" if bad and judged else "SKIPPED", f"{m['name']}: {m['state']}: {m.get('reason', '')[:90]}")
    return m[field]

def best_bandwidth(op):
    """The fastest verified row of a bandwidth op on the device (a backend may have variants)."""
    prefix = f"{dev}/bandwidth/{op}/b4294967296/"
    ok = [m for n, m in rows.items() if n.startswith(prefix) and m["state"] == "ok" and m.get("bytes_per_s")]
    if not ok:
        impl = next((n[len(prefix):] for n in rows if n.startswith(prefix)), "xpubench")
        ours(f"bandwidth/{op}/b4294967296/{impl}", "bytes_per_s")  # raises with the row's reason
    m = max(ok, key=lambda m: m["bytes_per_s"])
    return m["bytes_per_s"], m["implementation"]

def torch_figure(key):
    if peers is None:
        raise Missing("SKIPPED", peers_err or why("peers", "no peers.json"))
    if not peers.get("available"):
        raise Missing("SKIPPED", peers.get("reason") or why("peers", "PyTorch did not run"))
    r = peers.get("results", {}).get(key)
    if r is None:
        raise Missing("SKIPPED", why("peers", f"PyTorch has no {key} figure"))
    if "per_s" not in r:
        raise Missing("SKIPPED", f"PyTorch {key}: {r.get('error', 'no figure')}")
    return r["per_s"]

def estimate(prec):
    """The probe's dense peak for the device and precision: an estimate, with its basis."""
    if device is None:
        raise Missing("SKIPPED", why("probe", "no GPU device in the probe"))
    p = next((p for p in device.get("precisions", []) if p["type"] == prec), None)
    if not p or not p.get("peak"):
        raise Missing("SKIPPED", f"the probe has no {prec} peak estimate for {dev}" + (f": {p['peak_reason']}" if p and p.get("peak_reason") else ""))
    return p["peak"]["ops_per_s"], p["peak"].get("basis", "")

lines, notes = [], []
def line(what, fn, lo=None, hi=None, target=""):
    """fn returns (ratio, 'measured text') or raises Missing; the verdict compares ratio with lo/hi."""
    try:
        ratio, measured = fn()
        if lo is None and hi is None:
            verdict = "INFO"
        else:
            verdict = "PASS" if (lo is None or ratio >= lo) and (hi is None or ratio <= hi) else "FAIL"
        lines.append((what, f"{ratio:.3f}" if ratio is not None else "-", measured, target, verdict))
    except Missing as e:
        lines.append((what, "-", "", target, f"{e.verdict}({e.reason})"))

T = lambda x: f"{x / 1e12:.1f} T" if x >= 1e11 else f"{x / 1e9:.1f} G"  # then the unit: T(x) + "FLOP/s"
G = lambda x: f"{x / 1e9:.0f} GB/s"
n = 8192
for prec, goal in (("bf16", 0.7), ("fp16", 0.7), ("int8", 0.6)):
    g = f"gemm/{prec}/m{n}n{n}k{n}"
    unit = "OP/s" if prec == "int8" else "FLOP/s"
    def ratio_ours_lt(g=g, unit=unit):
        a, b = ours(f"{g}/xpubench"), ours(f"{g}/cublaslt", judged=False)
        return a / b, f"ours {T(a)}{unit}, cuBLASLt {T(b)}{unit}"
    line(f"{prec} GEMM {n}^3: ours / cuBLASLt", ratio_ours_lt, goal, None, f">= {goal}")
for prec in ("bf16", "fp16", "int8"):
    g = f"gemm/{prec}/m{n}n{n}k{n}"
    unit = "OP/s" if prec == "int8" else "FLOP/s"
    def ratio_lt_torch(g=g, unit=unit):
        a, b = ours(f"{g}/cublaslt", judged=False), torch_figure(g)
        return a / b, f"cuBLASLt {T(a)}{unit}, PyTorch {T(b)}{unit}"
    line(f"{prec} GEMM {n}^3: cuBLASLt / PyTorch", ratio_lt_torch, 0.95, 1.05, "0.95 - 1.05")
for prec in ("bf16", "fp16", "int8"):
    g = f"gemm/{prec}/m{n}n{n}k{n}"
    unit = "OP/s" if prec == "int8" else "FLOP/s"
    for who in ("ours", "cuBLASLt", "PyTorch"):
        def ratio_peak(g=g, who=who, prec=prec, unit=unit):
            x = torch_figure(g) if who == "PyTorch" else ours(f"{g}/{'xpubench' if who == 'ours' else 'cublaslt'}", judged=who == "ours")
            e, basis = estimate(prec)
            if basis and basis not in notes:
                notes.append(basis)
            return x / e, f"{who} {T(x)}{unit}, estimate {T(e)}{unit} [{notes.index(basis) + 1 if basis else '-'}]"
        line(f"{prec} GEMM {n}^3: {who} / estimated peak", ratio_peak, 0.8, None, ">= 0.8")
def fp32_gemm():
    g = "gemm/fp32/m4096n4096k4096"
    a, b = ours(f"{g}/xpubench"), ours(f"{g}/cublaslt", judged=False)
    return a / b, f"ours {T(a)}FLOP/s, cuBLASLt {T(b)}FLOP/s"
line("fp32 GEMM 4096^3: ours / cuBLASLt", fp32_gemm, None, None, "(no target)")
for op in ("read", "copy"):
    def ratio_bw(op=op):
        (a, impl), b = best_bandwidth(op), torch_figure("bandwidth/copy/b4294967296")
        return a / b, f"ours {op} ({impl}) {G(a)}, PyTorch copy {G(b)}"
    line(f"bandwidth {op} 4 GiB: ours / PyTorch copy", ratio_bw, 0.9, None, ">= 0.9")
for prec in ("fp32", "fp16", "bf16", "int8"):
    def ratio_pk(prec=prec):
        x = ours(f"peak/{prec}/xpubench")
        e, basis = estimate(prec)
        if basis and basis not in notes:
            notes.append(basis)
        unit = "OP/s" if prec == "int8" else "FLOP/s"
        return x / e, f"kernel {T(x)}{unit}, estimate {T(e)}{unit} [{notes.index(basis) + 1 if basis else '-'}]"
    line(f"peak {prec}: kernel / estimated peak", ratio_pk, 0.85, 1.05, "0.85 - 1.05")
def latency():
    t = ours("latency/empty/xpubench", "time_s")["median"]
    return None, f"{t * 1e6:.2f} us per empty launch (median)"
line("launch latency", latency, None, None, "(no target)")

head = f"device-check table: {dev or 'no GPU device'}"
if device:
    head += f" ({device.get('name', '?')})"
if peers and peers.get("available"):
    head += f"; PyTorch {peers.get('torch_version')} on cuda:0 ({peers['device']['name']})"
width = max(len(l[0]) for l in lines)
text = [head, "ratio = first / second; 'estimate' = the probe's theoretical dense peak (an estimate, not a measurement);",
        "bandwidth = (bytes read + bytes written) / s for both (xpubench's copy counts its 2 GiB source and 2 GiB destination)", ""]
for what, ratio, measured, target, verdict in lines:
    text.append(f"{what:<{width}}  {ratio:>6}  {target:<12}  {verdict}" + (f"\n{'':<{width}}  {measured}" if measured else ""))
counts = {v: sum(1 for l in lines if l[4].startswith(v)) for v in ("PASS", "FAIL", "SKIPPED", "INFO")}
text.append("")
text.append(", ".join(f"{c} {v}" for v, c in counts.items()))
for i, basis in enumerate(notes, 1):
    text.append(f"[{i}] estimate basis: {basis}")
print("\n".join(text))
with open(f"{out}/table.txt", "w") as f:
    f.write("\n".join(text) + "\n")
with open(f"{out}/table.json", "w") as f:
    json.dump({"device": dev, "lines": [dict(zip(("check", "ratio", "measured", "target", "verdict"), l)) for l in lines],
               "counts": counts, "estimate_bases": notes, "steps": steps}, f, indent=1)
PY
if [[ -n $final_out ]]; then
  for f in table.txt check.json peers.json probe.json quick.json device-check.log; do
    if [[ -f $out/$f ]]; then cp "$out/$f" "$final_out/"; fi
  done
  tar -czf "$final_out/device-check.tar.gz" -C "$out" .
  echo "device-check: done in $((SECONDS - start)) s; under $final_out: device-check.tar.gz (everything) and the table, runs, probe and log"
else
  echo "device-check: done in $((SECONDS - start)) s; everything is under $out"
fi
