#!/usr/bin/env bash
# The one list of Debian 12 packages xpubench needs to build, test and benchmark.
# Idempotent: installs only what is missing, runs `apt-get update` at most once,
# works as root or through sudo. Used by README.md and .ci/run.
set -euo pipefail

packages=(
  # toolchain (help2man writes the man page from --help; dpkg-dev's dpkg-shlibdeps gives the .deb its dependencies)
  build-essential cmake ninja-build pkg-config git help2man dpkg-dev
  # libraries
  libfmt-dev libhwloc-dev libcpu-features-dev nlohmann-json3-dev libcli11-dev
  libtomlplusplus-dev libbenchmark-dev libgtest-dev libgmock-dev
  # CPU backend: oneDNN (GEMM, convolution) and OpenBLAS, OpenMP build (the second fp32 GEMM)
  libdnnl-dev libopenblas-openmp-dev
  # OpenCL: ICD loader, headers, and PoCL, the real CPU driver the tests use
  ocl-icd-opencl-dev opencl-c-headers opencl-clhpp-headers pocl-opencl-icd
  # Level Zero (probed only): its loader and headers; the drivers come with the hardware's runtime
  libze-dev libze1
  # clang-15 (PoCL's compiler) also type-checks the kernels PoCL cannot build here (half arithmetic);
  # with libFuzzer it builds the fuzz targets (fuzz/README.md)
  clang-15 libfuzzer-15-dev
  # CLBlast, the tuned OpenCL BLAS shown beside our GEMM (opened at run time; the header gives types)
  libclblast-dev
  # Vulkan: loader, headers, lavapipe (Mesa's CPU driver), shader compiler and tools
  libvulkan-dev mesa-vulkan-drivers glslc spirv-tools vulkan-validationlayers
  # peers measured side by side in bench/ (lstopo, clinfo, vulkaninfo, hyperfine)
  hwloc clinfo vulkan-tools hyperfine
  # ONNX graphs for `suite from-model` (libonnx: protobuf types and shape inference)
  libonnx-dev libprotobuf-dev
  # tests: the JSON schema validator; ONNX's Python writer makes the tests' graphs
  python3 python3-jsonschema python3-onnx
)

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
