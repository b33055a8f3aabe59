#!/usr/bin/env bash
# generate -> import -> list/stats: the counts match the generated file as
# counted independently (by the sqlite3 shell's own CSV reader).
. "$(dirname "$0")/lib.sh"

begin "generate is deterministic"
"$CASEREVIEW" generate --cases 1131 --seed 7 >g.csv
"$CASEREVIEW" generate --cases 1131 --seed 7 >g2.csv
"$CASEREVIEW" generate --cases 1131 --seed 8 >g3.csv
cmp -s g.csv g2.csv || fail "the same seed gave different bytes"
cmp -s g.csv g3.csv && fail "different seeds gave the same bytes"

# The generated file as the sqlite3 shell reads it (a file of the test's own,
# on either engine).
sqlite3 ref.db ".import --csv g.csv g"
ref() { sqlite3 -batch -noheader ref.db "$1"; }

begin "generated data is varied"
expect_eq "$(ref "select count(distinct subject_ref) from g")" 1131 "subjects"
[ "$(ref "select count(*) from g where summary like '%,%'")" -gt 100 ] || fail "few commas in summaries"
[ "$(ref "select count(*) from g where summary like '%\"%'")" -gt 100 ] || fail "few quotes in summaries"
[ "$(ref "select count(*) from g where instr(summary, char(10))")" -gt 10 ] || fail "few line breaks"
[ "$(ref "select count(*) from g where surname glob '*[^ -~]*' or forenames glob '*[^ -~]*'")" -gt 50 ] || fail "few non-ASCII names"
expect_eq "$(ref "select count(distinct employment) || count(distinct duty_status) || count(distinct category) || count(distinct source) from g")" 3325 "enum mix"
expect_eq "$(ref "select min(allegation_date) >= '2015-01-01' and max(allegation_date) <= '2024-12-31' and max(allegation_date) >= '2024-01-01' and min(allegation_date) < '2016-01-01' from g")" 1 "dates over ten years"
[ "$(ref "select max(n) from (select count(*) n from g group by subject_ref)")" -ge 4 ] || fail "no subject with several allegations"
[ "$(ref "select avg(length(summary)) from g")" \> 200 ] || fail "summaries are short"

begin "import from a pipe"
"$CASEREVIEW" generate --cases 1131 --seed 7 | cr_in /dev/stdin --db t.db import -
expect_rc 0
allegations=$(ref "select count(*) from g")
expect_out "<stdin>: imported $allegations allegations: 1131 new cases"
sqlite_only "the file's mode" && expect_eq "$(stat -c %a t.db)" 600 "permissions of a new database"

begin "stats match the file"
cr --db t.db stats
expect_rc 0
row() { printf '%-24s %9s\n' "$1" "$2"; }
sub() { printf '  %-22s %9s\n' "$1" "$2"; }
split() { printf '  %-22s %9s %9s %10s %9s\n' "$1" 0 0 0 0; }
expect_out "$(row cases 1131)" "" "by state" \
    "$(sub flagged 1131)" "$(sub in_review 0)" "$(sub awaiting_approval 0)" \
    "$(sub panel_review 0)" "$(sub returned 0)" "$(sub closed 0)" "" \
    "by outcome (cases)       confirmed  proposed with_panel  returned" \
    "$(split nfa)" "$(split reassess)" "$(split refer)" "$(split "of which vetting review")" \
    "$(sub "not decided" 1131)" "" \
    "by category (cases)" \
    "$(sub domestic_violence "$(ref "select count(distinct subject_ref) from g where category = 'domestic_violence'")")" \
    "$(sub sexual_offence "$(ref "select count(distinct subject_ref) from g where category = 'sexual_offence'")")" \
    "$(sub both "$(ref "select count(*) from (select subject_ref from g group by subject_ref having count(distinct category) = 2)")")" \
    "" "$(row allegations "$allegations")" \
    "$(sub domestic_violence "$(ref "select count(*) from g where category = 'domestic_violence'")")" \
    "$(sub sexual_offence "$(ref "select count(*) from g where category = 'sexual_offence'")")" \
    "" "$(row subjects 1131)"

begin "stats as JSON"
cr --db t.db stats --format json
expect_rc 0
expect_out_has '"cases": 1131, "subjects": 1131'
expect_out_has "\"allegations\": {\"total\": $allegations"

begin "re-import changes nothing"
before=$(db_state t.db)
cr --db t.db import g.csv
expect_rc 0
expect_out "g.csv: nothing to import: all $allegations allegations are already in the database"
expect_eq "$(db_state t.db)" "$before" "database after a re-import"

begin "list holds every case, riskiest first"
cr --db t.db list --format csv
expect_rc 0
cp "$T/out" list.csv
sqlite3 ref.db ".import --csv list.csv l"
expect_eq "$(ref "select count(*) from l")" 1131 "listed cases"
expect_eq "$(ref "select group_concat(\"case\", ' ') from l")" \
    "$(sql_join t.db ' ' "select id from cases order by priority desc, id")" \
    "list order"
expect_eq "$(ref "select count(*) from l a join l b on b.rowid = a.rowid + 1 where cast(a.priority as int) < cast(b.priority as int)")" 0 "priority order"
expect_eq "$(ref "select (select max(rowid) from l where duty_status = 'full') < (select min(rowid) from l where duty_status <> 'full')")" 1 "full duties first"
expect_eq "$(ref "select (select max(rowid) from l where duty_status = 'restricted') < (select min(rowid) from l where duty_status = 'suspended')")" 1 "suspended last"

begin "list filters and formats"
cr --db t.db list --state flagged --limit 3
expect_rc 0
expect_eq "$(wc -l <"$T/out")" 4 "table lines"
cr --db t.db list --state closed --format json
expect_rc 0
expect_out "[]"
cr --db t.db list --outcome none --limit 2 --format json
expect_rc 0
expect_eq "$(grep -c '"state": "flagged"' "$T/out")" 2 "json rows"
cr --db t.db list --outcome refer --format csv
expect_out "case,state,outcome,priority,created_at,subject_ref,surname,forenames,rank,unit,duty_status,categories,allegations,assignee,vetting_review,decided_by,decided_at,quorum_blocked,due,paused_until,approver,panel_progress,panel_concur,panel_concur_needed,panel_dissent,panel_dissent_limit,panel_missing,panel_hidden"

begin "list by category, by age, and by search"
cr --db t.db list --category sexual_offence --format csv
expect_eq "$(($(wc -l <"$T/out") - 1))" "$(ref "select count(distinct subject_ref) from g where category = 'sexual_offence'")" "cases with a sexual offence"
cr --db t.db list --sort age --format csv --limit 600
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1 | head -600 | tr '\n' ' ')" "$(seq 1 600 | tr '\n' ' ')" "oldest first"
cr --db t.db list --search Quillfeather --format csv
expect_eq "$(($(wc -l <"$T/out") - 1))" "$(ref "select count(distinct subject_ref) from g where surname = 'Quillfeather'")" "cases found by surname"
first_ref=$(ref "select allegation_ref from g limit 1 offset 100")
cr --db t.db list --search "$first_ref" --format csv
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f6)" "$(ref "select subject_ref from g where allegation_ref = '$first_ref'")" "case found by allegation reference"
cr --db t.db list --search 'train platform "quoted' --format csv
expect_rc 0
expect_eq "$(($(wc -l <"$T/out") - 1))" 0 "a quote in the words is only a character"
cr --db t.db list --search 'train platform' --format csv
expect_eq "$(($(wc -l <"$T/out") - 1))" "$(ref "select count(distinct subject_ref) from g where summary like '%train platform%'")" "cases found by words of a summary"

begin "show by number and by subject_ref"
first=$(sql t.db "select s.ref from cases c join subjects s on s.id = c.subject_id where c.id = 1")
cr --db t.db show 1
expect_rc 0
cp "$T/out" by-number
cr --db t.db show "$first"
expect_rc 0
cmp -s by-number "$T/out" || fail "show 1 and show $first differ: $(diff by-number "$T/out")"
expect_out_has "Reference      $first"
n=$(ref "select count(*) from g where subject_ref = '$first'")
expect_out_has "Allegations ($n)"

finish
