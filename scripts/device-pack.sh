#!/usr/bin/env bash
# Packs a release build into a relocatable bundle (a .tar.gz) that runs on a machine with none of
# Debian's libraries installed, such as a lent GPU machine: bench/device-check.sh runs it there.
#
# The bundle, unpacked into any folder:
#   xpubench        a launcher (POSIX sh): puts the bundle's lib/ first on LD_LIBRARY_PATH and execs
#                   bin/xpubench; works from any current directory and through a symlink
#   bin/xpubench    the build's binary, stripped (strip --strip-unneeded writes a copy; the build is
#                   never modified)
#   lib/            every shared library the binary needs (ldd), copied as real files named by their
#                   SONAME, except what the target machine must provide itself: glibc and its dynamic
#                   loader, and the GPU drivers (libcuda, libnvidia-*, the OpenCL and Vulkan loaders,
#                   which xpubench opens with dlopen at run time: this script fails if one is linked)
#   README.txt      how to run it, what it carries and what it leaves to the machine
#   MANIFEST.txt    every library, where it came from, and the newest glibc symbol version needed
# xpubench reads no data files at run time (the built-in suites are compiled in), so none are
# carried; neither are PoCL, lavapipe or ICD json files: the GPU machine brings its own driver.
#
# usage: scripts/device-pack.sh [--without-cpu-libraries] [--max-mib N] [BUILD_DIR] [OUT.tar.gz]
#   BUILD_DIR   a release build (default build/release, from the repository root)
#   OUT.tar.gz  the bundle (default build/xpubench-bundle.tar.gz)
#   --max-mib N the compressed size limit (default 60): over it, the script lists the biggest
#               libraries, removes the bundle and exits 1
#   --without-cpu-libraries
#               meant to leave out oneDNN and OpenBLAS (the CPU backend's libraries, the biggest
#               part of the bundle) to fit the limit. The binary links them, so today it cannot
#               start without them: until a build option drops them from the CPU backend, this
#               only warns and carries them anyway.
# Exit: 0 written, 1 over the size limit or a library missing, 2 bad usage or no build.
set -euo pipefail

usage() { sed -n '/^# usage:/,/^# Exit:/s/^# \{0,1\}//p' "$0"; }
root=$(cd "$(dirname "$0")/.." && pwd)
max_mib=60
without_cpu=0
args=()
while (($#)); do
  case $1 in
    --without-cpu-libraries) without_cpu=1 ;;
    --max-mib) [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "device-pack: --max-mib needs a whole number of MiB" >&2; exit 2; }
               max_mib=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "device-pack: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) args+=("$1") ;;
  esac
  shift
done
((${#args[@]} <= 2)) || { usage >&2; exit 2; }
# Arguments are taken relative to the caller's directory; the defaults to the repository root.
build=$(realpath -m "${args[0]:-$root/build/release}")
out=$(realpath -m "${args[1]:-$root/build/xpubench-bundle.tar.gz}")
bin=$build/xpubench
[[ -x $bin ]] || { echo "device-pack: no $bin: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
for tool in ldd readelf strip objdump tar gzip; do
  command -v "$tool" >/dev/null || { echo "device-pack: $tool is needed (binutils, libc-bin, tar, gzip)" >&2; exit 2; }
done
if ((without_cpu)); then
  echo "device-pack: warning: --without-cpu-libraries: xpubench links oneDNN and OpenBLAS, and no build option drops" \
       "them yet, so they are carried anyway (the binary would not start without them)" >&2
fi

# What the target provides: glibc (the files of Debian's libc6 package) and the dynamic loader ...
glibc_re='^(ld-linux(-x86-64)?\.so\.2|libc|libm|libmvec|libpthread|libdl|librt|libutil|libresolv|libanl|libnsl|libBrokenLocale|libthread_db|libc_malloc_debug|libnss_[a-z]+)\.so(\.[0-9]+)*$'
# ... and the GPU drivers, which xpubench dlopens: a link dependency on one of them is a bug.
driver_re='^(libcuda|libnvidia-.*|libvulkan|libze_loader|libcublas.*|libcudart)\.so(\.[0-9]+)*$'
# The OpenCL ICD loader is no driver, but xpubench dlopens it too: the binary must not link it. A
# library it links may (Debian's oneDNN links libOpenCL.so.1 for its GPU runtime): then the loader
# is carried, or the binary would not start on a machine without it. It finds the machine's OpenCL
# drivers through /etc/OpenCL/vendors (NVIDIA's driver installs nvidia.icd there).
opencl_re='^libOpenCL\.so(\.[0-9]+)*$'

stage=$(mktemp -d)
tmp_out="$out.partial.$$"
trap 'rm -rf "$stage" "$tmp_out"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
strip --strip-unneeded -o "$stage/bin/xpubench" "$bin"

# ldd lists the whole closure (dependencies of dependencies), resolved as the build machine's
# loader would: through the binary's RUNPATH, ld.so.cache and Debian's alternatives symlinks
# (libopenblas.so.0 -> openblas-openmp/). Lines: "name => /path (0x...)", "/lib64/ld-linux... (0x...)".
ldd_out=$(ldd "$bin")
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in $needed; do
  if [[ $lib =~ $driver_re || $lib =~ $opencl_re ]]; then
    echo "device-pack: $bin links $lib: driver libraries and loaders must be opened with dlopen, not linked" >&2
    exit 1
  fi
done
if grep -q 'not found' <<<"$ldd_out"; then
  echo "device-pack: the build machine cannot resolve every library of $bin:" >&2
  grep 'not found' <<<"$ldd_out" >&2
  exit 1
fi
manifest=()
while read -r name arrow path _; do
  [[ $arrow == "=>" && $path == /* ]] || continue   # the vdso and the loader's own line
  base=${name##*/}
  if [[ $base =~ $driver_re ]]; then
    echo "device-pack: $bin needs $base ($path) through one of its libraries: GPU drivers must be the machine's own" >&2
    exit 1
  fi
  [[ $base =~ $glibc_re ]] && continue
  real=$(readlink -f "$path")
  soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  soname=${soname:-$base}
  cp "$real" "$stage/lib/$soname"
  chmod 0644 "$stage/lib/$soname"
  manifest+=("$soname <- $real")
  if [[ $base =~ $opencl_re ]]; then opencl_loader=$soname; fi
done <<<"$ldd_out"
if [[ -n ${opencl_loader:-} ]]; then
  # Which carried library links it, for the manifest and the message.
  users=
  for f in "$stage/lib"/*; do
    if readelf -d "$f" | grep -q "(NEEDED).*\[$opencl_loader\]"; then users+="${f##*/} "; fi
  done
  manifest+=("  ($opencl_loader, the OpenCL ICD loader, is carried because ${users% } links it; it reads the machine's /etc/OpenCL/vendors)")
  echo "device-pack: note: carrying the OpenCL ICD loader $opencl_loader: ${users% } links it"
fi

# The Vulkan loader is opened with dlopen, not linked; GPU machines often have the NVIDIA driver's
# Vulkan ICD but no loader (it comes with the desktop packages), so it is carried: it finds the
# machine's drivers through the usual ICD folders and VK_DRIVER_FILES. It needs only glibc.
vulkan_loader=$(ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libvulkan\.so\.1 (libc6,x86-64) => //p' | head -n 1)
if [[ -n $vulkan_loader && -f $vulkan_loader ]]; then
  cp "$(readlink -f "$vulkan_loader")" "$stage/lib/libvulkan.so.1"
  chmod 0644 "$stage/lib/libvulkan.so.1"
  manifest+=("libvulkan.so.1 <- $(readlink -f "$vulkan_loader")")
  manifest+=("  (the Vulkan loader, opened with dlopen, is carried for machines that have a Vulkan driver but no loader)")
fi

# The oldest glibc the bundle runs on: the newest GLIBC_x.y symbol version any of its files needs
# (objdump -T lists each imported symbol with its version), and which files need it.
glibc_of() { objdump -T "$1" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1; }
declare -A glibc_file=()
for f in "$stage/bin/xpubench" "$stage/lib"/*; do
  glibc_file[${f#"$stage"/}]=$(glibc_of "$f")
done
glibc_needed=$(printf '%s\n' "${glibc_file[@]}" | sort -V | tail -n 1)
glibc_by=$(for f in "${!glibc_file[@]}"; do if [[ ${glibc_file[$f]} == "$glibc_needed" ]]; then echo "${f##*/}"; fi; done | sort | tr '\n' ' ')
build_glibc=$(ldd --version | sed -n '1s/.* \([0-9][0-9.]*\)$/\1/p')
version=$("$bin" --version 2>/dev/null | head -n 1 || true)

cat > "$stage/xpubench" <<'SH'
#!/bin/sh
# xpubench bundle launcher: the bundle's own libraries (lib/, beside this file) first on the search
# path, then the machine's (glibc, the GPU driver, which xpubench opens at run time). Resolves its
# own path, so it runs from any directory and through a symlink.
self=$(readlink -f -- "$0") || { echo "xpubench: cannot resolve $0 (readlink -f)" >&2; exit 127; }
here=${self%/*}
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
exec "$here/bin/xpubench" "$@"
SH
chmod 0755 "$stage/xpubench"

{
  printf 'xpubench bundle (%s), made by scripts/device-pack.sh on %s from %s\n' "${version:-version unknown}" "$(date -u +%Y-%m-%d)" "$build"
  printf 'Needs: x86-64 Linux with glibc %s or newer (built on glibc %s; %s needed by %s).\n' \
         "${glibc_needed:-?}" "$build_glibc" "${glibc_needed:-?}" "${glibc_by% }"
  printf 'glibc_min=%s\n\n' "${glibc_needed:-0}"
  printf 'Libraries carried (SONAME <- the build machine'"'"'s file):\n'
  printf '  %s\n' "${manifest[@]}"
} > "$stage/MANIFEST.txt"

cat > "$stage/README.txt" <<TXT
xpubench, relocatable bundle
============================
Unpack anywhere (tar -xzf xpubench-bundle.tar.gz -C DIR) and run the launcher at its root:

  ./xpubench --version
  ./xpubench probe                        the device report (--format json: the inventory as JSON)
  ./xpubench run --suite quick            the built-in quick suite on every device
  ./xpubench run --suite FILE.toml --device cuda0 --json run.json
  ./xpubench run --list --suite quick     what would run, without running it

The launcher may be symlinked (ln -s \$PWD/xpubench ~/bin/xpubench): it finds its lib/ through the link.

What it needs from the machine
  - x86-64 Linux, glibc ${glibc_needed:-?} or newer (glibc and its loader are not carried).
  - For GPUs, the machine's own driver: xpubench opens libcuda.so.1 (NVIDIA), libze_loader.so.1 and
    libnvidia-ml.so.1 (power) with dlopen at run time; none of them is carried, nor PoCL, lavapipe or
    any ICD file. The Vulkan loader libvulkan.so.1 is carried (lib/): it finds the machine's Vulkan
    drivers through /usr/share/vulkan/icd.d, /etc/vulkan/icd.d or VK_DRIVER_FILES (NVIDIA's json may
    be elsewhere, e.g. /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json: name it there).
    What the probe does not find is listed with the reason. The OpenCL ICD loader libOpenCL.so.1
    is carried when a carried library links it (see MANIFEST.txt); it finds the machine's OpenCL
    drivers through /etc/OpenCL/vendors/*.icd.
  - cuBLASLt, for the cublaslt GEMM rows beside ours on CUDA devices: libcublasLt.so.13, then
    libcublasLt.so.12, from the library path. Point at another file with
      XPUBENCH_CUBLASLT_LIBRARY=/path/to/libcublasLt.so.13 ./xpubench run ...
    (a CUDA toolkit's, or the copy a PyTorch installation carries: find / -name 'libcublasLt.so.*').
    Likewise XPUBENCH_CUDA_LIBRARY, XPUBENCH_OPENCL_LIBRARY, XPUBENCH_VULKAN_LIBRARY and
    XPUBENCH_NVML_LIBRARY name a driver library explicitly.

What it carries
  bin/xpubench (stripped) and, in lib/, every library it links except glibc: see MANIFEST.txt.
  libstdc++ and libgcc_s are carried (the machine's may be older); they come first on the search
  path of the whole process, driver libraries included.
  Not carried (opened with dlopen, optional): libclblast.so.1 (CLBlast rows on OpenCL devices),
  libpq.so.5 (history on PostgreSQL). Open MPI is linked and carried, but not its plugins: fleet
  runs under mpirun need an Open MPI installation; a plain run never starts MPI.

Results: a run keeps its folder under \$XPUBENCH_RESULTS (default ~/xpubench-results); --json FILE
writes the run (docs/schema.md in the repository describes it).
TXT

mkdir -p "$(dirname "$out")"
chmod 0755 "$stage"   # mktemp's 0700 would become the mode of the folder it is unpacked into
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -czf "$tmp_out" .
size=$(stat -c %s "$tmp_out")
limit=$((max_mib * 1024 * 1024))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
libs=("$stage/lib"/*)
echo "device-pack: ${#libs[@]} libraries, $(mib "$(du -sb "$stage" | cut -f1)") unpacked, $(mib "$size") compressed (limit $max_mib MiB)"
echo "device-pack: needs glibc ${glibc_needed:-?} or newer on the target (for ${glibc_by% })"
echo "device-pack: the biggest files (unpacked, and each gzip-compressed alone):"
for f in "$stage/bin/xpubench" "$stage/lib"/*; do
  printf '%s %s %s\n' "$(stat -c %s "$f")" "$(gzip -c "$f" | wc -c)" "${f#"$stage"/}"
done | sort -nr | head -n 8 | while read -r raw gz name; do
  printf '  %-32s %10s  %10s\n' "$name" "$(mib "$raw")" "$(mib "$gz")"
done
if ((size > limit)); then
  rm -f "$tmp_out"
  echo "device-pack: the bundle is over $max_mib MiB compressed; not written. The CPU libraries (oneDNN, OpenBLAS) are" \
       "the usual bulk; leaving them out needs a build without them, which no option makes yet (--help:" \
       "--without-cpu-libraries)" >&2
  exit 1
fi
mv -f "$tmp_out" "$out"
echo "device-pack: wrote $out"
