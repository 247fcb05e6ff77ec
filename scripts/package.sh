#!/usr/bin/env bash
# Builds the .deb from a release build (cpack), checks what it holds and what it depends on,
# installs it (apt-get, which resolves its Depends: libopenblas0 is a metapackage dpkg alone does
# not pull in) and tries the installed xpubench (--version, the probe as JSON, the bash completion),
# then removes it. Needs root or sudo.
#   bash scripts/package.sh [BUILD_DIR]      (default build/release, built by the release preset)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
[[ -x "$build/xpubench" ]] || { echo "package: no $build/xpubench: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
sudo=()
((EUID == 0)) || sudo=(sudo)

rm -f "$build"/xpubench_*.deb
(cd "$build" && cpack -G DEB > cpack.log 2>&1) || { cat "$build/cpack.log" >&2; exit 1; }
deb=$(ls "$build"/xpubench_*.deb)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb -f "$deb" Depends Recommends Suggests
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/xpubench ./usr/share/xpubench/suites/quick.toml ./usr/share/doc/xpubench/README.md \
         ./usr/share/bash-completion/completions/xpubench ./usr/share/zsh/vendor-completions/_xpubench; do
  grep -q " $f\$" <<<"$contents" || { echo "package: $f is missing from $deb" >&2; exit 1; }
done
if command -v help2man >/dev/null; then
  grep -q " ./usr/share/man/man1/xpubench.1" <<<"$contents" || { echo "package: the man page is missing" >&2; exit 1; }
fi
grep -q "/cmake/xpubench/xpubench-config.cmake\$" <<<"$contents" || { echo "package: the CMake package is missing" >&2; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q libhwloc || { echo "package: Depends lacks hwloc (dpkg-shlibdeps?)" >&2; exit 1; }

trap '"${sudo[@]}" dpkg -r xpubench >/dev/null 2>&1 || true' EXIT
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$(realpath "$deb")" > "$build/package-install.log" 2>&1 ||
  { cat "$build/package-install.log" >&2; echo "package: $deb does not install" >&2; exit 1; }
/usr/bin/xpubench --version
/usr/bin/xpubench probe --format json | python3 -c 'import json, sys; d = json.load(sys.stdin)["inventory"]; assert d["devices"], "no device"; print("package: the installed probe lists", len(d["devices"]), "devices")'
bash -c 'source /usr/share/bash-completion/completions/xpubench; COMP_WORDS=(xpubench pro); COMP_CWORD=1; _xpubench; [[ "${COMPREPLY[*]}" == probe ]]' ||
  { echo "package: the bash completion does not complete 'pro' to 'probe'" >&2; exit 1; }
echo "package: installed, ran and removed"
