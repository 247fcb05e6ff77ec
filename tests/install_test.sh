#!/usr/bin/env bash
# `cmake --install` into a temporary prefix (the tree the .deb is made from): every part in place,
# the installed binary runs, and another CMake project finds the probe (find_package(xpubench),
# xpubench::probe), builds against it and reads this machine's inventory.
# usage: install_test.sh BUILD_DIR MAN_PAGE(ON|OFF) SANITIZED(ON|OFF)
set -euo pipefail
build=$1 man=$2 sanitized=${3:-OFF}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/xpubench share/xpubench/suites/quick.toml share/xpubench/suites/llm-quick.toml share/doc/xpubench/README.md \
         share/doc/xpubench/methodology.md share/doc/xpubench/schema/inventory.v1.schema.json \
         share/bash-completion/completions/xpubench share/zsh/vendor-completions/_xpubench; do
  [[ -s "$prefix/$f" ]] || { echo "install: $f is missing or empty under $prefix" >&2; exit 1; }
done
if [[ $man == ON ]]; then
  grep -q "probe" "$prefix/share/man/man1/xpubench.1" || { echo "install: the man page lacks the subcommands" >&2; exit 1; }
fi
version=$("$prefix/bin/xpubench" --version)
grep -q "^xpubench [0-9]" <<<"$version" || { echo "install: unexpected --version output: $version" >&2; exit 1; }
grep -q "^Vulkan loader: " <<<"$version" || { echo "install: --version lacks the loaders: $version" >&2; exit 1; }
if [[ $sanitized == ON ]]; then
  echo "install: the CMake package's consumer is not built against a sanitizer build (its libraries need the sanitizer runtime)"
else
  mkdir -p "$prefix/consumer"
  cat > "$prefix/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(consumer CXX)
find_package(xpubench 0.1 REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE xpubench::probe)
CMAKE
  cat > "$prefix/consumer/main.cpp" <<'CPP'
#include <cstdio>

#include "probe/machine.hpp"

int main() {
  auto inv = xpu::probe_machine({});
  if (!inv) return std::fprintf(stderr, "%s\n", inv.error().message.c_str()), 1;
  std::printf("%d cores, %zu devices, first %s\n", inv->cpu.topology.cores, inv->devices.size(), inv->devices.at(0).id.c_str());
}
CPP
  cmake -S "$prefix/consumer" -B "$prefix/consumer/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$prefix/consumer.log" 2>&1 &&
    cmake --build "$prefix/consumer/build" >>"$prefix/consumer.log" 2>&1 || { cat "$prefix/consumer.log" >&2; echo "install: the CMake package does not build a consumer" >&2; exit 1; }
  out=$("$prefix/consumer/build/consumer")
  grep -qE "^[1-9][0-9]* cores, [1-9][0-9]* devices, first cpu0$" <<<"$out" || { echo "install: the consumer printed: $out" >&2; exit 1; }
  echo "install: find_package(xpubench) consumer: $out"
fi
echo "install: complete under a temporary prefix; $(head -1 <<<"$version")"
