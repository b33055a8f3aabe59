#!/usr/bin/env bash
# Service levels that act (issue 12, item 6), with the clock pinned
# ($CASEREVIEW_NOW, as tests/cli/clock.sh shows): a case's due time from
# sla_days, `list --overdue` and the due column in CSV and JSON, escalation
# into supervisors' and the admin's "waiting for me", pause and resume with
# every refusal, and the notify command: what it is given (never personal
# data), and a hook that fails is recorded while the action stands (the
# command not waiting for it: tests/cli/notify.sh).
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv .

DAY=86400
T0=$CASEREVIEW_NOW # 2026-01-01T00:00:00Z: the cases are flagged then
at() { echo $((T0 + $1 * DAY + ${2:-0})); }

# The hook records its arguments, one line an event, each in brackets.
cat >hook.sh <<EOF
#!/bin/sh
# One write a run: hooks of one action (a bulk assign's) run side by side.
line=
for a in "\$@"; do line="\$line[\$a]"; done
printf '%s\n' "\$line" >>"$T/hook.log"
EOF
chmod +x hook.sh
: >hook.log
# good.yaml (review 10 days, approval 3, panel 14) with escalation and the hook.
cat >>casereview.yaml <<EOF
escalate_after_days: 5
notify: $T/hook.sh
notify_timeout: 2
EOF


# Run as a login at a day (and second) after the cases were flagged; then
# wait for the notify command it started (it runs after the command returns).
on() {
    local day=$1 who=$2
    shift 2
    CASEREVIEW_NOW=$(at "$day") AS=$who cr --db s.db "$@"
    settle
}
events() { sql s.db "select count(*) from audit_events"; }

cr --db s.db import good.csv
expect_rc 0

begin "due: sla_days after the case entered its state, in CSV and JSON (UTC)"
on 0 cadmin list --format csv
expect_rc 0
expect_eq "$(head -1 "$T/out" | tr ',' '\n' | sed -n '19,20p' | paste -sd,)" "due,paused_until" "CSV header's columns 19 and 20"
expect_eq "$(sed -n 2p "$T/out" | awk -F, '{print $1 " " $(NF-9) " [" $(NF-8) "]"}')" "1 2026-01-11T00:00:00Z []" "case 1 (due, paused_until: before list's eight columns of routing and panel)"
on 0 cadmin list --format json
expect_json '[(r["case"], r["due"], r["paused_until"]) for r in d]' \
    '[[1, "2026-01-11T00:00:00Z", null], [2, "2026-01-11T00:00:00Z", null]]'
on 0 cadmin show 1 --format json
expect_json '[d[k] for k in ("due", "overdue", "escalated", "paused_until", "pause_reason")]' \
    '["2026-01-11T00:00:00Z", false, false, null, null]'

begin "list --overdue: only cases past due, with the other filters"
on 10 cadmin list --overdue --format csv
expect_rc 0
expect_eq "$(wc -l <"$T/out")" 1 "at the due time itself nothing is overdue (header only)"
CASEREVIEW_NOW=$(at 10 1) AS=cadmin cr --db s.db list --overdue --format json
expect_json '[r["case"] for r in d]' '[1, 2]'
on 11 cadmin list --overdue --category sexual_offence --format json
expect_json '[r["case"] for r in d]' '[1]'
on 11 cadmin list --overdue --state in_review --format json
expect_json 'd' '[]'
on 11 cadmin list --overdue --search Quillfeather --format json
expect_json '[r["case"] for r in d]' '[1]'
on 11 cadmin show 2
expect_out_has "Due            2026-01-11T00:00:00Z, overdue"
on 11 cadmin list --mine --overdue
expect_rc 2
expect_err "casereview: list: --mine goes alone, without other filters"
on 11 cadmin list --format csv
on 11 cadmin audit log --format json
expect_json '[e["details"]["filters"]["overdue"] for e in d if e["action"] == "list" and e["details"]["stage"] == "begin"][-2:]' '[true, false]'

begin "pause: refused for a reviewer, without a reason, a date or a future date; nothing written"
before=$(db_state s.db)
on 11 asmith pause 1 --reason "Linked criminal investigation" --until 2026-02-01
expect_rc 1
expect_err "casereview: pause needs the supervisor or admin role; you (asmith) are reviewer"
on 11 mkhan pause 1 --reason "Linked criminal investigation" --until 2026-02-01
expect_rc 1
expect_err "casereview: case 1 has not been before the panel, and a panel member sees only the cases that have (need-to-know)"
on 11 bjones pause 1 --until 2026-02-01
expect_rc 2
expect_err "casereview: pause: --reason TEXT is required"
on 11 bjones pause 1 --reason "Linked criminal investigation"
expect_rc 2
expect_err "casereview: pause: --until DATE is required"
on 11 bjones pause 1 --reason "Linked criminal investigation" --until 2026-02-30
expect_rc 2
expect_err "casereview: pause: --until must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SSZ (UTC), not '2026-02-30'"
on 11 bjones pause 1 --reason "   " --until 2026-02-01
expect_rc 1
expect_err "casereview: pause needs a reason: why the service level's clock stops"
on 11 bjones pause 1 --reason "Linked criminal investigation" --until 2026-01-12
expect_rc 1
expect_err "casereview: a pause must end after now (2026-01-12T00:00:00Z), not at 2026-01-12T00:00:00Z"
on 11 bjones pause 1 --reason "Linked criminal investigation" --until 2025-12-01
expect_rc 1
expect_err "casereview: a pause must end after now (2026-01-12T00:00:00Z), not at 2025-12-01T00:00:00Z"
on 11 bjones pause 1 --reason "Linked criminal investigation" --until 9999-12-31
expect_rc 1
expect_err "casereview: a pause of more than 3653 days (to 9999-12-31T00:00:00Z) is not a pause: give an earlier end"
on 11 bjones pause 1 --reason "Linked criminal investigation" --until 2036-01-14
expect_rc 1
expect_err "casereview: a pause of more than 3653 days (to 2036-01-14T00:00:00Z) is not a pause: give an earlier end"
on 11 bjones resume 1
expect_rc 1
expect_err "casereview: case 1 is not paused, so there is nothing to resume"
on 11 bjones pause 99 --reason "x" --until 2026-02-01
expect_rc 3
expect_err "casereview: no case '99' (give a case number or a subject_ref)"
expect_eq "$(db_state s.db)" "$before" "the database after the refusals"
expect_eq "$(cat hook.log)" "" "no hook run for a refusal"

begin "pause: the clock stops, the case is not overdue, due moves by the pause, show says why"
on 11 bjones pause 1 --reason "Linked criminal investigation" --until 2026-02-01
expect_rc 0
expect_out "case 1: pause: the clock stands still until 2026-02-01T00:00:00Z (version 2)"
expect_empty_err
expect_eq "$(sql s.db "select action || ' ' || state_before || ' ' || state_after || ' ' || details from audit_events order by id desc limit 1")" \
    'pause flagged flagged {"until": "2026-02-01T00:00:00Z", "reason": "Linked criminal investigation"}' "the event"
on 12 bjones list --overdue --format json
expect_json '[r["case"] for r in d]' '[2]'
on 12 bjones list --format json
expect_json '[(r["case"], r["due"], r["paused_until"]) for r in d]' \
    '[[1, "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"], [2, "2026-01-11T00:00:00Z", null]]'
on 12 bjones list
expect_eq "$(grep -c 'paused until' "$T/out")" 1 "the table marks one case paused"
expect_eq "$(grep -o '^ *1 .*' "$T/out" | grep -o '  \[paused until .*\]$')" "  [paused until 2026-02-01T00:00:00Z]" "case 1's row"
on 12 bjones show 1
expect_out_has "Due            2026-01-31T00:00:00Z"
expect_out_has "Paused         until 2026-02-01T00:00:00Z, by bjones at 2026-01-12T00:00:00Z"
expect_out_has "               reason: Linked criminal investigation"
grep -q "Due .*overdue" "$T/out" && fail "a paused case shows as overdue"
on 12 bjones show 1 --format json
expect_json '[d[k] for k in ("due", "overdue", "paused_until", "paused_by", "paused_at", "pause_reason")]' \
    '["2026-01-31T00:00:00Z", false, "2026-02-01T00:00:00Z", "bjones", "2026-01-12T00:00:00Z", "Linked criminal investigation"]'

begin "pause: a paused case, and a closed one, are refused"
before=$(db_state s.db)
on 12 cadmin pause 1 --reason "Again" --until 2026-03-01
expect_rc 1
expect_err "casereview: case 1 is already paused until 2026-02-01T00:00:00Z; resume it first to pause it again"
on 12 asmith resume 1
expect_rc 1
expect_err "casereview: resume needs the supervisor or admin role; you (asmith) are reviewer"
on 12 bjones resume 1 --expect-version 1
expect_rc 1
expect_err "casereview: case 1 was changed by bjones at 2026-01-12T00:00:00Z (it is now version 2; you saw version 1); look at it again before you act"
expect_eq "$(db_state s.db)" "$before" "the database after the refusals"

begin "escalation: overdue by more than escalate_after_days waits for supervisors and the admin"
# Case 2 was due on 2026-01-11; case 1 is paused, so neither overdue nor escalated.
on 15 bjones list --mine --format json
expect_json 'd' '[]'
CASEREVIEW_NOW=$(at 15 1) AS=bjones cr --db s.db list --mine --format json
expect_json '[r["case"] for r in d]' '[2]'
CASEREVIEW_NOW=$(at 15 1) AS=cadmin cr --db s.db list --mine --format json
expect_json '[r["case"] for r in d]' '[2]'
CASEREVIEW_NOW=$(at 15 1) AS=fkaur cr --db s.db list --mine --format json
expect_json '[r["case"] for r in d]' '[2]'
# A reviewer's and a panel member's queues are their own work only.
on 16 asmith list --mine --format json
expect_json 'd' '[]'
on 16 mkhan list --mine --format json
expect_json 'd' '[]'
on 16 bjones show 2 --format json
expect_json 'd["overdue"], d["escalated"]' '[true, true]'
on 16 bjones show 1 --format json
expect_json 'd["overdue"], d["escalated"]' '[false, false]'

begin "resume: the clock runs again, given back what the pause did not use"
on 20 cadmin resume 1
expect_rc 0
expect_out "case 1: resume: the clock runs again (version 3)"
expect_eq "$(sql s.db "select details from audit_events order by id desc limit 1")" \
    '{"until": "2026-02-01T00:00:00Z", "seconds_given_back": 950400}' "the event"
# Due on 2026-01-11, paused on the 12th, resumed on the 21st: due on the 20th.
on 20 cadmin show 1 --format json
expect_json 'd["due"], d["overdue"], d["paused_until"]' '["2026-01-20T00:00:00Z", true, null]'
on 21 cadmin list --overdue --format json
expect_json '[r["case"] for r in d]' '[1, 2]'
on 21 cadmin resume 1
expect_rc 1
expect_err "casereview: case 1 is not paused, so there is nothing to resume"

begin "a pause ends by itself at its end: the clock runs again, nothing written"
on 21 bjones pause 2 --reason "Awaiting the force's legal advice" --until 2026-01-24T12:00:00Z
expect_rc 0
before=$(events)
on 23 bjones list --overdue --format json
expect_json '[r["case"] for r in d]' '[1]'
on 25 bjones list --overdue --format json
expect_json '[(r["case"], r["due"], r["paused_until"]) for r in d]' \
    '[[1, "2026-01-20T00:00:00Z", null], [2, "2026-01-13T12:00:00Z", null]]'
expect_eq "$(sql s.db "select count(*) from audit_events where id > $before and action not in ('list', 'view')")" 0 \
    "events other than consultations since the pause"
# Ended by itself, so the case may be paused again.
on 25 bjones pause 2 --reason "Advice still awaited" --until 2026-02-10
expect_rc 0

begin "a pause outlives a change of state: the new state's clock starts when it ends"
on 25 bjones assign 2 asmith
expect_rc 0
on 26 bjones show 2 --format json
expect_json 'd["state"], d["due"], d["paused_until"]' '["in_review", "2026-02-20T00:00:00Z", "2026-02-10T00:00:00Z"]'

begin "notify: the event's kind, the case number and the recipients' logins, nothing else"
expect_eq "$(cat hook.log)" "[pause][1][fkaur]
[resume][1][bjones][fkaur]
[pause][2][fkaur]
[pause][2][fkaur]
[assign][2][asmith]" "the hook's arguments so far"
: >hook.log
on 26 asmith decide 2 --outcome reassess --rationale "Reassess: the subject's account, the victim's statement."
expect_rc 0
on 26 bjones approve 2
expect_rc 0
on 26 cadmin note 1 "Chased the investigating officer."
expect_rc 0
expect_empty_err
expect_eq "$(cat hook.log)" "[decide][2][bjones][fkaur]
[approve][2][asmith]
[note][1]" "the hook's arguments"
grep -qiE "Quillfeather|山之内|Reassess|victim|Chased|S1|S2" hook.log && fail "personal data reached the hook"

begin "notify: nobody who may not see the case now is told of it (a conflict declared since it came to them)"
# On a copy: the cases here go on as they were.
db_copy s.db n.db
CASEREVIEW_NOW=$(at 26) AS=asmith cr --db n.db claim 1
expect_rc 0
sed 's/^  same_unit: true$/  same_unit: true\n  declared:\n    - { login: asmith, subject_ref: S1, reason: "A neighbour." }/' \
    casereview.yaml >conflict.yaml
grep -q "login: asmith, subject_ref: S1" conflict.yaml || fail "no declared conflict in conflict.yaml"
CASEREVIEW_NOW=$(at 26) AS=cadmin cr --db n.db config adopt conflict.yaml
expect_rc 0
: >hook.log
CASEREVIEW_NOW=$(at 26) AS=cadmin cr --config conflict.yaml --db n.db note 1 "Chased again."
expect_rc 0
settle
expect_eq "$(cat hook.log)" "[note][1]" "the hook's arguments: asmith, conflicted, left out"
: >hook.log

begin "notify: a bulk assign hands over a notice for each case it moved (the new and the previous assignee)"
db_remove b.db
CASEREVIEW_NOW=$(at 1) AS=cadmin cr --db b.db import good.csv
expect_rc 0
for c in 1 2; do
    CASEREVIEW_NOW=$(at 1) AS=bjones cr --db b.db assign $c asmith
    expect_rc 0
done
settle
: >hook.log
CASEREVIEW_NOW=$(at 2) AS=bjones cr --db b.db assign --from asmith --to ejones
expect_rc 0
settle
# Each notice is run by a watchdog of its own, so their lines may come in either order.
expect_eq "$(sort hook.log)" "[assign][1][ejones][asmith]
[assign][2][ejones][asmith]" "the hook's arguments, one run per case"
: >hook.log
CASEREVIEW_NOW=$(at 2) AS=bjones cr --db b.db assign --from ejones --to bjones
expect_rc 1
settle
expect_eq "$(cat hook.log)" "" "the hook's arguments after a refused bulk assign"

begin "pause: a closed case is refused"
before=$(db_state s.db)
on 26 bjones pause 2 --reason "Too late" --until 2026-03-01
expect_rc 1
expect_err "casereview: case 2 is closed, and nothing changes a closed case"
on 26 bjones resume 2
expect_rc 1
expect_err "casereview: case 2 is closed, and nothing changes a closed case"
expect_eq "$(db_state s.db)" "$before" "the database"

begin "a case closed while paused shows no pause: a closed case has no clock"
# Case 2 was paused until 2026-02-10 when it closed on day 26.
expect_eq "$(sql s.db "select state || ' ' || paused_until from cases where id = 2")" "closed 1770681600" "case 2 as stored"
on 26 bjones show 2 --format json
expect_json 'd["state"], d["due"], d["paused_until"], d["pause_reason"]' '["closed", null, null, null]'
on 26 bjones show 2
grep -q "Paused" "$T/out" && fail "show 2 says it is paused: $(grep Paused "$T/out")"
on 26 bjones list --format csv
expect_eq "$(awk -F, '$1 == 2 {print $(NF-8)}' "$T/out")" "" "case 2's paused_until in CSV"
on 26 bjones list
grep -q "paused" "$T/out" && fail "list marks a closed case paused: $(grep paused "$T/out")"

begin "notify: a hook that succeeds under an inherited ignored SIGCHLD is no failure"
# On the copy (n.db).  An ignored SIGCHLD survives exec: the program is started so.
: >hook.log
n=$(sql n.db "select count(*) from audit_events where action = 'notify'")
cr_argv --as cadmin --config conflict.yaml --db n.db note 1 "Once more." || fail "cr_argv: $(cat "$T/err")"
CASEREVIEW_NOW=$(at 27) python3 -c 'import signal, os, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])' "${CR_ARGV[@]}" \
    >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
settle
expect_rc 0
expect_empty_err
expect_eq "$(cat hook.log)" "[note][1]" "the hook ran"
expect_eq "$(sql n.db "select count(*) from audit_events where action = 'notify'")" "$n" "no failure recorded"

begin "notify: a hook that fails is logged in the audit trail, not on stderr (it ends after the command); the action stands"
printf '#!/bin/sh\nexit 3\n' >hook.sh
on 27 cadmin note 1 "A second note."
expect_rc 0
expect_out "case 1: note: still flagged (version 3); note added"
expect_empty_err
expect_eq "$(sql s.db "select action || ' ' || case_id || ' ' || actor || ' ' || details from audit_events order by id desc limit 1")" \
    'notify 1 cadmin {"event": "note", "recipients": 0, "failed": "exited with status 3"}' "the failure's event"
expect_eq "$(sql s.db "select count(*) from notes where body = 'A second note.'")" 1 "the note"

begin "notify: a hook that is not there is recorded, and the action stands"
rm hook.sh
on 27 cadmin note 1 "A third note."
expect_rc 0
expect_empty_err
expect_eq "$(sql s.db "select details from audit_events order by id desc limit 1")" \
    '{"event": "note", "recipients": 0, "failed": "could not be run: No such file or directory"}' "the failure's event"

begin "notify: the configuration's checks"
cat >bad.yaml <<'EOF'
users:
  - { login: asmith, roles: [reviewer] }
  - { login: bjones, roles: [supervisor] }
notify: hooks/notify.sh
notify_timeout: 0
escalate_after_days: -1
EOF
cr check-config bad.yaml
expect_rc 3
expect_err "bad.yaml:4:9: notify: 'hooks/notify.sh' is not an absolute path; give the full path of the command (it is run without a shell, with the event's kind, the case number and the recipients' logins as its arguments)" \
    "bad.yaml:5:17: notify_timeout: 0 is out of range (1 to 600)" \
    "bad.yaml:6:22: escalate_after_days: -1 is out of range (0 to 3650)" \
    "casereview: bad.yaml: the configuration has problems; nothing was done"

begin "audit verify: the trail with pauses, resumes and a failed notice replays"
on 27 cadmin audit verify
expect_rc 0

finish
