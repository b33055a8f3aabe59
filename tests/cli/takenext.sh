#!/usr/bin/env bash
# claim --next (issue 12, a reviewer's loop): the riskiest flagged case the
# rules let this reviewer take, claimed and audited as a claim; conflicts of
# interest and separation of duties as claim CASE enforces them; a clear
# refusal when none is left or the user is no reviewer; and two people
# taking next at once never get the same case.
. "$(dirname "$0")/lib.sh"

step() {
    local who=$1
    shift
    AS=$who cr --db n.db "$@"
}

{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    # Riskiest first: N1 (three allegations, in asmith's unit), N2, then N3.
    echo "N1,Ashgrove,Tom,officer,PC,East Area BCU,full,A1,domestic_violence,2024-01-01,complaint,NFA,One"
    echo "N1,Ashgrove,Tom,officer,PC,East Area BCU,full,A2,sexual_offence,2024-06-01,pnd,NFA,Two"
    echo "N1,Ashgrove,Tom,officer,PC,East Area BCU,full,A3,domestic_violence,2025-01-01,hotline,NFA,Three"
    echo "N2,Birch,Ann,officer,PS,Marine Policing Unit,full,B1,domestic_violence,2024-01-01,complaint,NFA,One"
    echo "N2,Birch,Ann,officer,PS,Marine Policing Unit,full,B2,sexual_offence,2025-01-01,pnd,NFA,Two"
    echo "N3,Cole,Ben,staff,Clerk,Marine Policing Unit,full,C1,domestic_violence,2020-01-01,complaint,NFA,One"
} >n.csv
cr --db n.db import n.csv
expect_rc 0
expect_eq "$(AS=cadmin cr --db n.db list --format csv && tail -n +2 "$T/out" | cut -d, -f1 | tr '\n' ' ')" "1 2 3 " "the riskiest first"

begin "usage: CASE or --next, not both; no --expect-version with --next"
step asmith claim 1 --next
expect_rc 2
expect_err "casereview: claim: give CASE or --next, not both"
step asmith claim --next --expect-version 1
expect_rc 2
expect_err "casereview: claim: --expect-version goes with CASE, not with --next"
step asmith claim
expect_rc 2
expect_err "casereview: claim: missing CASE, or --next (see 'casereview claim --help')"
expect_eq "$(sql n.db "select count(*) from audit_events where action = 'claim'")" 0 "nothing written"

begin "a panel member is no reviewer: refused (SPEC section 7: 1), nothing written"
step mkhan claim --next
expect_rc 1
expect_err "casereview: claim --next needs the reviewer role; you (mkhan) are panel, so no case is yours to take"
step bjones claim --next
expect_rc 1
expect_err "casereview: claim --next needs the reviewer role; you (bjones) are supervisor, so no case is yours to take"
expect_eq "$(sql n.db "select count(*) from cases where state <> 'flagged'")" 0 "no case claimed"

begin "separation of duties: fkaur returned case 1, so takes case 2, not case 1"
# Case 1 goes round: ejones decides it, fkaur returns it, it comes back to the flagged cases.
step ejones claim 1 >/dev/null
step ejones decide 1 --outcome nfa --rationale "Nothing new."
step fkaur return 1 --reason "Weigh the 2025 report."
step bjones assign 1 ejones
step bjones release 1
expect_rc 0
expect_eq "$(sql n.db "select state from cases where id = 1")" flagged "case 1 flagged again"
events=$(sql n.db "select count(*) from audit_events")
step fkaur claim --next
expect_rc 0
expect_out "case 2: claim: flagged -> in_review (version 2); claimed: it is yours to decide"
expect_eq "$(sql n.db "select assignee || ' ' || state || ' ' || version from cases where id = 2")" "fkaur in_review 2" "case 2"
expect_eq "$(sql n.db "select actor || ' ' || action || ' ' || case_id || ' ' || state_before || ' ' || state_after from audit_events order by id desc limit 1")" \
    "fkaur claim 2 flagged in_review" "audited as a claim"
expect_eq "$(sql n.db "select count(*) from audit_events")" "$((events + 1))" "one event"

begin "a conflict of interest: asmith (East Area BCU) skips case 1 and takes case 3"
step asmith claim --next --format json
expect_rc 0
expect_json 'd' '{"case": 3, "action": "claim", "state_before": "flagged", "state_after": "in_review", "version": 2, "summary": "claimed: it is yours to decide"}'

begin "none left that asmith may take: refused, nothing written"
events=$(sql n.db "select count(*) from audit_events")
step asmith claim --next
expect_rc 1
expect_err "casereview: no flagged case is left that you may take"
[ -s "$T/out" ] && fail "stdout: $(cat "$T/out")"
expect_eq "$(sql n.db "select count(*) from audit_events")" "$events" "no event"
expect_eq "$(sql n.db "select state from cases where id = 1")" flagged "case 1 still flagged"

begin "ejones may take case 1 (deciding it before does not bar a claim); then none is left"
step ejones claim --next
expect_rc 0
expect_out "case 1: claim: flagged -> in_review (version 7); claimed: it is yours to decide"
step ejones claim --next
expect_rc 1
expect_err "casereview: no flagged case is left that you may take"

begin "four people taking next at once: each gets a case of their own, every time"
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in $(seq 1 40); do
        echo "R$i,Ashgrove,Tom,officer,PC,Marine Policing Unit,full,RA$i,domestic_violence,2019-01-$(printf %02d $((i % 28 + 1))),complaint,NFA,Race $i"
    done
} >race.csv
cr --db race.db import race.csv
expect_rc 0
for round in $(seq 1 10); do
    pids=()
    for who in asmith ejones fkaur asmith; do
        cr_argv --as "$who" --db race.db claim --next || fail "cr_argv: $(cat "$T/err")"
        "${CR_ARGV[@]}" >"$T/$round.$who.${#pids[@]}.out" 2>"$T/$round.$who.${#pids[@]}.err" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || fail "round $round: a claim --next failed: $(cat "$T"/$round.*.err)"
    done
done
expect_eq "$(cat "$T"/*.*.*.out | wc -l)" 40 "forty claims reported"
expect_eq "$(cat "$T"/*.*.*.out | cut -d: -f1 | sort -u | wc -l)" 40 "forty different cases reported"
expect_eq "$(sql race.db "select count(*) || ' ' || count(distinct case_id) from audit_events where action = 'claim'")" "40 40" "claims audited, one a case"
expect_eq "$(sql race.db "select count(*) from cases where state = 'in_review' and version = 2 and assignee is not null")" 40 "every case claimed once"
AS=asmith cr --db race.db claim --next
expect_rc 1
expect_err "casereview: no flagged case is left that you may take"
cr --db race.db audit verify
expect_rc 0
expect_out "ok: 41 events"

finish
