#!/usr/bin/env bash
# Correcting a wrongly keyed allegation (issue 13, item 6): `correct`'s
# usage errors (exit 2), refusals for every role but the admin's (exit 1),
# an unknown allegation, a field that cannot be corrected and bad values
# checked as the import checks them (exit 3, as for an unknown case), each with nothing written;
# a correction on an open case (the row, the case's priority, the search
# index, the audit event with old and new values), on a decided case (sent
# back to its reviewer with the system's note, as an imported allegation
# sends it) and on a closed one (corrected, still closed); `audit verify`
# passing after each and catching the system note altered.
. "$(dirname "$0")/lib.sh"

cat >c.yaml <<EOF
allow_impersonation: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
panel:
  members:
    - { login: mkhan, name: "M. Khan", kind: independent }
  sign_off: { concur: 1, dissent: 1 }
  outcomes:
    nfa: { panel: false }
EOF
export CASEREVIEW_CONFIG=$T/c.yaml
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    echo "S1,One,Ann,officer,PC,Unit 1,full,A1,domestic_violence,2019-01-01,complaint,NFA,Mistyped Wrongword"
    echo "S2,Two,Bob,officer,PC,Unit 2,full,A2,domestic_violence,2020-01-02,complaint,NFA,Second"
    echo "S3,Three,Cy,officer,PC,Unit 3,full,A3,domestic_violence,2020-01-03,complaint,NFA,Third"
} >c.csv
cr --db c.db import c.csv
expect_rc 0
step() {
    local who=$1
    shift
    AS=$who cr --db c.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
# Case 2 awaits approval; case 3 is closed (nfa needs no panel).
step asmith claim 2
step asmith decide 2 --outcome refer --rationale "Refer."
step asmith claim 3
step asmith decide 3 --outcome nfa --rationale "No further action."
step bjones approve 3
events() { sql c.db "select count(*) from audit_events"; }

begin "usage: --field, --value and --reason are required (exit 2)"
cr --db c.db correct A1 --value x --reason r
expect_rc 2
expect_err "casereview: correct: --field F is required"
cr --db c.db correct A1 --field date --reason r
expect_rc 2
expect_err "casereview: correct: --value V is required"
cr --db c.db correct A1 --field date --value 2019-02-01
expect_rc 2
expect_err "casereview: correct: --reason TEXT is required"

begin "every role but the admin's is refused, nothing written (exit 1)"
before=$(db_state c.db)
for who in asmith:reviewer bjones:supervisor mkhan:panel; do
    AS=${who%%:*} cr --db c.db correct A1 --field date --value 2019-02-01 --reason "Keyed wrongly"
    expect_rc 1
    expect_err "casereview: correct needs the admin role; you (${who%%:*}) are ${who#*:}"
done
expect_eq "$(sql c.db "select date from allegations where ref = 'A1'")" 2019-01-01 "A1's date"
expect_eq "$(sql c.db "select count(*) from audit_events where action = 'correct'")" 0 "no correct event"

begin "an unknown allegation, a field that cannot be corrected, bad values (nothing written)"
n=$(events)
cr --db c.db correct A9 --field date --value 2019-02-01 --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: no allegation A9"
cr --db c.db correct A1 --field category --value sexual_offence --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: 'category' is not a field that can be corrected (summary, date, source, original_outcome; a category is a new allegation's to change)"
cr --db c.db correct A1 --field date --value 2019-02-30 --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: A1 date: '2019-02-30' is not a date (expected YYYY-MM-DD)"
cr --db c.db correct A1 --field date --value 2026-06-01 --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: A1 date: '2026-06-01' is in the future"
cr --db c.db correct A1 --field date --value 1899-12-31 --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: A1 date: '1899-12-31' is before 1900-01-01"
cr --db c.db correct A1 --field source --value email --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: A1 source: 'email' is not one of complaint, hotline, colleague, pnd, other"
cr --db c.db correct A1 --field summary --value "" --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: A1 summary: required value is empty"
cr --db c.db correct A1 --field date --value 2019-01-01 --reason "Keyed wrongly"
expect_rc 3
expect_err "casereview: correct: A1 date is already '2019-01-01'"
cr --db c.db correct A1 --field date --value 2019-02-01 --reason " "
expect_rc 3
expect_err "casereview: correct: the reason is empty; say why the value was wrong"
expect_eq "$(events)" "$n" "audit events after the refusals"
expect_eq "$(sql c.db "select date || ' ' || source || ' ' || summary from allegations where ref = 'A1'")" \
    "2019-01-01 complaint Mistyped Wrongword" "A1 after the refusals"

begin "an open case: the row, its priority and search follow; the event keeps old and new"
p0=$(sql c.db "select priority from cases where id = 1")
cr --db c.db correct A1 --field date --value 2025-12-01 --reason "Date keyed as 2019"
expect_rc 0
expect_out "case 1: correct: A1 date: '2019-01-01' -> '2025-12-01' (flagged)"
expect_empty_err
expect_eq "$(sql c.db "select date from allegations where ref = 'A1'")" 2025-12-01 "A1's date"
expect_eq "$(sql c.db "select latest_allegation from cases where id = 1")" 2025-12-01 "case 1's latest allegation"
p1=$(sql c.db "select priority from cases where id = 1")
[ "$p1" -gt "$p0" ] || fail "a recent allegation raises the priority: $p0 -> $p1"
expect_eq "$(sql c.db "select actor || ' ' || coalesce(state_before, '-') || ' ' || details from audit_events where action = 'correct'")" \
    'cadmin - {"allegation": "A1", "field": "date", "old": "2019-01-01", "new": "2025-12-01", "returned": false, "reason": "Date keyed as 2019"}' \
    "the correct event"
cr --db c.db correct A1 --field summary --value "Corrected Rightword" --reason "Typo" --format json
expect_rc 0
expect_json "[d['case'], d['allegation'], d['field'], d['old'], d['new'], d['returned'], d['state']]" \
    '[1, "A1", "summary", "Mistyped Wrongword", "Corrected Rightword", false, "flagged"]'
expect_eq "$(search_index_ids c.db Wrongword)" "" "the old word left the index"
expect_eq "$(search_index_ids c.db Rightword)" 1 "the new word is in it"

begin "a decided case goes back to its reviewer with the system's note"
cr --db c.db correct A2 --field original_outcome --value "Written warning" --reason "Outcome keyed wrongly"
expect_rc 0
expect_out "case 2: correct: A2 original_outcome: 'NFA' -> 'Written warning'; the decision must be taken again (returned)"
expect_eq "$(sql c.db "select state from cases where id = 2")" returned "case 2's state"
expect_eq "$(sql c.db "select author || ': ' || body from notes where case_id = 2 and kind = 'system'")" \
    "system: Allegation A2 corrected (original_outcome); the decision must be taken again." "the system note"
expect_eq "$(sql c.db "select state_before || ' ' || state_after from audit_events where action = 'correct' and case_id = 2")" \
    "awaiting_approval returned" "the event's states"

begin "a closed case is corrected and stays closed"
cr --db c.db correct A3 --field source --value hotline --reason "Came by the hotline"
expect_rc 0
expect_out "case 3: correct: A3 source: 'complaint' -> 'hotline' (closed)"
expect_eq "$(sql c.db "select state from cases where id = 3")" closed "case 3's state"

begin "audit verify passes, and catches the system note altered"
cr --db c.db audit verify
expect_rc 0
expect_out "ok: $(events) events"
db_copy c.db t.db
sql t.db "update notes set body = 'Nothing happened.' where case_id = 2 and kind = 'system'"
cr --db t.db audit verify
expect_rc 3
expect_err "casereview: audit: case 2: the notes table says system by system: \"Nothing happened.\", the trail says system by system: \"Allegation A2 corrected (original_outcome); the decision m... (event $(sql c.db "select id from audit_events where action = 'correct' and case_id = 2"))"

begin "a correction keeps the priority of a case that follows closed ones: the subject's whole history"
# Case 1 of S9 closed with two sexual-offence allegations; case 2 follows it. A date corrected
# within the same month leaves case 2's priority as the import set it (both cases' allegations).
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    echo "S9,Nine,Di,officer,PC,Unit 9,full,P1,sexual_offence,2019-01-01,complaint,NFA,First"
    echo "S9,Nine,Di,officer,PC,Unit 9,full,P2,sexual_offence,2019-02-01,complaint,NFA,Second"
} >p.csv
cr --db p.db import p.csv
expect_rc 0
AS=asmith cr --db p.db claim 1
AS=asmith cr --db p.db decide 1 --outcome nfa --rationale "No case"
AS=bjones cr --db p.db approve 1
expect_eq "$(sql p.db "select state from cases where id = 1")" closed "case 1"
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    echo "S9,Nine,Di,officer,PC,Unit 9,full,P3,domestic_violence,2020-03-01,complaint,NFA,Later"
} >p2.csv
cr --db p.db import p2.csv
expect_rc 0
before=$(sql p.db "select priority from cases where id = 2")
cr --db p.db correct P3 --field date --value 2020-03-02 --reason "Keyed a day early"
expect_rc 0
expect_eq "$(sql p.db "select priority from cases where id = 2")" "$before" "case 2's priority after the correction"
cr --db p.db audit verify
expect_rc 0

finish
