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

# The schema, made by its owner, and the workflow's rules, published as a pin publishes them.
"$exe" --install || {
    echo "FAIL: could not install the schema"
    exit 1
}

# The roster (people rows, as a pin writes them) and two cases, as the service role.
psql_as postgres -c "CREATE ROLE rev1 LOGIN" -c "CREATE ROLE sup1 LOGIN" \
    -c "GRANT CONNECT ON DATABASE cr TO rev1, sup1" >/dev/null || exit 1
psql_as casereview >/dev/null <<'EOF' || exit 1
SET search_path = casereview;
INSERT INTO people(login, roles) VALUES ('rev1', 1), ('sup1', 3);
INSERT INTO imports(id, at, label) VALUES (1, 1767225000, 't.csv');
INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, duty_status,
  import_id, import_line) VALUES
  (1, 'S1', 'Ashgrove', 'Tom', 'officer', 'PC', 'Central West BCU', 'full', 1, 2),
  (2, 'S2', 'Brackenridge', 'Ann', 'officer', 'PC', 'East Area BCU', 'full', 1, 3);
INSERT INTO cases(id, subject_id, state, state_since, created_at) VALUES
  (1, 1, 'flagged', 1767225000, 1767225000), (2, 2, 'flagged', 1767225000, 1767225000);
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
        -c "SELECT count(*) || ':' || sum(roles) FROM casereview.rules"
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
if out=$(psql_as sup1 -c "SELECT casereview.cr_apply(1, 3, 4, NULL, to_state => 3,
        approve => true, quorum_blocked => 0, panel_round => 1, set_clock => true)" 2>&1); then
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

[ "$fails" = 0 ] || {
    echo "$fails failed"
    exit 1
}
echo "boundary: all passed"
