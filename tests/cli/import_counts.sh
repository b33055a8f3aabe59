#!/usr/bin/env bash
# The import's bulk writes (issue 11): the counters it adds at its end, and
# each case it writes once with its figures, equal what the stored rows say
# after imports of every kind, and the triggers and indexes it sets aside
# for its transaction are back, unchanged, whether it commits or not.
. "$(dirname "$0")/lib.sh"

# The schema, by name (an index built again has a new root page): lib.sh's db_schema.
schema() { db_schema n.db; }

# Every counter against the same count made from the rows, and every case's
# figures against its allegations; prints nothing when they agree (in SQL
# both engines read).
recount() {
    sql n.db "
select 'case_counts', x.* from (
  select state, outcome, categories, n from case_counts where n <> 0
  except select state, coalesce(outcome, ''), categories, count(*) from cases group by 1, 2, 3) x
union all
select 'cases by counts', x.* from (
  select state, coalesce(outcome, ''), categories, count(*) from cases group by 1, 2, 3
  except select state, outcome, categories, n from case_counts) x
union all
select 'outcome_counts', x.* from (
  select state, outcome, vetting_review, n from outcome_counts where n <> 0
  except select state, coalesce(outcome, ''), vetting_review, count(*) from cases group by 1, 2, 3) x
union all
select 'cases by outcome_counts', x.* from (
  select state, coalesce(outcome, ''), vetting_review, count(*) from cases group by 1, 2, 3
  except select state, outcome, vetting_review, n from outcome_counts) x
union all
select 'counters', x.name, '', 0, x.n from (
  select name, n from counters where n <> 0
  except select 'subjects', count(*) from subjects
  except select 'allegations:' || category, count(*) from allegations group by category) x
union all
select 'rows by counters', x.name, '', 0, x.n from (
  select 'subjects' as name, count(*) as n from subjects
  union all select 'allegations:' || category, count(*) from allegations group by category
  except select name, n from counters) x
union all
select 'case figures', cast(c.id as text), '', 0, 0 from cases c left join (
  select case_id, count(*) n, sum(case when category = 'sexual_offence' then 1 else 0 end) s, max(date) d
  from allegations group by case_id) a on a.case_id = c.id
  where c.n_allegations <> coalesce(a.n, 0) or c.n_sexual <> coalesce(a.s, 0)
  or c.latest_allegation is distinct from a.d;"
}

expect_recount() {
    local got
    got=$(recount)
    [ -z "$got" ] || fail "$1: counters differ from the rows:
$got"
}

cr --db n.db init
expect_rc 0
before=$(schema)
[ -n "$before" ] || fail "no schema read"

begin "a first import"
"$CASEREVIEW" generate --cases 6 --seed 21 >first.csv
cr --db n.db import first.csv
expect_rc 0
expect_recount "first import"
expect_eq "$(schema)" "$before" "schema after a first import"
expect_eq "$(sql n.db "select count(*) from cases")" 6 "cases"

# Case 1 decided (awaiting approval), case 2 closed, case 3 open.
AS=asmith cr --db n.db claim 1
AS=asmith cr --db n.db decide 1 --outcome nfa --rationale "Nothing more."
expect_rc 0
AS=asmith cr --db n.db claim 2
AS=asmith cr --db n.db decide 2 --outcome refer --vetting-review --rationale "Refer."
AS=fkaur cr --db n.db approve 2
for who in lpark rdoe tnash; do AS=$who cr --db n.db vote 2 --concur; done
expect_eq "$(sql_join n.db ' ' "select state from cases where id <= 3 order by id")" \
    "awaiting_approval closed flagged" "states before the second import"
expect_recount "after the workflow"

# A CSV field: SQL expression E quoted (both engines' SQL).
q() { printf "'\"' || replace(%s, '\"', '\"\"') || '\"'" "$1"; }
# The subject of a case as CSV fields, from s (subjects).
subject_fields() {
    printf '%s' "$(q s.ref) || ',' || $(q s.surname) || ',' || $(q s.forenames) || ',' || $(q s.employment) || ',' ||
        $(q s.rank) || ',' || $(q s.unit) || ',' || $(q s.duty_status) || ',' || $(q "coalesce(s.vetting_status, '')")"
}

# A row for case N's subject as stored, with a new allegation: reference R, category C.
new_row() {
    sql n.db "select $(subject_fields) || ',$2,${3:-domestic_violence},2025-06-01,hotline,No action,Reported again.'
        from cases c join subjects s on s.id = c.subject_id where c.id = $1"
}

begin "allegations added to a decided, a closed and an open case, and a subject updated"
{
    head -1 first.csv
    new_row 1 NA1
    new_row 2 NB1
    new_row 3 NC1
    new_row 3 ND1 sexual_offence
    # Case 4's subject with a new surname, and an allegation already stored.
    sql n.db "select $(q s.ref) || ',Renamed,' || $(q s.forenames) || ',' || $(q s.employment) || ',' ||
        $(q s.rank) || ',' || $(q s.unit) || ',' || $(q s.duty_status) || ',' || $(q "coalesce(s.vetting_status, '')") || ',' ||
        $(q a.ref) || ',' || $(q a.category) || ',' || $(q a.date) || ',' || $(q a.source) || ',' ||
        $(q a.original_outcome) || ',' || $(q a.summary) from allegations a join cases c on c.id = a.case_id
        join subjects s on s.id = c.subject_id where c.id = 4 order by a.id limit 1"
} >more.csv
cr --db n.db import more.csv
expect_rc 0
expect_out_has "1 case returned for a new decision"
expect_recount "second import"
expect_eq "$(schema)" "$before" "schema after a second import"
expect_eq "$(sql n.db "select state from cases where id = 1")" returned "the decided case"
expect_eq "$(sql n.db "select count(*) || ' ' || max(state) from cases where subject_id = (select subject_id from cases where id = 2)")" \
    "2 flagged" "the closed case's subject has a new case"
expect_eq "$(sql n.db "select case when n_sexual > 0 then 1 else 0 end from cases where id = 3")" 1 "the open case's new category"
expect_eq "$(sql n.db "select surname from subjects s join cases c on c.subject_id = s.id where c.id = 4")" \
    Renamed "the subject updated"

begin "a rejected import changes nothing and leaves the schema as it was"
{
    head -1 first.csv
    new_row 3 NE1
    new_row 5 NF1 arson
} >bad.csv
state=$(db_state n.db)
cr --db n.db import bad.csv
expect_rc 3
expect_eq "$(db_state n.db)" "$state" "database after a rejected import"
expect_eq "$(schema)" "$before" "schema after a rejected import"

begin "a dry run changes nothing and leaves the schema as it was"
{
    head -1 first.csv
    new_row 5 NG1
} >dry.csv
cr --db n.db import --dry-run dry.csv
expect_rc 0
expect_eq "$(db_state n.db)" "$state" "database after a dry run"
expect_eq "$(schema)" "$before" "schema after a dry run"

begin "the counters still follow the workflow after imports"
AS=asmith cr --db n.db decide 1 --outcome reassess --rationale "Again."
expect_rc 0
cr --db n.db import dry.csv
expect_rc 0
expect_recount "after a decision and a third import"
expect_eq "$(schema)" "$before" "schema after a third import"
cr --db n.db audit verify
expect_rc 0

finish
