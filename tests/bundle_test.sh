#!/usr/bin/env bash
# The relocatable bundle (scripts/device-pack.sh) runs where nothing but glibc is installed, as on
# a lent GPU machine: it is packed from BUILD_DIR into a temporary folder, unpacked into an empty
# folder inside a minimal root that holds only the bundle, glibc's files the bundle resolves to,
# and what its launcher needs (/bin/sh = dash and readlink, both glibc-only), then run in that root
# (unshare: a private mount namespace, as a mapped root user where possible; chroot) with /proc,
# /sys and /dev bind-mounted from this machine (hwloc reads /sys, workers re-execute /proc/self/exe)
# and an empty environment: no /usr/lib beyond glibc, no ld.so.cache, no /etc, no OpenCL/Vulkan
# loaders or ICD files, no LD_LIBRARY_PATH from outside.
# Checks, in that root: `./xpubench --version` from the bundle's folder, `xpubench probe` (text and
# JSON) through a symlink on PATH from another directory, and a tiny suite (GEMM fp32 64^3 on every
# CPU implementation, i.e. oneDNN and OpenBLAS from the bundle; latency) with worker processes,
# every row ok and verified.
# Outside it, before: the bundle's layout, a stripped binary, no glibc or driver library carried,
# and every library the binary resolves (with only the bundle's lib/ added) is in the bundle or glibc.
# usage: bundle_test.sh BUILD_DIR [PYTHON3]
# Exit: 0 passed; 77 skipped (no unshare/chroot permission: the same checks then ran without
# isolation, and passed, and the output says so; or a tool is missing); other: failed.
set -euo pipefail
build=$(realpath "$1")
py=${2:-python3}
src=$(cd "$(dirname "$0")/.." && pwd)
for tool in ldd readelf strip objdump tar gzip unshare chroot findmnt "$py"; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 77; }
done
glibc_re='^(ld-linux(-x86-64)?\.so\.2|libc|libm|libmvec|libpthread|libdl|librt|libutil|libresolv|libanl|libnsl|libBrokenLocale|libthread_db|libc_malloc_debug|libnss_[a-z]+)\.so(\.[0-9]+)*$'
driver_re='^(libcuda|libnvidia-.*|libze_loader|libcublas.*|libcudart)\.so(\.[0-9]+)*$'

tmp=$(mktemp -d)
cleanup() {
  # The bind mounts live in the test's own mount namespace and end with it; never delete through
  # one that is somehow still visible here.
  if findmnt -rn -o TARGET | grep -q "^$tmp/"; then
    echo "bundle: mounts under $tmp are still present; not deleting it" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
fail() { echo "bundle: FAILED: $*" >&2; exit 1; }
show_logs() { for f in "$tmp/checks.log" "$root/tmp/run.txt"; do if [[ -f $f ]]; then cat "$f" >&2; fi; done; }
say() { echo "bundle: $*"; }

# 1. Pack (the size limit is the script's own check) and unpack into an empty folder of the root.
bash "$src/scripts/device-pack.sh" "$build" "$tmp/xpubench-bundle.tar.gz" > "$tmp/pack.log" 2>&1 || { cat "$tmp/pack.log" >&2; fail "device-pack.sh"; }
sed 's/^/  /' "$tmp/pack.log"
root=$tmp/root
bundle=$root/opt/xpubench
mkdir -p "$bundle"
tar -C "$bundle" -xzf "$tmp/xpubench-bundle.tar.gz"

# 2. Its layout, outside the root.
for f in xpubench bin/xpubench README.txt MANIFEST.txt; do
  [[ -s $bundle/$f ]] || fail "$f is missing from the bundle"
done
[[ -x $bundle/xpubench && -x $bundle/bin/xpubench ]] || fail "the launcher or bin/xpubench is not executable"
if readelf -S "$bundle/bin/xpubench" | grep -qE '\.(symtab|debug_info)'; then fail "bin/xpubench is not stripped"; fi
for lib in "$bundle"/lib/*; do
  name=${lib##*/}
  [[ -f $lib && ! -L $lib ]] || fail "lib/$name is not a plain file"
  [[ $name =~ $glibc_re ]] && fail "lib/$name is part of glibc: the target provides it"
  [[ $name =~ $driver_re ]] && fail "lib/$name is a GPU driver library: the target provides it"
done
readelf -d "$bundle/bin/xpubench" | grep -q '(NEEDED).*\[libOpenCL' && fail "bin/xpubench links libOpenCL: it must dlopen it"
libs=("$bundle/lib"/*)
say "layout: launcher, stripped bin/xpubench, ${#libs[@]} libraries, none of them glibc or a GPU driver (an OpenCL ICD loader: only if a carried library links it)"
# Every library the binary resolves with the bundle's lib/ first: in the bundle, or glibc.
outside=()
while read -r name arrow path _; do
  [[ $arrow == "=>" ]] || continue
  [[ $path == "not" ]] && fail "$name is not found with the bundle's lib/"
  [[ $path == "$bundle/lib/"* ]] && continue
  [[ ${name##*/} =~ $glibc_re ]] || fail "$name resolves outside the bundle, to $path (not glibc)"
  outside+=("$path")
done < <(LD_LIBRARY_PATH="$bundle/lib" ldd "$bundle/bin/xpubench")
say "resolution: everything in the bundle's lib/ except glibc (${#outside[@]} files: ${outside[*]##*/})"

# 3. The minimal root: glibc's files at their paths, the loader, the launcher's two programs.
sh_bin=$(readlink -f /bin/sh)
readlink_bin=$(command -v readlink)
for prog in "$sh_bin" "$readlink_bin"; do
  while read -r name arrow path _; do
    [[ $arrow == "=>" ]] || continue
    [[ ${name##*/} =~ $glibc_re ]] || { echo "SKIPPED: $prog needs $name, which is not glibc: the root would hold more than glibc"; exit 77; }
    outside+=("$path")
  done < <(ldd "$prog")
done
loader=$(readelf -l "$bundle/bin/xpubench" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
for f in "${outside[@]}" "$loader"; do
  mkdir -p "$root$(dirname "$f")"
  cp -L "$f" "$root$f"
done
mkdir -p "$root/bin" "$root/usr/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp -L "$sh_bin" "$root/bin/sh"
cp -L "$readlink_bin" "$root/usr/bin/readlink"
chmod 1777 "$root/tmp"
cat > "$root/tmp/tiny.toml" <<'TOML'
name = "bundle-tiny"
repetitions = 2
min_time_s = 0.005
[[gemm]]
precisions = ["fp32"]
shapes = [{ m = 64, n = 64, k = 64 }]
[[latency]]
TOML
# What runs in the root (dash): the launcher from its folder, then through a symlink on PATH
# (/usr/bin/xpubench -> /opt/xpubench/xpubench) from another directory. BUNDLE and WORK say where
# (in the root: /opt/xpubench and /tmp).
ln -s /opt/xpubench/xpubench "$root/usr/bin/xpubench"
cat > "$root/tmp/checks.sh" <<'SH'
set -e
cd "$BUNDLE"
./xpubench --version > "$WORK/version.txt"
cd "$WORK"
xpubench probe > "$WORK/probe.txt"
xpubench probe --format json > "$WORK/probe.json"
xpubench run --suite "$WORK/tiny.toml" --device cpu0 --json "$WORK/tiny.json" > "$WORK/run.txt" 2>&1
echo "bundle: / holds: $(cd / && echo *)"
SH
clean_env=(env -i PATH=/usr/bin:/bin HOME=/tmp TMPDIR=/tmp XPUBENCH_RESULTS=/tmp/results LANG=C
           BUNDLE=/opt/xpubench WORK=/tmp)
# Runs "$@" in a private mount namespace after binding /proc, /sys and /dev into the root ($0).
# shellcheck disable=SC2016  # expanded by the inner sh
in_root='for d in proc sys dev; do mount --rbind "/$d" "$0/$d"; done; exec "$@"'
mode=
for ns in --map-root-user ""; do
  # shellcheck disable=SC2086,SC2016  # $ns is one option or none; $0 is the inner sh's
  if unshare --mount --propagation private $ns sh -c 'mount --rbind /proc "$0/proc"' "$root" 2>/dev/null; then
    mode="unshare --mount${ns:+ $ns} + chroot, /proc /sys /dev bind-mounted"
    # shellcheck disable=SC2086
    unshare --mount --propagation private $ns sh -c "$in_root" "$root" \
      "${clean_env[@]}" "$(command -v chroot)" "$root" /bin/sh /tmp/checks.sh > "$tmp/checks.log" 2>&1 ||
      { show_logs; fail "the checks in the minimal root ($mode)"; }
    break
  fi
done
if [[ -z $mode ]]; then
  # No namespace here: the same checks with the machine's libraries visible, LD_LIBRARY_PATH unset.
  mode="plain run (no unshare/mount permission): LD_LIBRARY_PATH unset, the system's library folders NOT hidden"
  mkdir -p "$tmp/links"
  ln -s "$bundle/xpubench" "$tmp/links/xpubench"
  (cd "$tmp" && env -i PATH="$tmp/links:/usr/bin:/bin" HOME="$root/tmp" TMPDIR="$root/tmp" XPUBENCH_RESULTS="$root/tmp/results" LANG=C \
     BUNDLE="$bundle" WORK="$root/tmp" /bin/sh "$root/tmp/checks.sh") > "$tmp/checks.log" 2>&1 ||
    { show_logs; fail "the checks in a plain run"; }
fi
cat "$tmp/checks.log"
say "ran in: $mode"

# 4. What the root's runs wrote.
grep -q '^xpubench [0-9]' "$root/tmp/version.txt" || fail "--version: $(head -n 3 "$root/tmp/version.txt")"
say "--version: $(head -n 1 "$root/tmp/version.txt")"
"$py" - "$root/tmp" <<'PY' || fail "the probe's or the run's JSON"
import json, sys
d = sys.argv[1]
inv = json.load(open(f"{d}/probe.json"))["inventory"]
ids = [dev["id"] for dev in inv["devices"]]
assert "cpu0" in ids, f"the probe lists no cpu0: {ids}"
print(f"bundle: probe: devices {', '.join(ids)}; CPU {inv['devices'][ids.index('cpu0')]['name'].strip()!r}")
for b in inv["backends"]:
    print(f"bundle: probe: backend {b['name']}: {'available' if b['available'] else 'not available'}"
          f"{': ' + b['reason'][:110] if b.get('reason') else ''}")
run = json.load(open(f"{d}/tiny.json"))
rows = run["measurements"]
gemm = [m for m in rows if m["problem"].startswith("gemm/fp32/m64n64k64")]
latency = [m for m in rows if m["kernel"] == "latency"]
assert gemm and latency, f"rows missing: {[m['name'] for m in rows]}"
for m in gemm + latency:
    assert m["state"] == "ok", f"{m['name']}: {m['state']}: {m.get('reason', '')}"
    v = m.get("verification", {})
    assert not v.get("checked") or v.get("passed"), f"{m['name']}: verification failed: {v.get('message', '')}"
    print(f"bundle: run: {m['name']} ok, median {m['time_s']['median'] * 1e6:.1f} us, verified: {'yes' if v.get('checked') else 'n/a'}")
print(f"bundle: run: GEMM by {', '.join(sorted(m['implementation'] for m in gemm))}: every row ok")
PY
if [[ $mode == plain* ]]; then
  echo "SKIPPED: the bundle ran, but not in isolation: $mode"
  exit 77
fi
say "PASSED"
