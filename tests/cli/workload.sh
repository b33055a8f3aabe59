#!/usr/bin/env bash
# A supervisor's tools (issue 12, item 5): `workload`, open cases per reviewer by
# state and by days in the current state, checked against a fixture counted by
# hand under a pinned clock; and the bulk form of assign (`assign --from LOGIN
# --to LOGIN [--state S] [--limit N]`): one transaction, one audit event per
# case, each case under assign's own rules, all or nothing.  Roster: good.yaml
# (reviewers asmith, ejones, fkaur; supervisors bjones, fkaur; every supervisor
# in Professional Standards).
. "$(dirname "$0")/lib.sh"

DAY=86400
T0=1767225600 # 2026-01-01T00:00:00Z
at() { echo $((T0 + $1 * DAY)); }

cat >w.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
S1,Ashgrove,Tom,officer,PC,Central,full,A1,domestic_violence,2019-01-01,complaint,NFA,one
S2,Birch,Ann,officer,PC,Central,restricted,A2,domestic_violence,2019-01-01,complaint,NFA,two
S3,Cole,Ben,staff,Band C,North,full,A3,sexual_offence,2020-01-01,hotline,NFA,three
S4,Dane,Cat,officer,Sgt,Professional Standards,full,A4,domestic_violence,2018-01-01,pnd,NFA,four
S5,Eddy,Dan,officer,PC,South,suspended,A5,domestic_violence,2017-01-01,other,NFA,five
S6,Frost,Eve,officer,PC,South,full,A6,sexual_offence,2021-06-01,colleague,NFA,six
S7,Gale,Fay,officer,PC,West,full,A7,sexual_offence,2022-03-01,complaint,NFA,seven
S8,Hart,Gus,staff,Band B,West,suspended,A8,domestic_violence,2010-05-01,complaint,NFA,eight
CSV

# Run a step at day N of the fixture, as who; it must succeed.
step() {
    local day=$1 who=$2
    shift 2
    CASEREVIEW_NOW=$(at "$day") AS=$who cr --db w.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "day $day, $who $*: $(cat "$T/err")"
}

events() { sql w.db "select count(*) from audit_events"; }
cases() { sql_join w.db ' ' "select id || ':' || state || ':' || coalesce(assignee, '-') from cases order by id"; }

# The fixture, day by day (every time in the current state counted from these days).
step 0 cadmin import w.csv
step 0 asmith claim 1
step 0 asmith claim 2
step 0 asmith claim 3
step 0 asmith claim 7
step 0 asmith claim 8
step 5 asmith claim 5
step 8 asmith decide 5 --outcome refer --rationale "Refer: a pattern."
step 12 bjones approve 5 # refer goes before the panel: panel_review since day 12
step 20 asmith decide 3 --outcome nfa --rationale "Nothing recent." # awaiting_approval since day 20
step 22 asmith decide 2 --outcome refer --rationale "Refer."
step 23 fkaur return 2 --reason "Say more." # returned since day 23; fkaur may not review case 2
step 25 ejones claim 6                     # in_review since day 25
db_copy w.db w0.db
export CASEREVIEW_NOW
CASEREVIEW_NOW=$(at 30)

# Counted by hand at day 30 (case 4 is flagged and nobody's: not counted):
#   asmith: in_review 1, 7, 8 (30 days); awaiting_approval 3 (10); returned 2 (7);
#           panel_review 5 (18): 6 open; 7-13 days: 2 and 3; 14-27: 5; 28+: 1, 7, 8
#   ejones: in_review 6 (5 days)
#   fkaur:  nothing, and shown with zeros
begin "workload: open cases per reviewer, by state and by days in it, with a total"
n=$(events)
AS=bjones cr --db w.db workload
expect_rc 0
expect_empty_err
expect_out \
    "REVIEWER   REVIEW APPROVAL RETURNED OTHER  OPEN  0-6d 7-13d 14-27d 28d+ OLDEST" \
    "asmith          3        1        1     1     6     0     2      1    3    30d" \
    "ejones          1        0        0     0     1     1     0      0    0     5d" \
    "fkaur           0        0        0     0     0     0     0      0    0      -" \
    "total           4        1        1     1     7     1     2      1    3    30d"
expect_eq "$(events)" $((n + 1)) "one audit event for the view"
expect_eq "$(sql w.db "select actor || ' ' || coalesce(cast(case_id as text), '-') || ' ' || action || ' ' || details from audit_events order by id desc limit 1")" \
    'bjones - workload {"view": "workload", "format": "table", "rows": 3, "open": 7}' \
    "the view recorded: who, no case, what was shown"

begin "workload --format csv and json: the same figures, every state apart"
AS=cadmin cr --db w.db workload --format csv
expect_rc 0
expect_out \
    "login,name,reviewer,flagged,in_review,awaiting_approval,panel_review,returned,open,days_0_6,days_7_13,days_14_27,days_28_plus,oldest_days" \
    "asmith,A. Smith,true,0,3,1,1,1,6,0,2,1,3,30" \
    "ejones,E. Jones,true,0,1,0,0,0,1,1,0,0,0,5" \
    "fkaur,F. Kaur,true,0,0,0,0,0,0,0,0,0,0," \
    "total,,,0,4,1,1,1,7,1,2,1,3,30"
AS=fkaur cr --db w.db workload --format json
expect_rc 0
expect_out \
    '{"at": "2026-01-31T00:00:00Z", "bands": ["0-6", "7-13", "14-27", "28+"],' \
    ' "reviewers": [' \
    '  {"login": "asmith", "name": "A. Smith", "reviewer": true, "flagged": 0, "in_review": 3, "awaiting_approval": 1, "panel_review": 1, "returned": 1, "open": 6, "days_0_6": 0, "days_7_13": 2, "days_14_27": 1, "days_28_plus": 3, "oldest_days": 30},' \
    '  {"login": "ejones", "name": "E. Jones", "reviewer": true, "flagged": 0, "in_review": 1, "awaiting_approval": 0, "panel_review": 0, "returned": 0, "open": 1, "days_0_6": 1, "days_7_13": 0, "days_14_27": 0, "days_28_plus": 0, "oldest_days": 5},' \
    '  {"login": "fkaur", "name": "F. Kaur", "reviewer": true, "flagged": 0, "in_review": 0, "awaiting_approval": 0, "panel_review": 0, "returned": 0, "open": 0, "days_0_6": 0, "days_7_13": 0, "days_14_27": 0, "days_28_plus": 0, "oldest_days": null}],' \
    ' "total": {"login": "total", "name": null, "reviewer": null, "flagged": 0, "in_review": 4, "awaiting_approval": 1, "panel_review": 1, "returned": 1, "open": 7, "days_0_6": 1, "days_7_13": 2, "days_14_27": 1, "days_28_plus": 3, "oldest_days": 30}}'
expect_eq "$(sql w.db "select details from audit_events order by id desc limit 1")" \
    '{"view": "workload", "format": "json", "rows": 3, "open": 7}' "the format recorded"

begin "workload: an age band's edges (7 days is 7-13, 6 days is 0-6)"
db_copy w.db e.db
CASEREVIEW_NOW=$(at 29) AS=bjones cr --db e.db workload --format csv
expect_eq "$(sed -n 2p "$T/out")" "asmith,A. Smith,true,0,3,1,1,1,6,1,1,1,3,29" "day 29: case 2 (6 days) in 0-6, case 3 (9) in 7-13"

begin "workload: only supervisors and the admin; nothing recorded for a refusal"
n=$(events)
AS=asmith cr --db w.db workload
expect_rc 1
expect_err "casereview: workload needs the supervisor or admin role; you (asmith) are reviewer: it shows every reviewer's cases"
AS=mkhan cr --db w.db workload --format json
expect_rc 1
expect_err "casereview: workload needs the supervisor or admin role; you (mkhan) are panel: it shows every reviewer's cases"
[ ! -s "$T/out" ] || fail "a refused workload printed: $(cat "$T/out")"
expect_eq "$(events)" "$n" "events written by refusals"

begin "workload: bad arguments"
AS=bjones cr --db w.db workload --format xml
expect_rc 2
expect_err "casereview: workload: --format must be one of table, csv, json, not 'xml'"
AS=bjones cr --db w.db workload extra
expect_rc 2
expect_err "casereview: workload: unexpected argument 'extra' (see 'casereview workload --help')"

# Bulk reassignment.  asmith's cases that assign can move at day 31: 1, 7, 8 (in_review)
# and 2 (returned); 3 (awaiting_approval) and 5 (panel_review) stay with their reviewer.
CASEREVIEW_NOW=$(at 31)
before=$(cases)

# Refused with exactly this message (and exit status), and nothing written.
refused() {
    local who=$1 rc=$2
    shift 2
    local n
    n=$(events)
    AS=$who cr --db w.db "$@"
    expect_rc "$rc"
    expect_eq "$(events)" "$n" "events written by: $who $*"
    expect_eq "$(cases)" "$before" "cases changed by: $who $*"
    [ ! -s "$T/out" ] || fail "output from a refusal: $(cat "$T/out")"
}

begin "bulk assign: a supervisor's action, refused to a reviewer and a panel member"
refused asmith 1 assign --from asmith --to ejones
expect_err "casereview: assign needs the supervisor role; you (asmith) are reviewer"
refused mkhan 1 assign --from asmith --to ejones
expect_err "casereview: assign needs the supervisor role; you (mkhan) are panel"

begin "bulk assign: the cases go only to a reviewer on the roster"
refused bjones 1 assign --from asmith --to bjones
expect_err "casereview: bjones is not a reviewer, so cannot be assigned a case"
refused bjones 1 assign --from asmith --to zed
expect_err "casereview: 'zed' is not on the roster"
refused bjones 1 assign --from zed --to ejones
expect_err "casereview: 'zed' is not on the roster and holds no case that is flagged, in_review, or returned"

begin "bulk assign: bad arguments, with what is wrong"
refused bjones 2 assign --from asmith
expect_err "casereview: assign: --from needs --to LOGIN, the reviewer the cases go to"
refused bjones 2 assign --to ejones
expect_err "casereview: assign: --to needs --from LOGIN, whose cases move (or give CASE LOGIN)"
refused bjones 2 assign --limit 2
expect_err "casereview: assign: --state and --limit go with --from LOGIN --to LOGIN"
refused bjones 2 assign --from asmith --to ejones --limit 0
expect_err "casereview: assign: --limit must be a whole number from 1 to 9223372036854775807, not '0'"
refused bjones 2 assign --from asmith --to ejones --limit two
expect_err "casereview: assign: --limit must be a whole number from 1 to 9223372036854775807, not 'two'"
refused bjones 2 assign --from asmith --to ejones --state open
expect_err "casereview: assign: --state must be one of flagged, in_review, awaiting_approval, panel_review, returned, closed, not 'open'"
refused bjones 2 assign --from asmith --to asmith
expect_err "casereview: the cases of asmith would move to asmith: name another reviewer"
refused bjones 2 assign 1 ejones --from asmith --to ejones
expect_err "casereview: assign: give CASE LOGIN, or --from LOGIN --to LOGIN, not both"
refused bjones 2 assign --from asmith --to ejones --expect-version 2
expect_err "casereview: assign: --expect-version goes with CASE LOGIN, not with --from"
refused bjones 2 assign --from asmith --to ejones --format csv
expect_err "casereview: assign: --format must be one of table, json, not 'csv'"
refused bjones 2 assign 1
expect_err "casereview: assign: missing CASE LOGIN (see 'casereview assign --help')"
refused bjones 1 assign --from asmith --to ejones --state awaiting_approval
expect_err "casereview: assign takes only cases that are flagged, in_review, or returned, not awaiting_approval"

begin "bulk assign: separation of duties per case, and one refusal moves nothing"
# fkaur returned case 2's decision: she may not review it, so none of the four moves.
refused bjones 1 assign --from asmith --to fkaur
expect_err \
    "casereview: nothing was moved: 1 of the 4 cases of asmith cannot go to fkaur, and a bulk assign is all or nothing" \
    "casereview: case 2: fkaur returned decision 1 of case 2, so they cannot review it (separation of duties, across rounds)"
# The single assign refuses case 2 with the same rule, in the same words.
refused bjones 1 assign 2 fkaur
expect_err "casereview: fkaur returned decision 1 of case 2, so they cannot review it (separation of duties, across rounds). You may: assign, note"

begin "bulk assign: a case the supervisor may not see is neither moved nor named, only counted"
db_copy w.db c.db
AS=asmith CASEREVIEW_NOW=$(at 31) cr --db c.db claim 4 # Professional Standards: every supervisor's own unit
n=$(sql c.db "select count(*) from audit_events")
AS=bjones cr --db c.db assign --from asmith --to ejones --format json
expect_rc 0
expect_empty_err
expect_out '{"from": "asmith", "to": "ejones", "moved": 4, "unseen": 1, "cases": [7, 1, 2, 8]}'
expect_eq "$(sql c.db "select count(*) from audit_events")" "$((n + 4))" "events written: one a case moved"
expect_eq "$(sql_join c.db ' ' "select id from cases where assignee = 'asmith' order by id")" "3 4 5" "asmith keeps 4, and the decided 3 and 5"
grep -q '"4"\|case 4\|Professional' "$T/out" && fail "the unseen case is named: $(cat "$T/out")"
db_copy w.db c.db
AS=asmith CASEREVIEW_NOW=$(at 31) cr --db c.db claim 4
AS=bjones cr --db c.db assign --from asmith --to ejones --state in_review
expect_rc 0
expect_empty_err
expect_out "moved 3 cases from asmith to ejones: cases 7, 1 and 8; 1 case of asmith's that you may not see (your unit or a conflict) stays with them"
# A login of any length comes back whole (the holder's name as stored, off the roster).
long=$(printf 'r%.0s' $(seq 300))
db_copy w.db c.db
AS=asmith CASEREVIEW_NOW=$(at 31) cr --db c.db claim 4
sql c.db "update cases set assignee = '$long' where id = 4"
AS=bjones cr --db c.db assign --from "$long" --to ejones
expect_rc 0
expect_out "moved no cases from $long to ejones; 1 case of $long's that you may not see (your unit or a conflict) stays with them"
AS=bjones cr --db c.db assign --from "$long" --to ejones --state in_review --format json
expect_out '{"from": "'"$long"'", "to": "ejones", "moved": 0, "unseen": 1, "cases": []}'
sql c.db "update cases set assignee = '$long' where id = 2"
AS=bjones cr --db c.db assign --from "$long" --to fkaur --state returned
expect_rc 1
expect_err "casereview: nothing was moved: 1 of the 1 case of $long cannot go to fkaur, and a bulk assign is all or nothing" \
    "casereview: case 2: fkaur returned decision 1 of case 2, so they cannot review it (separation of duties, across rounds)"
begin "bulk assign --state: only the cases in that state"
n=$(events)
AS=bjones cr --db w.db assign --from asmith --to ejones --state returned
expect_rc 0
expect_empty_err
expect_out "moved 1 case from asmith to ejones: case 2"
expect_eq "$(sql w.db "select state || ' ' || assignee || ' ' || version from cases where id = 2")" "in_review ejones 5" "case 2"
expect_eq "$(events)" $((n + 1)) "one event"
expect_eq "$(sql w.db "select actor || ' ' || case_id || ' ' || action || ' ' || state_before || ' ' || state_after || ' ' || details from audit_events order by id desc limit 1")" \
    'bjones 2 assign returned in_review {"assignee": "ejones", "previous": "asmith", "bulk": 1}' "the event, as a single assign's with the move's size"

begin "bulk assign --limit: at most N, riskiest first"
# The queue, riskiest first: asmith's in_review cases come in the order 7, 1, 8.
AS=bjones cr --db w.db list --state in_review --format csv
expect_eq "$(cut -d, -f1,14 "$T/out" | tail -n +2 | tr '\n' ' ')" "7,asmith 6,ejones 1,asmith 2,ejones 8,asmith " "the queue's order"
n=$(events)
AS=bjones cr --db w.db assign --from asmith --to ejones --limit 2 --format json
expect_rc 0
expect_out '{"from": "asmith", "to": "ejones", "moved": 2, "unseen": 0, "cases": [7, 1]}'
expect_eq "$(events)" $((n + 2)) "one event a case"
expect_eq "$(sql_join w.db ' ' "select id from cases where assignee = 'asmith' order by id")" "3 5 8" "asmith keeps 8, and the decided 3 and 5"

begin "bulk assign: the rest, one transaction, one event per case in the audit log"
AS=bjones cr --db w.db assign --from asmith --to fkaur
expect_rc 0
expect_out "moved 1 case from asmith to fkaur: case 8"
# ejones now holds 7, 6, 1 and 2, riskiest first; fkaur may not review 2 (above).
AS=bjones cr --db w.db assign --from ejones --to fkaur --state in_review --limit 3
expect_rc 0
expect_out "moved 3 cases from ejones to fkaur: cases 7, 6 and 1"
AS=cadmin cr --db w.db audit log --action assign --format csv
expect_rc 0
expect_eq "$(cut -d, -f3,4 "$T/out" | tail -n +2 | tr '\n' ' ')" "bjones,2 bjones,7 bjones,1 bjones,8 bjones,7 bjones,6 bjones,1 " \
    "each case moved has its own assign event, in the order moved"
expect_eq "$(cases)" "1:in_review:fkaur 2:in_review:ejones 3:awaiting_approval:asmith 4:flagged:- 5:panel_review:asmith 6:in_review:fkaur 7:in_review:fkaur 8:in_review:fkaur" "the cases"

begin "bulk assign: nothing to move is done, and says so"
n=$(events)
AS=bjones cr --db w.db assign --from asmith --to ejones
expect_rc 0
expect_out "moved no cases from asmith to ejones: asmith holds no case that is flagged, in_review or returned"
AS=bjones cr --db w.db assign --from ejones --to asmith --state returned
expect_rc 0
expect_out "moved no cases from ejones to asmith: ejones holds no case that is returned"
expect_eq "$(events)" "$n" "events written"

# Counted by hand at day 32: asmith (off the roster now) 3 awaiting_approval since day 20,
# 5 panel_review since day 12; ejones 2 in_review since the move on day 31 (assign keeps
# a case in_review: its clock runs from when it entered the state, day 31 for a returned
# one); fkaur 1, 7, 8 in_review since day 0 and 6 since day 25.
begin "workload after the moves; and someone who left the roster still holding cases"
sed '/login: asmith/d' casereview.yaml >next.yaml
AS=cadmin cr --db w.db config adopt next.yaml
expect_rc 0
CASEREVIEW_NOW=$(at 32) AS=bjones cr --config next.yaml --db w.db workload
expect_rc 0
expect_out \
    "REVIEWER   REVIEW APPROVAL RETURNED OTHER  OPEN  0-6d 7-13d 14-27d 28d+ OLDEST" \
    "asmith          0        1        0     1     2     0     1      1    0    20d  (not a reviewer on the roster)" \
    "ejones          1        0        0     0     1     1     0      0    0     1d" \
    "fkaur           4        0        0     0     4     0     1      0    3    32d" \
    "total           5        1        0     1     7     1     2      1    3    32d"
AS=bjones cr --config next.yaml --db w.db assign --from asmith --to ejones
expect_rc 1
expect_err "casereview: 'asmith' is not on the roster and holds no case that is flagged, in_review, or returned"

begin "workload is a consultation: under audit.require_purpose it needs the session's purpose"
{ cat next.yaml; printf 'audit:\n  require_purpose: true\n'; } >purpose.yaml
CASEREVIEW_NOW=$(at 32) AS=cadmin cr --config next.yaml --db w.db config adopt purpose.yaml
expect_rc 0
n=$(events)
CASEREVIEW_NOW=$(at 32) AS=bjones cr --config purpose.yaml --db w.db workload
expect_rc 1
expect_err "casereview: audit.require_purpose: every consultation needs its purpose (DPA 2018 s.62), and this session gave none; give --purpose TEXT"
[ ! -s "$T/out" ] || fail "figures shown unrecorded: $(cat "$T/out")"
expect_eq "$(events)" "$n" "events written"
CASEREVIEW_NOW=$(at 32) AS=bjones cr --config purpose.yaml --db w.db --purpose "Sharing out the work" workload --format csv
expect_rc 0
expect_eq "$(sql w.db "select action || ' ' || purpose from audit_events order by id desc limit 1")" "workload Sharing out the work" "the purpose recorded"
# Moving cases is an action: no purpose needed.
CASEREVIEW_NOW=$(at 32) AS=bjones cr --config purpose.yaml --db w.db assign --from fkaur --to ejones --limit 1
expect_rc 0
expect_out "moved 1 case from fkaur to ejones: case 7"

begin "the trail still verifies: the views and every assign replay"
CASEREVIEW_NOW=$(at 32) AS=cadmin cr --config purpose.yaml --db w.db --purpose Audit audit verify
expect_rc 0

finish
