#!/usr/bin/env bash
# The audit chain as the trust boundary (sql/050-audit.sql, 010-base.sql):
# person roles' psql sessions.  An action and its event are one write: a
# change committed without its event is refused at the commit, an event of
# a change the transaction did not make is refused, and so is an event
# whose states are not the change's, or a kind casereview never records; a
# view only of a case the person may read.  An admin erases only the events
# of a closed case, for its erasure.  The writers' lock is a row only the
# service role may lock: a person holding the old advisory locks stalls
# nobody, and cannot lock the row but through cr_begin_write.  Notifications
# name no case.
#
# Run by tests/pg/with-cluster.sh (PGHOST; the database cr owned by the
# service role casereview); the cluster trusts its socket, so each psql is
# the role it names with -U.
# Usage: with-cluster.sh bash chain.sh TEST_PG_APPLY
set -u
exe=${1:?usage: chain.sh TEST_PG_APPLY (the unit test, whose --install makes the schema)}
: "${PGHOST:?run by tests/pg/with-cluster.sh}"
fails=0
tmp=$(mktemp -d /tmp/crchain.XXXXXX) || exit 99
trap 'rm -rf "$tmp"' EXIT

psql_as() {
    local who=$1
    shift
    psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGHOST" -U "$who" -d cr "$@"
}

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

"$exe" --install || {
    echo "FAIL: could not install the schema"
    exit 1
}

# The roster (as a pin writes it), three cases, case 3 closed long ago.
psql_as postgres -c "CREATE ROLE rev1 LOGIN" -c "CREATE ROLE sup1 LOGIN" \
    -c "CREATE ROLE pan1 LOGIN" -c "CREATE ROLE adm1 LOGIN" \
    -c "GRANT CONNECT ON DATABASE cr TO rev1, sup1, pan1, adm1" >/dev/null || exit 1
psql_as casereview >/dev/null <<'EOF' || exit 1
SET search_path = casereview;
INSERT INTO people(login, roles) VALUES ('rev1', 1), ('sup1', 3), ('pan1', 8), ('adm1', 4);
INSERT INTO imports(id, at, label) VALUES (1, 1767225000, 't.csv');
INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, duty_status,
  import_id, import_line) VALUES
  (1, 'S1', 'Ashgrove', 'Tom', 'officer', 'PC', 'Central West BCU', 'full', 1, 2),
  (2, 'S2', 'Brackenridge', 'Ann', 'officer', 'PC', 'East Area BCU', 'full', 1, 3),
  (3, 'S3', 'Carrow', 'Jo', 'staff', 'PCSO', 'East Area BCU', 'full', 1, 4);
INSERT INTO cases(id, subject_id, state, state_since, created_at) VALUES
  (1, 1, 'flagged', 1767225000, 1767225000), (2, 2, 'flagged', 1767225000, 1767225000),
  (3, 3, 'closed', 1767225000, 1767225000);
SELECT cr_audit_append('system', 3, 'claim', 'flagged', 'in_review', '{}', '', NULL);
EOF

# What the database holds: the cases, the trail and what is pending.
snapshot() {
    psql_as casereview -c "SELECT string_agg(id || ':' || state || ':' || version || ':' ||
        coalesce(assignee, '-'), ' ' ORDER BY id) FROM casereview.cases" \
        -c "SELECT count(*) || ' ' || max(id) FROM casereview.audit_events" \
        -c "SELECT string_agg(id || ':' || details, ' ' ORDER BY id) FROM casereview.audit_events" \
        -c "SELECT count(*) FROM casereview.audit_pending"
}

# refused WHO WANT SQL: the statements fail with WANT in the error, and nothing changed.
refused() {
    local who=$1 want=$2 sql=$3 before after out
    before=$(snapshot)
    if out=$(psql_as "$who" -c "$sql" 2>&1); then
        fail "as $who, accepted: $sql"
        return
    fi
    after=$(snapshot)
    if [[ $out != *"$want"* ]]; then
        fail "as $who: $sql"
        echo "  wanted: $want"
        echo "  got:    $out"
    elif [ "$before" != "$after" ]; then
        fail "as $who, refused but the database changed: $sql"
        echo "  before: $before"
        echo "  after:  $after"
    else
        echo "ok: as $who refused ($want)"
    fi
}

# accepted WHO SQL: the statements run.
accepted() {
    local who=$1 sql=$2 out
    if out=$(psql_as "$who" -c "$sql" 2>&1); then
        echo "ok: as $who: ${sql:0:70}..."
    else
        fail "as $who, refused: $sql"
        echo "  got: $out"
    fi
}

claim1="SELECT casereview.cr_apply(1, 1, 0, NULL, to_state => 1, set_assignee => true,
    new_assignee => 'rev1', set_clock => true)"
ev() { # ev CASE ACTION BEFORE AFTER: the event as the program appends it
    echo "SELECT casereview.cr_audit_append(NULL, $1, '$2', $3, $4, '{}', '', NULL)"
}

# An action without its event: refused at the commit, nothing written.
refused rev1 "case 1 was changed without its audit event; nothing was written" \
    "BEGIN; $claim1; COMMIT"
# An event without its action: a decision, an approval that never happened.
refused rev1 "audit event decide on case 1: this transaction did not decide case 1" \
    "BEGIN; $(ev 1 decide "'in_review'" "'awaiting_approval'"); COMMIT"
refused sup1 "audit event approve on case 1: this transaction did not approve case 1" \
    "$(ev 1 approve "'awaiting_approval'" "'closed'")"
# Nor another action's event for the change made, or other states than the change's.
refused rev1 "audit event decide on case 1: this transaction did not decide case 1" \
    "BEGIN; $claim1; $(ev 1 decide "'flagged'" "'awaiting_approval'"); COMMIT"
refused rev1 "audit event claim on case 1: the case went from flagged to in_review in this transaction, not from flagged to closed" \
    "BEGIN; $claim1; $(ev 1 claim "'flagged'" "'closed'"); COMMIT"
# A kind casereview never records, and a view of a case need-to-know keeps from the person.
refused rev1 "audit event approved_by_all on case 1: not an event casereview records there" \
    "$(ev 1 approved_by_all NULL NULL)"
refused pan1 "no case 1" "$(ev 1 view NULL NULL)"
refused rev1 "audit event denied on case 1: you (rev1) may read that case" \
    "$(ev 1 denied NULL NULL)"
# SET CONSTRAINTS does not put the check off past the commit.
refused rev1 "case 1 was changed without its audit event" \
    "BEGIN; SET CONSTRAINTS ALL IMMEDIATE; $claim1; COMMIT"

# The program's way: the change, then its event, in one transaction; a view of a case one reads.
accepted rev1 "BEGIN; $claim1; $(ev 1 claim "'flagged'" "'in_review'"); COMMIT"
accepted rev1 "$(ev 1 view NULL NULL)"
accepted rev1 "$(ev 0 list NULL NULL)"
got=$(psql_as casereview -c "SELECT string_agg(action || ':' || coalesce(case_id, 0) || ':' ||
    actor, ' ' ORDER BY id) FROM casereview.audit_events WHERE id > 1" \
    -c "SELECT state || ':' || version FROM casereview.cases WHERE id = 1" \
    -c "SELECT count(*) FROM casereview.audit_pending")
want="claim:1:rev1 view:1:rev1 list:0:rev1
in_review:2
0"
[ "$got" = "$want" ] && echo "ok: the claim and its event, the views" ||
    fail "after the claim: got '$got', wanted '$want'"

# An admin erases only the events of a closed case, and only with its erasure recorded.
refused adm1 "audit event 2: only the events of a closed case, not erased yet, are erased" \
    "SELECT casereview.cr_audit_redact(2, '{\"erased\": 5}')"
refused adm1 "audit event 1: its details are replaced only by an erasure's form" \
    "SELECT casereview.cr_audit_redact(1, '{\"erased\": 9}')"
refused adm1 "case 3 was changed without its audit event; nothing was written" \
    "BEGIN; SELECT casereview.cr_audit_redact(1, '{\"erased\": 5}'); COMMIT"
refused adm1 "audit event view on case 3: the events of case 3 were erased for event 5, which must be its erasure" \
    "BEGIN; SELECT casereview.cr_audit_redact(1, '{\"erased\": 5}');
     $(ev 3 view NULL NULL); COMMIT"

# The writers' lock: a person's advisory locks (the old writers' and migration's) stall nobody.
psql_as rev1 -c "SELECT pg_advisory_lock(7293104456), pg_advisory_lock(7293104455)" \
    -c "SELECT pg_sleep(12)" >/dev/null 2>&1 &
holder=$!
sleep 1
t0=$(date +%s)
if out=$(psql_as sup1 -c "BEGIN; SELECT casereview.cr_begin_write(0, '5s');
        $(ev 2 view NULL NULL); COMMIT" 2>&1); then
    t1=$(date +%s)
    [ $((t1 - t0)) -lt 3 ] && echo "ok: a writer is not stalled by a person's advisory lock" ||
        fail "a writer waited $((t1 - t0)) s behind a person's advisory lock"
else
    fail "a writer behind a person's advisory lock: $out"
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
# The row is locked only through cr_begin_write: a person's own lock is refused.
refused rev1 "permission denied for table settings" \
    "BEGIN; SELECT 1 FROM casereview.settings WHERE key = 'audit_head' FOR UPDATE; COMMIT"
refused rev1 "permission denied for table settings" \
    "BEGIN; LOCK TABLE casereview.settings IN EXCLUSIVE MODE; COMMIT"
# And through it, a writer holds it as long as its transaction: another waits, then is busy.
psql_as rev1 -c "BEGIN" -c "SELECT casereview.cr_begin_write(0, '5s')" \
    -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
sleep 1
refused sup1 "canceling statement due to lock timeout" \
    "BEGIN; SELECT casereview.cr_begin_write(0, '1s'); COMMIT"
wait "$holder"

# Notifications say that something changed, never which case.
psql_as rev1 -c "LISTEN casereview_changes" -c "SELECT pg_sleep(3)" >"$tmp/listen" 2>&1 &
listener=$!
sleep 1
accepted sup1 "BEGIN; SELECT casereview.cr_apply(2, 1, 2, NULL, to_state => 1,
    set_assignee => true, new_assignee => 'rev1', set_clock => true); $(ev 2 assign "'flagged'" "'in_review'"); COMMIT"
wait "$listener"
if ! grep -q 'Asynchronous notification "casereview_changes"' "$tmp/listen"; then
    fail "no notification came: $(cat "$tmp/listen")"
elif grep -q 'payload' "$tmp/listen"; then
    fail "the notification names something: $(cat "$tmp/listen")"
else
    echo "ok: the notification names no case"
fi

[ "$fails" = 0 ] || {
    echo "$fails failed"
    exit 1
}
echo "chain: all passed"
