#!/usr/bin/env bash
# The figures: `report` against hand-computed answers (the 246 / 689 / 196
# of SPEC section 1, built through the real actions; and a dozen cases in
# every state, made with the command line, broken down by unit and outcome,
# now and as they stood on a day between the actions); `stats` counting
# confirmed outcomes apart from proposed ones (D5); a report as a disclosure.
. "$(dirname "$0")/lib.sh"
: "${FIGURES_FIXTURE:?set FIGURES_FIXTURE to the figures_fixture program}"
EXPECTED="$FIXTURES/report"

# The fixture is an SQLite file built with core's API; on PostgreSQL, migrated into fx.db's database.
fixture=fx.db
[ -z "${CASEREVIEW_TEST_PG:-}" ] || fixture=fx-sqlite.db
"$FIGURES_FIXTURE" "$fixture" "$CASEREVIEW_CONFIG" || { echo "FAIL: the fixture was not built"; exit 1; }
chmod 600 "$fixture"
db_from_sqlite "$fixture" fx.db || { echo "FAIL: the fixture was not moved into fx.db"; exit 1; }

for f in csv json table; do
    begin "the SPEC's 246 / 689 / 196, as $f"
    cr --db fx.db report --reason "Annual publication" --recipient "Board" --format "$f"
    expect_rc 0
    cmp -s "$T/out" "$EXPECTED/spec1.$f" || fail "$(diff "$EXPECTED/spec1.$f" "$T/out" | head -20)"
    expect_err "casereview: report of $([ "$f" = table ] && echo 10 || echo 5) lines for Board; recorded in the audit trail"
done

begin "the default breakdown is by outcome, in a table"
cr --db fx.db report --reason "Annual publication" --recipient "Board"
expect_rc 0
cmp -s "$T/out" "$EXPECTED/spec1.table" || fail "$(diff "$EXPECTED/spec1.table" "$T/out" | head)"

begin "as at today, read from every case, the same figures as the counters"
cr --db fx.db report --reason "Check" --recipient "Board" --format csv --as-at 2026-01-01
expect_rc 0
cmp -s "$T/out" "$EXPECTED/spec1.csv" || fail "$(diff "$EXPECTED/spec1.csv" "$T/out" | head)"

# D5: stats counted the latest proposed outcome in every state as if final.
begin "stats splits confirmed outcomes from proposed ones"
cr --db fx.db stats
expect_rc 0
expect_out_has "by outcome (cases)       confirmed  proposed with_panel  returned"
expect_out_has "$(printf '  %-22s %9s %9s %10s %9s' nfa 249 2 2 1)"
expect_out_has "$(printf '  %-22s %9s %9s %10s %9s' reassess 689 2 0 1)"
expect_out_has "$(printf '  %-22s %9s %9s %10s %9s' refer 196 2 2 1)"
expect_out_has "$(printf '  %-22s %9s %9s %10s %9s' "of which vetting review" 40 1 1 0)"
expect_out_has "$(printf '  %-22s %9s' "not decided" 12)"

begin "stats as JSON carries the split and every dashboard figure"
cr --db fx.db stats --format json
expect_rc 0
expect_out_has '"nfa": {"confirmed": {"cases": 249, "persons": 246, "vetting_review": {"cases": 0, "persons": 0}}, "proposed": {"cases": 2, "persons": 2'
expect_out_has '"all": {"confirmed": {"cases": 1134, "persons": 1131, "vetting_review": {"cases": 40, "persons": 40}}'
expect_out_has '"overdue": {"flagged": '
expect_out_has '"decisions_per_week": {"first_week": "'
expect_out_has '"weekly_rate": '
expect_out_has '"backlog_clears": '
# Rounds the panel finished: 246 + 3 nfa and 196 refer confirmed, one refer returned.
expect_out_has '"panel": {"rounds_finished": 446, "rounds_returned": 1, "dissent_per_round": 0.0022}'
expect_eq "$(tail -2 "$T/out")" ' "reviewers": [
  {"login": "asmith", "nfa": 254, "reassess": 692, "refer": 201, "decided": 1147, "panel": {"rounds_finished": 446, "rounds_returned": 1, "dissent_per_round": 0.0022}}]}' "reviewers"

begin "a reviewer sees their own figures; the panel sees nobody's"
AS=ejones cr --db fx.db stats --format json
expect_rc 0
expect_out_has '"reviewers": []}'
AS=mkhan cr --db fx.db stats --format json
expect_rc 0
expect_out_has '"reviewers": null}'
expect_out_has '"panel": {"rounds_finished": 446'

# A report is a disclosure: the admin's, with a reason and a recipient.
events() { sql fx.db "select count(*) from audit_events where action = 'disclosure'"; }

begin "report needs the admin role, and writes nothing otherwise"
before=$(events)
AS=bjones cr --db fx.db report --reason "x" --recipient "y" --output r.csv --format csv
expect_rc 1
expect_err "casereview: report needs the admin role; you (bjones) are supervisor"
[ ! -s "$T/out" ] || fail "stdout: $(head -c 200 "$T/out")"
[ -z "$(ls r.csv* 2>/dev/null)" ] || fail "a file was left: $(ls r.csv*)"
expect_eq "$(events)" "$before" "disclosure events"

begin "report needs a reason and a recipient"
cr --db fx.db report --reason "x"
expect_rc 2
expect_err "casereview: report: --reason TEXT and --recipient TEXT are required"
cr --db fx.db report --reason "  " --recipient "y"
expect_rc 1
expect_err "casereview: report is a disclosure and needs a reason and a recipient"

begin "bad breakdowns, formats and dates"
cr --db fx.db report --reason x --recipient y --by unit,colour
expect_rc 2
expect_err "casereview: report: --by takes outcome, category, unit, rank or employment, comma-separated, not 'colour'"
cr --db fx.db report --reason x --recipient y --by unit,unit
expect_rc 2
expect_err "casereview: report: --by names unit twice"
cr --db fx.db report --reason x --recipient y --format xml
expect_rc 2
expect_err "casereview: report: --format must be one of table, csv, json, not 'xml'"
cr --db fx.db report --reason x --recipient y --as-at 2025-02-30
expect_rc 2
expect_err "casereview: the date '2025-02-30' is not a real date in the form YYYY-MM-DD"
cr --db fx.db report --reason x --recipient y --as-at 2026-01-02
expect_rc 2
expect_err "casereview: the date 2026-01-02 is after today: the figures can be counted as they stood, not as they will stand"

begin "a report to a file: owner-only, and its two events with the digest of its bytes"
cr --db fx.db report --reason "FOI 2026/17" --recipient "Press office" --format csv --output r.csv
expect_rc 0
expect_err "casereview: report of 5 lines for Press office, written to r.csv; recorded in the audit trail"
cmp -s r.csv "$EXPECTED/spec1.csv" || fail "r.csv differs from the expected figures"
expect_eq "$(stat -c %a r.csv)" 600 "mode of the report"
expect_eq "$(sql fx.db "select details from audit_events where action = 'disclosure' order by id desc limit 1 offset 1")" \
    "{\"stage\": \"begin\", \"kind\": \"report\", \"reason\": \"FOI 2026/17\", \"recipient\": \"Press office\", \"format\": \"csv\", \"destination\": \"$T/r.csv\"}" \
    "begin event"
begin_id=$(sql fx.db "select id from audit_events where action = 'disclosure' order by id desc limit 1 offset 1")
expect_eq "$(sql fx.db "select details from audit_events where action = 'disclosure' order by id desc limit 1")" \
    "{\"stage\": \"end\", \"begin\": $begin_id, \"complete\": true, \"rows\": 5, \"bytes\": $(stat -c %s r.csv), \"digest\": \"$(b2sum -l 256 r.csv | cut -c1-64)\"}" \
    "end event"

begin "a cut pipe is recorded as an incomplete disclosure"
cr_argv --as cadmin --db fx.db report --reason "x" --recipient "y" || fail "cr_argv: $(cat "$T/err")"
{ sleep 0.5; "${CR_ARGV[@]}" 2>"$T/err"; echo $? >"$T/rc"; } | true
expect_rc 3
expect_err "casereview: report: writing failed after 0 lines (write: Broken pipe); the disclosure is recorded as incomplete"
details=$(sql fx.db "select details from audit_events where action = 'disclosure' order by id desc limit 1")
expect_eq "$(json_at "$details" complete) $(json_at "$details" bytes) $(json_at "$details" error)" \
    "0 0 write: Broken pipe" "end event"

begin "a full disk is recorded as an incomplete disclosure"
cr_argv --as cadmin --db fx.db report --reason "x" --recipient "y" || fail "cr_argv: $(cat "$T/err")"
"${CR_ARGV[@]}" >/dev/full 2>"$T/err"
echo $? >"$T/rc"
expect_rc 3
expect_err "casereview: report: writing failed after 0 lines (write: No space left on device); the disclosure is recorded as incomplete"
expect_eq "$(json_at "$(sql fx.db "select details from audit_events where action = 'disclosure' order by id desc limit 1")" complete)" 0 "complete"

begin "an existing file is replaced only with --force"
cr --db fx.db report --reason "x" --recipient "y" --output r.csv
expect_rc 3
expect_err "casereview: report: r.csv exists (--force replaces it); nothing was written"
cr --db fx.db report --reason "x" --recipient "y" --output r.csv --force
expect_rc 0
expect_eq "$(head -1 r.csv)" "Figures on 2026-01-01, counted from the maintained counters" "replaced file"

begin "an output file that cannot be made: nothing disclosed"
before=$(events)
cr --db fx.db report --reason "x" --recipient "y" --output no/such/dir/r.csv
expect_rc 3
expect_err "casereview: report: no/such/dir/r.csv: No such file or directory; nothing was written"
expect_eq "$(events)" "$before" "disclosure events"

# A dozen cases in every state, made with the command line on three days.
cat >small.csv <<'EOF'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
S01,One,A,officer,PC,North,full,B01,domestic_violence,2020-01-01,complaint,none,s
S02,Two,A,officer,PC,North,full,B02,domestic_violence,2020-01-02,complaint,none,s
S03,Three,A,staff,PC,North,full,B03,sexual_offence,2020-01-03,complaint,none,s
S04,Four,A,officer,PC,North,full,B04,domestic_violence,2020-01-04,complaint,none,s
S05,Five,A,officer,PC,North,full,B05,domestic_violence,2020-01-05,complaint,none,s
S06,Six,A,officer,PC,North,full,B06,domestic_violence,2020-01-06,complaint,none,s
S07,Seven,A,officer,DS,South,full,B07,domestic_violence,2020-01-07,complaint,none,s
S08,Eight,A,officer,DS,South,full,B08,sexual_offence,2020-01-08,complaint,none,s
S09,Nine,A,officer,DS,South,full,B09,domestic_violence,2020-01-09,complaint,none,s
S10,Ten,A,officer,DS,South,full,B10,domestic_violence,2020-01-10,complaint,none,s
S11,Eleven,A,officer,DS,South,full,B11,domestic_violence,2020-01-11,complaint,none,s
S12,Twelve,A,officer,DS,South,full,B12,domestic_violence,2020-01-12,complaint,none,s
EOF
step() { # login, then the command
    local who=$1
    shift
    AS=$who cr --db s.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "$who $*: $(cat "$T/err")"
}
decide() { step asmith claim "$1"; step asmith decide "$1" --outcome "$2" ${3:+--vetting-review} --rationale "Considered."; }
begin "the small fixture is made with the command line"
export CASEREVIEW_NOW=1764579600 # 2025-12-01T09:00:00Z
step cadmin import small.csv
export CASEREVIEW_NOW=1764666000 # 2025-12-02T09:00:00Z
decide S01 nfa && step bjones approve S01
for m in mkhan lpark rdoe; do step "$m" vote S01 --concur; done
decide S02 reassess && step bjones approve S02
decide S03 refer vetting && step bjones approve S03
for m in mkhan lpark; do step "$m" vote S03 --concur; done
decide S07 refer && step bjones approve S07
export CASEREVIEW_NOW=1764752400 # 2025-12-03T09:00:00Z
decide S04 nfa
decide S08 reassess
decide S05 refer && step bjones approve S05
step tnash vote S05 --dissent --reason "Risk understated"
for m in mkhan lpark; do step "$m" vote S07 --concur; done
step asmith claim S09
decide S10 nfa && step bjones approve S10
printf '%s\n' "$(head -1 small.csv)" "S01,One,A,officer,PC,North,full,B13,sexual_offence,2020-06-01,hotline,none,later" >more.csv
step cadmin import more.csv
export CASEREVIEW_NOW=1767225600
expect_eq "$(sql_join s.db ' ' "select state from cases order by id")" \
    "closed closed closed awaiting_approval returned flagged closed awaiting_approval in_review panel_review flagged flagged flagged" \
    "states of cases 1-13"

header='unit,outcome,confirmed_cases,confirmed_persons,confirmed_vetting_review_cases,confirmed_vetting_review_persons,proposed_cases,proposed_persons,proposed_vetting_review_cases,proposed_vetting_review_persons,with_panel_cases,with_panel_persons,with_panel_vetting_review_cases,with_panel_vetting_review_persons,returned_cases,returned_persons,returned_vetting_review_cases,returned_vetting_review_persons,undecided_cases,undecided_persons,total_cases,total_persons'
lines() { printf '%s\r\n' "$@"; }

begin "the small fixture by unit and outcome, now"
cr --db s.db report --reason x --recipient y --by unit,outcome --format csv
expect_rc 0
lines "$header" \
    "North,nfa,1,1,0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,2,2" \
    "North,reassess,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1" \
    "North,refer,1,1,1,1,0,0,0,0,0,0,0,0,1,1,0,0,0,0,2,2" \
    "North,none,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,2,2,2" \
    "South,nfa,0,0,0,0,0,0,0,0,1,1,0,0,0,0,0,0,0,0,1,1" \
    "South,reassess,0,0,0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,1,1" \
    "South,refer,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1" \
    "South,none,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3,3,3,3" \
    "all,all,4,4,1,1,2,2,0,0,1,1,0,0,1,1,0,0,5,5,13,12" >expected
cmp -s "$T/out" expected || fail "$(diff expected "$T/out")"

begin "the small fixture by unit and outcome, as it stood at the end of 2 December"
cr --db s.db report --reason x --recipient y --by unit,outcome --format csv --as-at 2025-12-02
expect_rc 0
lines "$header" \
    "North,nfa,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1" \
    "North,reassess,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1" \
    "North,refer,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1" \
    "North,none,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3,3,3,3" \
    "South,refer,0,0,0,0,0,0,0,0,1,1,0,0,0,0,0,0,0,0,1,1" \
    "South,none,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,5,5,5,5" \
    "all,all,3,3,1,1,0,0,0,0,1,1,0,0,0,0,0,0,8,8,12,12" >expected
cmp -s "$T/out" expected || fail "$(diff expected "$T/out")"

begin "as it stood before the import: nothing"
cr --db s.db report --reason x --recipient y --format csv --as-at 2025-11-30
expect_rc 0
lines "outcome${header#unit,outcome}" "all,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0" >expected
cmp -s "$T/out" expected || fail "$(diff expected "$T/out")"

begin "by category, rank and employment"
cr --db s.db report --reason x --recipient y --by employment,category --format csv
expect_rc 0
lines "employment,category${header#unit,outcome}" \
    "officer,domestic_violence,3,3,0,0,1,1,0,0,1,1,0,0,1,1,0,0,4,4,10,10" \
    "officer,sexual_offence,0,0,0,0,1,1,0,0,0,0,0,0,0,0,0,0,1,1,2,2" \
    "staff,sexual_offence,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1" \
    "all,all,4,4,1,1,2,2,0,0,1,1,0,0,1,1,0,0,5,5,13,12" >expected
cmp -s "$T/out" expected || fail "$(diff expected "$T/out")"
cr --db s.db report --reason x --recipient y --by employment --format csv
expect_rc 0
expect_out_has $'officer,3,3,0,0,2,2,0,0,1,1,0,0,1,1,0,0,5,5,12,11\r'
cr --db s.db report --reason x --recipient y --by rank --format json
expect_rc 0
expect_out_has '{"rank": "DS", "figures": {"confirmed": {"cases": 1, "persons": 1,'

finish
