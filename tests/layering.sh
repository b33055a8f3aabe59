#!/usr/bin/env bash
# The layering rules of STYLE.md, checked on the source: core/ includes no
# curses header, never prints, exits or reads the clock, and all SQL lives in
# the storage module: the SQLite engine, core/sqlite/ (and sqlite3.h only
# there).  The engine stays below the rules: nothing in it includes a policy,
# workflow, audit or report header, or calls a function defined above it;
# core's headers include each other without a cycle; and the program (tui/)
# includes only core's public headers.  Neither engine does the figures'
# arithmetic: it counts, core/report.c makes the figures.
set -u
core=${1:?usage: layering.sh CORE_DIR}
failures=0
checks=0
check() {
    checks=$((checks + 1))
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
# Every engine: the SQLite one, the in-memory one the unit tests use and the PostgreSQL one.
engines=$(find "$core/sqlite" "$core/memory" "$core/pg" -name '*.[ch]' 2>/dev/null)
# SQL lives in the SQL engines' folders only.
nonstorage=$(find "$core" \( -path "$core/sqlite" -o -path "$core/pg" \) -prune -o -name '*.[ch]' -print)
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
check "libpq outside the PostgreSQL engine" '#\s*include\s*[<"]libpq-fe\.h|\bPQ[a-z]+\s*\(' $nonstorage $(find "$core/sqlite" "$core/memory" -name '*.[ch]' 2>/dev/null)
# shellcheck disable=SC2086
check "a file above the engine includes the engine's own headers (it has only store.h's table)" '#\s*include\s*"[^"]*(sqlite|pg)/' $nonstorage
# shellcheck disable=SC2086
check "an engine includes a header above it" '#\s*include\s*"[^"]*(policy|workflow|audit|report)[^"/]*\.h"' $engines
# shellcheck disable=SC2086
check "an engine decides who may act (roles are checked above it)" '\bcr_require_role\s*\(' $engines
# What waits for whom is the workflow's (workflow.c builds a struct cr_queue
# from the rules table): no engine branches on a role.
# shellcheck disable=SC2086
check "an engine names a role (what waits for whom comes to it as a cr_queue)" '\bCR_ROLE_[A-Z]' $engines
# The engines only count: stages, breakdowns, people as against cases, service
# levels and the figures' results are core/report.c's (store.h, "The figures").
# shellcheck disable=SC2086
check "an engine does the figures' arithmetic (it only counts; core/report.c makes the figures)" \
    '\bCR_(STAGE|DIMENSION)_[A-Z]|\bstruct cr_(figures|report|report_row|report_query|stats|dashboard|reviewer_mix)\b|\bcr_state_sla\s*\(' \
    $engines
# Who may see what comes to the engine as a scope (policy.c), who writes as an
# argument, and every audit event is built above it (audit.c): no engine reads
# the user or the configuration off the handle.
# shellcheck disable=SC2086
check "an engine reads the user or the configuration off the handle (policy.c gives it a scope)" '\bst_(user|config)\s*\(' $engines

# The engine calls nothing defined above it but the neutral helpers below:
# errors and strings (util.c, db.c; cr_strings, the results' priv of store.h),
# the clock and its own state off the handle (cr_db_now, cr_db_tx_now, cr_store_ctx), the names
# of the enumerations, the configuration's text, the priority rule
# (cr_priority, which the import calls from C) and the order of a list of
# cases under a filter (cr_list_order, store.c, which the cursors and the
# screens follow too).  Every audit event is built and chained above the
# engine, and `audit verify` (its replay) is core's.
allowed='^(cr_fail|cr_buf_[a-z_]+|cr_strings_[a-z]+|cr_vformat|cr_blank|cr_hex_of|cr_unhex|cr_date_parse|cr_time_format|cr_(state|outcome|category|employment|duty|vetting|source|kind|vote|action|link_kind)_(name|parse)|cr_db_now|cr_db_tx_now|cr_store_ctx|cr_config_text|cr_priority|cr_list_order)$'
# shellcheck disable=SC2086
above=$(find "$core" -maxdepth 1 -name '*.c' -print0 | xargs -0 awk '
    /^[a-z_][a-z0-9_]*\(/ && prev !~ /^static/ { sub(/\(.*/, ""); print }
    { prev = $0 }' | sort -u | grep -vE "$allowed")
calls=''
for f in $above; do
    # shellcheck disable=SC2086
    hit=$(grep -nE "(^|[^a-z0-9_.>])$f\s*\(" $engines | grep -vE '^\S+:[0-9]+:\s*(/?\*|//)')
    [ -n "$hit" ] && calls+="$hit"$'\n'
done
checks=$((checks + 1))
if [ -n "$calls" ]; then
    printf 'FAIL: the engine calls a function defined above it (core/*.c)\n%s\n' "$calls"
    failures=$((failures + 1))
fi

# No include cycle between core's headers (tsort finds the loop).
edges=$(for h in $(find "$core" -name '*.h'); do
    dir=$(dirname "$h")
    grep -oE '#\s*include\s*("[^"]+"|<casereview/[^>]+>)' "$h" | sed -E 's/.*[<"]([^">]+)[">]/\1/' |
        while read -r inc; do
            case $inc in
            casereview/*) to="$core/include/$inc" ;;
            *) to="$dir/$inc" ;;
            esac
            [ -f "$to" ] && printf '%s %s\n' "$(realpath "$h")" "$(realpath "$to")"
        done
done)
checks=$((checks + 1))
if ! loop=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null) || [ -n "$loop" ]; then
    printf 'FAIL: an include cycle between core headers\n%s\n' "$loop"
    failures=$((failures + 1))
fi

# The program's files include only core's public headers (casereview/...).
tui=$(dirname "$core")/tui
# shellcheck disable=SC2086
check "the program includes a header of core/ that is not public" \
    '#\s*include\s*("[^"]*core/|[<"]([^">]*/)?(internal|store|sqlite|schema|yaml_tree)\.h[">])' \
    $(find "$tui" -name '*.[ch]')

# The program holds a case by its id and calls core's _id functions: it never
# writes an id as "#N" text for core to parse back (STYLE.md, "Avoid").
# shellcheck disable=SC2046
check "the program turns a case id into text for core to parse" '"#%(lld|" *PRId64)' \
    $(find "$tui" -name '*.[ch]')

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
