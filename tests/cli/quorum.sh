#!/usr/bin/env bash
# Cases that cannot reach quorum (D6): the flag is recomputed when the
# configuration changes the panel, and a blocked case can be reconvened
# (the admin) or recalled to its reviewer (a supervisor or the admin), each
# refused unless the case is blocked, with separation of duties kept.
. "$(dirname "$0")/lib.sh"

# The roster: logins with several roles, so that separation of duties can be tried.
cat >q.yaml <<'EOF'
allow_impersonation: true
conflicts:
  same_unit: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer], unit: "East Area BCU" }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
  - { login: x1, name: "X. One", roles: [reviewer, supervisor, admin] }
  - { login: x2, name: "X. Two", roles: [supervisor, admin] }
  - { login: x3, name: "X. Three", roles: [admin] }
panel:
  members:
    - { login: mkhan, name: "M. Khan", kind: independent }
    - { login: tnash, name: "T. Nash", kind: independent }
    - { login: x3, kind: independent }
    - { login: lpark, name: "L. Park", kind: legal }
    - { login: rdoe, name: "R. Doe", kind: police }
  sign_off:
    concur: 2
    dissent: 1
    require_kinds: { independent: 1 }
    blind: true
EOF
# The same panel with one more independent member.
sed 's/^    - { login: rdoe, name: "R. Doe", kind: police }$/&\n    - { login: pnew, name: "P. New", kind: independent }/' q.yaml >q2.yaml
export CASEREVIEW_CONFIG=$T/q.yaml

{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in 1 2 3 4; do echo "S$i,Name$i,Pat,officer,PC,Unit $i,full,A$i,domestic_violence,2020-01-0$i,complaint,NFA,x"; done
} >q.csv
cr --db q.db import q.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db q.db "$@"
}

# Cases 1 to 3: decided by x1, approved by x2; case 4 by asmith and bjones.
# Every independent member recuses on 1, 2 and 4 (x3 too): the kind rule cannot be met.
for c in 1 2 3; do
    step x1 claim "#$c"
    step x1 decide "#$c" --outcome refer --rationale "Refer: pattern."
    step x2 approve "#$c"
done
step asmith claim "#4"
step asmith decide "#4" --outcome refer --rationale "Refer."
step bjones approve "#4"
for c in 1 2 4; do
    for m in mkhan tnash x3; do step $m vote "#$c" --recuse --reason "Knows the subject."; done
done
expect_out "case 4: vote: still panel_review (version 7); recusal recorded: 0 of 2, an independent member still needed; the panel cannot reach quorum now (reconvene or recall)"

begin "recusals block the quorum"
expect_eq "$(sql_join q.db ' ' "select id || ':' || quorum_blocked from cases order by id")" "1:1 2:1 3:0 4:1" "flags"

begin "a panel member added to the configuration: the flags are recomputed when it is adopted"
n0=$(sql q.db "select count(*) from audit_events where action = 'quorum_recompute'")
CASEREVIEW_CONFIG=$T/q2.yaml AS=lpark cr --db q.db list --state panel_review
expect_rc 3
expect_eq "$(sql_join q.db ' ' "select id || ':' || quorum_blocked from cases order by id")" "1:1 2:1 3:0 4:1" "a file not adopted changes nothing"
AS=cadmin cr --db q.db config adopt q2.yaml
expect_rc 0
expect_eq "$(sql_join q.db ' ' "select id || ':' || quorum_blocked from cases order by id")" "1:0 2:0 3:0 4:0" "flags under q2.yaml"
expect_eq "$(sql q.db "select count(*) from audit_events where action = 'quorum_recompute'")" $((n0 + 1)) "one event"
expect_eq "$(sql q.db "select actor || ' ' || coalesce(case_id, 0) || ' ' || details from audit_events where action = 'quorum_recompute' order by id desc limit 1")" \
    'cadmin 0 {"blocked": [], "unblocked": [1, 2, 4]}' "the event"
expect_eq "$(sql_join q.db ' ' "select action from audit_events order by id desc limit 2")" \
    "quorum_recompute config_adopt" "in the adoption's transaction, after it"
expect_eq "$(sql q.db "select version from cases where id = 1")" 7 "the version does not change"
CASEREVIEW_CONFIG=$T/q2.yaml AS=lpark cr --db q.db list --state panel_review
expect_rc 0
expect_eq "$(sql q.db "select count(*) from audit_events where action = 'quorum_recompute'")" $((n0 + 1)) "nothing written at sign-in"

begin "back to the old panel: blocked again"
CASEREVIEW_CONFIG=$T/q2.yaml AS=cadmin cr --db q.db config adopt q.yaml
expect_rc 0
AS=rdoe cr --db q.db show 3
expect_rc 0
expect_eq "$(sql_join q.db ' ' "select id || ':' || quorum_blocked from cases order by id")" "1:1 2:1 3:0 4:1" "flags under q.yaml"
expect_eq "$(sql q.db "select details from audit_events where action = 'quorum_recompute' order by id desc limit 1")" \
    '{"blocked": [1, 2, 4], "unblocked": []}' "the event"
AS=rdoe cr --db q.db show 1
expect_out_has "cannot reach quorum"

begin "reconvene: refused per role and per separation of duties"
step asmith reconvene "#1" --reason r
expect_rc 1
expect_err "casereview: reconvene needs the admin role; you (asmith) are reviewer. You may: note"
step bjones reconvene "#1" --reason r
expect_rc 1
expect_err "casereview: reconvene needs the admin role; you (bjones) are supervisor. You may: note, recall"
step lpark reconvene "#1" --reason r
expect_rc 1
expect_err "casereview: reconvene needs the admin role; you (lpark) are panel. You may: vote, note"
step x1 reconvene "#1" --reason r
expect_rc 1
expect_err "casereview: you (x1) decided case 1 (decision 1), so you cannot reconvene it (separation of duties, across rounds). You may: note"
step x2 reconvene "#1" --reason r
expect_rc 1
expect_err "casereview: you (x2) approved decision 1 of case 1, so you cannot reconvene it (separation of duties, across rounds). You may: note, recall"
step x3 reconvene "#1" --reason r
expect_rc 1
expect_err "casereview: you (x3) recused from decision 1 of case 1, so you cannot reconvene it (separation of duties, across rounds). You may: note"
step cadmin reconvene "#3" --reason r
expect_rc 1
expect_err "casereview: reconvene is only for a case that cannot reach quorum; the panel can still reach it on case 3, so it goes on voting. You may: note"
step cadmin reconvene "#1" --reason "   "
expect_rc 1
expect_err "casereview: reconvene needs a reason (why the panel sits again). You may: note, reconvene, recall"
step cadmin reconvene "#1"
expect_rc 2
expect_err "casereview: reconvene: --reason TEXT is required"
expect_eq "$(sql q.db "select count(*) from superseded_votes")" 0 "nothing set aside by a refusal"

begin "reconvene by the admin: the sitting's votes are set aside, every member votes again"
step cadmin reconvene "#1" --reason "Two independent members were replaced." --expect-version 7
expect_rc 0
expect_out "case 1: reconvene: still panel_review (version 8); the panel sits again: the votes before are set aside, and every member may vote"
expect_eq "$(sql q.db "select quorum_blocked || ' ' || state from cases where id = 1")" "0 panel_review" "case 1"
expect_eq "$(sql q.db "select count(*) from votes where case_id = 1")" 0 "votes counted"
expect_eq "$(sql_join q.db ' ' "select member || ':' || vote || ':' || superseded_by from superseded_votes where case_id = 1 order by id")" \
    "mkhan:recuse:cadmin tnash:recuse:cadmin x3:recuse:cadmin" "votes kept aside"
votes=$(sql_join q.db ', ' "select id from audit_events where case_id = 1 and action = 'vote' order by id")
expect_eq "$(sql q.db "select state_before || ' ' || state_after || ' ' || details from audit_events where action = 'reconvene'")" \
    "panel_review panel_review {\"round\": 1, \"reason\": \"Two independent members were replaced.\", \"votes_set_aside\": 3, \"vote_events\": [$votes], \"quorum_blocked\": false, \"note\": \"The panel sits again on decision 1: Two independent members were replaced.\\nThe 3 votes cast before (recusals included) no longer count; every member may vote.\"}" "the event"
expect_eq "$(sql q.db "select author || ' ' || kind || ' ' || body from notes where case_id = 1")" \
    "cadmin system The panel sits again on decision 1: Two independent members were replaced.
The 3 votes cast before (recusals included) no longer count; every member may vote." "the note"
step mkhan vote "#1" --concur
expect_rc 0
step lpark vote "#1" --concur
expect_out "case 1: vote: panel_review -> closed (version 10); concur recorded: sign-off complete; the case is closed"
AS=cadmin cr --db q.db history "#1"
expect_out_has "reconvene"
AS=cadmin cr --db q.db audit verify
expect_rc 0

begin "audit verify replays a reconvene: a vote set aside, then edited or put back, is named"
for change in "UPDATE superseded_votes SET vote = 'concur', reason = NULL WHERE member = 'tnash'" \
    "INSERT INTO votes(case_id, round, member, member_kind, vote, reason, created_at)
       SELECT case_id, round, member, member_kind, vote, reason, created_at
       FROM superseded_votes WHERE member = 'tnash'; DELETE FROM superseded_votes WHERE member = 'tnash'"; do
    db_copy q.db t.db
    sql t.db "$change"
    AS=cadmin cr --db t.db audit verify
    expect_rc 3
    grep -q "casereview: audit: case 1: .*tnash" "$T/err" || fail "not named: $(cat "$T/err")"
done

begin "recall: refused per role and per separation of duties"
step asmith recall "#4" --reason r
expect_rc 1
expect_err "casereview: recall needs the supervisor or admin role; you (asmith) are reviewer. You may: note"
step rdoe recall "#4" --reason r
expect_rc 1
expect_err "casereview: recall needs the supervisor or admin role; you (rdoe) are panel. You may: vote, note"
step x1 recall "#2" --reason r
expect_rc 1
expect_err "casereview: you (x1) decided case 2 (decision 1), so you cannot recall it (separation of duties, across rounds). You may: note"
step x3 recall "#2" --reason r
expect_rc 1
expect_err "casereview: you (x3) recused from decision 1 of case 2, so you cannot recall it (separation of duties, across rounds). You may: note"
step bjones recall "#3" --reason r
expect_rc 1
expect_err "casereview: recall is only for a case that cannot reach quorum; the panel can still reach it on case 3, so it goes on voting. You may: note"
step bjones recall "#4" --reason ""
expect_rc 1
expect_err "casereview: recall needs a reason for the reviewer. You may: note, recall"

begin "recall by the approving supervisor: back to the reviewer with the reason as a note"
step x2 recall "#2" --reason "No quorum possible; reconsider with the new evidence."
expect_rc 0
expect_out "case 2: recall: panel_review -> returned (version 8); recalled: the decision goes back to its reviewer (x1)"
expect_eq "$(sql q.db "select quorum_blocked || ' ' || assignee from cases where id = 2")" "0 x1" "case 2"
expect_eq "$(sql q.db "select author || ' ' || kind || ' ' || body from notes where case_id = 2")" \
    "x2 return No quorum possible; reconsider with the new evidence." "the note"
expect_eq "$(sql q.db "select state_before || ' ' || state_after || ' ' || details from audit_events where action = 'recall'")" \
    'panel_review returned {"round": 1, "reason": "No quorum possible; reconsider with the new evidence.", "votes": 3, "quorum_blocked": false}' "the event"
step x1 decide "#2" --outcome nfa --rationale "Reconsidered."
expect_out "case 2: decide: returned -> awaiting_approval (version 9); decision recorded: nfa; awaiting approval"

begin "recall by a supervisor and by the admin"
step bjones recall "#4" --reason "Back to you." --expect-version 7
expect_rc 0
expect_out "case 4: recall: panel_review -> returned (version 8); recalled: the decision goes back to its reviewer (asmith)"
# The admin recalls one more blocked case: case 4 again, through a new round.
step asmith decide "#4" --outcome refer --rationale "Refer, again."
step bjones approve "#4"
for m in mkhan tnash x3; do step $m vote "#4" --recuse --reason "Knows the subject."; done
step cadmin recall "#4" --reason "Still no quorum."
expect_rc 0
expect_out "case 4: recall: panel_review -> returned (version 14); recalled: the decision goes back to its reviewer (asmith)"
AS=cadmin cr --db q.db audit verify
expect_rc 0

begin "reconvene is refused when even a new sitting could not reach quorum"
# Both independent members are in Unit 1 (one reviews, one is an admin): on a case of a
# Unit 1 subject, conflicts.same_unit leaves no independent member to concur.
cat >u.yaml <<'EOF'
allow_impersonation: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer], unit: "East Area BCU" }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
  - { login: i1, name: "I. One", roles: [reviewer], unit: "Unit 1" }
  - { login: i2, name: "I. Two", roles: [admin], unit: "Unit 1" }
panel:
  members:
    - { login: i1, kind: independent }
    - { login: i2, kind: independent }
    - { login: lpark, name: "L. Park", kind: legal }
    - { login: rdoe, name: "R. Doe", kind: police }
  sign_off:
    concur: 2
    dissent: 1
    require_kinds: { independent: 1 }
EOF
cu() {
    local who=$1
    shift
    CASEREVIEW_CONFIG=$T/u.yaml AS=$who cr --db u.db "$@"
}
cu cadmin import q.csv
cu asmith claim "#1"
cu asmith decide "#1" --outcome refer --rationale "Refer."
cu bjones approve "#1"
expect_eq "$(sql u.db "select quorum_blocked from cases where id = 1")" 1 "blocked from approval"
cu cadmin reconvene "#1" --reason "Try again."
expect_rc 1
expect_err "casereview: even a new sitting could not reach quorum on case 1: too few panel members may vote on it (not its reviewer or approver, not in the subject's unit); add members to panel.members, or recall it to its reviewer. You may: note, recall"
cu bjones recall "#1" --reason "No independent member can sit on this case."
expect_rc 0
expect_out "case 1: recall: panel_review -> returned (version 5); recalled: the decision goes back to its reviewer (asmith)"

finish
