#!/usr/bin/env bash
# The layering rules of STYLE.md, checked on the source: core/ includes no
# curses header, never prints, exits or reads the clock, and all SQL lives in
# the storage module: the SQLite engine, core/sqlite/ (and sqlite3.h only
# there).  The engine stays below the rules: nothing in it includes a policy,
# workflow, audit or report header.
set -u
core=${1:?usage: layering.sh CORE_DIR}
failures=0
check() {
    local what=$1 pattern=$2 hits
    shift 2
    hits=$(grep -nE "$pattern" "$@" 2>/dev/null | grep -vE '^\S+:[0-9]+:\s*(/?\*|//)')
    if [ -n "$hits" ]; then
        printf 'FAIL: %s\n%s\n' "$what" "$hits"
        failures=$((failures + 1))
    fi
}
all=$(find "$core" -name '*.[ch]')
engine=$(find "$core/sqlite" -name '*.[ch]')
nonstorage=$(find "$core" -path "$core/sqlite" -prune -o -name '*.[ch]' -print)
# shellcheck disable=SC2086
check "curses in core/" '#\s*include\s*[<"](n?curses|panel|menu|form)' $all
# shellcheck disable=SC2086
check "printing or exiting in core/" '(^|[^a-z_])(printf|fprintf|vprintf|vfprintf|puts|perror|exit|abort|_exit)\s*\(|\b(stdout|stderr)\b' $all
# shellcheck disable=SC2086
check "reading the clock in core/" '(^|[^a-z_])(time|clock_gettime|gettimeofday|localtime|gmtime)\s*\(' $all
# shellcheck disable=SC2086
check "SQL outside the storage module" '\bsqlite3_|\b(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|BEGIN|COMMIT|ROLLBACK)\s' $nonstorage
# shellcheck disable=SC2086
check "sqlite3.h outside the storage module" '#\s*include\s*[<"]sqlite3\.h' $nonstorage
# shellcheck disable=SC2086
check "the engine includes a header above it" '#\s*include\s*"[^"]*(policy|workflow|audit|report)[^"/]*\.h"' $engine
# shellcheck disable=SC2086
check "the engine decides who may act (roles are checked above it)" '\bcr_require_role\s*\(' $engine
echo "7 checks, $failures failed"
[ "$failures" -eq 0 ]
