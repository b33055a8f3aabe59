#!/usr/bin/env bash
# What a person can read through the server's functions (issue 14: the
# server is the trust boundary): a person's psql session sees no more than
# the program shows them.  Need-to-know (a panel member alone sees only what
# went to the panel; conflicts.same_unit; declared conflicts) holds on every
# read and on the writes after the decision (timeline, links, follow-ups);
# blind voting holds on the case's votes, its history and the queue's
# tallies, whatever the caller asks; other people's consultations are the
# admin's to see; a quality verdict is a reviewer's or a supervisor's who
# has not seen the decision; the figures' case-by-case reading is the
# admin's; a queue is its owner's; a case kept from a person is refused by
# core's rule with nothing of it given but what the refusal names.
#
# Run by tests/pg/with-cluster.sh (PGHOST, CASEREVIEW_TEST_PG_URL: the
# database cr owned by the service role casereview); each psql connects as
# the role it names with -U, as with peer authentication.
# Usage: with-cluster.sh bash reads.sh TEST_PG_APPLY
set -u
exe=${1:?usage: reads.sh TEST_PG_APPLY (the unit test, whose --install makes the schema)}
: "${PGHOST:?run by tests/pg/with-cluster.sh}"
fails=0

psql_as() {
    local who=$1
    shift
    psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGHOST" -U "$who" -d cr "$@"
}

"$exe" --install || {
    echo "FAIL: could not install the schema"
    exit 1
}

# The roster: rev1 of the Central West BCU (subject S1's unit), rev2 of the
# East, sup1 (reviewer and supervisor), sup2 (supervisor of S1's unit), adm1
# (admin), pan1 and pan2 (panel only), qa1 (reviewer); conflicts.same_unit on.
roles="rev1 rev2 sup1 sup2 adm1 pan1 pan2 qa1"
for r in $roles; do
    psql_as postgres -c "CREATE ROLE $r LOGIN" -c "GRANT CONNECT ON DATABASE cr TO $r" \
        >/dev/null || exit 1
done
psql_as casereview >/dev/null <<'EOF' || exit 1
SET search_path = casereview;
INSERT INTO people(login, roles, unit) VALUES ('rev1', 1, 'Central West BCU'), ('rev2', 1, 'East'),
  ('sup1', 3, 'North'), ('sup2', 2, 'Central West BCU'), ('adm1', 4, 'HQ'), ('pan1', 8, NULL),
  ('pan2', 8, NULL), ('qa1', 1, 'HQ');
INSERT INTO settings(key, value) VALUES ('same_unit', 'on');
-- qa: configured, as a pin publishes it (no qa.reviewers: any reviewer or supervisor).
INSERT INTO settings(key, value) VALUES ('qa', '{"on": 1, "outcomes": 7, "seed": "s",
  "sample_percent": 10, "min_per_reviewer": 0, "reviewers": []}');
INSERT INTO imports(id, at, label) VALUES (1, 1767225000, 't.csv');
INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, duty_status,
  import_id, import_line) VALUES
  (1, 'S1', 'Ashgrove', 'Tom', 'officer', 'PC', 'Central West BCU', 'full', 1, 2),
  (2, 'S2', 'Brackenridge', 'Ann', 'officer', 'PC', 'East Area BCU', 'full', 1, 3),
  (3, 'S3', 'Culverhouse', 'Sam', 'officer', 'PC', 'North Area BCU', 'full', 1, 4);
-- Case 1 (S1): decided refer by rev2, approved by sup1, before the panel; pan1 has concurred.
-- Case 2 (S2): closed, nfa by rev1, approved by sup1, selected for quality review.
-- Case 3 (S3): closed, nfa by rev2, approved by sup1; erased.
INSERT INTO cases(id, subject_id, state, state_since, created_at, outcome, decided_by,
  decided_at, rationale, round, panel_round, assignee) VALUES
  (1, 1, 'panel_review', 1767300000, 1767225000, 'refer', 'rev2', 1767290000,
   'Refer: the pattern.', 1, 1, 'rev2'),
  (2, 2, 'closed', 1767300000, 1767225000, 'nfa', 'rev1', 1767290000, 'Nothing to add.', 1, 0,
   'rev1'),
  (3, 3, 'closed', 1767300000, 1767225000, 'nfa', 'rev2', 1767290000, 'Nothing.', 1, 0, 'rev2');
INSERT INTO allegations(ref, case_id, category, date, source, original_outcome, summary,
  import_id, import_line) VALUES
  ('A1', 1, 'domestic_violence', '2019-01-01', 'complaint', 'NFA', 'marker one', 1, 2),
  ('A2', 2, 'sexual_offence', '2020-01-01', 'hotline', 'NFA', 'marker two', 1, 3),
  ('A3', 3, 'domestic_violence', '2021-01-01', 'pnd', 'NFA', 'marker three', 1, 4);
INSERT INTO decisions(case_id, round, reviewer, outcome, vetting_review, rationale, decided_at)
  VALUES (1, 1, 'rev2', 'refer', 0, 'Refer: the pattern.', 1767290000),
         (2, 1, 'rev1', 'nfa', 0, 'Nothing to add.', 1767290000),
         (3, 1, 'rev2', 'nfa', 0, 'Nothing.', 1767290000);
INSERT INTO approvals(case_id, round, supervisor, approved_at)
  VALUES (1, 1, 'sup1', 1767295000), (2, 1, 'sup1', 1767295000), (3, 1, 'sup1', 1767295000);
INSERT INTO votes(case_id, round, member, member_kind, vote, reason, created_at)
  VALUES (1, 1, 'pan1', 'independent', 'dissent', 'pan1 secret reasons', 1767296000);
INSERT INTO follow_ups(case_id, stage, result, date, detail, recorded_by, recorded_at)
  VALUES (1, 'risk_management', 'started', '2026-01-10', 'S1 detail', 'sup1', 1767300000),
         (2, 'risk_management', 'started', '2026-01-10', 'S2 detail', 'sup1', 1767300000);
INSERT INTO qa(case_id, round, decider, approver, outcome, reason, draw, config_digest,
  selected_at) VALUES (1, 1, 'rev2', 'sup1', 'refer', 'sample', 7, '', 1767295000),
  (2, 1, 'rev1', 'sup1', 'nfa', 'sample', 9, '', 1767295000);
INSERT INTO erasures(case_id, event) VALUES (3, 1);
-- The trail: each decision, then sup1's and rev2's views of case 1, rev2's view of case 2,
-- pan1's vote on case 1.
SELECT cr_audit_append('rev2', 1, 'decide', 'in_review', 'awaiting_approval',
  '{"round": 1, "outcome": "refer"}', '', NULL);
SELECT cr_audit_append('rev1', 2, 'decide', 'in_review', 'awaiting_approval',
  '{"round": 1, "outcome": "nfa"}', '', NULL);
SELECT cr_audit_append('sup1', 1, 'view', NULL, NULL, '{"view": "case"}', '', NULL);
SELECT cr_audit_append('rev2', 1, 'view', NULL, NULL, '{"view": "case"}', '', NULL);
SELECT cr_audit_append('rev2', 2, 'view', NULL, NULL, '{"view": "case"}', '', NULL);
SELECT cr_audit_append('pan1', 1, 'vote', NULL, NULL, '{"round": 1, "vote": "dissent"}', '', NULL);
EOF

# What the database holds, as the service role sees it.
snapshot() {
    psql_as casereview -c "SELECT count(*) FROM casereview.follow_ups" \
        -c "SELECT count(*) FROM casereview.case_links" \
        -c "SELECT string_agg(case_id || ':' || coalesce(verdict, '-'), ' ' ORDER BY case_id)
            FROM casereview.qa" \
        -c "SELECT count(*) FROM casereview.audit_events"
}

# refused WHO WANT SQL: the statement fails with WANT in its error, and nothing changed.
refused() {
    local who=$1 want=$2 sql=$3 before after out
    before=$(snapshot)
    if out=$(psql_as "$who" -c "$sql" 2>&1); then
        echo "FAIL: as $who, accepted: $sql"
        echo "  gave: $out"
        fails=$((fails + 1))
        return
    fi
    after=$(snapshot)
    if [[ $out != *"$want"* ]]; then
        echo "FAIL: as $who: $sql"
        echo "  wanted: $want"
        echo "  got:    $out"
        fails=$((fails + 1))
    elif [ "$before" != "$after" ]; then
        echo "FAIL: as $who, refused but the database changed: $sql"
        fails=$((fails + 1))
    else
        echo "ok: as $who refused ($want)"
    fi
}

# gives WHO WANT SQL: the statement's rows, one a line (fields by |), are WANT.
gives() {
    local who=$1 want=$2 sql=$3 out
    if ! out=$(psql_as "$who" -c "$sql" 2>&1); then
        echo "FAIL: as $who, refused: $sql"
        echo "  $out"
        fails=$((fails + 1))
    elif [ "$out" != "$want" ]; then
        echo "FAIL: as $who: $sql"
        echo "  wanted: $(printf '%q' "$want")"
        echo "  got:    $(printf '%q' "$out")"
        fails=$((fails + 1))
    else
        echo "ok: as $who: ${sql:0:70}"
    fi
}

# 1. conflicts.same_unit on the timeline, links and follow-ups: rev1 and sup2 are of S1's unit.
gives rev1 "" "SELECT id FROM casereview.cr_timeline_cases(1)"
gives rev1 "" "SELECT ref FROM casereview.cr_timeline_allegations(1)"
gives rev1 "" "SELECT ref FROM casereview.cr_timeline_links(1)"
gives rev1 "" "SELECT detail FROM casereview.cr_followup_scan(1)"
refused sup2 "no case 1" \
    "SELECT casereview.cr_followup_add(1, 'appeal', 'pending', '2026-01-11', 'x', NULL)"
refused sup2 "no case 1" \
    "SELECT casereview.cr_link_put(1, 'crime', 'CR/1', 'open', NULL, NULL)"
refused sup2 "no case 1" "SELECT casereview.cr_link_remove(1, 'CR/1', NULL, 'gone')"
gives rev2 "1
2
3" "SELECT id FROM casereview.cr_timeline_cases(1) UNION ALL
    SELECT id FROM casereview.cr_timeline_cases(2) UNION ALL
    SELECT id FROM casereview.cr_timeline_cases(3)"
gives pan1 "1" "SELECT id FROM casereview.cr_timeline_cases(1)"
gives pan1 "" "SELECT id FROM casereview.cr_timeline_cases(2)"

# 2. Reads past need-to-know: every case's follow-ups and quality rows.
gives rev1 "S2 detail" "SELECT detail FROM casereview.cr_followup_scan(0)"
gives adm1 "S1 detail
S2 detail" "SELECT detail FROM casereview.cr_followup_scan(0)"
gives rev1 "2" "SELECT case_id FROM casereview.cr_qa_rows(0, false)"
gives sup1 "1
2" "SELECT case_id FROM casereview.cr_qa_rows(0, false)"
# Blind voting: pan2 (who has not voted) sees no vote of the round, whatever it asks.
gives pan2 "hidden|||" "SELECT kind, t1, t3, t4 FROM casereview.cr_case_lists(1, true, false)
    WHERE kind IN ('vote', 'hidden')"
gives pan1 "vote|pan1|dissent|pan1 secret reasons" "SELECT kind, t1, t3, t4
    FROM casereview.cr_case_lists(1, true, false) WHERE kind IN ('vote', 'hidden')"
gives sup1 "vote|pan1|dissent|pan1 secret reasons" "SELECT kind, t1, t3, t4
    FROM casereview.cr_case_lists(1, true, false) WHERE kind IN ('vote', 'hidden')"
gives sup1 "vote|pan1|dissent|pan1 secret reasons|1767296000" "SELECT kind, login, vote, reason, n
    FROM casereview.cr_case_state_lists(1) WHERE kind = 'vote'"
# The workflow's view likewise: to pan2, before their vote, each vote of the round a row with
# nothing of it, and no act naming who voted (the server works out what pan2's vote does).
gives pan2 "hidden|||||" "SELECT kind, login, action, vote, reason, n
    FROM casereview.cr_case_state_lists(1) WHERE kind IN ('vote', 'hidden') OR login = 'pan1'"
gives pan1 "vote|pan1|independent|dissent|pan1 secret reasons|1767296000
act|pan1|vote|dissent||1" "SELECT kind, login, action, vote, reason, n
    FROM casereview.cr_case_state_lists(1) WHERE kind IN ('vote', 'hidden') OR login = 'pan1'"
# The queue's tallies: none for pan2, the round's for sup1.
page="casereview.cr_page(false, NULL, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, false, NULL, NULL, 'id', false, 0, 10, NULL)"
gives pan2 "1|||" "SELECT id, votes, kinds, my_vote FROM $page"
gives pan1 "1|{dissent}||dissent" "SELECT id, votes, kinds, my_vote FROM $page"
gives sup1 "1|{dissent}||" "SELECT id, votes, kinds, my_vote FROM $page WHERE id = 1"
gives pan2 "1|||" "SELECT id, votes, kinds, my_vote FROM casereview.cr_list_mine(false,
    '[{\"states\": [\"panel_review\"]}]', 'pan2', NULL, NULL, NULL, NULL, NULL, false, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, false, 0, 10, NULL)"
# The history: other people's views are the admin's; a blind member sees no voter.
gives rev2 "decide|rev2
view|rev2
vote|pan1" "SELECT action, actor FROM casereview.cr_history(1)"
gives adm1 "decide|rev2
view|sup1
view|rev2
vote|pan1" "SELECT action, actor FROM casereview.cr_history(1)"
gives pan2 "decide|rev2|f
vote|(a panel member)|t" "SELECT action, actor, id = 0 AND at = 0 AND details = '{\"vote\": \"hidden\"}'
    FROM casereview.cr_history(1)"

# 3. A quality verdict: a reviewer or supervisor who neither took, approved nor saw the decision.
refused pan1 "only a reviewer or supervisor may review decisions for quality; you (pan1) are neither" \
    "SELECT casereview.cr_qa_put(1, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'pan1', 'agree', 'x')"
refused adm1 "only a reviewer or supervisor may review decisions for quality; you (adm1) are neither" \
    "SELECT casereview.cr_qa_put(2, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'adm1', 'agree', 'x')"
refused rev2 "qa: you (rev2) have seen decision 1 of case 2 (event 5, view); a quality review is blind, so another reviewer must give it" \
    "SELECT casereview.cr_qa_put(2, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'rev2', 'agree', 'x')"
refused rev1 "no case 1" \
    "SELECT casereview.cr_qa_put(1, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'rev1', 'agree', 'x')"
# qa.reviewers as published with the configuration: only those it lists (core/qa.c, may_qa),
# whatever their roles; no qa: configured, nobody.
qa_conf() {
    psql_as casereview -c "UPDATE casereview.settings SET value = '$1' WHERE key = 'qa'" ||
        fails=$((fails + 1))
}
qa_conf '{"on": 1, "outcomes": 7, "seed": "s", "sample_percent": 10, "min_per_reviewer": 0,
  "reviewers": ["qa1", "rev2"]}'
refused sup2 "qa: you (sup2) are not on qa.reviewers, so may not review decisions for quality" \
    "SELECT casereview.cr_qa_put(2, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'sup2', 'agree', 'x')"
refused pan1 "qa: you (pan1) are not on qa.reviewers, so may not review decisions for quality" \
    "SELECT casereview.cr_qa_put(1, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'pan1', 'agree', 'x')"
qa_conf '{"on": 0, "reviewers": []}'
refused qa1 "qa: quality assurance is not configured (no qa: in the configuration)" \
    "SELECT casereview.cr_qa_put(2, 1, NULL, NULL, NULL, NULL, NULL, NULL, 'qa1', 'agree', 'x')"
qa_conf '{"on": 1, "outcomes": 7, "seed": "s", "sample_percent": 10, "min_per_reviewer": 0,
  "reviewers": ["qa1", "rev2"]}'
# qa1's verdict, with its event as the program appends it (the server commits none without).
if out=$(psql_as qa1 -1 -c "SELECT casereview.cr_qa_put(2, 1, NULL, NULL, NULL, NULL, NULL, NULL,
        'qa1', 'agree', 'Sound.')" \
    -c "SELECT casereview.cr_audit_append(NULL, 2, 'qa', NULL, NULL, '{}', '', NULL)" 2>&1); then
    echo "ok: as qa1: the verdict and its event"
else
    echo "FAIL: as qa1, refused: the verdict: $out"
    fails=$((fails + 1))
fi

# 4. The figures case by case are the admin's (report); a queue is its owner's.
refused rev1 "report needs the admin role; you (rev1) are reviewer" \
    "SELECT count(*) FROM casereview.cr_case_facts(0, false)"
refused sup1 "report needs the admin role; you (sup1) are reviewer or supervisor" \
    "SELECT count(*) FROM casereview.cr_case_facts(0, false)"
gives adm1 "3" "SELECT count(*) FROM casereview.cr_case_facts(0, false)"
refused rev1 "you connect as rev1 and may not act as rev2" \
    "SELECT count(*) FROM casereview.cr_list_mine(false, '[{\"states\": [\"flagged\"],
    \"assigned\": true}]', 'rev2', NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, false, NULL, NULL, false, 0, 10, NULL)"

# 5. A case kept from a person: found, and its state read only as far as core's refusal needs.
gives rev1 "1|0" "SELECT id, id_of_ref FROM casereview.cr_find_case(1, NULL)"
gives rev1 "0|1" "SELECT id, id_of_ref FROM casereview.cr_find_case(0, 'S1')"
gives rev1 "1|0|flagged||||||Central West BCU||1||" "SELECT id, version, state, outcome,
    assignee, decided_by, updated_by, approved_by, subject_unit, subject_ref, panel_round,
    approver, erased FROM casereview.cr_case_state(1)"
gives pan1 "2|0|closed||||||||0||" "SELECT id, version, state, outcome,
    assignee, decided_by, updated_by, approved_by, subject_unit, subject_ref, panel_round,
    approver, erased FROM casereview.cr_case_state(2)"
gives rev1 "" "SELECT * FROM casereview.cr_case_state_lists(1)"
refused rev1 "no case 1" "SELECT * FROM casereview.cr_case_load(1)"
refused rev1 "no case 1" "SELECT * FROM casereview.cr_case_lists(1, true, false)"
gives rev1 "" "SELECT * FROM casereview.cr_history(1)"

# 7. An erased case takes no follow-up.
refused sup1 "case 3 was erased (purge): nothing is added to it, so follow-up is refused; its tombstone stays as it is" \
    "SELECT casereview.cr_followup_add(3, 'appeal', 'pending', '2026-01-11', 'x', NULL)"
refused sup1 "case 3 was erased (purge): nothing is added to it, so link is refused; its tombstone stays as it is" \
    "SELECT casereview.cr_link_put(3, 'crime', 'CR/1', 'open', NULL, NULL)"

# 8. pan2's blind vote, whose result the server works out (cr_apply's work_out): with two
# dissents to return a referral, pan2's dissent returns case 1 with both dissents' reasons.
psql_as casereview -c "INSERT INTO casereview.settings(key, value) VALUES ('signoff', '[
  {\"outcome\": \"refer\", \"panel\": 1, \"concur\": 2, \"dissent\": 2,
   \"require_kinds\": [0, 0, 0], \"blind\": 1}]')" \
    -c "UPDATE casereview.people SET kind = 'legal' WHERE login = 'pan2'" >/dev/null ||
    fails=$((fails + 1))
if out=$(psql_as pan2 -1 -c "SELECT casereview.cr_apply(1, 1, 6, NULL, vote => true,
        vote_value => 'dissent', member_kind => 'legal', reason => 'pan2 reasons',
        work_out => true)" \
    -c "SELECT casereview.cr_audit_append(NULL, 1, 'vote', 'panel_review', 'returned', '{}', '',
        NULL)" 2>&1); then
    echo "ok: as pan2: a blind vote, worked out by the server"
else
    echo "FAIL: as pan2, refused: a blind vote: $out"
    fails=$((fails + 1))
fi
got=$(psql_as casereview -c "SELECT state || ' ' || quorum_blocked FROM casereview.cases
    WHERE id = 1" -c "SELECT author || ': ' || body FROM casereview.notes WHERE case_id = 1
    AND kind = 'dissent'")
want="returned 0
panel: The panel returned decision 1:
- pan1 (independent): pan1 secret reasons
- pan2 (legal): pan2 reasons"
if [ "$got" = "$want" ]; then
    echo "ok: case 1 returned with both dissents"
else
    echo "FAIL: pan2's blind dissent left case 1: $got"
    fails=$((fails + 1))
fi

[ "$fails" = 0 ] || {
    echo "$fails failed"
    exit 1
}
echo "reads: all passed"
