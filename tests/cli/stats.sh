#!/usr/bin/env bash
# `stats --format json`: the dashboard's figures, each of them (issue 12, item 7), against a
# fixture counted by hand under a pinned clock: cases by state, overdue by state and in all,
# first decisions in each week with the Monday it commences, the rate and the backlog, the
# panel's dissent, each reviewer's mix and, with --workload, the workload panel (supervisors
# and the admin; recorded as a consultation, as the workload command is).  Roster: good.yaml
# (sla_days review 10, approval 3, panel 14; a reassess has no panel, an nfa needs 3 concurs).
. "$(dirname "$0")/lib.sh"

DAY=86400
T0=1767225600 # 2026-01-01T00:00:00Z, a Thursday
at() { echo $((T0 + $1 * DAY)); }

cat >s.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
S1,Ashgrove,Tom,officer,PC,Central,full,A1,domestic_violence,2019-01-01,complaint,NFA,one
S2,Birch,Ann,officer,PC,Central,restricted,A2,domestic_violence,2019-01-01,complaint,NFA,two
S3,Cole,Ben,staff,Band C,North,full,A3,sexual_offence,2020-01-01,hotline,NFA,three
S4,Dane,Cat,officer,Sgt,South,full,A4,domestic_violence,2018-01-01,pnd,NFA,four
S5,Eddy,Dan,officer,PC,South,suspended,A5,domestic_violence,2017-01-01,other,NFA,five
S6,Frost,Eve,officer,PC,West,full,A6,sexual_offence,2021-06-01,colleague,NFA,six
CSV

step() {
    local day=$1 who=$2
    shift 2
    CASEREVIEW_NOW=$(at "$day") AS=$who cr --db s.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "day $day, $who $*: $(cat "$T/err")"
}
events() { sql s.db "select count(*) from audit_events where action = 'workload'"; }

step 0 cadmin import s.csv
step 0 asmith claim 1
step 0 asmith claim 2
step 0 asmith claim 3
step 0 ejones claim 4
step 2 asmith decide 1 --outcome reassess --rationale "Look again." # a first decision, w/c 2025-12-29
step 3 bjones approve 1                                              # closed: reassess has no panel
step 9 asmith decide 2 --outcome refer --rationale "A pattern."      # w/c 2026-01-05
step 15 ejones decide 4 --outcome nfa --rationale "Nothing recent."  # w/c 2026-01-12; approval since day 15
step 16 bjones approve 2                                             # refer: before the panel
step 18 tnash vote 2 --dissent --reason "Risk understated"           # returned since day 18
step 25 ejones claim 6                                               # in review since day 25
export CASEREVIEW_NOW
CASEREVIEW_NOW=$(at 30) # 2026-01-31, a Saturday: the current week commences 2026-01-26

# Counted by hand at day 30:
#   states: flagged 5; in_review 3 (30 days), 6 (5); awaiting_approval 4 (15); returned 2 (12);
#     closed 1.  Overdue: flagged 5, in_review 3, awaiting_approval 4, returned 2: 4 in all.
#   first decisions: day 2, 9, 15 in the weeks commencing 2025-12-29, 2026-01-05, 2026-01-12
#     (weeks 8, 9, 10 of the 12 from 2025-11-10); the last four weeks hold 2: 0.5 a week;
#     undecided 3, 5, 6: 3 / 0.5 = 6 weeks from day 30, day 72, 2026-03-14.
#   the panel finished one round, on asmith's decision on case 2, and returned it.
#   workload: asmith 3 (in_review, 30 days) and 2 (returned, 12); ejones 4 (awaiting_approval,
#     15) and 6 (in_review, 5); fkaur nothing.
begin "stats --format json --workload: the dashboard's figures, exactly"
n=$(events)
AS=bjones cr --db s.db stats --format json --workload
expect_rc 0
expect_empty_err
expect_json 'd["cases"]' 6
expect_json 'd["by_state"]' '{"flagged": 1, "in_review": 2, "awaiting_approval": 1, "panel_review": 0, "returned": 1, "closed": 1}'
expect_json 'd["overdue"]' '{"flagged": 1, "in_review": 1, "awaiting_approval": 1, "panel_review": 0, "returned": 1, "all": 4}'
expect_json 'd["decisions_per_week"]["first_week"]' 2025-11-10
expect_json 'd["decisions_per_week"]["counts"]' '[0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0]'
expect_json 'd["decisions_per_week"]["weeks"]' '["2025-11-10", "2025-11-17", "2025-11-24", "2025-12-01", "2025-12-08", "2025-12-15", "2025-12-22", "2025-12-29", "2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]'
expect_json 'd["weekly_rate"]' 0.5
expect_json 'd["undecided"]' 3
expect_json 'd["backlog_clears"]' 2026-03-14
expect_json 'd["panel"]' '{"rounds_finished": 1, "rounds_returned": 1, "dissent_per_round": 1.0}'
expect_json '[(r["login"], r["in_review"], r["awaiting_approval"], r["returned"], r["open"], r["days_0_6"], r["days_7_13"], r["days_14_27"], r["days_28_plus"], r["oldest_days"]) for r in d["workload"]["reviewers"]]' \
    '[["asmith", 1, 0, 1, 2, 0, 1, 0, 1, 30], ["ejones", 1, 1, 0, 2, 1, 0, 1, 0, 15], ["fkaur", 0, 0, 0, 0, 0, 0, 0, 0, null]]'
expect_json '[d["workload"]["total"][k] for k in ("open", "in_review", "awaiting_approval", "returned", "days_0_6", "days_7_13", "days_14_27", "days_28_plus", "oldest_days")]' \
    '[4, 2, 1, 1, 1, 1, 1, 1, 30]'
expect_json 'd["workload"]["at"]' 2026-01-31T00:00:00Z
expect_json 'sorted((r["login"], r["nfa"], r["reassess"], r["refer"], r["decided"], r["panel"]["rounds_finished"], r["panel"]["rounds_returned"]) for r in d["reviewers"])' \
    '[["asmith", 0, 1, 1, 2, 1, 1], ["ejones", 1, 0, 0, 1, 0, 0]]'
# Seeing the workload is a consultation of people's work: recorded once, as the workload
# command's is.
expect_eq "$(events)" $((n + 1)) "workload events"
expect_eq "$(sql s.db "select actor || ' ' || details from audit_events where action = 'workload' order by id desc limit 1")" \
    'bjones {"view": "workload", "format": "stats", "rows": 3, "open": 4}' "the consultation recorded"

begin "stats without --workload: no workload, and nothing recorded (a reader goes on while others write)"
n=$(events)
AS=bjones cr --db s.db stats --format json
expect_rc 0
expect_json 'd["workload"]' null
expect_json 'd["overdue"]["all"]' 4
AS=bjones cr --db s.db stats
expect_rc 0
expect_eq "$(events)" "$n" "workload events"

begin "stats --workload: for supervisors and the admin (core's rule and message)"
n=$(events)
AS=cadmin cr --db s.db stats --format json --workload
expect_rc 0
expect_json 'd["workload"]["total"]["open"]' 4
expect_eq "$(events)" $((n + 1)) "the admin's consultation"
n=$(events)
AS=asmith cr --db s.db stats --format json --workload
expect_rc 1
expect_err "casereview: workload needs the supervisor or admin role; you (asmith) are reviewer: it shows every reviewer's cases"
[ ! -s "$T/out" ] || fail "a refused stats printed: $(head -c 200 "$T/out")"
AS=mkhan cr --db s.db stats --format json --workload
expect_rc 1
expect_err "casereview: workload needs the supervisor or admin role; you (mkhan) are panel: it shows every reviewer's cases"
expect_eq "$(events)" "$n" "workload events for a reviewer and a panel member"

begin "a reviewer's and a panel member's stats: their own mix, and nobody's"
AS=asmith cr --db s.db stats --format json
expect_rc 0
expect_json 'd["workload"]' null
expect_json '[r["login"] for r in d["reviewers"]]' '["asmith"]'
expect_json 'd["overdue"]["all"]' 4
AS=mkhan cr --db s.db stats --format json
expect_rc 0
expect_json 'd["reviewers"]' null

begin "stats --workload needs --format json"
AS=bjones cr --db s.db stats --workload
expect_rc 2
expect_err "casereview: stats: --workload goes with --format json"
[ ! -s "$T/out" ] || fail "stdout: $(head -c 200 "$T/out")"
expect_eq "$(events)" "$n" "workload events"

finish
