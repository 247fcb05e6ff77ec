#!/usr/bin/env bash
# The one list of Debian 12 packages xpubench needs to build, test and benchmark.
# Idempotent: installs only what is missing, runs `apt-get update` at most once,
# works as root or through sudo. Used by README.md and .ci/run.
set -euo pipefail

# Three sets: `--runtime` (what running xpubench needs: the driver loaders and the CPU drivers it
# measures through; the .deb's own dependencies come from dpkg-shlibdeps), `--build` (the
# toolchain and libraries; includes runtime), `--test` (what the tests, fuzzing and bench/ add).
# No argument: all three, as the README and .ci/run use it.
runtime=(
  # OpenCL: the ICD loader and PoCL, the real CPU driver the tests use
  ocl-icd-libopencl1 pocl-opencl-icd
  # Vulkan: the loader and lavapipe (Mesa's CPU driver)
  libvulkan1 mesa-vulkan-drivers
  # Level Zero (probed only): its loader; the drivers come with the hardware's runtime
  libze1
)
build=(
  # toolchain (help2man writes the man page from --help; dpkg-dev's dpkg-shlibdeps gives the .deb its dependencies)
  build-essential cmake ninja-build pkg-config git help2man dpkg-dev
  # libraries
  libfmt-dev libhwloc-dev libre2-dev libcpu-features-dev nlohmann-json3-dev libcli11-dev
  libtomlplusplus-dev libbenchmark-dev libgtest-dev libgmock-dev
  # the run history (xpubench history): SQLite, and libpq for a team's PostgreSQL server
  libsqlite3-dev libpq-dev
  # fleet runs (mpirun ... xpubench run): Open MPI; without it xpubench builds without fleet runs
  libopenmpi-dev openmpi-bin
  # CPU backend: oneDNN (GEMM, convolution) and OpenBLAS, OpenMP build (the second fp32 GEMM)
  libdnnl-dev libopenblas-openmp-dev
  # OpenCL headers and the loader's development files
  ocl-icd-opencl-dev opencl-c-headers opencl-clhpp-headers
  # Level Zero headers
  libze-dev
  # clang-15 (PoCL's compiler) also type-checks the kernels PoCL cannot build here (half arithmetic)
  clang-15
  # CLBlast, the tuned OpenCL BLAS shown beside our GEMM (opened at run time; the header gives types)
  libclblast-dev
  # Vulkan headers, shader compiler and tools
  libvulkan-dev glslc spirv-tools vulkan-validationlayers
  # ONNX graphs for `suite from-model` (libonnx: protobuf types and shape inference)
  libonnx-dev libprotobuf-dev
)
test=(
  # the fuzz targets (fuzz/README.md): libFuzzer for clang-15
  libfuzzer-15-dev
  # peers measured side by side in bench/ (lstopo, clinfo, vulkaninfo, hyperfine)
  hwloc clinfo vulkan-tools hyperfine
  # the JSON schema validator; ONNX's Python writer makes the tests' graphs
  python3 python3-jsonschema python3-onnx
  # the HTML report's test opens it in a real browser
  chromium-headless-shell
  # the history's PostgreSQL test starts its own server (initdb + pg_ctl in a temporary folder)
  postgresql
)

packages=()
case "${1:-}" in
  --runtime) packages=("${runtime[@]}") ;;
  --build) packages=("${runtime[@]}" "${build[@]}") ;;
  --test) packages=("${test[@]}") ;;
  "") packages=("${runtime[@]}" "${build[@]}" "${test[@]}") ;;
  *) echo "install-deps: unknown argument '$1' (expected --runtime, --build, --test or nothing for all)" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
