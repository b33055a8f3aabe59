#!/usr/bin/env bash
# Reopening a closed case for a new round (issue 13, item 3): `reopen` and
# each refusal (a case not closed, a reviewer, a panel member, the person
# who decided it, the supervisor who approved it, a conflict of interest, no
# reason, a version since changed) with its exact message and exit status,
# nothing written; the case back to flagged and unassigned with its history
# kept, the audit event, the note and the notice; the new round under the
# same rules (the old approval and votes no longer count: the panel sits
# afresh); `audit verify` passing and catching tampering.
. "$(dirname "$0")/lib.sh"

cat >hook.sh <<EOF
#!/bin/sh
line=
for a in "\$@"; do line="\$line[\$a]"; done
printf '%s\n' "\$line" >>"$T/hook.log"
EOF
chmod +x hook.sh

cat >r.yaml <<EOF
allow_impersonation: true
conflicts:
  same_unit: true
notify: $T/hook.sh
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: dlee, name: "D. Lee", roles: [supervisor] }
  - { login: gwest, name: "G. West", roles: [supervisor], unit: "Unit 1" }
  - { login: x1, name: "X. One", roles: [reviewer, supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
panel:
  members:
    - { login: mkhan, name: "M. Khan", kind: independent }
    - { login: lpark, name: "L. Park", kind: legal }
  sign_off:
    concur: 2
    dissent: 1
  outcomes:
    nfa: { panel: false }
EOF
export CASEREVIEW_CONFIG=$T/r.yaml
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in 1 2 3 4; do echo "S$i,Name$i,Pat,officer,PC,Unit $i,full,A$i,domestic_violence,2020-01-0$i,complaint,NFA,x"; done
} >r.csv
cr --db r.db import r.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db r.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
# Case 1: nfa by asmith, approved by bjones: closed.  Case 2: refer by x1, approved by
# bjones, confirmed by the panel: closed.  Case 3 flagged; case 4 with the panel.
step asmith claim 1
step asmith decide 1 --outcome nfa --rationale "No further action."
step bjones approve 1
step x1 claim 2
step x1 decide 2 --outcome refer --rationale "Refer."
step bjones approve 2
step mkhan vote 2 --concur
step lpark vote 2 --concur
step asmith claim 4
step asmith decide 4 --outcome refer --rationale "Refer."
step bjones approve 4
settle
: >hook.log

tampered() { # SQL MESSAGE
    db_copy r.db r.keep
    sql r.db "$1"
    cr --db r.db audit verify
    expect_rc 3
    expect_err "$2"
    db_copy r.keep r.db
    db_remove r.keep
}

snapshot() {
    sql_join r.db , "select state || ':' || coalesce(assignee, '-') || ':' || version from cases order by id"
    sql r.db "select count(*) from notes; select count(*) from audit_events where action <> 'denied'"
}
before=$(snapshot)
refused() { # WHO RC MESSAGE ARGS...: the exact refusal, nothing written, no notice
    local who=$1 rc=$2 msg=$3
    shift 3
    AS=$who cr --db r.db reopen "$@"
    expect_rc "$rc"
    expect_err "casereview: $msg"
    expect_eq "$(snapshot)" "$before" "nothing written"
    settle
    [ -s hook.log ] && fail "a refusal reached the hook: $(cat hook.log)"
}

begin "a case that is not closed: flagged"
refused dlee 1 "reopen needs a case that is closed; case 3 is flagged" 3 --reason "Appeal"
begin "a case that is not closed: with the panel"
refused dlee 1 "reopen needs a case that is closed; case 4 is panel_review" 4 --reason "Appeal"
begin "a reviewer may not reopen"
refused asmith 1 "reopen needs the supervisor or admin role; you (asmith) are reviewer" 1 --reason "Appeal"
begin "nor a panel member"
refused mkhan 1 "reopen needs the supervisor or admin role; you (mkhan) are panel" 2 --reason "Appeal"
begin "nor the supervisor who approved the decision"
refused bjones 1 "you (bjones) approved decision 1 of case 1, so you cannot reopen it (separation of duties, across rounds)" 1 --reason "Appeal"
begin "nor the person who decided it, supervisor though they are"
refused x1 1 "you (x1) decided case 2 (decision 1), so you cannot reopen it (separation of duties, across rounds)" 2 --reason "Appeal"
begin "nor a supervisor of the subject's unit"
refused gwest 1 "you (gwest) are in the subject's unit (Unit 1), and with conflicts.same_unit nobody acts on a case from their own unit" 1 --reason "Appeal"
begin "a blank reason"
refused dlee 1 "reopen needs a reason: why case 1 is decided again (an appeal, a court ruling, new evidence)" 1 --reason "  "
begin "no reason at all"
refused dlee 2 "reopen: --reason TEXT is required" 1
begin "a version the case no longer has"
refused dlee 1 "case 1 was changed by bjones at 2026-01-01T00:00:00Z (it is now version 4; you saw version 3); look at it again before you act" 1 --reason "Appeal" --expect-version 3

begin "a supervisor who had no part in it reopens case 1"
AS=dlee cr --db r.db reopen 1 --reason "Appeal upheld: the tribunal found the assessment incomplete"
expect_rc 0
expect_out "case 1: reopen: flagged again for a new round, unassigned (version 5)"
expect_empty_err
expect_eq "$(sql r.db "select state || ':' || coalesce(assignee, '-') || ':' || version || ':' || round || ':' || outcome from cases where id = 1")" \
    "flagged:-:5:1:nfa" "the case: flagged, unassigned, its decision on the record"
expect_eq "$(sql r.db "select count(*) from decisions where case_id = 1; select count(*) from approvals where case_id = 1")" "1
1" "the decision and its approval kept"
expect_eq "$(sql r.db "select kind || '|' || author || '|' || body from notes where case_id = 1 order by id desc limit 1")" \
    "system|dlee|Reopened for a new round; decision 1 no longer stands: Appeal upheld: the tribunal found the assessment incomplete" "the note"
details=$(sql r.db "select details from audit_events order by id desc limit 1")
expect_eq "$(sql r.db "select action || '|' || actor || '|' || state_before || '|' || state_after from audit_events order by id desc limit 1")|$(json_at "$details" reason)|$(json_at "$details" round)" \
    "reopen|dlee|closed|flagged|Appeal upheld: the tribunal found the assessment incomplete|1" "the audit event"
settle
expect_eq "$(cat hook.log)" "[reopen][1][asmith][bjones][x1]" "the notice: its reviewer, its approver and the other supervisors"

begin "audit verify knows the reopen: a reopened case put back to closed is caught"
tampered "update cases set state = 'closed', assignee = 'asmith' where id = 1" \
    "casereview: audit: case 1: the cases table says state closed, the trail says flagged (event 13)"

begin "reopened, it is refused again: it is not closed"
AS=cadmin cr --db r.db reopen 1 --reason "Again"
expect_rc 1
expect_err "casereview: reopen needs a case that is closed; case 1 is flagged"

begin "the new round: claimed, decided (decision 2), approved by the same supervisor, to the panel"
step asmith claim 1
step asmith decide 1 --outcome refer --rationale "Refer: the tribunal's findings."
step bjones approve 1
expect_eq "$(sql r.db "select state || ':' || round || ':' || panel_round || ':' || outcome from cases where id = 1")" \
    "panel_review:2:2:refer" "round 2, before the panel (refer needs it)"
expect_eq "$(sql_join r.db , "select round || reviewer || outcome from decisions where case_id = 1 order by id"; sql_join r.db , "select round || supervisor from approvals where case_id = 1 order by id")" \
    "1asmithnfa,2asmithrefer
1bjones,2bjones" "both rounds on the record"

begin "the panel rules apply to the new round: one concurrence is not enough (the old votes do not count)"
step mkhan vote 1 --concur
expect_eq "$(sql r.db "select state from cases where id = 1")" panel_review "still with the panel"
step lpark vote 1 --concur
expect_eq "$(sql r.db "select state from cases where id = 1")" closed "closed by the second concurrence"

begin "reopening case 2, the panel's votes of decision 1 stay on the record, set apart by round"
AS=cadmin cr --db r.db reopen 2 --reason "New evidence: a second complainant" --format json
expect_rc 0
expect_out '{"case": 2, "action": "reopen", "state": "flagged", "version": 7}'
expect_eq "$(sql r.db "select count(*) from votes where case_id = 2 and round = 1")" 2 "the votes kept"
begin "the new round of case 2 is claimed by a reviewer (its first decider may review it again, as after a return)"
AS=x1 cr --db r.db claim 2
expect_rc 0

begin "show: the reopening note, and the state"
AS=dlee cr --db r.db show 2 --format json
expect_rc 0
expect_json 'd["state"]' "in_review"
expect_json 'd["notes"][-1]["body"]' "Reopened for a new round; decision 1 no longer stands: New evidence: a second complainant"

begin "audit verify passes"
cr --db r.db audit verify
expect_rc 0

begin "audit verify catches a claimed case put back to closed"
tampered "update cases set state = 'closed', assignee = null where id = 2" \
    "casereview: audit: case 2: the cases table says state closed, the trail says in_review (event 20)"
begin "and the reopening note altered"
tampered "update notes set body = 'Reopened.' where body like 'Reopened for a new round; decision 1 no longer stands: New%'" \
    "casereview: audit: case 2: the notes table says system by cadmin: \"Reopened.\", the trail says system by cadmin: \"Reopened for a new round; decision 1 no longer stands: New... (event 19)"

finish
