#!/usr/bin/env bash
# One checked read path (issue 8): a case, a page of cases or a history
# reaches a screen or a command only through the core functions that apply
# conflicts and need-to-know (and audit the view).  Checked on the source, so
# that a new unchecked read outside core/ fails here before it ships.
set -u
src=${1:?usage: checked-reads.sh SOURCE_DIR}
headers=("$src"/core/include/casereview/*.h)
failures=0
fail() {
    printf 'FAIL: %s\n' "$*"
    failures=$((failures + 1))
}

# 1. The public headers read a case only through cr_case_view and cr_case_reload
#    (by key or by id): no other declared function takes a struct cr_case to fill.
readers=$(cat "${headers[@]}" | tr '\n' ' ' | grep -oE '[a-z_]+\([^()]*struct cr_case \*[^()]*\)' |
    sed 's/(.*//' | sort -u | paste -sd' ')
# cr_qa_view and its _id form (casereview/qa.h): the blind view of a quality review, which
# applies the same conflicts and need-to-know and audits the view ({"view": "qa"}).
[ "$readers" = "cr_case_free cr_case_reload cr_case_reload_id cr_case_view cr_case_view_id cr_qa_view cr_qa_view_id" ] ||
    fail "public functions that fill a struct cr_case: '$readers' (expected cr_case_view, cr_case_reload, their _id forms, cr_case_free, cr_qa_view and its _id form)"
grep -n 'cr_case_get' "${headers[@]}" && fail "cr_case_get (unchecked) is in a public header"

# 2. The interface (tui/) includes only the public header of core/, and calls
#    nothing of core/'s internals (st_*: storage without the rules).
hits=$(grep -nE '#\s*include\s*"(internal|schema)\.h"|#\s*include\s*"[^"]*core/' "$src"/tui/*.[ch] "$src"/tui/cli/*.[ch])
[ -z "$hits" ] || fail "tui/ includes core internals:
$hits"
hits=$(grep -nE '(^|[^a-z_])st_[a-z_]+\s*\(' "$src"/tui/*.[ch] "$src"/tui/cli/*.[ch])
[ -z "$hits" ] || fail "tui/ calls storage without the rules:
$hits"

# 3. Inside core/, the unchecked read st_case_get is defined above the engine
#    (store.c) and used by no one; only the storage tests and the benchmark
#    may call it.
hits=$(grep -nE '(^|[^a-z_])st_case_get\s*\(' "$src"/core/*.c "$src"/core/sqlite/*.c |
    grep -v '^[^:]*/core/store\.c:[0-9]*:st_case_get(')
[ -z "$hits" ] || fail "core/ reads a case unchecked:
$hits"
hits=$(grep -lE '(^|[^a-z_])st_case_get\s*\(' "$src"/tui/*.c "$src"/tui/cli/*.c "$src"/data/*.c 2>/dev/null)
[ -z "$hits" ] || fail "unchecked reads in: $hits"

# 4. The checked functions apply the view rules: cr_case_view, cr_case_reload
#    and the histories go through view_rules; lists through visibility_where.
for f in view history; do
    awk -v f="$f" '$0 ~ "^" f "\\(cr_db" {on = 1} on && /view_rules\(/ {found = 1} on && /^}/ {exit} END {exit !found}' \
        "$src/core/workflow.c" || fail "workflow.c: $f() does not apply view_rules"
done
# The statements of a page and of a count are built once (page_sql, mine_sql), and the
# page and count functions read only through them.
has() { # function, what it must call
    awk -v f="$1" -v c="$2" '$0 ~ "^" f "\\(" {on = 1} on && $0 ~ c "\\(" {found = 1} on && /^}/ {exit} END {exit !found}' \
        "$src/core/sqlite/page.c"
}
# Each ends with scope_where, which applies visibility_where.
has scope_where visibility_where || fail "sqlite/page.c: scope_where() does not apply visibility_where"
for f in page_sql mine_sql; do
    has "$f" scope_where || fail "sqlite/page.c: $f() does not apply scope_where (visibility_where)"
done
for f in sq_page:page_sql sq_count:page_sql sq_list_mine:mine_sql sq_count_mine:mine_sql; do
    has "${f%%:*}" "${f#*:}" || fail "sqlite/page.c: ${f%%:*}() does not read through ${f#*:}()"
done

echo "checked reads: $failures failed"
[ "$failures" -eq 0 ]
