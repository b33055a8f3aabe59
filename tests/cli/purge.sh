#!/usr/bin/env bash
# Retention and erasure (issue 13, item 6): `retention:` in the
# configuration and its refusals (FILE:LINE:COLUMN, exit 3); `purge`'s
# usage errors (exit 2) and refusals for every role but the admin's (exit
# 1, nothing written); the dry run (nothing written, the same cases named);
# a case within its retention kept; the erasure itself (tombstone rows,
# redacted events, the `erased` and `purge` events, the subject kept while
# another case of theirs keeps its content); `audit verify` passing after
# it, and catching an erased event's digest, its redacted details and a
# tombstone row altered; and no erased word left anywhere in the database
# file, its write-ahead log or its search index, before and after VACUUM.
. "$(dirname "$0")/lib.sh"

cat >p.yaml <<EOF
allow_impersonation: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
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
EOF
export CASEREVIEW_CONFIG=$T/p.yaml
H="subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
{
    echo "$H"
    echo "S1,Zebedeeson,Quintilian,officer,PC,Unit 1,full,A1,domestic_violence,2020-01-01,complaint,NFA,Punched Xylophonist at home"
    echo "S2,Yarrowbyte,Petronilla,officer,PC,Unit 2,full,A2,sexual_offence,2020-01-02,complaint,NFA,Touched Wolfsbanner at work"
    echo "S3,Keepsake,Albertine,officer,PC,Unit 3,full,A3,domestic_violence,2020-01-03,complaint,NFA,Shouted at Tangerineman"
} >p.csv
cr --db p.db import p.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db p.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
# 2026-01-01: case 1 (reassess) with a note, a return and two rationales; case 2 (nfa);
# case 3 (refer, through the panel, a dissent and a second round).
step asmith claim 1
step asmith note 1 "Note Marmaladeword"
step asmith decide 1 --outcome reassess --rationale "Rationale Quokkaword"
step bjones return 1 --reason "Return Saxophoneword"
step asmith decide 1 --outcome reassess --rationale "Rationale Quokkasecond"
step bjones approve 1
step asmith claim 2
step asmith decide 2 --outcome nfa --rationale "Rationale Umbrellaword"
step bjones approve 2
step asmith claim 3
step asmith decide 3 --outcome refer --rationale "Rationale Keepword"
step bjones approve 3
step mkhan vote 3 --dissent --reason "Dissent Pangolinword"
step asmith decide 3 --outcome refer --rationale "Rationale Keepword2"
step bjones approve 3
step lpark vote 3 --concur
step cadmin show 1
# A new allegation of S2's after case 2 closed: case 4, open, keeps S2's names.
{
    echo "$H"
    echo "S2,Yarrowbyte,Petronilla,officer,PC,Unit 2,full,A4,domestic_violence,2020-02-02,hotline,NFA,Later matter Figwort"
} >more.csv
step cadmin import more.csv
expect_eq "$(sql_join p.db ' ' "select id || ':' || state from cases order by id")" \
    "1:closed 2:closed 3:closed 4:flagged" "the cases before the purge"
ERASED="Zebedeeson Quintilian Xylophonist Marmaladeword Quokkaword Saxophoneword Quokkasecond Umbrellaword Wolfsbanner"
KEPT="Keepsake Albertine Tangerineman Keepword Pangolinword Yarrowbyte Petronilla Figwort"

# Seven years on: cases 1 and 2 are past six years; case 3 (refer) is kept ten.
export CASEREVIEW_NOW=$((1767225600 + 7 * 365 * 86400))
events() { sql p.db "select count(*) from audit_events"; }

begin "retention: bad values are refused where they are written (exit 3)"
sed -e 's/closed_years: 6/closed_years: 0/' -e 's/refer: 10/refer: ten/' p.yaml >bad.yaml
printf '  nfa: 6\n  nfa_days: 30\n' >>bad.yaml
cr_plain check-config bad.yaml
expect_rc 3
expect_err "bad.yaml:15:17: retention.closed_years: 0 is out of range (1 to 100)" \
    "bad.yaml:16:10: retention.refer: expected a whole number, not 'ten'" \
    "bad.yaml:18:3: retention.nfa_days: nfa is already kept in years; give years or days, not both" \
    "casereview: bad.yaml: the configuration has problems; nothing was done"
cr_plain check-config p.yaml
expect_rc 0
AS=cadmin CASEREVIEW_CONFIG=$T/bad.yaml cr --db p.db purge --closed-before 2027-01-01 --reason "MoPI review"
expect_rc 3

begin "without retention: nothing is erased (exit 1)"
sed -e '/^retention:/,$d' p.yaml >none.yaml
db_copy p.db none.db
CASEREVIEW_CONFIG=$T/none.yaml cr --db none.db config adopt none.yaml
expect_rc 0
CASEREVIEW_CONFIG=$T/none.yaml cr --db none.db purge --closed-before 2027-01-01 --reason "MoPI review"
expect_rc 1
expect_err "casereview: purge: the configuration gives no retention (retention: closed_years, or per outcome nfa, reassess, refer); nothing is erased before its retention runs out"

begin "usage: --reason and --closed-before are required, the date checked (exit 2)"
cr --db p.db purge --closed-before 2027-01-01
expect_rc 2
expect_err "casereview: purge: --reason TEXT is required"
cr --db p.db purge --reason "MoPI review"
expect_rc 2
expect_err "casereview: purge: --closed-before DATE is required"
cr --db p.db purge --closed-before 2027-13-01 --reason "MoPI review"
expect_rc 2
expect_err "casereview: purge: --closed-before must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SSZ (UTC), not '2027-13-01'"

begin "every role but the admin's is refused, nothing written (exit 1)"
before=$(db_state p.db)
n=$(events)
for who in asmith:reviewer bjones:supervisor mkhan:panel; do
    AS=${who%%:*} cr --db p.db purge --closed-before 2027-01-01 --reason "MoPI review"
    expect_rc 1
    expect_err "casereview: purge needs the admin role; you (${who%%:*}) are ${who#*:}"
done
expect_eq "$(sql p.db "select count(*) from audit_events where action in ('erased', 'purge')")" 0 "no erasure event"
expect_eq "$(sql p.db "select count(*) from allegations where summary = '[erased]'")" 0 "nothing erased"

begin "an empty reason is refused (exit 3)"
cr --db p.db purge --closed-before 2027-01-01 --reason "  "
expect_rc 3
expect_err "casereview: purge: the reason is empty; say why these cases go"

begin "the dry run names the cases and writes nothing"
before=$(db_state p.db)
n=$(events)
cr --db p.db purge --closed-before 2027-01-01 --reason "MoPI review" --dry-run
expect_rc 0
expect_out "purge (dry run, nothing written): would erase 2 cases (1 and 2); kept 1 case closed before the date but within retention (3)"
expect_empty_err
expect_eq "$(db_state p.db)" "$before" "the database files after the dry run"
expect_eq "$(events)" "$n" "audit events after the dry run"
cr --db p.db purge --closed-before 2027-01-01 --reason "MoPI review" --dry-run --format json
expect_json "[d['dry_run'], d['erased'], d['erased_cases'], d['kept_within_retention'], d['kept_cases']]" \
    '[true, 2, ["1", "2"], 1, ["3"]]'

begin "a case closed after the date is not looked at"
cr --db p.db purge --closed-before 2025-12-31 --reason "MoPI review" --dry-run
expect_rc 0
expect_out "purge (dry run): no case to erase"

begin "purge erases cases 1 and 2, keeps case 3 within retention"
cr --db p.db purge --closed-before 2027-01-01 --reason "MoPI review 2033"
expect_rc 0
expect_out "purge: erased 2 cases (1 and 2): 10 audit events, 2 allegation summaries, 5 other texts, 1 subject's names; kept 1 case closed before the date but within retention (3)"
sqlite_only "the erased bytes are gone from the file once purge ends (checked below)" && expect_empty_err
# On PostgreSQL the old row versions stay in the server's files until VACUUM, which only
# the tables' owner may run: the erasure stands, and the person is told so (erase_finish).
pg_only "a person cannot VACUUM: purge says so" &&
    expect_err "casereview: purge: $(db_label p.db): the erased text's old row versions stay in the server's files until autovacuum, or the service role's VACUUM, reclaims them; the erasure stands, but run VACUUM to be sure no copy is left in the file"
# The tombstone: number, states, dates, outcome and counts stay; the text is gone.
expect_eq "$(sql_join p.db ' ' "select id || ':' || state || ':' || coalesce(outcome, '-') || ':' || n_allegations || ':' || coalesce(rationale, '-') || ':' || coalesce(cast((select e.event from erasures e where e.case_id = cases.id) as text), '-') from cases order by id")" \
    "1:closed:reassess:1:[erased]:20 2:closed:nfa:1:[erased]:21 3:closed:refer:1:Rationale Keepword2:- 4:flagged:-:1:-:-" "the cases"
expect_eq "$(sql_join p.db ' ' "select ref || ':' || summary || ':' || date from allegations order by id")" \
    "A1:[erased]:2020-01-01 A2:[erased]:2020-01-02 A3:Shouted at Tangerineman:2020-01-03 A4:Later matter Figwort:2020-02-02" "the allegations"
expect_eq "$(sql_join p.db ' ' "select ref || ':' || surname || ':' || forenames from subjects order by id")" \
    "erased-1:[erased]:[erased] S2:Yarrowbyte:Petronilla S3:Keepsake:Albertine" "the subjects (S2 keeps case 4)"
expect_eq "$(sql_join p.db ' ' "select case_id || ':' || kind || ':' || body from notes where case_id in (1, 2) order by id")" \
    "1:note:[erased] 1:return:[erased]" "the notes of the erased cases"
expect_eq "$(sql_join p.db ' ' "select case_id || ':' || round || ':' || rationale from decisions order by id")" \
    "1:1:[erased] 1:2:[erased] 2:1:[erased] 3:1:Rationale Keepword 3:2:Rationale Keepword2" "the decisions"
expect_eq "$(sql p.db "select count(*) from audit_events where case_id in (1, 2) and action <> 'erased' and details not like '{\"erased\": %'")" 0 \
    "every earlier event of the erased cases is redacted"
expect_eq "$(sql p.db "select details from audit_events where case_id = 1 and action = 'decide' order by id limit 1")" \
    '{"erased": 20, "round": 1, "outcome": "reassess", "vetting_review": false, "rationale": "[erased]"}' "a decision's event"
d=$(sql p.db "select details from audit_events where id = 20")
digest=$(json_at "$d" '$.digest')
expect_eq "$(sql p.db "select actor || ' ' || state_before || ' ' || state_after from audit_events where id = 20") $(json_at "$d" '$.reason') $(json_at "$d" '$.events') $(json_at "$d" '$.allegations') $(json_at "$d" '$.subject') ${#digest}" \
    "cadmin closed closed MoPI review 2033 7 1 1 64" "case 1's erased event"
d=$(sql p.db "select details from audit_events order by id desc limit 1")
expect_eq "$(sql p.db "select action from audit_events order by id desc limit 1") $(json_at "$d" '$.cases') $(json_at "$d" '$.kept') $(json_at "$d" '$.closed_before')" \
    "purge [1,2] 1 2027-01-01T00:00:00Z" "the purge's event"

begin "audit verify passes after the purge"
cr --db p.db audit verify
expect_rc 0
expect_out "ok: 22 events"

begin "no erased word is left in the file, its log or the search index"
sqlite_only "the file and its write-ahead log, before and after VACUUM" && {
    [ ! -s p.db-wal ] || fail "the write-ahead log still holds $(stat -c %s p.db-wal) bytes"
    for w in $ERASED; do
        for f in p.db p.db-wal; do
            [ -e "$f" ] || continue
            if strings "$f" | grep -q "$w"; then fail "$f still holds '$w'"; fi
        done
    done
    sqlite3 p.db "VACUUM"
    for w in $ERASED; do
        if strings p.db | grep -q "$w"; then fail "after VACUUM, p.db still holds '$w'"; fi
    done
    # The check can fail: the words kept are found.
    for w in $KEPT; do
        strings p.db | grep -q "$w" || fail "p.db lost '$w', which no purge erased"
    done
}
# On PostgreSQL, what the database holds (a dump of every table: the server's files are
# its to reclaim, above); the words kept are found, so the check can fail.
pg_only "a dump of the database in place of its files" && {
    pg_db_for p.db && pg_dump -h "$PG_DIR" -U postgres -n casereview "$PG_DB" >p.dump
    for w in $ERASED; do
        if grep -q "$w" p.dump; then fail "the database still holds '$w'"; fi
    done
    for w in $KEPT; do
        grep -q "$w" p.dump || fail "the database lost '$w', which no purge erased"
    done
}
# The index itself, read without the program (a search would be audited with its words).
for w in $ERASED; do
    expect_eq "$(search_index_ids p.db "$w")" "" "the search index for $w"
done
expect_eq "$(search_index_ids p.db Tangerineman)" 3 "the search index for a kept word"

begin "a second purge erases nothing more"
cr --db p.db purge --closed-before 2027-01-01 --reason "MoPI review 2033"
expect_rc 0
expect_out "purge: no case to erase; kept 1 case closed before the date but within retention (3); 2 already erased"
expect_eq "$(events)" 22 "no event for a purge that erased nothing"

begin "ten years on, case 3 goes too; verify still passes"
CASEREVIEW_NOW=$((1767225600 + 11 * 365 * 86400)) cr --db p.db purge --closed-before 2027-01-01 --reason "MoPI review 2037"
expect_rc 0
expect_out "purge: erased 1 case (3): 7 audit events, 1 allegation summary, 4 other texts, 1 subject's names; 2 already erased"
CASEREVIEW_NOW=$((1767225600 + 11 * 365 * 86400)) cr --db p.db audit verify
expect_rc 0
expect_out "ok: 24 events"
expect_eq "$(sql p.db "select reason from votes where case_id = 3 and reason is not null union all select reason from superseded_votes where case_id = 3")" "[erased]" "the dissent's reason"

begin "verify catches an erased event's digest, its redacted details and a tombstone row altered"
tamper() {
    db_copy p.db t.db
    sql t.db "$1"
    cr --db t.db audit verify
    expect_rc 3
    expect_err "$2"
}
# The digest's first hex digit changed whatever it was (it is keyed: '0' one time in 16).
tamper "update audit_digests set digest = (case substr(digest, 1, 1) when '0' then '1' else '0' end) || substr(digest, 2) where event = 4" \
    "casereview: audit event 4: its contents do not match its hash; it was altered"
tamper "update audit_events set details = replace(details, 'reassess', 'refer') where id = 4" \
    "casereview: audit event 20: the 7 events marked as erased by it do not match what it recorded (7 events, digest $(redacted=$(json_at "$(sql p.db "select details from audit_events where id = 20")" '$.redacted') && echo "${redacted:0:16}")...); an erased event was altered, or an event was marked erased by hand"
tamper "update decisions set rationale = 'Rationale Quokkaword' where case_id = 1 and round = 1" \
    "casereview: audit: case 1: the decisions table says round 1: asmith decided reassess: \"Rationale Quokkaword\", the trail says round 1: asmith decided reassess: \"[erased]\" (event 4)"
tamper "update audit_events set details = '{\"erased\": 99}' where id = 19" \
    "casereview: audit event 19: it says event 99 erased it, but that is no erasure; it was altered"
tamper "update audit_events set details = '{\"erased\": 2}' where id = 19" \
    "casereview: audit event 19: it says event 2 erased it, which is not after it; it was altered"

begin "history of an erased case shows its erasure"
cr --db p.db history 1 --format json
expect_json "[[e['actor'], e['details']['reason']] for e in d if e['action'] == 'erased']" '[["cadmin", "MoPI review 2033"]]'
expect_json "sorted(set(e['details'].get('erased', 0) for e in d if e['id'] < 20))" "[$(sql p.db "select event from erasures where case_id = 1")]"

begin "the records issue 13 added go too: linked references, follow-ups' details, quality reviews' reasons"
# A case with an imported and a typed link (removed again), a follow-up and a quality review,
# purged: audit verify passes (the events' workflow words kept, the tables' text erased in
# step) and none of the words typed is left in the file.
cat >r.yaml <<EOF
allow_impersonation: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
  - { login: ejones, name: "E. Jones", roles: [reviewer] }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: fkaur, name: "F. Kaur", roles: [supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
panel:
  members:
    - { login: mkhan, name: "M. Khan", kind: independent }
  sign_off: { concur: 1, dissent: 1 }
  outcomes:
    nfa: { panel: false }
retention:
  closed_years: 6
qa:
  sample_percent: 100
  seed: 7
EOF
{
    echo "$H,linked_refs"
    echo "R1,Zanzibarow,Quiller,officer,PC,Unit 1,full,R1A,domestic_violence,2020-01-01,complaint,NFA,Punched Xylograph,crime:CR/Importrefword=open"
} >r.csv
CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db import r.csv
expect_rc 0
rstep() {
    local who=$1
    shift
    AS=$who CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
rstep asmith claim 1
rstep asmith link 1 CR/Linkrefword --kind crime --status open --reason "Link Reasonword"
rstep asmith decide 1 --outcome nfa --rationale "Rationale Rquokkaword"
rstep bjones approve 1
today=$(date -u -d "@$CASEREVIEW_NOW" +%F)
rstep fkaur follow-up 1 --stage vetting --result maintained --date "$today" --detail "Detail Followword"
rstep ejones qa 1 --disagree --reason "QA Qareasonword"
rstep fkaur unlink 1 CR/Linkrefword --reason "Unlink Unlinkword"
later=$((CASEREVIEW_NOW + 7 * 366 * 86400))
CASEREVIEW_NOW=$later rstep cadmin purge --closed-before "$(date -u -d "@$later" +%F)" --reason "MoPI"
CASEREVIEW_NOW=$later CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db audit verify
expect_rc 0
expect_eq "$(sql r.db "select ref || '|' || coalesce(removed_reason, '') from case_links order by id")" "[erased]|
[erased]|[erased]" "the links"
expect_eq "$(sql r.db "select stage || ' ' || result || ' ' || date || ' ' || detail from follow_ups")" "vetting maintained $today [erased]" "the follow-up"
expect_eq "$(sql r.db "select verdict || ' ' || qa_reason from qa")" "disagree [erased]" "the quality review"

begin "nothing is added to an erased case: follow-up, link, reopen and correct refused, nothing written"
before=$(db_state r.db)
AS=fkaur CASEREVIEW_NOW=$later CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db follow-up 1 --stage appeal --result pending --date "$today" --detail "Newsecret"
expect_rc 1
expect_err "casereview: case 1 was erased (purge): nothing is added to it, so follow-up is refused; its tombstone stays as it is"
AS=fkaur CASEREVIEW_NOW=$later CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db link 1 CR/Newsecret --kind crime --reason "Newsecret"
expect_rc 1
expect_err "casereview: case 1 was erased (purge): nothing is added to it, so link is refused; its tombstone stays as it is"
AS=fkaur CASEREVIEW_NOW=$later CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db reopen 1 --reason "Newsecret"
expect_rc 1
expect_err "casereview: case 1 was erased (purge): nothing is added to it, so reopen is refused; its tombstone stays as it is"
CASEREVIEW_NOW=$later CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db correct R1A --field summary --value "Newsecret" --reason "Newsecret"
expect_rc 1
expect_err "casereview: correct: case 1 was erased; nothing of it is corrected"
expect_eq "$(db_state r.db)" "$before" "the database after the refusals"

begin "the extract imported again after a purge: the erased case's rows are skipped, nothing comes back"
# The upstream extract still holds the erased subject and allegation (and its link): the
# import skips the rows of an erased case whole, so neither the names nor the text return.
CASEREVIEW_NOW=$later CASEREVIEW_CONFIG=$T/r.yaml cr --db r.db import r.csv
expect_rc 0
expect_out "r.csv: nothing to import: all 0 allegations are already in the database" \
    "  1 row is of erased cases (purge): skipped, nothing of them kept"
expect_eq "$(db_state r.db)" "$before" "the database after the import"
expect_eq "$(sql r.db "select count(*) from subjects where surname like 'Zanzibar%'")" 0 "the erased subject's names"

sqlite_only "the file after VACUUM" && {
    sqlite3 r.db "VACUUM"
    for w in Importrefword Linkrefword Reasonword Rquokkaword Followword Qareasonword Unlinkword Xylograph Zanzibarow; do
        if strings r.db | grep -q "$w"; then fail "after VACUUM, r.db still holds '$w'"; fi
    done
}
pg_only "a dump of the database in place of its file" && {
    pg_db_for r.db && pg_dump -h "$PG_DIR" -U postgres -n casereview "$PG_DB" >r.dump
    for w in Importrefword Linkrefword Reasonword Rquokkaword Followword Qareasonword Unlinkword Xylograph Zanzibarow; do
        if grep -q "$w" r.dump; then fail "the database still holds '$w'"; fi
    done
    grep -q "Later matter\|R1A" r.dump || fail "the dump holds none of what stays (R1A's reference)"
}

finish
