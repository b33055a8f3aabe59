#!/usr/bin/env bash
# casereview demo: a directory with a demo configuration and a database of
# synthetic cases in a realistic mix of states, reused when run again.
. "$(dirname "$0")/lib.sh"
unset CASEREVIEW_CONFIG CASEREVIEW_NOW
export TERM=xterm-256color
printf 'dump first.txt\nkeys q\n' >keys.txt

begin "a new demo"
cr_plain --script keys.txt demo --dir d --cases 300
expect_rc 0
cp "$T/err" "$T/first.err"
grep -q "^casereview: demo: making 300 synthetic cases in d" "$T/err" || fail "$(cat "$T/err")"
expect_eq "$(stat -c %a d)" 700 "directory mode"
expect_eq "$(stat -c %a d/casereview.db)" 600 "database mode"
me=$(id -un)
grep -q "login: $me" d/casereview.yaml || [ "$me" = cadmin ] || fail "the current login is not on the demo roster"
cr_plain --config d/casereview.yaml check-config
expect_out "ok"
grep -q "Queue: waiting for me" first.txt || fail "the interface did not start: $(cat first.txt)"

begin "the first screen's status line: how many cases, who you are, where help is"
case "$me" in
asmith | ejones | okarim | bjones | cadmin | mkhan | lpark | rdoe | tnash)
    grep -qx "300 cases; you are $me: .*; press ? for help" first.txt || fail "$(tail -1 first.txt)" ;;
*)
    expect_eq "$(tail -1 first.txt)" "300 cases; you are $me: reviewer, supervisor, admin; press ? for help" "the summary" ;;
esac

begin "not a terminal: no progress, and the summary reads as the rules at work, not a fault"
expect_eq "$(wc -l <"$T/first.err")" 2 "lines on stderr"
grep -q $'\r' "$T/first.err" && fail "a progress line on a stderr that is no terminal: $(cat -v "$T/first.err")"
grep -qx "casereview: demo: [0-9]* workflow steps taken by the demo's fictional people; the rules turned down [0-9]* more (a conflict of interest, for instance), as they should" "$T/first.err" ||
    fail "$(cat "$T/first.err")"
grep -q "refused" "$T/first.err" && fail "the alarming word: $(cat "$T/first.err")"

begin "a terminal: a counter while the cases go through the workflow, then the summary"
TERM=xterm-256color script -qec "'$CASEREVIEW' --script keys.txt demo --dir p --cases 120" /dev/null >pty.out 2>&1
expect_eq "$?" 0 "exit status under a terminal"
grep -qF "casereview: demo: taking the cases through the workflow: 60 of 120 (50%)" pty.out ||
    fail "no counter: $(head -c 600 pty.out | cat -v)"
grep -qF "workflow steps taken by the demo's fictional people" pty.out || fail "no summary after the counter"

begin "a realistic mix of states, made by the workflow itself"
for state in flagged in_review awaiting_approval panel_review returned closed; do
    n=$(sql d/casereview.db "select count(*) from cases where state = '$state'")
    [ "$n" -gt 0 ] || fail "no $state case"
done
expect_eq "$(sql d/casereview.db "select count(*) from cases where state <> 'flagged' and id not in (select case_id from audit_events where case_id is not null)")" 0 "every change audited"
cr_plain --config d/casereview.yaml --db d/casereview.db --as cadmin audit verify
expect_rc 0
expect_eq "$(sql d/casereview.db "select count(distinct (decided_at / 604800)) >= 10 from decisions")" 1 "decisions spread over the weeks"

begin "a crowded demo keeps its time in order: its trail verifies"
# 3000 cases over twelve weeks: a case's steps take longer than the gap to the next case.
"$CASEREVIEW" --script keys.txt demo --dir big --cases 3000 </dev/null >/dev/null 2>&1
expect_eq "$?" 0 "exit status of the demo"
cr_plain --config big/casereview.yaml --db big/casereview.db --as cadmin audit verify
expect_rc 0
expect_eq "$(sql big/casereview.db "select count(*) from audit_events a join audit_events b on b.id = a.id + 1 where b.at < a.at")" 0 "events dated before the one they follow"
expect_eq "$(sql big/casereview.db "select max(at) <= strftime('%s', 'now') from audit_events")" 1 "no event after the demo was made"

begin "run again: the same demo"
before=$(sql d/casereview.db "select count(*) from cases")
cr_plain --script keys.txt demo --dir d
expect_rc 0
expect_err "casereview: demo: using d (remove it for a new demo)"
grep -qx "300 cases; you are $me: .*; press ? for help" first.txt || fail "no summary on a reused demo: $(tail -1 first.txt)"
expect_eq "$(sql d/casereview.db "select count(*) from cases")" "$before" "cases"

finish
