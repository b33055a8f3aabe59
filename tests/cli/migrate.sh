#!/usr/bin/env bash
# Moving between engines (issue 14, item 5; core/migrate.c): `migrate --from
# SRC --to DST`.  A SQLite database with rows of every kind (import, claim,
# decide, return, approve, panel votes and a closed case, notes, links,
# follow-ups, QA, an erased case, a draft) copied to SQLite, to PostgreSQL and
# back: every table's rows equal across the round trip (the seals aside), the
# events kept plus one `migrated` event a hop, `audit verify` ok on each, the
# program at work on the arrivals; and the refusals: a destination not empty,
# a source that does not verify, a person's role on PostgreSQL, a bad --from.
# PostgreSQL parts on a throwaway cluster of their own (tests/pg/cluster.sh),
# skipped where PostgreSQL is not installed.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

cat >m.yaml <<'EOF2'
allow_impersonation: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
  - { login: fkaur, name: "F. Kaur", roles: [reviewer, supervisor] }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
panel:
  members:
    - { login: mkhan, name: "M. Khan", kind: independent }
    - { login: lpark, name: "L. Park", kind: legal }
  sign_off: { concur: 1, dissent: 1 }
  outcomes:
    nfa: { panel: false }
    reassess: { panel: false }
retention:
  closed_years: 6
  refer: 10
qa:
  sample_percent: 100
  min_per_reviewer: 1
  outcomes: [nfa, refer]
  seed: 2026
EOF2
export CASEREVIEW_CONFIG=$T/m.yaml
H="subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary,linked_refs"
{
    echo "$H"
    echo "S1,Zebedeeson,Quintilian,officer,PC,Unit 1,full,A1,domestic_violence,2020-01-01,complaint,NFA,Punched Xylophonist at home,"
    echo "S2,Yarrowbyte,Petronilla,officer,PC,Unit 2,full,A2,sexual_offence,2020-01-02,complaint,NFA,Touched Wolfsbanner at work,crime:CR/1/20=open"
    echo "S3,Keepsake,Albertine,officer,PC,Unit 3,full,A3,domestic_violence,2020-01-03,complaint,NFA,Shouted at Tangerineman,"
    echo "S4,Opencase,Bartholomew,staff,Clerk,Unit 4,full,A4,domestic_violence,2020-01-04,hotline,NFA,Waiting Quillword,"
} >m.csv
step() {
    local who=$1
    shift
    AS=$who cr "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
step cadmin --db s.db import m.csv
step asmith --db s.db claim 1
step asmith --db s.db note 1 "Note Marmaladeword"
step asmith --db s.db decide 1 --outcome reassess --rationale "Rationale Quokkaword"
step bjones --db s.db return 1 --reason "Return Saxophoneword"
step asmith --db s.db decide 1 --outcome reassess --rationale "Rationale Quokkasecond"
step bjones --db s.db approve 1
step asmith --db s.db claim 2
step asmith --db s.db decide 2 --outcome nfa --rationale "Rationale Umbrellaword"
step bjones --db s.db approve 2
step asmith --db s.db claim 3
step asmith --db s.db decide 3 --outcome refer --rationale "Rationale Keepword"
step bjones --db s.db approve 3
step mkhan --db s.db vote 3 --dissent --reason "Dissent Pangolinword"
step asmith --db s.db decide 3 --outcome refer --rationale "Rationale Keepword2"
step bjones --db s.db approve 3
step lpark --db s.db vote 3 --concur
step cadmin --db s.db link 3 MIS/9/21 --kind misconduct --status open --reason "Opened"
step cadmin --db s.db follow-up 3 --stage vetting --result pending --date 2026-01-01 --detail "Vetting review opened"
step asmith --db s.db claim 4
step fkaur --db s.db qa 3 --agree --reason "Sound"
# A draft: the workstation saves them (no command does); the row as it keeps it.
sqlite3 s.db "INSERT INTO drafts VALUES (4, 'asmith', 'note', NULL, 0, NULL, NULL, CAST('Draft Lanternword' AS BLOB), 2, 1767225600)"
# Seven years on: cases 1 and 2 (reassess, nfa) are erased; case 3 (refer) is kept.
export CASEREVIEW_NOW=$((1767225600 + 7 * 365 * 86400))
step cadmin --db s.db purge --closed-before 2032-01-01 --reason "MoPI review"

TABLES="config_versions imports subjects cases allegations notes votes decisions approvals drafts superseded_votes case_links follow_ups qa erasures case_counts counters outcome_counts panel_rounds reviewer_outcomes audit_digests"
# Every table's rows as sqlite3 prints them (the audit events without their seals; an
# erasure's details hold keyed sums, made again by each key: its other fields).
rows_of() {
    local t
    for t in $TABLES; do
        echo "== $t"
        if [ "$t" = audit_digests ]; then
            sqlite3 "$1" "SELECT count(*) FROM audit_digests WHERE event <= ${2:-1000000}"
        else
            sqlite3 "$1" "SELECT * FROM $t ORDER BY 1, 2"
        fi
    done
    echo "== audit_events"
    sqlite3 "$1" "SELECT id, at, actor, case_id, action, state_before, state_after,
        CASE WHEN action = 'erased' THEN '' ELSE details END, config_digest, purpose, os_login
        FROM audit_events WHERE id <= ${2:-1000000} ORDER BY id"
}
N=$(sqlite3 s.db "SELECT count(*) FROM audit_events")
begin "the source: every kind of row, and a trail that verifies"
expect_eq "$(sqlite3 s.db "SELECT count(*) FROM erasures") $(sqlite3 s.db "SELECT count(*) FROM votes") $(sqlite3 s.db "SELECT count(*) FROM qa") $(sqlite3 s.db "SELECT count(*) FROM case_links") $(sqlite3 s.db "SELECT count(*) FROM follow_ups") $(sqlite3 s.db "SELECT count(*) FROM drafts") $(sqlite3 s.db "SELECT count(*) FROM notes WHERE kind = 'return'")" \
    "2 2 $(sqlite3 s.db "SELECT count(*) FROM qa") 2 1 1 1" "erasures votes qa links follow-ups drafts returns"
cr --db s.db audit verify
expect_rc 0
expect_out "ok: $N events"

begin "SQLite to SQLite: every row, the events and one 'migrated' event, verified"
cr migrate --from s.db --to d.db
expect_rc 0
expect_empty_err
expect_out_has "copied s.db (sqlite) to d.db (sqlite):"
expect_out_has "  audit_events       $N"
expect_out_has "ok: $((N + 1)) events"
[ "$(rows_of s.db)" = "$(rows_of d.db "$N")" ] || fail "the rows differ: $(diff <(rows_of s.db) <(rows_of d.db "$N") | head -20)"
expect_eq "$(sqlite3 d.db "SELECT actor || ' ' || action || ' ' || json_extract(details, '\$.from') || ' ' || json_extract(details, '\$.events') FROM audit_events WHERE id = $((N + 1))")" \
    "cadmin migrated s.db $N" "the migrated event"
expect_eq "$(sqlite3 d.db "SELECT json_extract(details, '\$.head') FROM audit_events WHERE id = $((N + 1))")" \
    "$(sqlite3 s.db "SELECT lower(hex(hash)) FROM audit_events WHERE id = $N")" "the source's head in it"
cr --db d.db audit verify
expect_rc 0
expect_out "ok: $((N + 1)) events"
cr --db d.db list --search Keepsake
expect_rc 0
expect_out_has "S3"

begin "a destination that is not empty is refused, nothing written"
before=$(db_state d.db)
cr migrate --from s.db --to d.db
expect_rc 1
expect_err "casereview: migrate: d.db is not empty (4 cases, $(sqlite3 d.db "SELECT count(*) FROM audit_events") audit events); migrate copies into a new or empty database only; nothing was written"
expect_eq "$(db_state d.db)" "$before" "the destination"

begin "a bad --from: no such database, nothing made"
cr migrate --from nothere.db --to n.db
expect_rc 4
[ ! -e n.db ] || fail "n.db was made"
expect_eq "$(grep -c 'nothere.db' "$T/err")" 1 "the message names the source"
cr migrate --from s.db
expect_rc 2
expect_err "casereview: migrate: give both --from DB and --to DB"

begin "a tampered source (one event's details changed from outside) is refused, nothing written"
cp s.db t.db && cp s.db.key t.db.key
sqlite3 t.db "UPDATE audit_events SET details = replace(details, 'Sound', 'Unsound') WHERE action = 'qa'"
sqlite3 t.db "UPDATE audit_events SET details = replace(details, 'Keepword2', 'Keepword3') WHERE action = 'decide' AND case_id = 3 AND details LIKE '%Keepword2%'"
bad=$(sqlite3 t.db "SELECT id FROM audit_events WHERE details LIKE '%Keepword3%'")
cr migrate --from t.db --to t2.db
expect_rc 3
expect_err "casereview: migrate: t.db does not verify, so it is not copied (nothing was written): audit event $bad: its contents do not match its hash; it was altered"
[ ! -e t2.db ] || fail "t2.db was made"

begin "not an admin: refused"
AS=asmith cr migrate --from s.db --to u.db
expect_rc 1
expect_err "casereview: migrate needs the admin role; you (asmith) are reviewer"
[ ! -e u.db ] || fail "u.db was made"

# PostgreSQL: a cluster of this test's own.
. "$HERE/../pg/cluster.sh"
pg_cluster_start
rc=$?
if [ "$rc" = 77 ]; then
    echo "not on PostgreSQL: no cluster (PostgreSQL is not installed)"
    finish
    exit
fi
[ "$rc" = 0 ] || exit 99
pg_cluster_trap
pg_find_bin && export PATH=$PG_BIN:$PATH
pg_newdb mig "$CASEREVIEW_CONFIG" || exit 99
SVC=$(pg_connstr mig casereview)
LABEL="postgresql database mig on $PG_DIR"
psqlq() { (cd / && PGOPTIONS="-c search_path=casereview" psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d mig -c "$1"); }
# The schema made as `init` makes it (an empty database: migrate takes one), and the
# server's clock pinned to the test's (settings test_clock, the service role's).
cr --db "$SVC" init
expect_rc 0
psqlq "INSERT INTO settings(key, value) VALUES ('test_clock', 'on')"

begin "SQLite to PostgreSQL (as the service role): every row, verified"
cr migrate --from s.db --to "$SVC"
expect_rc 0
expect_empty_err
expect_out_has "copied s.db (sqlite) to $LABEL (postgresql):"
expect_out_has "ok: $((N + 1)) events"
for t in $TABLES audit_events; do
    want=$(sqlite3 s.db "SELECT count(*) FROM $t")
    case $t in audit_events | audit_digests) want=$((want + 1)) ;; esac
    expect_eq "$(psqlq "SELECT count(*) FROM $t")" "$want" "$t rows"
done
expect_eq "$(psqlq "SELECT string_agg(id || ':' || state || ':' || coalesce(outcome, '') || ':' || version, ' ' ORDER BY id) FROM cases")" \
    "$(sqlite3 s.db "SELECT group_concat(id || ':' || state || ':' || coalesce(outcome, '') || ':' || version, ' ') FROM (SELECT * FROM cases ORDER BY id)")" "the cases"
expect_eq "$(psqlq "SELECT string_agg(login, ' ' ORDER BY login) FROM people")" "asmith bjones cadmin fkaur lpark mkhan" "the roster published"
cr --db "$(pg_connstr mig cadmin)" audit verify
expect_rc 0
expect_out "ok: $((N + 1)) events"
pg_grant mig asmith fkaur
AS=asmith cr --db "$(pg_connstr mig asmith)" release 4
expect_rc 0
AS=fkaur cr --db "$(pg_connstr mig fkaur)" claim 4
expect_rc 0
expect_out_has "case 4: claim: flagged -> in_review"
cr --db "$(pg_connstr mig cadmin)" audit verify
expect_rc 0
expect_out "ok: $(psqlq "SELECT count(*) FROM audit_events") events"

begin "a person's role on PostgreSQL is refused: the service role reads and writes every table"
cr migrate --from "$(pg_connstr mig cadmin)" --to p.db
expect_rc 1
expect_err "casereview: $LABEL: migrate reads and writes every table, so it connects as the service role (the database's owner, casereview), not as cadmin"
[ ! -e p.db ] || fail "p.db was made"
cr migrate --from s.db --to "$SVC"
expect_rc 1
expect_err "casereview: migrate: $LABEL is not empty (4 cases, $(psqlq "SELECT count(*) FROM audit_events") audit events); migrate copies into a new or empty database only; nothing was written"

begin "and back to SQLite: every row of the round trip, every event and two 'migrated' events"
cr migrate --from "$SVC" --to back.db
expect_rc 0
expect_empty_err
expect_out_has "copied $LABEL (postgresql) to back.db (sqlite):"
expect_out_has "ok: $(($(psqlq "SELECT count(*) FROM audit_events") + 1)) events"
[ "$(rows_of s.db "$N" | sed -n '/== audit_events/,$p')" = "$(rows_of back.db "$N" | sed -n '/== audit_events/,$p')" ] ||
    fail "the events differ: $(diff <(rows_of s.db "$N") <(rows_of back.db "$N") | head -20)"
for t in config_versions imports subjects allegations notes votes decisions approvals drafts superseded_votes case_links follow_ups qa erasures counters panel_rounds; do
    expect_eq "$(sqlite3 back.db "SELECT * FROM $t ORDER BY 1, 2")" "$(sqlite3 s.db "SELECT * FROM $t ORDER BY 1, 2")" "$t after the round trip"
done
expect_eq "$(sqlite3 back.db "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit_events WHERE id > $N ORDER BY id)")" \
    "$(psqlq "SELECT string_agg(action, ' ' ORDER BY id) FROM audit_events WHERE id > $N") migrated" "the events after the source's"
n=$(sqlite3 back.db "SELECT count(*) FROM audit_events")
cr --db back.db audit verify
expect_rc 0
expect_out "ok: $n events"
AS=fkaur cr --db back.db release 4
expect_rc 0
AS=asmith cr --db back.db claim 4
expect_rc 0
expect_out_has "case 4: claim: flagged -> in_review"
n=$(sqlite3 back.db "SELECT count(*) FROM audit_events")
cr --db back.db audit verify
expect_rc 0
expect_out "ok: $n events"

finish
