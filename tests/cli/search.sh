#!/usr/bin/env bash
# Search: one full-text document per case (its subject and its allegations),
# every word required anywhere in it, a prefix only with `*`, newest case
# first, need-to-know applied, paging forward across pages; a re-import that
# changes a case's words changes what finds it, and the index stays sound.
. "$(dirname "$0")/lib.sh"

# The case numbers a search lists, in its order: "5 4 3" (in $DB, s.db unless set).
found() {
    cr --db "${DB:-s.db}" list --format csv --search "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "list --search $*: exit $(cat "$T/rc"): $(cat "$T/err")"
    tail -n +2 "$T/out" | cut -d, -f1 | paste -sd' '
}

# N1 is in asmith's unit (East Area BCU), N2 in ejones's (Professional Standards).
cat >s.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
N1,Ashgrove,Tom,officer,PC,East Area BCU,full,AL2019-0001,domestic_violence,2019-01-01,complaint,NFA,marker: the victim was pushed
N2,Brackenridge,Ann,officer,PC,Professional Standards,full,AL2020-0002,sexual_offence,2020-01-01,hotline,NFA,marker: a victimised colleague
N3,Culverhouse,Sam,officer,PC,Central,full,AL2021-0003,domestic_violence,2021-01-01,pnd,NFA,marker three
N4,Dunmore,Zoë,officer,PC,Central,full,AL2022-0004,domestic_violence,2022-01-01,other,NFA,marker four at the CAFÉ
N5,Eastwood,Kim,officer,PC,Central,full,AL2023-0005,domestic_violence,2023-01-01,colleague,NFA,marker five
N5,Eastwood,Kim,officer,PC,Central,full,AL2023-0006,sexual_offence,2023-02-01,colleague,NFA,a second report
CSV
cr --db s.db import s.csv
expect_rc 0

begin "results are listed newest case first"
expect_eq "$(found marker)" "5 4 3 2 1" "marker"
expect_eq "$(found "  ")" "$(seq 1 5 | paste -sd' ')" "blank words: every case, by number"

begin "a word is a prefix only when it ends with *"
expect_eq "$(found victim)" "1" "victim (not victimised)"
expect_eq "$(found vict)" "" "vict"
expect_eq "$(found 'vict*')" "2 1" "vict*"
expect_eq "$(found 'ash*')" "1" "ash*"
expect_eq "$(found '*')" "" "a star alone holds no word"

begin "every word anywhere in the case: names, references, summaries, other allegations"
expect_eq "$(found 'tom victim')" "1" "a forename and a word of a summary"
expect_eq "$(found 'Eastwood second')" "5" "a surname and the second allegation's summary"
expect_eq "$(found 'marker report')" "5" "words of two allegations of one case"
expect_eq "$(found 'ann pushed')" "" "a name and another case's summary"

begin "accents and case fold as the index folds them"
expect_eq "$(found zoe)" "4" "zoe"
expect_eq "$(found ZOË)" "4" "ZOË"
expect_eq "$(found 'café')" "4" "café"
expect_eq "$(found cafe)" "4" "cafe"

begin "a hyphenated reference"
expect_eq "$(found AL2021-0003)" "3" "AL2021-0003"
expect_eq "$(found al2023-0006)" "5" "the second allegation's reference"
expect_eq "$(found N4)" "4" "a subject reference"

begin "need-to-know under search"
# Case 3 goes before the panel; a panel member finds it alone.
for step in "ejones claim 3" "ejones decide 3 --outcome refer --rationale Refer." "bjones approve 3"; do
    read -r who args <<<"$step"
    # shellcheck disable=SC2086
    AS=$who cr --db s.db $args
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $step: $(cat "$T/err")"
done
expect_eq "$(AS=asmith found marker)" "5 4 3 2" "asmith: case 1 is in her unit"
expect_eq "$(AS=asmith found victim)" "" "asmith: victim"
expect_eq "$(AS=ejones found 'vict*')" "1" "ejones: case 2 is in his unit"
expect_eq "$(AS=mkhan found marker)" "3" "mkhan: only the case before the panel"
expect_eq "$(AS=mkhan found 'vict*')" "" "mkhan: vict*"
expect_eq "$(found marker --state panel_review)" "3" "a state filter with a search"

begin "sorted by age, a search lists the oldest case first"
expect_eq "$(found marker --sort age)" "1 2 3 4 5" "marker --sort age"
expect_eq "$(found 'vict*' --sort age)" "1 2" "vict* --sort age"
expect_eq "$(AS=asmith found marker --sort age)" "2 3 4 5" "asmith: need-to-know, oldest first"
expect_eq "$(found marker --sort priority)" "5 4 3 2 1" "--sort priority: newest first"

begin "paging forward through results, 500 rows a page"
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    for i in $(seq 1 1200); do
        echo "P$i,Pager,Pat,staff,Band C,Central,full,PA$i,domestic_violence,2024-01-01,other,NFA,paged row $i"
    done
} >p.csv
cr --db s.db import p.csv
expect_rc 0
expect_eq "$(found paged | tr ' ' '\n' | wc -l)" 1200 "rows"
expect_eq "$(found paged | tr ' ' '\n' | sort -rn | paste -sd' ')" "$(found paged)" "newest first"
# "row 7*": the cases whose row number starts with 7, newest first (case = row + 5).
expect_eq "$(found 'paged 7*')" "$(seq 1 1200 | grep '^7' | sort -rn | awk '{print $1 + 5}' | paste -sd' ')" \
    "paged 7*"
expect_eq "$(found 'paged 1200')" "1205" "the newest"
cr --db s.db list --format csv --search paged --limit 501
expect_eq "$(tail -n 1 "$T/out" | cut -d, -f1)" 705 "the first row of the second page"
expect_eq "$(found paged --sort age)" "$(seq 6 1205 | paste -sd' ')" "--sort age: oldest first, every page"
expect_eq "$(found 'paged 7*' --sort age)" "$(seq 1 1200 | grep '^7' | awk '{print $1 + 5}' | paste -sd' ')" \
    "paged 7* --sort age"
cr --db s.db list --format csv --search paged --sort age --limit 501
expect_eq "$(tail -n 1 "$T/out" | cut -d, -f1)" 506 "--sort age: the first row of the second page"

begin "a re-import: an allegation added, a surname changed"
cat >r.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
N1,Ashgrove,Tom,officer,PC,East Area BCU,full,AL2024-0007,domestic_violence,2024-03-01,complaint,NFA,zebra crossing
N4,Whitlock,Zoë,officer,PC,Central,full,AL2022-0004,domestic_violence,2022-01-01,other,NFA,marker four at the CAFÉ
CSV
cr --db s.db import r.csv
expect_rc 0
expect_eq "$(found zebra)" "1" "the new allegation's words"
expect_eq "$(found 'tom zebra victim')" "1" "old and new words of one case"
expect_eq "$(found al2024-0007)" "1" "the new allegation's reference"
expect_eq "$(found whitlock)" "4" "the new surname"
expect_eq "$(found dunmore)" "" "the old surname"
expect_eq "$(found 'whitlock café')" "4" "the new surname with the old allegation"

begin "the index is sound and holds what a rebuild would"
# SQLite's FTS5 index checked by its own integrity-check and against one built afresh.
if sqlite_only "FTS5's integrity-check and fts5vocab read SQLite's index"; then
    expect_eq "$(sql s.db "INSERT INTO case_search(case_search) VALUES ('integrity-check'); SELECT 'ok'")" \
        ok "integrity-check"
    # Every word with the number of cases holding it, against an index built afresh.
    vocab=$(sql s.db "
    CREATE VIRTUAL TABLE temp.fresh USING fts5(subject, allegations, content='', columnsize=0,
      detail=column, tokenize='unicode61 remove_diacritics 2');
    INSERT INTO temp.fresh(rowid, subject, allegations) SELECT id, subject, allegations FROM case_documents;
    CREATE VIRTUAL TABLE temp.kept_words USING fts5vocab(main, case_search, 'row');
    CREATE VIRTUAL TABLE temp.fresh_words USING fts5vocab(temp, fresh, 'row');
    SELECT count(*) FROM (SELECT term, doc FROM temp.kept_words EXCEPT SELECT term, doc FROM temp.fresh_words);
    SELECT count(*) FROM (SELECT term, doc FROM temp.fresh_words EXCEPT SELECT term, doc FROM temp.kept_words);
    SELECT count(*) > 1000 FROM temp.fresh_words;")
    expect_eq "$(echo "$vocab" | paste -sd' ')" "0 0 1" "words and their cases, kept against afresh"
fi
# PostgreSQL's index: each case's tsvector is what a rebuild (search_vector over
# case_documents, as migrate rebuilds it) gives, no case missing, none extra.
if pg_only "case_search's tsvectors against a rebuild"; then
    vocab=$(sql s.db "
SELECT count(*) FROM case_documents d LEFT JOIN case_search s ON s.case_id = d.id
 WHERE s.doc IS DISTINCT FROM search_vector(d.subject || ' ' || d.allegations);
SELECT count(*) FROM case_search s WHERE NOT EXISTS (SELECT FROM case_documents d WHERE d.id = s.case_id);
SELECT CASE WHEN count(*) > 1000 THEN 1 ELSE 0 END FROM ts_stat('SELECT doc FROM casereview.case_search');")
    expect_eq "$(echo "$vocab" | paste -sd' ')" "0 0 1" "each case's words, kept against afresh"
fi
cr --db s.db audit verify
expect_rc 0

begin "a word the tokenizer splits is a phrase: its tokens together, in one field"
# Case 1: PC Jones, whose allegation names a Mrs Smith, and two references
# that share a token each with AL2021-0003.  Case 2 is in asmith's unit.
# Case 3 holds O and Neil apart; case 4 one allegation's last word and the
# next one's reference, and its forename before its first reference.
cat >ph.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
Q1,Jones,Tom,officer,PC,Central,full,AL2021-0009,domestic_violence,2021-01-01,complaint,NFA,pushed Mrs Smith in the street
Q1,Jones,Tom,officer,PC,Central,full,AL2022-0003,domestic_violence,2022-01-01,complaint,NFA,a second report
Q2,Smith-Jones,Ann,officer,PC,East Area BCU,full,AL2021-0003,sexual_offence,2021-02-01,hotline,NFA,a report about Pat O'Neil
Q3,Oakes,Neil,officer,PC,Central,full,AL2023-0001,sexual_offence,2023-01-01,hotline,NFA,seen by O. Brien
Q4,Ward,Kim,officer,PC,Central,full,AL2024-0001,domestic_violence,2024-01-01,other,NFA,reported by Mrs Smith
Q4,Ward,Kim,officer,PC,Central,full,AL2024-0002,domestic_violence,2024-02-01,other,NFA,seen again
CSV
cr --db ph.db import ph.csv
expect_rc 0
export DB=ph.db
expect_eq "$(found Smith-Jones)" "2" "Smith-Jones: not Jones with a Mrs Smith"
expect_eq "$(found smith-jones --sort age)" "2" "smith-jones, oldest first"
expect_eq "$(found AL2021-0003)" "2" "AL2021-0003: not AL2021-0009 with AL2022-0003"
expect_eq "$(found "O'Neil")" "2" "O'Neil: not O and Neil apart"
expect_eq "$(found 'Smith-AL2024')" "" "across two allegations: none"
expect_eq "$(found 'Kim-AL2024')" "" "across the subject and an allegation: none"
expect_eq "$(found 'Smith AL2024')" "4" "the same tokens as two words: found"
expect_eq "$(found 'Q2-Smith-Jones')" "" "the subject's reference and surname: two fields"
expect_eq "$(found 'Jones-Tom')" "" "a surname and forenames: two fields"
expect_eq "$(found 'AL2021-0009-pushed')" "" "an allegation's reference and summary: two fields"
expect_eq "$(found 'AL2021-00*')" "2 1" "a prefix phrase AL2021-00*"
expect_eq "$(found 'AL2022-00*')" "1" "AL2022-00*"
expect_eq "$(found 'AL2021-01*')" "" "AL2021-01*"
expect_eq "$(found 'mrs-smith seen')" "4" "a phrase and a word in another allegation"
expect_eq "$(found 'report-about')" "2" "report-about"
expect_eq "$(found smith)" "4 2 1" "a single token: anywhere, as before"
expect_eq "$(found 'neil o')" "3 2" "single tokens: anywhere, as before"
expect_eq "$(AS=asmith found Smith-Jones)" "" "asmith: need-to-know under a phrase"
expect_eq "$(AS=asmith found 'AL2021-00*')" "1" "asmith: AL2021-00*"
# ejones declares conflicts with Q1 and Q4 (a database of its own, as a
# database keeps the configuration it was made with): the words' parameter
# comes after theirs.
cp "$T/casereview.yaml" plain.yaml
awk '{print} /^  same_unit: true$/ {
    print "  declared:"
    print "    - { login: ejones, subject_ref: Q1, reason: \"a neighbour\" }"
    print "    - { login: ejones, subject_ref: Q4, reason: \"a cousin\" }"
}' plain.yaml >"$T/casereview.yaml"
cr --db ph2.db import ph.csv
expect_rc 0
export DB=ph2.db
expect_eq "$(AS=ejones found 'AL2021-00*')" "2" "ejones, declared conflicts: AL2021-00*"
expect_eq "$(AS=ejones found 'mrs-smith' --sort age)" "" "ejones: mrs-smith"
expect_eq "$(found 'mrs-smith' --sort age)" "1 4" "cadmin: mrs-smith, oldest first"
cp plain.yaml "$T/casereview.yaml"
unset DB

finish
