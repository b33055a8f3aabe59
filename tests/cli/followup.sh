#!/usr/bin/env bash
# What happened after the decision (issue 13, item 2): `follow-up` records a
# stage's result on an approved or closed case, never touching the decision,
# the state or the version; every refusal (role, need-to-know, conflict,
# state) and every bad input (stage, result, date in the future or before
# the case was flagged) with its exact message and exit status, nothing
# written; the detail kept whole; show (text and JSON); the audit event,
# `audit verify` passing and catching a tampered, removed or added row; and
# `report` counted against hand-computed numbers over a fixture
# (tests/fixtures/followup/).
. "$(dirname "$0")/lib.sh"

cat >f.yaml <<EOF
allow_impersonation: true
conflicts:
  same_unit: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: dlee, name: "D. Lee", roles: [supervisor] }
  - { login: gwest, name: "G. West", roles: [supervisor], unit: "Unit 1" }
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
export CASEREVIEW_CONFIG=$T/f.yaml
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in 1 2 3 4; do echo "S$i,Name$i,Pat,officer,PC,Unit $i,full,A$i,domestic_violence,2020-01-0$i,complaint,NFA,x"; done
} >f.csv
cr --db f.db import f.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db f.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
# Case 1 closed (nfa needs no panel); case 2 with the panel; case 3 flagged; case 4 awaiting approval.
step asmith claim 1
step asmith decide 1 --outcome nfa --rationale "No further action."
step bjones approve 1
step asmith claim 2
step asmith decide 2 --outcome refer --rationale "Refer."
step bjones approve 2
step asmith claim 4
step asmith decide 4 --outcome refer --rationale "Refer."

# The follow-ups come two months after the cases were flagged (2026-01-01).
export CASEREVIEW_NOW=1772323200 # 2026-03-01T00:00:00Z

snapshot() {
    sql f.db "select count(*) from follow_ups"
    sql_join f.db , "select state || ':' || version from cases order by id"
    sql f.db "select count(*) from audit_events where action <> 'denied'"
}
before=$(snapshot)

refused() { # WHO RC MESSAGE ARGS...: the exact refusal, and nothing written
    local who=$1 rc=$2 msg=$3
    shift 3
    AS=$who cr --db f.db follow-up "$@"
    expect_rc "$rc"
    expect_err "casereview: $msg"
    expect_eq "$(snapshot)" "$before" "nothing written"
}

begin "a reviewer may not record a follow-up"
refused asmith 1 "follow-up needs the supervisor or admin role; you (asmith) are reviewer" \
    1 --stage vetting --result withdrawn --date 2026-02-01
begin "nor a panel member"
refused mkhan 1 "follow-up needs the supervisor or admin role; you (mkhan) are panel" \
    2 --stage appeal --result pending --date 2026-02-01
begin "a supervisor of the subject's unit is kept from the case (conflict of interest)"
refused gwest 1 "you (gwest) are in the subject's unit (Unit 1), and with conflicts.same_unit nobody acts on a case from their own unit" \
    1 --stage vetting --result withdrawn --date 2026-02-01
begin "a flagged case has no approved decision"
refused dlee 1 "follow-up needs a case whose decision was approved (panel_review or closed); case 3 is flagged" \
    3 --stage left --result before_decision --date 2026-02-01
begin "nor a case awaiting approval"
refused dlee 1 "follow-up needs a case whose decision was approved (panel_review or closed); case 4 is awaiting_approval" \
    4 --stage vetting --result pending --date 2026-02-01
begin "a stage not in the list"
refused dlee 2 "follow-up: --stage takes risk_management, reassessment, vetting, appeal or left, not 'misconduct'" \
    1 --stage misconduct --result started --date 2026-02-01
begin "a result not among the stage's words"
refused dlee 2 "the result of a vetting follow-up is withdrawn, maintained or pending, not 'upheld'" \
    1 --stage vetting --result upheld --date 2026-02-01
begin "a date that is not a date"
refused dlee 2 "a follow-up's date is the day it happened, a real date in the form YYYY-MM-DD, not '2026-02-30'" \
    1 --stage vetting --result withdrawn --date 2026-02-30
begin "a date after today (the clock: 2026-03-01)"
refused dlee 2 "the date 2026-03-02 is after today (2026-03-01): a follow-up records what has happened, not what will" \
    1 --stage vetting --result withdrawn --date 2026-03-02
begin "a date before the case was flagged"
refused dlee 2 "the date 2025-12-31 is before case 1 was flagged (2026-01-01): a follow-up records what happened after it" \
    1 --stage vetting --result withdrawn --date 2025-12-31
begin "stage, result and date are required"
refused dlee 2 "follow-up: --stage S, --result R and --date DATE are required" 1 --stage vetting --result withdrawn
begin "no such case"
refused dlee 3 "no case '99' (give a case number or a subject_ref)" 99 --stage vetting --result withdrawn --date 2026-02-01

# The detail: several lines, quotes, and more than a screen's width, kept whole.
detail='Vetting clearance withdrawn by the Vetting Unit after the review "in the round";
the officer was told in writing on 2026-02-09 and has 14 days to appeal under APP Vetting 6.2.2.'

begin "a supervisor records a follow-up on a closed case: the decision, state and version stand"
AS=dlee cr --db f.db follow-up 1 --stage vetting --result withdrawn --date 2026-02-09 --detail "$detail"
expect_rc 0
expect_out "case 1: follow-up: vetting withdrawn on 2026-02-09; the decision and state (closed) stand"
expect_empty_err
expect_eq "$(sql f.db "select case_id || '|' || stage || '|' || result || '|' || date || '|' || recorded_by || '|' || recorded_at from follow_ups")" \
    "1|vetting|withdrawn|2026-02-09|dlee|1772323200" "the row"
expect_eq "$(sql f.db "select detail from follow_ups where id = 1")" "$detail" "the detail, whole"
expect_eq "$(sql f.db "select state || ':' || version || ':' || outcome || ':' || decided_by from cases where id = 1")" \
    "closed:4:nfa:asmith" "case 1 as it was"
expect_eq "$(sql f.db "select action || '|' || actor || '|' || state_before || '|' || state_after from audit_events order by id desc limit 1")" \
    "follow_up|dlee|closed|closed" "the audit event"
details=$(sql f.db "select details from audit_events order by id desc limit 1")
expect_eq "$(json_at "$details" stage)|$(json_at "$details" result)|$(json_at "$details" date)|$([ "$(json_at "$details" detail)" = "$(sql f.db "select detail from follow_ups where id = 1")" ] && echo 1 || echo 0)" \
    "vetting|withdrawn|2026-02-09|1" "the event's details"

begin "an admin records one on a case with the panel, as JSON, on the day the case was flagged"
AS=cadmin cr --db f.db follow-up S2 --stage risk_management --result started --date 2026-01-01 --format json
expect_rc 0
expect_out '{"case": 2, "action": "follow-up", "state": "panel_review", "stage": "risk_management", "result": "started", "date": "2026-01-01", "version": 4}'
expect_eq "$(sql f.db "select state || ':' || version from cases where id = 2")" "panel_review:4" "case 2 as it was"

begin "and today's date is not in the future"
AS=bjones cr --db f.db follow-up 1 --stage appeal --result pending --date 2026-03-01
expect_rc 0
expect_eq "$(sql f.db "select count(*) from follow_ups")" 3 "three rows"

begin "show lists them under 'What happened next', the detail whole"
AS=dlee cr --db f.db show 1
expect_rc 0
expect_out_has "What happened next"
expect_out_has "  2026-02-09  Vetting: withdrawn, recorded by dlee at 2026-03-01T00:00:00Z"
expect_out_has "    Vetting clearance withdrawn by the Vetting Unit after the review \"in"
expect_out_has "    under APP Vetting 6.2.2."
expect_out_has "  2026-03-01  Appeal: pending, recorded by bjones at 2026-03-01T00:00:00Z"

begin "show --format json gives them as follow_ups"
AS=dlee cr --db f.db show 1 --format json
expect_rc 0
expect_json 'len(d["follow_ups"])' 2
expect_json 'd["follow_ups"][0]["detail"] == """'"$detail"'"""' true
expect_json '[(f["stage"], f["result"], f["date"], f["recorded_by"]) for f in d["follow_ups"]]' \
    '[["vetting", "withdrawn", "2026-02-09", "dlee"], ["appeal", "pending", "2026-03-01", "bjones"]]'
expect_json 'd["outcome"] + " " + d["state"]' "nfa closed"
AS=dlee cr --db f.db show 3 --format json
expect_json 'd["follow_ups"]' '[]'

begin "audit verify passes"
cr --db f.db audit verify
expect_rc 0

tampered() { # SQL MESSAGE: the change is caught, then undone
    db_copy f.db f.keep
    sql f.db "$1"
    cr --db f.db audit verify
    expect_rc 3
    expect_err "$2"
    db_copy f.keep f.db
    db_remove f.keep
}
begin "audit verify catches a result changed in the table"
tampered "update follow_ups set result = 'maintained' where id = 1" \
    "casereview: audit: case 1: the follow_ups table says vetting maintained on 2026-02-09 by dlee: \"Vetting clearance withdrawn by the..., the trail says vetting withdrawn on 2026-02-09 by dlee: \"Vetting clearance withdrawn by the ... (event 10)"
begin "a date moved"
tampered "update follow_ups set date = '2026-01-09' where id = 3" \
    "casereview: audit: case 1: the follow_ups table says appeal pending on 2026-01-09 by bjones, the trail says appeal pending on 2026-03-01 by bjones (event 12)"
begin "a row removed"
tampered "delete from follow_ups where id = 2" \
    "casereview: audit: case 2: the follow_ups table lacks risk_management started on 2026-01-01 by cadmin, which the trail records (event 11)"
begin "a row added"
tampered "insert into follow_ups(case_id, stage, result, date, recorded_by, recorded_at) values (3, 'left', 'before_decision', '2026-02-01', 'dlee', 1772323200)" \
    "casereview: audit: case 3: the follow_ups table has left before_decision on 2026-02-01 by dlee, which the trail does not record"
begin "after the checks the database verifies again"
cr --db f.db audit verify
expect_rc 0

# report: the fixture's follow-ups counted against the hand count.
#   vetting (4 cases): 1 withdrawn (after pending), 2 withdrawn, 3 maintained,
#     4 maintained (same date as its pending, recorded after it)
#   appeal (3): 1 dismissed (after pending), 3 upheld, 5 pending
#   left (3): 5 and 6 before a decision, 7 after
#   risk_management (2): 2 started, 3 ended (after started)
#   reassessment (1): 8 completed (its pending, recorded later, is dated earlier)
export CASEREVIEW_NOW=1767225600
cr --db x.db import "$FIXTURES/followup/cases.csv"
expect_rc 0
for i in 1 2 3 4 5 6 7 8; do
    AS=asmith cr --db x.db claim "$i" && AS=asmith cr --db x.db decide "$i" --outcome nfa --rationale "NFA." &&
        AS=bjones cr --db x.db approve "$i"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: case $i: $(cat "$T/err")"
done
export CASEREVIEW_NOW=1772323200 # 2026-03-01
grep -v '^#' "$FIXTURES/followup/followups.txt" | while read -r c stage result date; do
    AS=dlee cr --db x.db follow-up "$c" --stage "$stage" --result "$result" --date "$date"
    [ "$(cat "$T/rc")" = 0 ] || echo "$c $stage $result $date: $(cat "$T/err")" >>setup.err
done
[ ! -s setup.err ] || fail "setup: $(cat setup.err)"

begin "report's follow-ups, as a table, against the hand count"
cr --db x.db report --reason "Follow-up figures" --recipient "Board"
expect_rc 0
sed -n '/^What happened next/,$p' "$T/out" >section
printf '%s\n' \
    "What happened next (cases; each counted once a stage, by its latest result)" \
    "  risk_management       2  started 1 ended 1" \
    "  reassessment          1  completed 1 pending 0" \
    "  vetting               4  withdrawn 2 maintained 2 pending 0" \
    "  appeal                3  upheld 1 dismissed 1 pending 1" \
    "  left                  3  before_decision 2 after_decision 1" \
    "Left the force before a decision: 2" >expected
diff -u expected section >d || fail "the section differs: $(cat d)"

begin "and as JSON"
cr --db x.db report --reason "Follow-up figures" --recipient "Board" --format json
expect_rc 0
expect_json 'd["follow_ups"]["vetting"]' '{"cases": 4, "withdrawn": 2, "maintained": 2, "pending": 0}'
expect_json 'd["follow_ups"]["appeal"]' '{"cases": 3, "upheld": 1, "dismissed": 1, "pending": 1}'
expect_json 'd["follow_ups"]["left"]' '{"cases": 3, "before_decision": 2, "after_decision": 1}'
expect_json 'd["follow_ups"]["risk_management"]' '{"cases": 2, "started": 1, "ended": 1}'
expect_json 'd["follow_ups"]["reassessment"]' '{"cases": 1, "completed": 1, "pending": 0}'
expect_json 'd["follow_ups"]["left_before_decision"]' 2

begin "as at a day before they were recorded: none (and the table has no section)"
cr --db x.db report --reason "Follow-up figures" --recipient "Board" --format json --as-at 2026-02-28
expect_rc 0
expect_json 'sum(v["cases"] for k, v in d["follow_ups"].items() if k != "left_before_decision")' 0
cr --db x.db report --reason "Follow-up figures" --recipient "Board" --as-at 2026-02-28
grep -q "What happened next" "$T/out" && fail "a section with nothing in it"

begin "the follow-ups never changed the outcome figures: 8 nfa confirmed"
cr --db x.db report --reason "Follow-up figures" --recipient "Board" --format json
expect_json 'd["total"]["confirmed"]["cases"]' 8

finish
