#!/usr/bin/env bash
# `cmake --install` into a temporary prefix (the tree the .deb is made from): every part in place,
# the installed binary runs. usage: install_test.sh BUILD_DIR MAN_PAGE(ON|OFF)
set -euo pipefail
build=$1 man=$2
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
echo "install: complete under a temporary prefix; $(head -1 <<<"$version")"
