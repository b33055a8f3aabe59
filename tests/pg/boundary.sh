#!/usr/bin/env bash
# The server as the trust boundary (issue 14's acceptance): two database
# roles, a reviewer (rev1) and a supervisor (sup1, also given the reviewer
# role), each connecting as itself with psql.  The reviewer cannot update
# cases or the audit table directly, cannot change the rules or the quorum
# flags, cannot act in another's name, and cannot approve a decision
# through any function; the supervisor cannot approve a decision of their
# own (separation of duties) and can approve the reviewer's.
#
# Run by tests/pg/with-cluster.sh (PGHOST, CASEREVIEW_TEST_PG_URL: the
# database cr owned by the service role casereview).  The cluster trusts
# its local socket: each psql connects as the role it names with -U, so the
# roles are separated as with peer authentication (where the socket would
# prove the Unix user too).
# Usage: with-cluster.sh bash boundary.sh TEST_PG_APPLY
set -u
exe=${1:?usage: boundary.sh TEST_PG_APPLY (the unit test, whose --install makes the schema)}
: "${PGHOST:?run by tests/pg/with-cluster.sh}"
fails=0

psql_as() {
    local who=$1
    shift
    psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGHOST" -U "$who" -d cr "$@"
}

# event CASE ACTION BEFORE AFTER: the audit event core appends beside a change, in the same
# transaction (the server commits no change without its event).
event() {
    echo "SELECT casereview.cr_audit_append(NULL, $1, '$2', '$3', '$4', '{}',
        casereview.cr_config_in_force(), NULL)"
}

# The schema, made by its owner, and the workflow's rules, published as a pin publishes them.
"$exe" --install || {
    echo "FAIL: could not install the schema"
    exit 1
}

# The roster (people rows, as a pin writes them) and two cases, as the service role.
psql_as postgres -c "CREATE ROLE rev1 LOGIN" -c "CREATE ROLE sup1 LOGIN" \
    -c "GRANT CONNECT ON DATABASE cr TO rev1, sup1" >/dev/null || exit 1
for r in rev2 sup2 adm1 pan1 pan2 pan3; do
    psql_as postgres -c "CREATE ROLE $r LOGIN" -c "GRANT CONNECT ON DATABASE cr TO $r" \
        >/dev/null || exit 1
done
psql_as casereview >/dev/null <<'EOF' || exit 1
SET search_path = casereview;
INSERT INTO people(login, roles) VALUES ('rev1', 1), ('sup1', 3);
-- The configuration in force, which every event names.
INSERT INTO config_versions(digest, text, adopted_at, adopted_by, in_force)
  VALUES (repeat('b', 64), '\x00', 0, 'system', 1);
-- More of the roster: rev2 works in East Area BCU (conflicts.same_unit is on), a second
-- supervisor, an admin, and the panel (a member of each kind).
INSERT INTO people(login, roles, unit, kind) VALUES ('rev2', 1, 'East Area BCU', NULL),
  ('sup2', 2, NULL, NULL), ('adm1', 4, NULL, NULL), ('pan1', 8, NULL, 'independent'),
  ('pan2', 8, NULL, 'legal'), ('pan3', 8, NULL, 'police');
INSERT INTO settings(key, value) VALUES ('same_unit', 'on')
  ON CONFLICT (key) DO UPDATE SET value = excluded.value;
-- Each outcome's sign-off: the panel reviews nfa and refer, and closes it with two
-- concurrences, one of them an independent member's; one dissent returns it.
INSERT INTO settings(key, value) VALUES ('signoff', '[
  {"outcome": "nfa", "panel": 1, "concur": 2, "dissent": 1, "require_kinds": [1, 0, 0], "blind": 1},
  {"outcome": "reassess", "panel": 0, "concur": 0, "dissent": 0, "require_kinds": [0, 0, 0],
   "blind": 0},
  {"outcome": "refer", "panel": 1, "concur": 2, "dissent": 1, "require_kinds": [1, 0, 0],
   "blind": 1}]');
INSERT INTO imports(id, at, label) VALUES (1, 1767225000, 't.csv');
INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, duty_status,
  import_id, import_line) VALUES
  (1, 'S1', 'Ashgrove', 'Tom', 'officer', 'PC', 'Central West BCU', 'full', 1, 2),
  (2, 'S2', 'Brackenridge', 'Ann', 'officer', 'PC', 'East Area BCU', 'full', 1, 3),
  (3, 'S3', 'Carrow', 'Jo', 'staff', 'PCSO', 'East Area BCU', 'full', 1, 4),
  (4, 'S4', 'Dunmore', 'Lee', 'officer', 'PC', 'Central West BCU', 'full', 1, 5);
INSERT INTO cases(id, subject_id, state, state_since, created_at) VALUES
  (1, 1, 'flagged', 1767225000, 1767225000), (2, 2, 'flagged', 1767225000, 1767225000),
  (3, 3, 'flagged', 1767225000, 1767225000), (4, 4, 'flagged', 1767225000, 1767225000);
-- Case 4: closed long ago, and erased (purge) since.
UPDATE cases SET state = 'closed', outcome = 'nfa', round = 1 WHERE id = 4;
INSERT INTO erasures(case_id, event) VALUES (4, 1);
-- Case 1 claimed and decided by rev1, case 2 by sup1 (the service role writes in their names).
SELECT cr_apply(1, 1, 0, 'rev1', to_state => 1, set_assignee => true, new_assignee => 'rev1');
SELECT cr_apply(1, 2, 3, 'rev1', to_state => 2, decide => true, outcome => 'nfa',
                rationale => 'The reports, read whole.', quorum_blocked => 0);
SELECT cr_apply(2, 1, 0, 'sup1', to_state => 1, set_assignee => true, new_assignee => 'sup1');
SELECT cr_apply(2, 2, 3, 'sup1', to_state => 2, decide => true, outcome => 'refer',
                rationale => 'Refer: the risk is current.', quorum_blocked => 0);
EOF

# What the database holds, as the service role sees it.
snapshot() {
    psql_as casereview -c "SELECT string_agg(id || ':' || state || ':' || version, ' '
        ORDER BY id) FROM casereview.cases" \
        -c "SELECT count(*) FROM casereview.approvals" \
        -c "SELECT count(*) FROM casereview.audit_events" \
        -c "SELECT count(*) || ':' || sum(roles) FROM casereview.rules" \
        -c "SELECT (SELECT count(*) FROM casereview.votes) || ':' ||
            (SELECT count(*) FROM casereview.notes) || ':' ||
            (SELECT string_agg(id || '/' || clock_shift || '/' || panel_round || '/' ||
                               quorum_blocked || '/' || coalesce(approver, '-'), ' ' ORDER BY id)
             FROM casereview.cases) || ':' ||
            (SELECT count(*) FROM casereview.config_versions)"
}

# refused WHO WANT SQL: the statement fails with WANT in its error, and nothing changed.
refused() {
    local who=$1 want=$2 sql=$3 before after out
    before=$(snapshot)
    if out=$(psql_as "$who" -c "$sql" 2>&1); then
        echo "FAIL: as $who, accepted: $sql"
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

# The reviewer's own session: no table is theirs to write or read.
refused rev1 "permission denied for table cases" \
    "UPDATE casereview.cases SET state = 'closed', outcome = 'nfa' WHERE id = 1"
refused rev1 "permission denied for table audit_events" \
    "INSERT INTO casereview.audit_events(at, actor, action, details, config_digest, prev_hash,
       hash) VALUES (0, 'sup1', 'approve', '{}', '', '\\x00', '\\x00')"
refused rev1 "permission denied for table audit_events" "DELETE FROM casereview.audit_events"
refused rev1 "permission denied for table audit_events" \
    "UPDATE casereview.audit_events SET actor = 'sup1'"
refused rev1 "permission denied for table approvals" \
    "INSERT INTO casereview.approvals(case_id, round, supervisor, approved_at)
       VALUES (1, 1, 'sup1', 0)"
refused rev1 "permission denied for table cases" "SELECT rationale FROM casereview.cases"
refused rev1 "permission denied for table rules" "UPDATE casereview.rules SET roles = 15"
# Nor the rules, the quorum flags, or the server's internal helpers.
refused rev1 "you (rev1) may not publish the workflow's rules: that is for an admin" \
    "SELECT casereview.cr_rules_put(ARRAY[4], ARRAY[4], ARRAY[15], ARRAY[-1], ARRAY[0])"
refused rev1 "you (rev1) may not set the quorum flag of case 1" \
    "SELECT casereview.cr_set_quorum_blocked(1, 1)"
refused rev1 "permission denied for function cr_barring_act" \
    "SELECT casereview.cr_barring_act(1, 'rev1', 0)"
refused rev1 "permission denied for function cr_now" "SELECT casereview.cr_now()"

# Approving through the function: not a supervisor, not in another's name, not disguised.
refused rev1 "approve needs the supervisor role; you (rev1) are reviewer" \
    "SELECT casereview.cr_apply(1, 3, 4, NULL, to_state => 3, approve => true,
       quorum_blocked => 0, panel_round => 1)"
refused rev1 "approve needs the supervisor role; you (rev1) are reviewer" \
    "SELECT casereview.cr_apply(1, 3, 4, 'rev1', to_state => 5, approve => true)"
refused rev1 "you connect as rev1 and may not act as sup1" \
    "SELECT casereview.cr_apply(1, 3, 4, 'sup1', to_state => 3, approve => true,
       quorum_blocked => 0, panel_round => 1)"
refused rev1 "that change is not what note does to case 1" \
    "SELECT casereview.cr_apply(1, 3, 7, 'rev1', to_state => 5, approve => true,
       note_kind => 'note', note_body => 'x', bump_version => false)"
refused sup1 "reopen needs a case that is closed; case 1 is awaiting_approval" \
    "SELECT casereview.cr_apply(1, 3, -1, 'sup1', to_state => 0, set_assignee => true,
       quorum_blocked => 0, note_kind => 'system', note_body => 'Back to the queue.')"
refused rev1 "you (rev1) may record a decision, an approval, a vote or a return only by its action" \
    "SELECT casereview.cr_apply(1, 3, -1, 'rev1', approve => true, to_state => 5)"

# The supervisor who decided case 2 may not approve it; a stale version is refused in core's words.
refused sup1 "you (sup1) decided case 2 (decision 1), so you cannot approve it (separation of duties, across rounds)" \
    "SELECT casereview.cr_apply(2, 3, 4, 'sup1', to_state => 3, approve => true,
       quorum_blocked => 0, panel_round => 1)"
refused sup1 "case 1 was changed by rev1 at " \
    "SELECT casereview.cr_apply(1, 2, 4, 'sup1', to_state => 3, approve => true,
       quorum_blocked => 0, panel_round => 1)"

# And approves rev1's decision: written in sup1's name, at the server's time.
if out=$(psql_as sup1 -1 -c "SELECT casereview.cr_apply(1, 3, 4, NULL, to_state => 3,
        approve => true, quorum_blocked => 0, panel_round => 1, set_clock => true)" \
    -c "$(event 1 approve awaiting_approval panel_review)" 2>&1); then
    got=$(psql_as casereview -c "SELECT a.supervisor || ' ' || a.round || ' ' || c.state || ' ' ||
        c.version || ' ' || c.updated_by || ' ' || (abs(a.approved_at -
        extract(epoch FROM now())::bigint) < 600)::text
        FROM casereview.approvals a JOIN casereview.cases c ON c.id = a.case_id")
    if [ "$got" = "sup1 1 panel_review 4 sup1 true" ]; then
        echo "ok: as sup1 approved case 1"
    else
        echo "FAIL: sup1's approval wrote: $got"
        fails=$((fails + 1))
    fi
else
    echo "FAIL: sup1 could not approve case 1: $out"
    fails=$((fails + 1))
fi

# accepted WHO SQL CASE ACTION BEFORE AFTER: the statement is carried out, with its event.
accepted() {
    local who=$1 sql=$2 out
    if out=$(psql_as "$who" -1 -c "$sql" -c "$(event "$3" "$4" "$5" "$6")" 2>&1); then
        echo "ok: as $who accepted"
    else
        echo "FAIL: as $who, refused: $sql"
        echo "  got: $out"
        fails=$((fails + 1))
    fi
}

# The panel's sign-off is the server's to work out (workflow.c's plan): case 1 is before the
# panel (nfa: two concurrences, one an independent member's, close it; one dissent returns it).
refused pan1 "that change is not what vote does to case 1" \
    "SELECT casereview.cr_apply(1, 4, 6, NULL, to_state => 5, vote => true,
       vote_value => 'concur', member_kind => 'independent', quorum_blocked => 0)"
# A forged member kind: pan3 is a police member.
refused pan3 "that change is not what vote does to case 1: your vote counts as a police member's, as the roster says, not independent" \
    "SELECT casereview.cr_apply(1, 4, 6, NULL, vote => true, vote_value => 'concur',
       member_kind => 'independent', quorum_blocked => 0)"
accepted pan2 "SELECT casereview.cr_apply(1, 4, 6, NULL, vote => true, vote_value => 'concur',
       member_kind => 'legal', quorum_blocked => 0)" 1 vote panel_review panel_review
# Two concurrences, but no independent member's: the case stays before the panel.
refused pan3 "that change is not what vote does to case 1" \
    "SELECT casereview.cr_apply(1, 5, 6, NULL, to_state => 5, vote => true,
       vote_value => 'concur', member_kind => 'police', quorum_blocked => 0, set_clock => true)"
# A dissent returns it with the panel's note as the server writes it, not another.
refused pan3 "that change is not what vote does to case 1" \
    "SELECT casereview.cr_apply(1, 5, 6, NULL, to_state => 4, vote => true,
       vote_value => 'dissent', member_kind => 'police', reason => 'Thin.', quorum_blocked => 0,
       note_kind => 'dissent', note_author => 'panel', set_clock => true,
       note_body => 'The panel returned decision 1:
- pan1 (independent): Wrong.
- pan3 (police): Thin.')"
refused pan3 "that change is not what vote does to case 1" \
    "SELECT casereview.cr_apply(1, 5, 6, NULL, vote => true, vote_value => 'dissent',
       member_kind => 'police', reason => 'Thin.', quorum_blocked => 0)"
# With its independent member, the panel closes it.
accepted pan1 "SELECT casereview.cr_apply(1, 5, 6, NULL, to_state => 5, vote => true,
       vote_value => 'concur', member_kind => 'independent', quorum_blocked => 0,
       set_clock => true)" 1 vote panel_review closed
got=$(psql_as casereview -c "SELECT state || ' ' || quorum_blocked FROM casereview.cases
    WHERE id = 1")
[ "$got" = "closed 0" ] || {
    echo "FAIL: two concurrences with an independent member's left case 1: $got"
    fails=$((fails + 1))
}

# A supervisor approves a refer to the panel, never straight to closed.
refused sup2 "that change is not what approve does to case 2" \
    "SELECT casereview.cr_apply(2, 3, 4, NULL, to_state => 5, approve => true,
       quorum_blocked => 0, set_clock => true)"

# as_missing WHO CASE SQL: SQL with @ for CASE, a case kept from WHO, is refused exactly as
# the same SQL with a case number that does not exist (the message, the number aside), and
# nothing changed: nothing of the case (its version, last writer, time) is given.
as_missing() {
    local who=$1 id=$2 sql=$3 before after hidden missing
    before=$(snapshot)
    if hidden=$(psql_as "$who" -c "${sql//@/$id}" 2>&1); then
        echo "FAIL: as $who, accepted: ${sql//@/$id}"
        fails=$((fails + 1))
        return
    fi
    after=$(snapshot)
    missing=$(psql_as "$who" -c "${sql//@/999}" 2>&1)
    missing=${missing//999/$id}
    if [ "$hidden" != "$missing" ] || [ "${hidden%%$'\n'*}" != "ERROR:  no case $id" ]; then
        echo "FAIL: as $who, case $id is refused otherwise than a missing one: ${sql//@/$id}"
        echo "  wanted: $missing"
        echo "  got:    $hidden"
        fails=$((fails + 1))
    elif [ "$before" != "$after" ]; then
        echo "FAIL: as $who, refused but the database changed: ${sql//@/$id}"
        fails=$((fails + 1))
    else
        echo "ok: as $who, case $id is as missing (${sql:0:60})"
    fi
}

# Same-unit conflicts on writes: rev2 works in the unit of case 3's subject, which is kept
# from them (need-to-know) as a case that does not exist.
as_missing rev2 3 "SELECT casereview.cr_apply(@, 1, 0, NULL, to_state => 1, set_assignee => true,
       new_assignee => 'rev2', set_clock => true)"
refused sup1 "rev2 is in the subject's unit (East Area BCU), and with conflicts.same_unit they cannot review this case" \
    "SELECT casereview.cr_apply(3, 1, 2, NULL, to_state => 1, set_assignee => true,
       new_assignee => 'rev2', set_clock => true)"

# Fields core works out are not the caller's: the panel's need-to-know, the quorum flag, the
# clock.
refused rev1 "that change is not what claim does to case 3" \
    "SELECT casereview.cr_apply(3, 1, 0, NULL, to_state => 1, set_assignee => true,
       new_assignee => 'rev1', set_clock => true, panel_round => 1)"
refused rev1 "that change is not what claim does to case 3" \
    "SELECT casereview.cr_apply(3, 1, 0, NULL, to_state => 1, set_assignee => true,
       new_assignee => 'rev1', set_clock => true, quorum_blocked => 1)"
# A clock set back by a year is the server's to work out: it writes its own (0, not paused).
accepted rev1 "SELECT casereview.cr_apply(3, 1, 0, NULL, to_state => 1, set_assignee => true,
       new_assignee => 'rev1', set_clock => true, clock_shift => 31536000)" 3 claim flagged in_review
got=$(psql_as casereview -c "SELECT state || ' ' || clock_shift FROM casereview.cases
    WHERE id = 3")
[ "$got" = "in_review 0" ] || {
    echo "FAIL: the claim's clock of case 3 was taken as given: $got"
    fails=$((fails + 1))
}
# A pause's clock likewise, and a pause ends after now.
refused sup1 "a pause must end after now (" \
    "SELECT casereview.cr_apply(3, 2, -1, NULL, pause => true, paused_until => 1,
       pause_reason => 'Records.', set_clock => true, clock_shift => 999999999)"
accepted sup1 "SELECT casereview.cr_apply(3, 2, -1, NULL, pause => true,
       paused_until => extract(epoch FROM now())::bigint + 86400, pause_reason => 'Records.',
       set_clock => true, clock_shift => 999999999)" 3 pause in_review in_review
got=$(psql_as casereview -c "SELECT clock_shift = paused_until - paused_at FROM casereview.cases
    WHERE id = 3")
[ "$got" = "t" ] || {
    echo "FAIL: the pause's clock of case 3 was taken as given"
    fails=$((fails + 1))
}

# Route is a supervisor's, of a case awaiting approval (workflow.c, route_may), not an admin's.
refused adm1 "route needs the supervisor role; you (adm1) are admin" \
    "SELECT casereview.cr_apply(3, 3, -1, NULL, set_approver => true, new_approver => 'sup2')"
refused sup2 "route needs a case that is awaiting_approval; case 3 is in_review" \
    "SELECT casereview.cr_apply(3, 3, -1, NULL, set_approver => true, new_approver => 'sup2')"

# A case kept from a person gives nothing of itself through cr_apply, whatever version is
# given: not its version, last writer and time (case 3 is at version 3, by sup1), nor the rule
# that keeps it from them (pan1 is on the panel alone; case 3 has not been before it).
as_missing rev2 3 "SELECT casereview.cr_apply(@, 2, 1, NULL, set_assignee => true)"
as_missing rev2 3 "SELECT casereview.cr_apply(@, 9, 7, NULL, note_kind => 'note', note_body => 'x',
       bump_version => false)"
as_missing pan1 3 "SELECT casereview.cr_apply(@, 3, 7, NULL, note_kind => 'note', note_body => 'x',
       bump_version => false)"
as_missing pan1 3 "SELECT casereview.cr_apply(@, 1, 6, NULL, vote => true, vote_value => 'concur',
       member_kind => 'independent')"

# Nothing is added to an erased case: no reopen.
refused sup2 "case 4 was erased (purge): nothing is added to it, so reopen is refused; its tombstone stays as it is" \
    "SELECT casereview.cr_apply(4, 1, -1, NULL, to_state => 0, set_assignee => true,
       quorum_blocked => 0, set_clock => true, note_kind => 'system',
       note_body => 'Reopened for a new round; decision 1 no longer stands: appeal.')"

# An admin's psql puts no configuration in force but by adopting one (its event first).
refused adm1 "you (adm1) may put a configuration in force only by adopting it" \
    "SELECT casereview.cr_config_put(repeat('ab', 32), convert_to('users: []', 'UTF8'), NULL,
       false, '[{\"login\": \"adm1\", \"roles\": 15, \"unit\": null, \"conflicts\": []}]',
       '[]')"

[ "$fails" = 0 ] || {
    echo "$fails failed"
    exit 1
}
echo "boundary: all passed"
