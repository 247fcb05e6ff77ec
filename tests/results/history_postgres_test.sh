#!/usr/bin/env bash
# The history on a real PostgreSQL server: starts one in a temporary folder (initdb + pg_ctl, as an
# unprivileged user when run as root, listening on a Unix socket in that folder only), runs the
# history tests that take XPUBENCH_TEST_POSTGRES (the store's unit tests and `xpubench history` end
# to end), then stops it and removes the folder. Exit 77 (CTest's skip) where the server binaries
# are absent, with what to install.
# usage: history_postgres_test.sh HISTORY_TESTS CLI_TESTS
set -euo pipefail
history_tests=$1 cli_tests=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bin" || ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" ]]; then
  echo "SKIPPED: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or scripts/install-deps.sh --test"
  exit 77
fi
work=$(mktemp -d /tmp/xpubench-pg.XXXXXX)
as=()
if [[ $(id -u) == 0 ]]; then  # initdb refuses root: the server runs as nobody, in a folder it owns
  chown nobody "$work"
  as=(runuser -u nobody --)
fi
stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$work/data" -U xpubench --auth=trust --encoding=UTF8 --locale=C >"$work/initdb.log" 2>&1 ||
  { cat "$work/initdb.log"; exit 1; }
if ! "${as[@]}" "$bin/pg_ctl" -D "$work/data" -w -t 60 -l "$work/server.log" \
    -o "-c listen_addresses= -k $work -c fsync=off" start >/dev/null; then
  cat "$work/server.log"
  exit 1
fi
export XPUBENCH_TEST_POSTGRES="postgresql://xpubench@/postgres?host=$work"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $XPUBENCH_TEST_POSTGRES"
"$history_tests" --gtest_filter='*postgresql*' --gtest_brief=1
"$cli_tests" --gtest_filter='*postgresql*' --gtest_brief=1
