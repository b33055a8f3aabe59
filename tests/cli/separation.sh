#!/usr/bin/env bash
# Separation of duties per case, across rounds, from the command line: for every
# ordered pair of roles (reviewer, supervisor, panel member), a login holding both
# acts in the first role on decision 1 and is refused in the second on decision 2,
# with the earlier act named and nothing written.  Roster: multi_role.yaml.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES/config/multi_role.yaml" casereview.yaml
cat >s.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
S1,Ashgrove,Tom,officer,PC,Central,full,A1,domestic_violence,2019-01-01,complaint,NFA,one
CSV

# A new database with case 1 flagged.
fresh() {
    db_remove s.db
    AS=a1 cr --db s.db import s.csv
    expect_rc 0
}

step() {
    local who=$1
    shift
    AS=$who cr --db s.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "$who $*: $(cat "$T/err")"
}

# Refused with exactly this message, and nothing written.
refused() {
    local who=$1 want=$2
    shift 2
    local events
    events=$(sql s.db "select count(*) from audit_events")
    AS=$who cr --db s.db "$@"
    expect_rc 1
    expect_err "casereview: $want"
    expect_eq "$(sql s.db "select count(*) from audit_events")" "$events" "events written by a refusal"
}

rationale=(--outcome refer --rationale "Refer: a pattern.")

begin "reviewer, then supervisor"
fresh
step x1 claim 1
step x1 decide 1 "${rationale[@]}"
step s1 return 1 --reason "Say more."
step s1 assign 1 r1
step r1 decide 1 "${rationale[@]}"
refused x1 "you (x1) decided case 1 (decision 1), so you cannot approve it (separation of duties, across rounds). You may: note" approve 1
refused x1 "you (x1) decided case 1 (decision 1), so you cannot return it (separation of duties, across rounds). You may: note" return 1 --reason "No."

begin "reviewer, then panel member"
fresh
step x1 claim 1
step x1 decide 1 "${rationale[@]}"
step s1 approve 1
step p1 vote 1 --dissent --reason "Not weighed."
step s1 assign 1 r1
step r1 decide 1 "${rationale[@]}"
step s1 approve 1
refused x1 "you (x1) decided case 1 (decision 1), so you cannot vote on it (separation of duties, across rounds). You may: note" vote 1 --concur

begin "supervisor, then reviewer"
fresh
step r1 claim 1
step r1 decide 1 "${rationale[@]}"
step x1 return 1 --reason "Say more."
refused s1 "x1 returned decision 1 of case 1, so they cannot review it (separation of duties, across rounds). You may: assign, note" assign 1 x1
step s1 assign 1 r1
step r1 release 1
refused x1 "you (x1) returned decision 1 of case 1, so you cannot review it (separation of duties, across rounds). You may: assign, note" claim 1

begin "supervisor, then panel member"
fresh
step r1 claim 1
step r1 decide 1 "${rationale[@]}"
step x1 approve 1
step p1 vote 1 --dissent --reason "Not weighed."
step r1 decide 1 "${rationale[@]}"
step s1 approve 1
refused x1 "you (x1) approved decision 1 of case 1, so you cannot vote on it (separation of duties, across rounds). You may: note" vote 1 --concur

begin "panel member, then reviewer"
fresh
step r1 claim 1
step r1 decide 1 "${rationale[@]}"
step s1 approve 1
step x1 vote 1 --dissent --reason "Not weighed."
refused s1 "x1 voted on decision 1 of case 1, so they cannot review it (separation of duties, across rounds). You may: assign, note" assign 1 x1

begin "panel member, then supervisor"
fresh
step r1 claim 1
step r1 decide 1 "${rationale[@]}"
step s1 approve 1
step x2 vote 1 --recuse --reason "I know the subject."
step x1 vote 1 --dissent --reason "Not weighed."
step r1 decide 1 "${rationale[@]}"
refused x1 "you (x1) voted on decision 1 of case 1, so you cannot approve it (separation of duties, across rounds). You may: note" approve 1
refused x2 "you (x2) recused from decision 1 of case 1, so you cannot return it (separation of duties, across rounds). You may: note" return 1 --reason "No."
# Someone free of the case approves; a member who voted on decision 1 votes on decision 2.
step s1 approve 1
step x1 vote 1 --concur
step p1 vote 1 --concur
expect_eq "$(sql s.db "select state || ' ' || round from cases where id = 1")" "closed 2" "case 1 after decision 2"

begin "what waits for whom honours it: list --mine"
fresh
step r1 claim 1
step r1 decide 1 "${rationale[@]}"
step s1 approve 1
step x1 vote 1 --dissent --reason "Not weighed."
step r1 decide 1 "${rationale[@]}"
AS=x1 cr --db s.db list --mine --format csv
expect_eq "$(tail -n +2 "$T/out" | wc -l)" 0 "decisions awaiting x1's approval"
AS=x2 cr --db s.db list --mine --format csv
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1)" 1 "decisions awaiting x2's approval"

finish
