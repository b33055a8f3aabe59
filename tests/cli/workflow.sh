#!/usr/bin/env bash
# The workflow from the command line: a case from flagged to closed through
# every kind of step, panel: false, races between four processes, exports,
# what waits for whom, and an audit trail that notices tampering.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv .
# good.yaml: nfa needs 3 concurring votes (an override); every outcome needs an independent one.
cr --db w.db import good.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db w.db "$@"
}

begin "flagged to closed, the long way"
step asmith claim S1
expect_rc 0
expect_out "case 1: claim: flagged -> in_review (version 2); claimed: it is yours to decide"
step asmith decide S1 --outcome nfa --rationale "Information: two reports. Risk: low."
expect_out "case 1: decide: in_review -> awaiting_approval (version 3); decision recorded: nfa; awaiting approval"
step bjones return S1 --reason "The 2021 report is not addressed."
expect_out "case 1: return: awaiting_approval -> returned (version 4); returned to its reviewer (asmith) with your reason"
printf 'Information considered: all three reports.\nAssessment: low risk.\n' >rationale.txt
step asmith decide S1 --outcome nfa --rationale-file rationale.txt
expect_out "case 1: decide: returned -> awaiting_approval (version 5); decision recorded: nfa; awaiting approval"
step bjones approve S1
expect_out "case 1: approve: awaiting_approval -> panel_review (version 6); approved: the case goes to the panel"
step lpark vote S1 --dissent --reason "Not enough weight on the hotline call."
expect_out "case 1: vote: panel_review -> returned (version 7); dissent recorded: the decision goes back to its reviewer (asmith)"
step asmith decide S1 --outcome refer --vetting-review --rationale "Refer: pattern across reports."
expect_out "case 1: decide: returned -> awaiting_approval (version 8); decision recorded: refer with a vetting review; awaiting approval"
step fkaur approve S1
expect_out "case 1: approve: awaiting_approval -> panel_review (version 9); approved: the case goes to the panel"
step lpark vote S1 --concur
expect_out "case 1: vote: still panel_review (version 10); concur recorded: 1 of 2, an independent member still needed"
step rdoe vote S1 --concur
# Two concurring votes, but refer requires an independent member among them.
expect_out "case 1: vote: still panel_review (version 11); concur recorded: 2 of 2, an independent member still needed"
step tnash vote S1 --concur
expect_out "case 1: vote: panel_review -> closed (version 12); concur recorded: sign-off complete; the case is closed"
step asmith note S1 "Too late"
expect_rc 1
expect_err "casereview: case 1 is closed, and nothing changes a closed case. There is nothing you may do on case 1 now"

begin "the history of that case"
step cadmin history S1
expect_rc 0
sed 's/^2026-01-01T00:00:00Z  #[0-9 ]*//' "$T/out" >history.txt
cat >want.txt <<'HIST'
asmith     claim    flagged -> in_review  {}
asmith     decide   in_review -> awaiting_approval  {"round": 1, "outcome": "nfa", "vetting_review": false, "rationale": "Information: two reports. Risk: low."}
bjones     return   awaiting_approval -> returned  {"round": 1, "reason": "The 2021 report is not addressed."}
asmith     decide   returned -> awaiting_approval  {"round": 2, "outcome": "nfa", "vetting_review": false, "rationale": "Information considered: all three reports.\nAssessment: low risk.\n"}
bjones     approve  awaiting_approval -> panel_review  {"round": 2, "outcome": "nfa", "panel": true}
lpark      vote     panel_review -> returned  {"round": 2, "vote": "dissent", "kind": "legal", "reason": "Not enough weight on the hotline call.", "result": "returned"}
asmith     decide   returned -> awaiting_approval  {"round": 3, "outcome": "refer", "vetting_review": true, "rationale": "Refer: pattern across reports."}
fkaur      approve  awaiting_approval -> panel_review  {"round": 3, "outcome": "refer", "panel": true}
lpark      vote     {"round": 3, "vote": "concur", "kind": "legal", "result": "open"}
rdoe       vote     {"round": 3, "vote": "concur", "kind": "police", "result": "open"}
tnash      vote     panel_review -> closed  {"round": 3, "vote": "concur", "kind": "independent", "result": "closed"}
cadmin     view     {"view": "history"}
HIST
# Every command ran as a Unix login (os_login_of), acting --as the login named: both
# are shown where they differ.
while IFS= read -r line; do
    u=$(os_login_of "${line%% *}")
    if [ "$u" = "${line%% *}" ]; then
        printf '%s\n' "$line"
    else
        printf '%s  unix login: %s\n' "$line" "$u"
    fi
done <want.txt >want-os.txt
mv want-os.txt want.txt
diff -u want.txt history.txt >"$T/diff" || fail "history:
$(cat "$T/diff")"
step cadmin show S1
expect_out_has "  Refer to risk management, with a vetting review, by asmith at 2026-01-01T00:00:00Z (decision 3)"
expect_out_has "  approved by fkaur at 2026-01-01T00:00:00Z"
expect_out_has "The panel returned decision 2:"
expect_out_has "  concur   tnash (independent) at 2026-01-01T00:00:00Z"

begin "a per-outcome override: nfa needs three concurring votes, not two"
cat >s3.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
S3,Umberfield,Kai,staff,Band C,Marine Policing Unit,restricted,A30,domestic_violence,2018-05-05,pnd,NFA,Third subject
CSV
cr --db w.db import s3.csv
step ejones claim S3
step ejones decide S3 --outcome nfa --rationale "No further action: the account was withdrawn and nothing followed."
step bjones approve S3
step mkhan vote S3 --concur
step tnash vote S3 --concur
# Two concurrences, both independent: enough under the default rules, not for nfa.
expect_out "case 3: vote: still panel_review (version 6); concur recorded: 2 of 3"
step lpark vote S3 --concur
expect_out "case 3: vote: panel_review -> closed (version 7); concur recorded: sign-off complete; the case is closed"

begin "panel: false closes on approval"
step ejones claim S2
step ejones decide S2 --outcome reassess --rationale "Reassess with the new record."
step bjones approve S2
expect_rc 0
expect_out "case 2: approve: awaiting_approval -> closed (version 4); approved: the case is closed (reassess needs no panel)"

begin "usage errors of the workflow commands"
step asmith decide 1 --rationale x
expect_rc 2
expect_err "casereview: decide: --outcome is required (nfa, reassess or refer)"
step asmith decide 1 --outcome maybe --rationale x
expect_rc 2
expect_err "casereview: decide: --outcome must be one of nfa, reassess, refer, not 'maybe'"
step asmith decide 1 --outcome nfa
expect_rc 2
expect_err "casereview: decide: give the rationale with --rationale TEXT or --rationale-file F (one of them)"
step lpark vote 1 --concur --dissent --reason x
expect_rc 2
expect_err "casereview: vote: give exactly one of --concur, --dissent or --recuse"
step lpark vote 1 --recuse
expect_rc 2
expect_err "casereview: vote: --recuse needs --reason TEXT"
step bjones return 1
expect_rc 2
expect_err "casereview: return: --reason TEXT is required"
step asmith claim 1 --expect-version x
expect_rc 2
expect_err "casereview: claim: --expect-version must be a whole number from 1 to 9223372036854775807, not 'x'"

begin "a version conflict names who changed the case"
cp "$FIXTURES"/import/changed.csv .
"$CASEREVIEW" generate --cases 5 --seed 9 >five.csv
cr --db v.db import five.csv
AS=asmith cr --db v.db claim 1 --expect-version 1
expect_rc 0
AS=bjones cr --db v.db assign 1 ejones --expect-version 1
expect_rc 1
expect_err "casereview: case 1 was changed by asmith at 2026-01-01T00:00:00Z (it is now version 2; you saw version 1); look at it again before you act"

# The races: good.yaml's roster and two more reviewers and supervisors, so that four
# people may each take the same step on one case (race.yaml, for race.db and approve.db).
sed -e 's/^users:$/users:\n  - { login: gwest, name: "G. West", roles: [reviewer] }\n  - { login: hdunn, name: "H. Dunn", roles: [reviewer] }\n  - { login: kmoss, name: "K. Moss", roles: [supervisor] }\n  - { login: pvale, name: "P. Vale", roles: [supervisor] }/' \
    "$CASEREVIEW_CONFIG" >race.yaml
main_config=$CASEREVIEW_CONFIG
# race4 WANT_OUT LOGINS CASE SEEN ARG...: four processes, one per login of LOGINS (four,
# space-separated), started together, each running 'ARG... CASE --expect-version SEEN';
# exactly one wins (status 0, WANT_OUT with {winner} for its login), each other loses
# with status 1 and the version conflict naming the winner, and nothing on stdout.  Sets
# winner.
race4() {
    local want=$1 case=$3 seen=$4 k rc wins=() pids=() logins
    read -ra logins <<<"$2"
    shift 4
    for k in 0 1 2 3; do
        cr_argv --as "${logins[k]}" "$@" "$case" --expect-version "$seen" || {
            fail "case $case: cr_argv: $(cat "$T/err")"
            return
        }
        "${CR_ARGV[@]}" >"$T/p$k.out" 2>"$T/p$k.err" &
        pids[k]=$!
    done
    for k in 0 1 2 3; do
        wait "${pids[k]}"
        rc=$?
        echo "$rc" >"$T/p$k.rc"
        [ "$rc" = 0 ] && wins+=("${logins[k]}")
    done
    winner=
    if [ ${#wins[@]} != 1 ]; then
        fail "case $case: $* : ${#wins[@]} winners (${wins[*]}); statuses $(cat "$T"/p[0-3].rc | tr '\n' ' ')"
        return
    fi
    winner=${wins[0]}
    for k in 0 1 2 3; do
        if [ "${logins[k]}" = "$winner" ]; then
            [ "$(cat "$T/p$k.out")" = "${want//\{winner\}/$winner}" ] ||
                fail "case $case: the winner ($winner) said: $(cat "$T/p$k.out" "$T/p$k.err")"
            continue
        fi
        [ "$(cat "$T/p$k.rc")" = 1 ] || fail "case $case: ${logins[k]}'s status $(cat "$T/p$k.rc")"
        [ "$(cat "$T/p$k.err")" = "casereview: case $case was changed by $winner at 2026-01-01T00:00:00Z (it is now version $((seen + 1)); you saw version $seen); look at it again before you act" ] ||
            fail "case $case: the loser ${logins[k]} said: $(cat "$T/p$k.err")"
        [ ! -s "$T/p$k.out" ] || fail "case $case: the loser ${logins[k]} printed: $(cat "$T/p$k.out")"
    done
}

begin "four processes claim one case: exactly one wins, every time"
export CASEREVIEW_CONFIG=$T/race.yaml
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in $(seq 1 30); do
        echo "R$i,Ashgrove,Tom,officer,PC,Marine Policing Unit,full,RA$i,domestic_violence,2019-01-01,complaint,NFA,Race $i"
    done
} >race.csv
cr --db race.db import race.csv
expect_rc 0
for i in $(seq 1 30); do
    race4 "case $i: claim: flagged -> in_review (version 2); claimed: it is yours to decide" \
        "asmith ejones gwest hdunn" "$i" 1 --db race.db claim
    [ -z "$winner" ] && continue
    [ "$(sql race.db "select assignee || ' ' || version from cases where id = $i")" = "$winner 2" ] ||
        fail "case $i: $(sql race.db "select assignee || ' ' || version from cases where id = $i")"
done
expect_eq "$(sql race.db "select count(*) from audit_events where action = 'claim'")" 30 "claims audited"
cr --db race.db audit verify
expect_rc 0
expect_out "ok: 31 events"

begin "four supervisors approve one decision: exactly one wins, every time"
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in $(seq 1 10); do
        echo "P$i,Brackenridge,Ann,officer,PC,Marine Policing Unit,full,PA$i,domestic_violence,2019-01-01,complaint,NFA,Approve race $i"
    done
} >approve.csv
cr --db approve.db import approve.csv
expect_rc 0
for i in $(seq 1 10); do
    race4 "case $i: claim: flagged -> in_review (version 2); claimed: it is yours to decide" \
        "asmith ejones gwest hdunn" "$i" 1 --db approve.db claim
    [ -z "$winner" ] && continue
    reviewer=$winner
    AS=$reviewer cr --db approve.db decide "$i" --outcome reassess --rationale "Reassess: race $i."
    expect_rc 0
    race4 "case $i: approve: awaiting_approval -> closed (version 4); approved: the case is closed (reassess needs no panel)" \
        "bjones fkaur kmoss pvale" "$i" 3 --db approve.db approve
    [ -z "$winner" ] && continue
    # Nothing lost: the winner's approval, once, of the reviewer's one decision.
    expect_eq "$(sql approve.db "select state || ' ' || version || ' ' || assignee || ' ' || decided_by || ' ' || outcome from cases where id = $i")" \
        "closed 4 $reviewer $reviewer reassess" "case $i"
    expect_eq "$(sql approve.db "select supervisor from approvals where case_id = $i")" "$winner" "case $i's approvals"
    expect_eq "$(sql approve.db "select count(*) from decisions where case_id = $i")" 1 "case $i's decisions"
done
expect_eq "$(sql approve.db "select action || ' ' || count(*) from audit_events group by action order by action" | tr '\n' ',')" \
    "approve 10,claim 10,decide 10,import 1," "events"
cr --db approve.db audit verify
expect_rc 0
expect_out "ok: 31 events"
export CASEREVIEW_CONFIG=$main_config

begin "what waits for whom"
AS=asmith cr --db w.db list --mine --format csv
expect_rc 0
expect_eq "$(wc -l <"$T/out")" 1 "asmith has nothing open"
export CASEREVIEW_CONFIG=$T/race.yaml
AS=asmith cr --db race.db list --mine --format csv
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1 | sort -n | tr '\n' ' ')" "$(sql race.db "select id from cases where assignee = 'asmith' order by id" | tr '\n' ' ')" "asmith's cases"
# Cases 1 and 2 decided by whoever won them.
AS=$(sql race.db "select assignee from cases where id = 2") cr --db race.db decide 2 --outcome reassess --rationale x
expect_rc 0
AS=$(sql race.db "select assignee from cases where id = 1") cr --db race.db decide 1 --outcome nfa --rationale "No further action."
expect_rc 0
AS=bjones cr --db race.db list --mine --format csv
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1-2 | sort)" "$(printf '1,awaiting_approval\n2,awaiting_approval')" "the supervisor's queue"
AS=mkhan cr --db race.db list --mine --format csv
expect_eq "$(wc -l <"$T/out")" 1 "nothing with the panel yet"
export CASEREVIEW_CONFIG=$main_config

begin "export: admin only, a recorded disclosure"
AS=asmith cr --db w.db export --reason "Review" --recipient "IOPC"
expect_rc 1
expect_err "casereview: export needs the admin role; you (asmith) are reviewer"
expect_eq "$(cat "$T/out")" "" "nothing exported"
cr --db w.db export --recipient "IOPC"
expect_rc 2
expect_err "casereview: export: --reason TEXT and --recipient TEXT are required"
cr --db w.db export --reason "Quarterly report" --recipient "Independent Office for Police Conduct"
expect_rc 0
expect_err "casereview: exported 3 cases for Independent Office for Police Conduct; recorded in the audit trail"
expect_eq "$(head -1 "$T/out")" "case,state,outcome,priority,created_at,subject_ref,surname,forenames,rank,unit,duty_status,categories,allegations,assignee,vetting_review,decided_by,decided_at,quorum_blocked,due,paused_until" "header"
expect_eq "$(grep -c '^1,closed,refer,' "$T/out")" 1 "the referred case"
begin_id=$(sql w.db "select max(id) - 1 from audit_events")
expect_eq "$(sql w.db "select details from audit_events where action = 'disclosure' and id = $begin_id")" '{"stage": "begin", "kind": "export", "reason": "Quarterly report", "recipient": "Independent Office for Police Conduct", "format": "csv", "destination": "standard output"}' "the disclosure's begin"
expect_eq "$(sql w.db "select details from audit_events where action = 'disclosure' and id = $begin_id + 1")" "{\"stage\": \"end\", \"begin\": $begin_id, \"complete\": true, \"rows\": 3, \"bytes\": $(wc -c <"$T/out"), \"digest\": \"$(b2sum -l 256 <"$T/out" | cut -c1-64)\", \"cases\": \"1-3\"}" "the disclosure's end"
cr --db w.db export --reason "x" --recipient "y" --format json
expect_rc 0
expect_eq "$(grep -c '"case": ' "$T/out")" 3 "json rows"

begin "import, export and audit verify need the admin role"
AS=bjones cr --db w.db import good.csv
expect_rc 1
expect_err "casereview: import needs the admin role; you (bjones) are supervisor"
AS=bjones cr --db w.db audit verify
expect_rc 1
expect_err "casereview: audit verify needs the admin role; you (bjones) are supervisor"

begin "the audit trail notices tampering"
cr --db w.db audit verify
expect_rc 0
n=$(sql w.db "select count(*) from audit_events")
expect_out "ok: $n events"
tamper() {
    db_copy w.db t.db
    sql t.db "$1"
    cr --db t.db audit verify
    expect_rc 3
    expect_err "casereview: $2"
}
tamper "update audit_events set details = replace(details, 'low', 'high') where id = 3" \
    "audit event 3: its contents do not match its hash; it was altered"
tamper "update audit_events set actor = 'bjones' where id = 2" \
    "audit event 2: its contents do not match its hash; it was altered"
tamper "delete from audit_events where id = 5" \
    "audit event 6: expected event 5 here; an event was removed or renumbered"
tamper "delete from audit_events where id = (select max(id) from audit_events)" \
    "audit event $n: missing; the chain's head names event $n but the trail ends at event $((n - 1))"
tamper "update audit_events set id = -id where id in (4, 5); update audit_events set id = 5 where id = -4; update audit_events set id = 4 where id = -5" \
    "audit event 4: it does not follow event 3 (its previous-hash differs); events were removed, inserted or reordered"
tamper "update audit_events set at = at + 1 where id = $n" \
    "audit event $n: its contents do not match its hash; it was altered"

begin "a new allegation sends a decided case back"
step ejones claim 2 2>/dev/null
cr --db w.db import updated_subject.csv 2>/dev/null || true
cp "$FIXTURES"/import/updated_subject.csv .
"$CASEREVIEW" generate --cases 3 --seed 21 >three.csv
cr --db n.db import three.csv
AS=asmith cr --db n.db claim 1
AS=asmith cr --db n.db decide 1 --outcome nfa --rationale "Nothing more."
ref=$(sql n.db "select s.ref from cases c join subjects s on s.id = c.subject_id where c.id = 1")
{ head -1 three.csv; grep "^$ref," three.csv | head -1 | sed 's/,AL\([0-9]*\)-\([0-9]*\),/,NEW\1-\2,/'; } >more.csv
cr --db n.db import more.csv
expect_rc 0
expect_out_has "1 case returned for a new decision"
expect_eq "$(sql n.db "select state from cases where id = 1")" returned "state"
expect_eq "$(sql n.db "select action || ' ' || state_before || ' ' || state_after from audit_events where case_id = 1 order by id desc limit 1")" "import awaiting_approval returned" "audited"
cr --db n.db audit verify
expect_rc 0

finish
