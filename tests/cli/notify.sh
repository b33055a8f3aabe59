#!/usr/bin/env bash
# The notify command never blocks the action (issue 12, item 6; README,
# "Notifications"): the command returns, with its usual output and status,
# while the hook still runs; the hook's watchdog kills it (its whole group)
# at notify_timeout and records the failure in the audit trail, also when
# the casereview that started it was killed meanwhile; nothing is said on
# stderr, which the command has closed by then.  What the hook is given,
# and a hook that fails or is not there: tests/cli/sla.sh.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv .

# The hook notes its pid (a line a run) and arguments, then hangs.
cat >hook.sh <<EOF
#!/bin/sh
echo \$\$ >>"$T/hook.pids"
for a in "\$@"; do printf '[%s]' "\$a"; done >>"$T/hook.log"
echo >>"$T/hook.log"
sleep 300
EOF
chmod +x hook.sh
cat >>casereview.yaml <<EOF
notify: $T/hook.sh
notify_timeout: 2
EOF
# A hook that a failure here left running is not left behind.
trap 'for p in $(cat "$T/hook.pids" 2>/dev/null); do kill -9 -- "-$p" "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

cr --db n.db import good.csv
expect_rc 0
settle

# The pid of the hook's Nth run, waiting (up to 10 s) for it to start.
hook_pid() {
    for _ in $(seq 1 100); do
        [ "$(grep -c . "$T/hook.pids" 2>/dev/null)" -ge "$1" ] && break
        sleep 0.1
    done
    sed -n "$1p" "$T/hook.pids" 2>/dev/null
}
# Wait (up to 10 s) for a process to end: false if it still runs.
ended() {
    for _ in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}
# No live process (a zombie awaits its reaper) in the hook's group.
group_gone() {
    local live
    live=$(ps -eo pgid=,stat=,args= | awk -v g="$1" '$1 == g && $2 !~ /^Z/')
    [ -z "$live" ] || fail "the hook's group ($1) still runs: $live"
}
# Wait (up to 10 s) for the audit trail's last event to be this one.
expect_last_event() {
    local got
    for _ in $(seq 1 100); do
        got=$(sql n.db "select action || ' ' || case_id || ' ' || actor || ' ' || details from audit_events order by id desc limit 1")
        [ "$got" = "$1" ] && return 0
        sleep 0.1
    done
    fail "the last event: got '$got', expected '$1'"
}

begin "a hook that hangs: the action returns at once, with its usual output, while the hook runs"
cr --db n.db note 1 "First note."
expect_rc 0
expect_out "case 1: note: still flagged (version 1); note added"
expect_empty_err
pid=$(hook_pid 1)
if [ -z "$pid" ]; then
    fail "the hook never started"
else
    # Not a race: the hook sleeps 300 s and is killed 2 s after it started.
    kill -0 "$pid" 2>/dev/null || fail "the hook ($pid) had ended when the command returned: the command waited for it"
fi
expect_eq "$(sql n.db "select count(*) from notes where body = 'First note.'")" 1 "the note"

begin "... and its watchdog kills it (its whole group) at its timeout and records the failure"
if [ -n "$pid" ]; then
    ended "$pid" || fail "the hook ($pid) still runs 10 s after its 2 s timeout"
    group_gone "$pid"
fi
expect_last_event 'notify 1 cadmin {"event": "note", "recipients": 0, "failed": "timed out after 2 s and was killed"}'
expect_eq "$(cat hook.log)" "[note][1]" "the hook's arguments"
settle

begin "the casereview that started the hook killed (SIGKILL): the hook is still killed at its timeout and its failure recorded"
cr_argv --as asmith --db n.db claim 2 || fail "cr_argv: $(cat "$T/err")"
"${CR_ARGV[@]}" >"$T/out" 2>"$T/err" &
cli=$!
pid=$(hook_pid 2)
# Killed as soon as its hook runs (a casereview that waits for its hook is killed while it waits).
kill -9 "$cli" 2>/dev/null
wait "$cli" 2>/dev/null
if [ -z "$pid" ]; then
    fail "the hook never started"
else
    ended "$pid" || fail "the hook ($pid) still runs 10 s after its 2 s timeout, its casereview killed"
    group_gone "$pid"
fi
expect_last_event 'notify 2 asmith {"event": "claim", "recipients": 0, "failed": "timed out after 2 s and was killed"}'
expect_eq "$(sql n.db "select state || ' ' || assignee from cases where id = 2")" "in_review asmith" "case 2"
settle

begin "a failure is recorded with the purpose the session had when it acted"
cr --db n.db --purpose "Supervision" note 1 "A note with a purpose."
expect_rc 0
expect_last_event 'notify 1 cadmin {"event": "note", "recipients": 0, "failed": "timed out after 2 s and was killed"}'
expect_eq "$(sql n.db "select purpose from audit_events order by id desc limit 1")" "Supervision" "the failure's purpose"
settle

begin "what a hook leaves running in its group is killed at its timeout, though the hook itself ended"
cat >hook.sh <<EOF
#!/bin/sh
sleep 300 &
echo \$! >"$T/bg.pid"
EOF
cr --db n.db note 1 "Second note."
expect_rc 0
for _ in $(seq 1 100); do [ -s bg.pid ] && break; sleep 0.1; done
bg=$(cat bg.pid 2>/dev/null)
if [ -z "$bg" ]; then
    fail "the hook never started"
else
    echo "$bg" >>hook.pids # the trap kills it should this fail
    ended "$bg" || fail "the hook's background child ($bg) still runs 10 s after the 2 s timeout"
fi
settle

begin "a bulk assign of 400 cases: every notice run, at most 8 hooks at a time, none lost"
# Without conflicts of unit (any case may go to anyone); the cases given to
# asmith first, without the hook.
sed 's/same_unit: true/same_unit: false/' casereview.yaml >bulk.yaml
grep -v '^notify' bulk.yaml >quiet.yaml
"$CASEREVIEW" generate --cases 400 --seed 5 >many.csv
cr --config quiet.yaml --db b.db import many.csv
expect_rc 0
for c in $(seq 1 400); do
    AS=bjones cr --config quiet.yaml --db b.db assign "$c" asmith
    [ "$(cat "$T/rc")" = 0 ] || fail "assign $c: $(cat "$T/err")"
done
AS=cadmin cr --config bulk.yaml --db b.db config adopt bulk.yaml
expect_rc 0
mkdir run
cat >hook.sh <<EOF
#!/bin/sh
: >"$T/run/\$\$"
sleep 0.05
ls "$T/run" | wc -l >>"$T/counts"
rm -f "$T/run/\$\$"
echo "\$*" >>"$T/bulk.log"
EOF
AS=bjones cr --config bulk.yaml --db b.db assign --from asmith --to ejones
expect_rc 0
expect_empty_err
settle
for _ in $(seq 1 100); do [ "$(wc -l <bulk.log)" -ge 400 ] && break; sleep 0.1; done
expect_eq "$(wc -l <bulk.log)" 400 "the hook's runs"
expect_eq "$(sort -u bulk.log | wc -l)" 400 "different runs"
expect_eq "$(sql b.db "select count(*) from audit_events where action = 'notify'")" 0 "failures recorded"
most=$(sort -n counts | tail -1)
[ "$most" -le 8 ] || fail "$most hooks ran at once (at most 8)"

finish
