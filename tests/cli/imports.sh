#!/usr/bin/env bash
# `imports` (issue 12, the admin's landing view and its command-line twin): the imports
# written, newest first, from the audit trail; a refused or empty import is not among them;
# the admin's only.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv "$FIXTURES"/import/bad_enum.csv .

begin "no imports yet"
cr --db i.db init
expect_rc 0
cr --db i.db imports
expect_rc 0
expect_out "no imports yet"
expect_empty_err

begin "each import written, newest first"
CASEREVIEW_NOW=1767229200 cr --db i.db import good.csv
expect_rc 0
# The same file again brings nothing new: nothing is written, so it is no import.
CASEREVIEW_NOW=1767232800 cr --db i.db import good.csv
expect_rc 0
cr --db i.db import bad_enum.csv
expect_rc 3
head -1 good.csv >more.csv
printf 'Plain summary,A9,S9,Testperson,Ann,officer,Police Constable,Unit 9,full,domestic_violence,2024-01-01,complaint,No further action,cleared\n' >>more.csv
CASEREVIEW_NOW=1767236400 cr --db i.db import more.csv
expect_rc 0
cr --db i.db imports
expect_rc 0
expect_out \
    "AT                    BY          ROWS  NEW ALLEG  NEW CASES  SUBJECTS  RETURNED  FILE" \
    "2026-01-01T03:00:00Z  cadmin         1          1          1         0         0  more.csv" \
    "2026-01-01T01:00:00Z  cadmin         4          4          2         0         0  good.csv"

begin "limit and JSON"
cr --db i.db imports --limit 1 --format json
expect_rc 0
expect_json 'len(d)' 1
expect_json 'd[0]["file"]' more.csv
expect_json '[d[0][k] for k in ("by", "at", "rows", "new_allegations", "new_cases", "updated_subjects", "returned_cases")]' \
    '["cadmin", "2026-01-01T03:00:00Z", 1, 1, 1, 0, 0]'
expect_eq "$(jv 'd[0]["event"]')" "$(sql i.db "select max(id) from audit_events where action = 'import'")" "event"

begin "reading the imports writes nothing"
before=$(db_state i.db)
cr --db i.db imports --format csv
expect_rc 0
expect_out "event,at,by,file,rows,new_allegations,new_cases,updated_subjects,returned_cases" \
    "$(sql i.db "select max(id) from audit_events where action = 'import'"),2026-01-01T03:00:00Z,cadmin,more.csv,1,1,1,0,0" \
    "$(sql i.db "select min(id) from audit_events where action = 'import'"),2026-01-01T01:00:00Z,cadmin,good.csv,4,4,2,0,0"
expect_eq "$(db_state i.db)" "$before" "database after imports"

begin "the admin's only"
for who in asmith bjones mkhan; do
    AS=$who cr --db i.db imports
    expect_rc 1
done
AS=bjones cr --db i.db imports
expect_err "casereview: the list of imports needs the admin role; you (bjones) are supervisor"
[ ! -s "$T/out" ] || fail "stdout: $(cat "$T/out")"

begin "bad options"
cr --db i.db imports --limit 0
expect_rc 2
expect_err "casereview: imports: --limit must be a whole number from 1 to 100000, not '0'"
cr --db i.db imports --format xml
expect_rc 2

finish
