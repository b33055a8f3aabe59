#!/usr/bin/env bash
# CI's check that the benchmark still works (it asserts no time): ratios.sh
# at 2,000 cases, quick, completes and prints every row of its table with
# a numeric ratio, positive but for the keys' rows (those when
# casereview-test, the program with the test hooks, is beside the program),
# and, where PostgreSQL's server programs are installed (unless --no-pg is
# given: a program built without the PostgreSQL engine), the PostgreSQL
# table's rows the same way, on a throwaway cluster.
# usage: tests/bench/check.sh CASEREVIEW [--no-pg]
set -u
pg=1
[ "${2:-}" != --no-pg ] || pg=0
if [ $pg = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "${CASEREVIEW_PG_REQUIRED:-}" != 1 ]; then
    echo "check.sh: PostgreSQL is not installed: no PostgreSQL rows expected"
    pg=0
fi
no_pg=()
[ $pg = 1 ] || no_pg=(--no-pg)
out=$(bash "$(dirname "$0")/ratios.sh" --casereview "$1" --cases 2000 --quick "${no_pg[@]}" 2>&1)
rc=$?
printf '%s\n' "$out"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
[ $rc = 0 ] || fail "ratios.sh exited $rc"
# The backquotes are the table's own (Markdown), not command substitutions.
# shellcheck disable=SC2016
works=('import 2000 |' 'import 2000, peak memory (RSS)' 're-import, nothing new'
    'search first page, common word' 'search first page, rare surname'
    'search first page, reference' 'search first page, prefix'
    '`casereview --version`' '`casereview --version` over the floor'
    '`list --limit 50`' '`stats`'
    'a decision (`decide`), p50' 'a decision (`decide`), p99'
    'database size' "database size, against the raw import's")
if [ $pg = 1 ]; then
    # shellcheck disable=SC2016
    works+=('PostgreSQL: import 2000 |' 'PostgreSQL: import 2000, against \copy and the search index'
        "PostgreSQL: import 2000, against casereview's on SQLite"
        'PostgreSQL: re-import, nothing new' 'PostgreSQL: `list --limit 50`'
        'PostgreSQL: search first page, common word'
        'PostgreSQL: a decision (`decide`), p50' 'PostgreSQL: a decision (`decide`), p99'
        'PostgreSQL: database size |' "PostgreSQL: database size, against the raw import's")
fi
if [ -x "$(dirname "$1")/casereview-test" ]; then
    works+=('PgDn in the workstation, per key' 'PgUp in the workstation, per key')
fi
for work in "${works[@]}"; do
    line=$(printf '%s\n' "$out" | grep -F -- "| $work" | head -1)
    if [ -z "$line" ]; then
        fail "no row: $work"
    elif ! printf '%s\n' "$line" | grep -Eq '\| -?[0-9]+\.[0-9]+x \|$'; then
        fail "no ratio: $line"
    elif [[ $work != *"per key"* ]] && printf '%s\n' "$line" | grep -Eq '\| 0\.00x \|$'; then
        # A key's cost is a difference of two runs: on a busy machine
        # (meson runs the tests side by side) it can come out at or below
        # zero (a negative ratio), which says nothing about the benchmark
        # working.
        fail "no positive ratio: $line"
    fi
done
rows=$(printf '%s\n' "$out" | grep -Ec '\| -?[0-9]+\.[0-9]+x \|$')
[ "$rows" = ${#works[@]} ] || fail "$rows rows with a ratio, not ${#works[@]}"
[ $failures = 0 ] && echo "ok: $rows rows" || exit 1
