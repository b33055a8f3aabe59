#!/usr/bin/env bash
# Time from the system clock: the installed casereview ignores the test
# hooks ($CASEREVIEW_NOW, --script); casereview-test, which the tests run,
# honours them, and no value of $CASEREVIEW_NOW writes a malformed time;
# audit verify flags an event whose time goes back more than 300 s.
. "$(dirname "$0")/lib.sh"
: "${CASEREVIEW_RELEASE:?set CASEREVIEW_RELEASE to the installed program}"

"$CASEREVIEW" generate --cases 3 --seed 5 >g.csv
cr --db c.db import g.csv
expect_rc 0

# Run the installed program as $AS (as cr runs the test build: on PostgreSQL,
# --db NAME is NAME's database, as $AS's role).
rel() {
    CASEREVIEW=$CASEREVIEW_RELEASE cr "$@"
}

# The time of the last event, in seconds and as history prints it.
last_at() { sql c.db "select at from audit_events order by id desc limit 1"; }

# The last event's time is the system clock's (within a few seconds of the command).
expect_system_time() {
    local at
    at=$(last_at)
    [ "$at" -ge "$1" ] && [ "$at" -le "$(($(date +%s) + 2))" ] ||
        fail "$2: the event's time is $at, the system clock said $1 to $(date +%s)"
}

begin "the installed program: CASEREVIEW_NOW has no effect, backwards or forwards"
for now in 946684800 4102444800 -99999999999; do
    t0=$(date +%s)
    CASEREVIEW_NOW=$now rel --db c.db note 1 "at $now?"
    expect_rc 0
    expect_empty_err
    expect_system_time "$t0" "CASEREVIEW_NOW=$now"
done

begin "the installed program: no scripted mode"
printf 'keys q\n' >q.keys
rel --db c.db --script q.keys
expect_rc 2
expect_err "casereview: unknown option '--script' (see 'casereview --help')"
rel --help
grep -q -- "--script" "$T/out" && fail "the installed program's help offers --script"

begin "casereview-test: CASEREVIEW_NOW fixes the clock"
CASEREVIEW_NOW=946684800 cr --db c.db note 1 "in 2000"
expect_rc 0
expect_eq "$(last_at)" 946684800 "the event's time"
CASEREVIEW_NOW=253402300799 cr --db c.db note 1 "the last second"
expect_rc 0
expect_eq "$(last_at)" 253402300799 "the latest time the trail holds"
cr --db c.db history 1
grep -q "^9999-12-31T23:59:59Z " "$T/out" || fail "history: $(tail -n 3 "$T/out")"

begin "casereview-test: a malformed or negative CASEREVIEW_NOW is said, and the system clock used"
for now in -99999999999 -1 +5 ' 5' 12abc 1.5 253402300800 99999999999999999999999; do
    t0=$(date +%s)
    CASEREVIEW_NOW=$now cr --db c.db note 2 "at $now?"
    expect_rc 0
    expect_err "casereview: CASEREVIEW_NOW='$now' is not a time (seconds since 1970, up to 9999-12-31); the system clock is used"
    expect_system_time "$t0" "CASEREVIEW_NOW=$now"
done
cr --db c.db history 2
expect_rc 0
bad=$(tail -n +2 "$T/out" | grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z ' || true)
[ -z "$bad" ] || fail "history has a malformed time: $bad"

begin "audit verify: a time going back by 300 s passes, by more is flagged with both events"
t=1767225600
CASEREVIEW_NOW=$t cr --db v.db import g.csv
CASEREVIEW_NOW=$((t + 3600)) cr --db v.db note 1 "an hour on"
expect_rc 0
later=$(sql v.db "select max(id) from audit_events")
CASEREVIEW_NOW=$((t + 3600 - 300)) cr --db v.db note 1 "five minutes back: a clock corrected"
CASEREVIEW_NOW=$((t + 7200)) cr --db v.db audit verify
expect_rc 0
CASEREVIEW_NOW=$((t + 3600 - 301)) cr --db v.db note 1 "a little further back"
back=$(sql v.db "select max(id) from audit_events")
CASEREVIEW_NOW=$((t + 7200)) cr --db v.db audit verify
expect_rc 3
expect_err "casereview: audit event $back: its time 2026-01-01T00:54:59Z is before event $later's 2026-01-01T01:00:00Z by 301 s, more than the 300 s a clock may be set back; the clock was set back or the time was altered"
expect_eq "$(cat "$T/out")" "" "stdout of a failed verify"

finish
