# Shared helpers of the CLI tests: run the real binary, assert on what a
# user sees (exit status, exact messages, rows in the database).
# Usage: . lib.sh, with $CASEREVIEW the binary and $FIXTURES the fixtures.
set -u

: "${CASEREVIEW:?set CASEREVIEW to the casereview binary}"
: "${FIXTURES:?set FIXTURES to tests/fixtures}"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 99

export CASEREVIEW_NOW=1767225600 # 2026-01-01T00:00:00Z
export TZ=UTC LC_ALL=C.UTF-8
unset CASEREVIEW_DB
umask 022

# The roster of tests/fixtures/config/good.yaml; commands run as $AS (default: the admin).
cp "$FIXTURES/config/good.yaml" "$T/casereview.yaml"
export CASEREVIEW_CONFIG="$T/casereview.yaml"
AS=cadmin

checks=0
failures=0
TEST=

# Start a named check.
begin() {
    TEST=$1
    checks=$((checks + 1))
}

fail() {
    printf 'FAIL [%s]: %s\n' "$TEST" "$*"
    failures=$((failures + 1))
}

# Run casereview as $AS with the given arguments; keep stdout, stderr and status.
cr() {
    "$CASEREVIEW" --as "$AS" "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

# The same with exactly the arguments given (no --as).
cr_plain() {
    "$CASEREVIEW" "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

# Run it with stdin from a file.
cr_in() {
    local input=$1
    shift
    "$CASEREVIEW" --as "$AS" "$@" <"$input" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

expect_rc() {
    local got
    got=$(cat "$T/rc")
    [ "$got" = "$1" ] || fail "exit status $got, expected $1 (stderr: $(head -c 400 "$T/err"))"
}

# The whole of stderr (or stdout) is exactly the given lines.
expect_err() {
    printf '%s\n' "$@" | diff -u - "$T/err" >"$T/diff" ||
        fail "stderr is not as expected:
$(cat "$T/diff")"
}

expect_out() {
    printf '%s\n' "$@" | diff -u - "$T/out" >"$T/diff" ||
        fail "stdout is not as expected:
$(cat "$T/diff")"
}

expect_out_has() {
    grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1':
$(head -c 2000 "$T/out")"
}

expect_empty_err() {
    [ ! -s "$T/err" ] || fail "unexpected stderr: $(head -c 400 "$T/err")"
}

# A digest of a database file and its side files, or 'absent'.
db_state() {
    local f
    for f in "$1" "$1-wal" "$1-shm" "$1-journal"; do
        if [ -e "$f" ]; then
            printf '%s %s\n' "${f##*/}" "$(sha256sum <"$f" | cut -c1-64)"
        fi
    done
    [ -e "$1" ] || echo absent
}

# The value of a Python expression on stdout parsed as JSON (d), or a failure.
jv() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$T/out" "$1" 2>"$T/jerr" ||
        echo "<stdout is not one JSON document: $(head -c 300 "$T/out") $(tail -1 "$T/jerr")>"
}

# expect_json EXPR WANT: stdout parses, and EXPR on it is WANT.
expect_json() {
    expect_eq "$(jv "$1")" "$2" "$1"
}

# One value from the database, through the sqlite3 shell.
sql() {
    sqlite3 -batch -noheader "$1" "$2"
}

expect_eq() {
    [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

finish() {
    echo "$checks checks, $failures failed"
    [ "$failures" -eq 0 ]
}

# Wait (up to 10 s) until no casereview process started in $T runs: a
# notify command's runner and watchdogs outlive the command that started
# them (README, "Notifications").  Zombies are not running (no cwd).
settle() {
    local name p busy
    name=$(basename "$CASEREVIEW")
    for _ in $(seq 1 500); do
        busy=
        for p in $(pgrep -x "${name:0:15}"); do
            [ "/proc/$p/cwd" -ef "$T" ] && busy=$p
        done
        [ -z "$busy" ] && return 0
        sleep 0.02
    done
    fail "a casereview process started here ($busy: $(tr '\0' ' ' <"/proc/$busy/cmdline")) still runs after 10 s"
}
