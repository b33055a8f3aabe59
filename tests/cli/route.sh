#!/usr/bin/env bash
# Routing a pending approval to another supervisor (issue 12, item 5) and the
# panel's progress in `list` (issue 12, item 3): route and each of its
# refusals (the exact message, exit status 1, nothing written), the routed
# case waiting for its supervisor alone, the audit event and the notice, the
# routing cleared by an approval; and list's panel progress fields in CSV
# and JSON, blind voting kept from a member who has not voted.
. "$(dirname "$0")/lib.sh"

cat >hook.sh <<EOF
#!/bin/sh
# One write a run: hooks of one action (a bulk assign's) run side by side.
line=
for a in "\$@"; do line="\$line[\$a]"; done
printf '%s\n' "\$line" >>"$T/hook.log"
EOF
chmod +x hook.sh
settle
: >hook.log

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
    - { login: rdoe, name: "R. Doe", kind: police }
    - { login: tnash, name: "T. Nash", kind: independent }
  sign_off:
    concur: 2
    dissent: 1
    require_kinds: { independent: 1 }
    blind: true
  outcomes:
    nfa: { concur: 2, blind: false }
EOF
export CASEREVIEW_CONFIG=$T/r.yaml
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in 1 2 3 4 5; do echo "S$i,Name$i,Pat,officer,PC,Unit $i,full,A$i,domestic_violence,2020-01-0$i,complaint,NFA,x"; done
} >r.csv
cr --db r.db import r.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db r.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
# Case 1 decided by asmith, case 3 by x1 (a supervisor too): both await approval.
# Case 2 stays flagged.  Cases 4 and 5 go to the panel (refer, blind; nfa, not blind).
step asmith claim 1
step asmith decide 1 --outcome refer --rationale "Refer: pattern."
step x1 claim 3
step x1 decide 3 --outcome refer --rationale "Refer."
step asmith claim 4
step asmith decide 4 --outcome refer --rationale "Refer."
step bjones approve 4
step asmith claim 5
step asmith decide 5 --outcome nfa --rationale "No further action."
step bjones approve 5
step lpark vote 4 --concur
step lpark vote 5 --concur
settle
: >hook.log

# What route may not change: case 1's row and the trail.
snapshot() { sql r.db "select version || ':' || coalesce(approver, '-') from cases where id = ${1:-1}; select count(*) from audit_events where action <> 'denied'"; }
refused() {
    local rc=$1 msg=$2
    expect_rc "$rc"
    expect_err "casereview: $msg"
    expect_eq "$(snapshot "${3:-1}")" "$before" "nothing written"
    settle
    [ -s hook.log ] && fail "a refusal reached the hook: $(cat hook.log)"
}

begin "route: a reviewer may not route"
before=$(snapshot)
AS=asmith cr --db r.db route 1 --to dlee
refused 1 "route needs the supervisor role; you (asmith) are reviewer"

begin "route: the target must be on the roster"
AS=bjones cr --db r.db route 1 --to nobody
refused 1 "'nobody' is not on the roster"

begin "route: the target must be a supervisor"
AS=bjones cr --db r.db route 1 --to asmith
refused 1 "asmith is not a supervisor, so cannot approve case 1"

begin "route: not to a supervisor with a conflict of interest (the subject's unit)"
AS=bjones cr --db r.db route 1 --to gwest
expect_rc 1
grep -q "^casereview: gwest .*Unit 1" "$T/err" || fail "conflict refusal: $(cat "$T/err")"
expect_eq "$(snapshot)" "$before" "nothing written"

begin "route: not to the case's decider (separation of duties)"
before3=$(snapshot 3)
AS=bjones cr --db r.db route 3 --to x1
expect_rc 1
expect_err "casereview: x1 decided case 3 (decision 1), so they cannot approve it (separation of duties, across rounds)"
expect_eq "$(snapshot 3)" "$before3" "nothing written"

begin "route: the decider may not route their own decision"
AS=x1 cr --db r.db route 3 --to bjones
expect_rc 1
expect_err "casereview: you (x1) decided case 3 (decision 1), so you cannot route it (separation of duties, across rounds)"
expect_eq "$(snapshot 3)" "$before3" "nothing written"

begin "route: only a case awaiting approval"
before2=$(snapshot 2)
AS=bjones cr --db r.db route 2 --to dlee
expect_rc 1
expect_err "casereview: route needs a case that is awaiting_approval; case 2 is flagged"
expect_eq "$(snapshot 2)" "$before2" "nothing written"

begin "route: --to is required (usage, exit 2)"
AS=bjones cr --db r.db route 1
refused 2 "route: --to LOGIN is required"

begin "route: an unknown case"
AS=bjones cr --db r.db route 99 --to dlee
expect_rc 3
expect_err "casereview: no case '99' (give a case number or a subject_ref)"
expect_eq "$(snapshot)" "$before" "nothing written"

begin "before routing, case 1 waits for every supervisor who may approve it"
AS=dlee cr --db r.db list --mine --format csv
expect_eq "$(cut -d, -f1 out | tail -n +2 | tr '\n' ' ')" "1 3 " "dlee's"
AS=bjones cr --db r.db list --mine --format csv
expect_eq "$(cut -d, -f1 out | tail -n +2 | tr '\n' ' ')" "1 3 " "bjones's"

begin "route: bjones routes case 1 to dlee, with a reason"
AS=bjones cr --db r.db route 1 --to dlee --reason "Knows the area"
expect_rc 0
expect_empty_err
expect_out "case 1: route: awaiting approval by dlee (version 4)"
expect_eq "$(sql r.db "select state || ' ' || approver || ' ' || version from cases where id = 1")" "awaiting_approval dlee 4" "the row"
expect_eq "$(sql r.db "select actor || ' ' || state_before || ' ' || state_after || ' ' || details from audit_events where action = 'route'")" \
    'bjones awaiting_approval awaiting_approval {"to": "dlee", "reason": "Knows the area"}' "the audit event"
settle
expect_eq "$(cat hook.log)" "[route][1][dlee]" "the notice goes to dlee"

begin "routed: case 1 waits for dlee, and for no other supervisor"
AS=dlee cr --db r.db list --mine --format csv
expect_eq "$(cut -d, -f1 out | tail -n +2 | tr '\n' ' ')" "1 3 " "dlee's"
AS=dlee cr --db r.db list --mine --format json
expect_json '[r["approver"] for r in d if r["case"] == 1]' '["dlee"]'
AS=bjones cr --db r.db list --mine --format csv
expect_eq "$(cut -d, -f1 out | tail -n +2 | tr '\n' ' ')" "3 " "bjones's"
AS=gwest cr --db r.db list --mine --format csv
expect_eq "$(cut -d, -f1 out | tail -n +2 | tr '\n' ' ')" "3 " "gwest's"

begin "route: refused on a version the case no longer has (--expect-version)"
before=$(snapshot)
settle
: >hook.log
AS=bjones cr --db r.db route 1 --to x1 --expect-version 3
refused 1 "case 1 was changed by bjones at 2026-01-01T00:00:00Z (it is now version 4; you saw version 3); look at it again before you act"

begin "route: not again to the supervisor it is routed to"
before=$(snapshot)
settle
: >hook.log
AS=bjones cr --db r.db route 1 --to dlee
refused 1 "case 1 is already routed to dlee"

begin "route: routed again, the event names the previous supervisor"
AS=dlee cr --db r.db route 1 --to bjones --format json
expect_rc 0
expect_json 'd["case"], d["action"], d["approver"], d["version"]' '[1, "route", "bjones", 5]'
expect_eq "$(sql r.db "select details from audit_events where action = 'route' order by id desc limit 1")" \
    '{"to": "bjones", "previous": "dlee"}' "the event"

begin "routed: any supervisor allowed may still approve it, and the routing ends"
AS=dlee cr --db r.db approve 1
expect_rc 0
expect_eq "$(sql r.db "select state || ' ' || coalesce(approver, '-') from cases where id = 1")" "panel_review -" "the row"

begin "the trail with route events verifies"
AS=cadmin cr --db r.db audit verify
expect_rc 0

# The panel: case 4 (refer, blind) and 5 (nfa, not blind), lpark (legal) has
# concurred on both; an independent member is still needed on each.
fields() { python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
for r in rows:
    if r["case"] == sys.argv[2]:
        print("|".join(r[k] for k in ["panel_progress", "panel_concur", "panel_concur_needed", "panel_dissent", "panel_dissent_limit", "panel_missing", "panel_hidden"]))' "$T/out" "$1"; }

begin "list: a supervisor sees the panel's progress"
AS=bjones cr --db r.db list --state panel_review --format csv
expect_rc 0
expect_eq "$(head -1 out)" "case,state,outcome,priority,created_at,subject_ref,surname,forenames,rank,unit,duty_status,categories,allegations,assignee,vetting_review,decided_by,decided_at,quorum_blocked,due,paused_until,approver,panel_progress,panel_concur,panel_concur_needed,panel_dissent,panel_dissent_limit,panel_missing,panel_hidden" "header"
expect_eq "$(fields 4)" "1/2 +ind|1|2|0|1|independent|false" "case 4"
expect_eq "$(fields 5)" "1/2 +ind|1|2|0|1|independent|false" "case 5"
AS=bjones cr --db r.db list --format csv
expect_eq "$(fields 2)" "||||||" "a flagged case: no progress"

begin "list: blind voting hides the votes from a member who has not voted"
AS=mkhan cr --db r.db list --state panel_review --format csv
expect_rc 0
expect_eq "$(fields 4)" "?/2||2||1||true" "case 4, blind"
expect_eq "$(fields 5)" "1/2 +ind|1|2|0|1|independent|false" "case 5, not blind"
AS=mkhan cr --db r.db list --state panel_review --format json
expect_json '[(r["panel_progress"], r["panel_concur"], r["panel_dissent"], r["panel_missing"], r["panel_hidden"]) for r in d if r["case"] == 4]' '[["?/2", null, null, null, true]]'

begin "list: a member who has voted sees the count"
AS=lpark cr --db r.db list --state panel_review --format csv
expect_eq "$(fields 4)" "1/2 +ind|1|2|0|1|independent|false" "case 4"

begin "list: the table shows the progress after the row"
AS=mkhan cr --db r.db list --state panel_review
expect_out_has "[panel ?/2]"
AS=bjones cr --db r.db list --state panel_review
expect_out_has "[panel 1/2 +ind]"

begin "show: the panel's progress, blind for mkhan"
AS=mkhan cr --db r.db show 4 --format json
expect_json 'd["panel_progress"]' '?/2'
AS=bjones cr --db r.db show 4 --format json
expect_json 'd["panel_progress"]' '1/2 +ind'
AS=bjones cr --db r.db show 4
expect_out_has "Panel          1/2 +ind"

begin "a second concurrence (police): the kind rule still holds the case"
step rdoe vote 4 --concur
AS=rdoe cr --db r.db list --state panel_review --format csv
expect_eq "$(fields 4)" "2/2 +ind|2|2|0|1|independent|false" "case 4, for rdoe"
AS=mkhan cr --db r.db list --state panel_review --format csv
expect_eq "$(fields 4)" "?/2||2||1||true" "case 4, still blind for mkhan"

finish
