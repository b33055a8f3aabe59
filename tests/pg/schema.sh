#!/bin/bash
# core/pg/sql/001-tables.sql on a throwaway PostgreSQL cluster: it loads as
# the service role; every counter table equals the GROUP BY it stands for
# after inserts (one row and many), updates of state, outcome, allegations,
# vetting review and decided_by, panel votes and a delete; the panel_round
# trigger; ids given explicitly; bytea kept byte for byte; PUBLIC holds no
# privilege on tables or trigger functions; the search folding gives
# SQLite's words except the differences the file lists; a database whose
# character type is not UTF-8 is refused; and, where sqlite3 and a built
# program are at hand, the same columns, indexes and counters as SQLite's.
# Exit 0 pass, 1 fail, 77 skip (no PostgreSQL binaries).
set -u
here=$(cd "$(dirname "$0")" && pwd)
sqlfile="$here/../../core/pg/sql/001-tables.sql"

bin=${PGBIN:-}
if [ -z "$bin" ]; then
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bin=$d; done
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || ! command -v psql >/dev/null; then
    echo "skip: no PostgreSQL binaries"
    exit 77
fi

D=$(mktemp -d /tmp/pgschema.XXXXXX)
if [ "$(id -u)" = 0 ]; then
    chown postgres "$D"
    as() { runuser -u postgres -- "$@"; }
else
    as() { "$@"; }
fi
cleanup() {
    as "$bin/pg_ctl" -D "$D/data" -m fast stop >/dev/null 2>&1
    rm -rf "$D"
}
trap cleanup EXIT
as "$bin/initdb" -D "$D/data" -A trust -U postgres -E UTF8 --lc-collate=C \
    --lc-ctype=C.UTF-8 >"$D/initdb.log" 2>&1 || { cat "$D/initdb.log"; exit 1; }
as "$bin/pg_ctl" -D "$D/data" -o "-k $D -c listen_addresses=''" -l "$D/log" -w start \
    >/dev/null || { cat "$D/log"; exit 1; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
su_sql() { psql -h "$D" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
# psql as the service role on database cr, search_path set (commands from -c
# or, without -c, from stdin with psql variables); output unaligned, tuples only.
q() { PGOPTIONS='-c search_path=casereview' psql -h "$D" -U casereview -d cr -X -q -At \
    -v ON_ERROR_STOP=1 "$@"; }
expect() { # expect WHAT ACTUAL EXPECTED
    [ "$2" = "$3" ] || fail "$1: got [$2], expected [$3]"
}

su_sql -c "CREATE ROLE casereview LOGIN" -c "CREATE ROLE reviewer LOGIN" \
    -c "CREATE DATABASE cr OWNER casereview" \
    -c "CREATE DATABASE ascii OWNER casereview TEMPLATE template0 LC_CTYPE 'C'" || exit 1
load() { # load DB: the runner's part (core/pg/schema.c: schema, search_path, settings) then the file, one transaction
    { echo "CREATE SCHEMA casereview; SET search_path = casereview; CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);"; cat "$sqlfile"; } |
        psql -h "$D" -U casereview -d "$1" -X -q -1 -v ON_ERROR_STOP=1 2>&1
}
out=$(load cr) || { echo "$out"; fail "the file does not load"; exit 1; }
[ -z "$out" ] || fail "loading printed: $out"
out=$(load ascii) && fail "loaded in a database whose character type is C"
case "$out" in
*"casereview needs a UTF8 database with a UTF-8 character type"*) ;;
*) fail "C character type: $out" ;;
esac

# ---- the tables, as SQLite's
expect "tables" "$(q -c "SELECT string_agg(table_name, ' ' ORDER BY table_name)
  FROM information_schema.tables WHERE table_schema = 'casereview'")" \
    "allegations approvals audit_digests audit_events case_counts case_documents case_links case_search cases config_versions counters decisions drafts erasures follow_ups imports notes outcome_counts panel_rounds people qa reviewer_outcomes rules settings subjects superseded_votes votes"
expect "audit head" "$(q -c "SELECT value FROM settings")" \
    "0:0000000000000000000000000000000000000000000000000000000000000000"

# ---- counters: inserts, one statement of many rows and rows one by one
q <<'SQL' || fail "inserts"
INSERT INTO imports(at, label) VALUES (100, 'first');
INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, duty_status,
  import_id, import_line)
  SELECT 'S' || i, 'Surname' || i, 'Ann', 'officer', 'PC', 'North', 'full', 1, i
  FROM generate_series(1, 8) i;
INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, duty_status,
  import_id, import_line) VALUES ('S9', 'Nine', 'Bo', 'staff', '-', 'South', 'full', 1, 9);
INSERT INTO cases(subject_id, state_since, created_at, n_allegations, n_sexual, priority)
  SELECT i, 100, 100, 1 + i % 3, i % 2, i FROM generate_series(1, 8) i;
INSERT INTO cases(id, subject_id, state_since, created_at, outcome, decided_by,
  vetting_review) VALUES (50, 9, 100, 100, 'nfa', 'rev1', 1);
INSERT INTO allegations(ref, case_id, category, date, source, original_outcome, summary,
  import_id, import_line)
  SELECT 'A' || i, 1 + i % 8, CASE WHEN i % 3 = 0 THEN 'sexual_offence'
    ELSE 'domestic_violence' END, '2025-01-01', 'pnd', 'none', 'summary ' || i, 1, i
  FROM generate_series(1, 12) i;
INSERT INTO allegations(ref, case_id, category, date, source, original_outcome, summary,
  import_id, import_line)
  VALUES ('A13', 50, 'sexual_offence', '2025-02-01', 'other', 'none', 'thirteen', 1, 13);
SQL
# A case inserted with its id keeps it; the next without one is numbered.
expect "explicit id" "$(q -c "SELECT id FROM cases WHERE subject_id = 9")" "50"
expect "sortkey" "$(q -c "SELECT sortkey FROM cases WHERE id = 3")" \
    "$(((1048576 - 3) * 4294967296 + 3))"
expect "categories" "$(q -c "SELECT string_agg(categories::text, ',' ORDER BY id) FROM cases")" \
    "3,1,2,1,3,1,3,1,0"

# Every counter table against what it counts (rows at 0 are kept and equal
# nothing); panel_rounds against its definition over votes and decisions,
# recomputed here from the same rows.
check_counters() { # check_counters WHEN [CASE left out of reviewer_outcomes]
    local diff
    diff=$(q -v skip="${2:-0}" <<'SQL'
(SELECT 'case_counts', state, outcome, categories::text, n::bigint FROM case_counts WHERE n <> 0
 EXCEPT SELECT 'case_counts', state, coalesce(outcome, ''), categories::text, count(*)
   FROM cases GROUP BY 2, 3, 4)
UNION ALL
(SELECT 'case_counts', state, coalesce(outcome, ''), categories::text, count(*)
   FROM cases GROUP BY 2, 3, 4
 EXCEPT SELECT 'case_counts', state, outcome, categories::text, n FROM case_counts)
UNION ALL
(SELECT 'outcome_counts', state, outcome, vetting_review::text, n::bigint FROM outcome_counts
   WHERE n <> 0
 EXCEPT SELECT 'outcome_counts', state, coalesce(outcome, ''), vetting_review::text, count(*)
   FROM cases GROUP BY 2, 3, 4)
UNION ALL
(SELECT 'outcome_counts', state, coalesce(outcome, ''), vetting_review::text, count(*)
   FROM cases GROUP BY 2, 3, 4
 EXCEPT SELECT 'outcome_counts', state, outcome, vetting_review::text, n FROM outcome_counts)
UNION ALL
(SELECT 'counters', name, '', '', n::bigint FROM counters WHERE n <> 0
 EXCEPT (SELECT 'counters', 'subjects', '', '', count(*) FROM subjects
   UNION ALL SELECT 'counters', 'allegations:' || category, '', '', count(*)
   FROM allegations GROUP BY category))
UNION ALL
((SELECT 'counters', 'subjects', '', '', count(*) FROM subjects
   UNION ALL SELECT 'counters', 'allegations:' || category, '', '', count(*)
   FROM allegations GROUP BY category)
 EXCEPT SELECT 'counters', name, '', '', n FROM counters)
UNION ALL
(SELECT 'reviewer_outcomes', reviewer, outcome, '', n::bigint FROM reviewer_outcomes
   WHERE n <> 0
 EXCEPT SELECT 'reviewer_outcomes', decided_by, outcome, '', count(*) FROM cases
   WHERE decided_by IS NOT NULL AND outcome IS NOT NULL AND id <> :skip GROUP BY 2, 3)
UNION ALL
(SELECT 'reviewer_outcomes', decided_by, outcome, '', count(*) FROM cases
   WHERE decided_by IS NOT NULL AND outcome IS NOT NULL AND id <> :skip GROUP BY 2, 3
 EXCEPT SELECT 'reviewer_outcomes', reviewer, outcome, '', n FROM reviewer_outcomes)
ORDER BY 1, 2, 3, 4;
SQL
    ) || { fail "$1: the comparison did not run"; return; }
    [ -z "$diff" ] || fail "$1: counters differ from their GROUP BY:
$diff"
}
# Case 50 was inserted already decided: SQLite counts a reviewer's outcome
# only on UPDATE (no insert trigger), and so does this schema: it is left
# out of reviewer_outcomes' GROUP BY until an update sets its decision.
check_counters "after inserts" 50
expect "case 50 not in reviewer_outcomes" \
    "$(q -c "SELECT count(*) FROM reviewer_outcomes WHERE reviewer = 'rev1'")" "0"
expect "subjects counter" "$(q -c "SELECT n FROM counters WHERE name = 'subjects'")" "9"

# ---- updates
q <<'SQL' || fail "updates"
UPDATE cases SET state = 'in_review', assignee = 'rev1' WHERE id IN (1, 2, 3);
UPDATE cases SET n_allegations = n_allegations + 1, n_sexual = n_sexual + 1 WHERE id = 2;
UPDATE cases SET priority = 7 WHERE id = 4;          -- no counter moves
UPDATE cases SET state = 'awaiting_approval', outcome = 'refer', vetting_review = 1,
  decided_by = 'rev1', decided_at = 200, round = 1 WHERE id IN (1, 2);
UPDATE cases SET state = 'awaiting_approval', outcome = 'nfa', decided_by = 'rev2',
  decided_at = 200, round = 1 WHERE id = 3;
UPDATE cases SET vetting_review = 0 WHERE id = 2;
UPDATE cases SET outcome = 'reassess' WHERE id = 3;
UPDATE cases SET decided_by = 'rev3' WHERE id = 2;
UPDATE cases SET outcome = NULL, decided_by = NULL WHERE id = 50;
UPDATE cases SET outcome = 'refer', decided_by = 'rev2' WHERE id = 50;
SQL
check_counters "after updates"

# ---- the panel: a case put in panel_review gets its panel_round; a vote
# that moves it out finishes the round for the decision's reviewer.
q <<'SQL' || fail "panel"
INSERT INTO decisions(case_id, round, reviewer, outcome, vetting_review, rationale,
  decided_at) VALUES (1, 1, 'rev1', 'refer', 1, 'r', 200), (2, 1, 'rev1', 'refer', 1, 'r', 200),
  (3, 1, 'rev2', 'reassess', 0, 'r', 200), (4, 1, 'rev2', 'nfa', 0, 'r', 200);
UPDATE cases SET round = 1 WHERE id = 4;
UPDATE cases SET state = 'panel_review' WHERE id IN (1, 2, 3, 4);
INSERT INTO votes(case_id, round, member, member_kind, vote, created_at)
  VALUES (1, 1, 'p1', 'member', 'concur', 300), (2, 1, 'p2', 'member', 'dissent', 301),
  (3, 1, 'p3', 'member', 'concur', 302), (4, 1, 'p4', 'member', 'concur', 304);
UPDATE cases SET state = 'closed', updated_by = 'p1', updated_at = 300 WHERE id = 1;
UPDATE cases SET state = 'returned', updated_by = 'p2', updated_at = 301 WHERE id = 2;
-- not by a vote: p3 voted, but not at that second; p4 voted at that
-- second, but p5 changed the case: no round finished
UPDATE cases SET state = 'returned', updated_by = 'p3', updated_at = 303 WHERE id = 3;
UPDATE cases SET state = 'closed', updated_by = 'p5', updated_at = 304 WHERE id = 4;
SQL
expect "panel_round" "$(q -c "SELECT string_agg(panel_round::text, ',' ORDER BY id)
  FROM cases WHERE id IN (1, 2, 3, 4)")" "1,1,1,1"
expect "panel_rounds" "$(q -c "SELECT string_agg(reviewer || ':' || finished || ':' || returned,
  ' ' ORDER BY reviewer) FROM panel_rounds")" "rev1:2:1"
# panel_round given with the change: the trigger leaves it as given
q -c "UPDATE cases SET state = 'panel_review', round = 2, panel_round = 2 WHERE id = 3" ||
    fail "panel_review with panel_round"
expect "panel_round given" "$(q -c "SELECT panel_round FROM cases WHERE id = 3")" "2"
q -c "UPDATE cases SET state = 'panel_review', round = 3 WHERE id = 2" ||
    fail "panel_review without panel_round"
expect "panel_round set" "$(q -c "SELECT panel_round FROM cases WHERE id = 2")" "3"
check_counters "after the panel"

# ---- delete: a case leaves its counters (one without allegations: nothing
# uncounts an allegation, in SQLite either)
q -c "INSERT INTO cases(id, subject_id, state_since, created_at) VALUES (60, 9, 1, 1)" \
    -c "UPDATE cases SET decided_by = 'rev4', outcome = 'nfa', state = 'closed' WHERE id = 60" \
    -c "DELETE FROM cases WHERE id = 60" || fail "delete"
expect "case 60 deleted" "$(q -c "SELECT count(*) FROM cases WHERE id = 60")" "0"
check_counters "after a delete"
expect "rev4 at 0" "$(q -c "SELECT n FROM reviewer_outcomes WHERE reviewer = 'rev4'")" "0"

# ---- CHECKs and keys as SQLite's
q -c "UPDATE cases SET state = 'open' WHERE id = 1" 2>/dev/null && fail "state 'open' accepted"
q -c "UPDATE cases SET vetting_review = 2 WHERE id = 1" 2>/dev/null &&
    fail "vetting_review 2 accepted"
q -c "INSERT INTO follow_ups(case_id, stage, result, date, recorded_by, recorded_at)
  VALUES (1, 'vetting', 'upheld', '2025-01-01', 'x', 1)" 2>/dev/null &&
    fail "follow-up vetting:upheld accepted"
q -c "INSERT INTO notes(case_id, author, created_at, kind, body) VALUES (999, 'x', 1, 'note', 'b')" \
    2>/dev/null && fail "a note on no case accepted"

# ---- bytea byte for byte
q -c "INSERT INTO drafts(case_id, login, action, text, case_version, saved_at)
  VALUES (1, 'rev1', 'note', '\\x00ff0a41c3', 1, 1)" || fail "draft"
expect "draft bytes" "$(q -c "SELECT encode(text, 'hex') FROM drafts")" "00ff0a41c3"

# ---- privileges: PUBLIC (and so a person's role) holds nothing
expect "PUBLIC table grants" "$(q -c "SELECT count(*) FROM information_schema.role_table_grants
  WHERE table_schema = 'casereview' AND grantee IN ('PUBLIC', 'reviewer')")" "0"
expect "PUBLIC function grants" "$(q -c "SELECT string_agg(p.proname, ' ' ORDER BY p.proname)
  FROM pg_proc p WHERE p.pronamespace = 'casereview'::regnamespace
  AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
  AND has_function_privilege('reviewer', p.oid, 'EXECUTE')")" ""
out=$(psql -h "$D" -U reviewer -d cr -X -At -c "SELECT count(*) FROM casereview.cases" 2>&1) &&
    fail "reviewer read cases: $out"
out=$(psql -h "$D" -U reviewer -d cr -X -At \
    -c "UPDATE casereview.counters SET n = 0" 2>&1) && fail "reviewer wrote counters: $out"

# ---- search: the view and the folding
expect "case_documents" "$(q -c "SELECT subject || '|' || allegations FROM case_documents
  WHERE id = 50")" "S9 Nine Bo|A13 thirteen"
q -c "INSERT INTO case_links(case_id, kind, ref, status, added_by, added_at)
  VALUES (50, 'crime', 'CR/1', 'open', 'x', 1), (50, 'other', 'GONE', 'x', 'x', 1)" \
    -c "UPDATE case_links SET removed_by = 'x' WHERE ref = 'GONE'" || fail "links"
expect "case_documents with links" "$(q -c "SELECT allegations FROM case_documents
  WHERE id = 50")" "A13 thirteen CR/1"
q -c "INSERT INTO case_search SELECT id, search_vector(subject || ' ' || allegations)
  FROM case_documents" || fail "case_search"
expect "search" "$(q -c "SELECT string_agg(case_id::text, ',' ORDER BY case_id) FROM case_search
  WHERE doc @@ to_tsquery('casereview.folded', 'cr & 1')")" "50"

# Each word with the words SQLite's unicode61 remove_diacritics 2 gives it
# (sqlite3 fts5vocab), then, where they differ, this schema's (the file's
# comment lists them).
words() { echo "SELECT string_agg(l, ' ' ORDER BY p) FROM (SELECT u.lexeme l,
  min(x) p FROM unnest(search_vector(:'w')) u, unnest(u.positions) x GROUP BY 1) t" |
    q -v w="$1"; }
same=(
    "Café|cafe" "Ångström|angstrom" "Niño|nino" "Çelik|celik" "İzmir|izmir"
    "ÉCOLE|ecole" "ŞİŞLİ|sisli" "Zoë|zoe" "naïve|naive"
    "cafe$(printf 'e\xcc\x81')x|cafeex" "Жук|жук" "東京都|東京都" "한국어|한국어"
    "עברית|עברית" "العربية|العربية" "ไทย|ไทย" "١٢٣|١٢٣"
    "O'Brien|o brien" "O’Neill|o neill" "Smith-Jones|smith jones"
    "ALG-2024-001|alg 2024 001" "S/0001|s 0001" "3.14|3 14" "a.b@x.com|a b x com"
    "1.2.3|1 2 3" "x_y|x y" "DŽemal|dzemal" "«quoted»|quoted" "em—dash|em dash" "x·z|x z"
)
for t in "${same[@]}"; do
    expect "folding of ${t%%|*}" "$(words "${t%%|*}")" "${t#*|}"
done
differ=( # word|SQLite's|here
    "Øre|øre|ore" "Straße|straße|strasse" "Łódź|łodz|lodz" "Ærø|ærø|aero" "Œuvre|œuvre|oeuvre"
    "Þór|þor|thor" "Ĳssel|ĳssel|ijssel" "ﬁne|ﬁne|fine" "ıstanbul|ıstanbul|istanbul"
    "ǅ|ǆ|dz" "Ωμέγα|ωμέγα|ωμεγα" "Ёлка|ёлка|елка" "½|½|" "²|²|" "①|①|"
    "हिन्दी|ह न द|हिन्दी"
)
for t in "${differ[@]}"; do
    IFS='|' read -r w _ here_ <<<"$t"
    expect "folding of $w (differs from SQLite)" "$(words "$w")" "$here_"
done
# SQLite's words above are what sqlite3 gives, where it is at hand.
if command -v sqlite3 >/dev/null; then
    lite_words() {
        printf '%s' "$1" >"$D/word.txt"
        sqlite3 ":memory:" "CREATE VIRTUAL TABLE t USING fts5(x,
          tokenize='unicode61 remove_diacritics 2');
          CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');
          INSERT INTO t VALUES (CAST(readfile('$D/word.txt') AS TEXT));
          SELECT group_concat(term, ' ') FROM (SELECT term FROM v ORDER BY offset);"
    }
    for t in "${same[@]}"; do
        expect "SQLite's folding of ${t%%|*}" "$(lite_words "${t%%|*}")" "${t#*|}"
    done
    for t in "${differ[@]}"; do
        IFS='|' read -r w lite _ <<<"$t"
        expect "SQLite's folding of $w" "$(lite_words "$w")" "$lite"
    done
fi

# Statements run on SQLite and PostgreSQL alike (generate_series rewritten
# for PostgreSQL), the counters they leave compared.
read -r -d '' dml <<'SQL'
INSERT INTO imports(at, label) VALUES (100, 'first');
INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, duty_status, import_id, import_line)
  SELECT 'S' || i, 'Surname' || i, 'Ann', 'officer', 'PC', 'North', 'full', 1, i FROM (SELECT value AS i FROM generate_series(1, 8)) g;
INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, duty_status, import_id, import_line) VALUES ('S9', 'Nine', 'Bo', 'staff', '-', 'South', 'full', 1, 9);
INSERT INTO cases(subject_id, state_since, created_at, n_allegations, n_sexual, priority)
  SELECT i, 100, 100, 1 + i % 3, i % 2, i FROM (SELECT value AS i FROM generate_series(1, 8)) g;
INSERT INTO cases(id, subject_id, state_since, created_at, outcome, decided_by, vetting_review) VALUES (50, 9, 100, 100, 'nfa', 'rev1', 1);
INSERT INTO allegations(ref, case_id, category, date, source, original_outcome, summary, import_id, import_line)
  SELECT 'A' || i, 1 + i % 8, CASE WHEN i % 3 = 0 THEN 'sexual_offence' ELSE 'domestic_violence' END, '2025-01-01', 'pnd', 'none', 'summary ' || i, 1, i FROM (SELECT value AS i FROM generate_series(1, 12)) g;
INSERT INTO allegations(ref, case_id, category, date, source, original_outcome, summary, import_id, import_line) VALUES ('A13', 50, 'sexual_offence', '2025-02-01', 'other', 'none', 'thirteen', 1, 13);
UPDATE cases SET state = 'in_review', assignee = 'rev1' WHERE id IN (1, 2, 3);
UPDATE cases SET n_allegations = n_allegations + 1, n_sexual = n_sexual + 1 WHERE id = 2;
UPDATE cases SET priority = 7 WHERE id = 4;
UPDATE cases SET state = 'awaiting_approval', outcome = 'refer', vetting_review = 1, decided_by = 'rev1', decided_at = 200, round = 1 WHERE id IN (1, 2);
UPDATE cases SET state = 'awaiting_approval', outcome = 'nfa', decided_by = 'rev2', decided_at = 200, round = 1 WHERE id = 3;
UPDATE cases SET vetting_review = 0 WHERE id = 2;
UPDATE cases SET outcome = 'reassess' WHERE id = 3;
UPDATE cases SET decided_by = 'rev3' WHERE id = 2;
UPDATE cases SET outcome = NULL, decided_by = NULL WHERE id = 50;
UPDATE cases SET outcome = 'refer', decided_by = 'rev2' WHERE id = 50;
INSERT INTO decisions(case_id, round, reviewer, outcome, vetting_review, rationale, decided_at) VALUES (1, 1, 'rev1', 'refer', 1, 'r', 200), (2, 1, 'rev1', 'refer', 1, 'r', 200), (3, 1, 'rev2', 'reassess', 0, 'r', 200), (4, 1, 'rev2', 'nfa', 0, 'r', 200);
UPDATE cases SET round = 1 WHERE id = 4;
UPDATE cases SET state = 'panel_review' WHERE id IN (1, 2, 3, 4);
INSERT INTO votes(case_id, round, member, member_kind, vote, created_at) VALUES (1, 1, 'p1', 'member', 'concur', 300), (2, 1, 'p2', 'member', 'dissent', 301), (3, 1, 'p3', 'member', 'concur', 302), (4, 1, 'p4', 'member', 'concur', 304);
UPDATE cases SET state = 'closed', updated_by = 'p1', updated_at = 300 WHERE id = 1;
UPDATE cases SET state = 'returned', updated_by = 'p2', updated_at = 301 WHERE id = 2;
UPDATE cases SET state = 'returned', updated_by = 'p3', updated_at = 303 WHERE id = 3;
UPDATE cases SET state = 'closed', updated_by = 'p5', updated_at = 304 WHERE id = 4;
UPDATE cases SET state = 'panel_review', round = 2, panel_round = 2 WHERE id = 3;
UPDATE cases SET state = 'panel_review', round = 3 WHERE id = 2;
INSERT INTO cases(id, subject_id, state_since, created_at) VALUES (60, 9, 1, 1);
UPDATE cases SET decided_by = 'rev4', outcome = 'nfa', state = 'closed' WHERE id = 60;
DELETE FROM cases WHERE id = 60;
SQL

# ---- against SQLite itself, when sqlite3 and a built program are at hand
# (CASEREVIEW_BIN, else build/tui/casereview-test): the same tables and
# columns in the same order, the same index names, and the same statements
# ($dml: inserts, updates, panel votes, a delete) leave every
# counter table, rows at 0 included, and each case's state, panel_round,
# categories and sortkey the same in both.
prog=${CASEREVIEW_BIN:-$here/../../build/tui/casereview-test}
if command -v sqlite3 >/dev/null && [ -x "$prog" ]; then
    lite="$D/lite.db"
    CASEREVIEW_NOW=1767225600 "$prog" --db "$lite" \
        --config "$here/../fixtures/config/good.yaml" --as cadmin init >/dev/null ||
        fail "casereview init (SQLite)"
    q -c "SET client_min_messages = warning" -c "DROP SCHEMA casereview CASCADE" ||
        fail "drop schema"
    out=$(load cr) || fail "reload: $out"
    a=$(sqlite3 -separator '|' "$lite" "SELECT m.name, p.name FROM sqlite_schema m,
      pragma_table_xinfo(m.name) p WHERE m.type IN ('table', 'view')
      AND m.name NOT LIKE 'case_search%' ORDER BY m.name, p.cid")
    b=$(q -F '|' -c "SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'casereview' AND table_name NOT IN ('people', 'rules', 'case_search')
      ORDER BY table_name, ordinal_position")
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "columns differ from SQLite's: $(diff <(echo "$a") <(echo "$b"))"
    a=$(sqlite3 "$lite" "SELECT tbl_name || '|' || name FROM sqlite_schema
      WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1")
    b=$(q -c "SELECT tablename || '|' || indexname FROM pg_indexes
      WHERE schemaname = 'casereview' AND indexname !~ '_(pkey|key)$'
      AND indexname <> 'case_search_doc' ORDER BY 1")
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "indexes differ from SQLite's: $(diff <(echo "$a") <(echo "$b"))"
    dump="SELECT 'cc', state, outcome, categories, n FROM case_counts ORDER BY 2, 3, 4;
SELECT 'oc', state, outcome, vetting_review, n FROM outcome_counts ORDER BY 2, 3, 4;
SELECT 'ct', name, n FROM counters ORDER BY 2;
SELECT 'pr', reviewer, finished, returned FROM panel_rounds ORDER BY 2;
SELECT 'ro', reviewer, outcome, n FROM reviewer_outcomes ORDER BY 2, 3;
SELECT 'ca', id, state, panel_round, categories, sortkey FROM cases ORDER BY 2;"
    a=$( { echo "$dml"; echo "$dump"; } | sqlite3 -bail "$lite") ||
        fail "the statements on SQLite"
    b=$( { sed 's/SELECT value AS i FROM generate_series(1, \([0-9]*\))/SELECT i FROM generate_series(1, \1) i/' \
        <<<"$dml"; echo "$dump"; } | q -F '|') || fail "the statements on PostgreSQL"
    [ "$(echo "$a" | wc -l)" -gt 40 ] || fail "the statements gave too little: $a"
    [ "$a" = "$b" ] || fail "counters differ from SQLite's: $(diff <(echo "$a") <(echo "$b"))"
else
    echo "note: no sqlite3 or no built program ($prog): not compared with SQLite"
fi

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "ok"
exit 0
