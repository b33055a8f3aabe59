#!/usr/bin/env bash
# Disclosures that cannot slip out: CSV cells whole (categories) and safe
# for spreadsheets (formula-leading cells quoted), an export bracketed by a
# begin event committed before the first byte and an end event with the
# rows, bytes, digest and cases that left, no write lock while the rows
# stream, and export files created 0600 and put in place only once recorded.
. "$(dirname "$0")/lib.sh"

cr --db t.db import "$FIXTURES/import/good.csv"
expect_rc 0

HEADER="case,state,outcome,priority,created_at,subject_ref,surname,forenames,rank,unit,duty_status,categories,allegations,assignee,vetting_review,decided_by,decided_at,quorum_blocked,due,paused_until"
S1='1,flagged,,301262,2026-01-01T00:00:00Z,S1,Quillfeather,Zoë,Police Constable,"Response Team 4, North Area",full,domestic_violence;sexual_offence,3,,,,,false,2026-01-11T00:00:00Z,'
S2='2,flagged,,200392,2026-01-01T00:00:00Z,S2,山之内,健太,Band D,Contact Centre,restricted,domestic_violence,1,,,,,false,2026-01-11T00:00:00Z,'

# The disclosure events of the database $1: "id|details", oldest first.
events() {
    sql "$1" "select id || '|' || details from audit_events where action = 'disclosure' order by id"
}

# One key of the JSON details of event $2 in database $1.
detail() {
    json_at "$(sql "$1" "select details from audit_events where id = $2")" "\$.$3"
}

begin "D1: list --format csv keeps both category names whole"
cr --db t.db list --format csv
expect_rc 0
# A list's rows carry the routing and the panel's progress after the export's columns.
expect_out "$HEADER,approver,panel_progress,panel_concur,panel_concur_needed,panel_dissent,panel_dissent_limit,panel_missing,panel_hidden" "$S1,,,,,,,," "$S2,,,,,,,,"

begin "D1: export CSV keeps both category names whole"
cr --db t.db export --reason "Quarterly return" --recipient "IOPC"
expect_rc 0
expect_out "$HEADER" "$S1" "$S2"
expect_err "casereview: exported 2 cases for IOPC; recorded in the audit trail"

begin "export: a begin and an end event, the digest of the bytes written"
expect_eq "$(events t.db | tail -2)" "$(sql t.db "select max(id) - 1 from audit_events")|{\"stage\": \"begin\", \"kind\": \"export\", \"reason\": \"Quarterly return\", \"recipient\": \"IOPC\", \"format\": \"csv\", \"destination\": \"standard output\"}
$(sql t.db "select max(id) from audit_events")|{\"stage\": \"end\", \"begin\": $(sql t.db "select max(id) - 1 from audit_events"), \"complete\": true, \"rows\": 2, \"bytes\": $(wc -c <"$T/out"), \"digest\": \"$(b2sum -l 256 "$T/out" | cut -c1-64)\", \"cases\": \"1-2\"}" "the two events"
cr --db t.db audit verify
expect_rc 0

begin "export --output: 0600 under umask 022, the digest that of the file"
umask 022
cr --db t.db export --reason "r" --recipient "x" --format json --output out.json
expect_rc 0
expect_err "casereview: exported 2 cases for x to out.json; recorded in the audit trail"
expect_eq "$(stat -c %a out.json)" 600 "the file's mode"
end=$(sql t.db "select max(id) from audit_events")
expect_eq "$(detail t.db $((end - 1)) destination)" "$(realpath "$T")/out.json" "the destination, absolute"
expect_eq "$(detail t.db "$end" digest)" "$(b2sum -l 256 out.json | cut -c1-64)" "the digest"
expect_eq "$(detail t.db "$end" bytes)" "$(wc -c <out.json)" "the bytes"
expect_eq "$(ls -A | grep -c '^\.out\.json')" 0 "no temporary file left"

begin "export --output: an existing FILE is refused unless --force"
cp out.json before.json
n=$(events t.db | wc -l)
cr --db t.db export --reason "r" --recipient "x" --output out.json
expect_rc 3
expect_err "casereview: export: out.json exists (--force replaces it); nothing was written"
cmp -s out.json before.json || fail "the existing file was changed"
expect_eq "$(events t.db | wc -l)" "$n" "no event for a refused export"
cr --db t.db export --reason "r" --recipient "x" --output out.json --force
expect_rc 0
expect_eq "$(head -1 out.json)" "$HEADER" "replaced with the CSV"
expect_eq "$(stat -c %a out.json)" 600 "the replaced file's mode"
cr --db t.db export --reason "r" --recipient "x" --force
expect_rc 2
expect_err "casereview: export: --force goes with --output FILE"

begin "export --output: a directory that does not exist"
n=$(events t.db | wc -l)
cr --db t.db export --reason "r" --recipient "x" --output nodir/out.csv
expect_rc 3
expect_err "casereview: export: nodir/out.csv: No such file or directory; nothing was written"
expect_eq "$(events t.db | wc -l)" "$n" "no event"

begin "export --output: a refused export leaves no file"
AS=asmith cr --db t.db export --reason "r" --recipient "x" --output nope.csv
expect_rc 1
expect_err "casereview: export needs the admin role; you (asmith) are reviewer"
expect_eq "$(ls -A | grep -c 'nope\.csv')" 0 "no file, no temporary file"

begin "export to /dev/full: exit 3, an end event with complete false"
cr_argv --as cadmin --db t.db export --reason r --recipient x
"${CR_ARGV[@]}" >/dev/full 2>"$T/err"
expect_eq "$?" 3 "exit status"
expect_err "casereview: export: writing failed after 0 cases (write: No space left on device); the disclosure is recorded as incomplete"
end=$(sql t.db "select max(id) from audit_events")
expect_eq "$(detail t.db "$end" stage)|$(detail t.db "$end" complete)|$(detail t.db "$end" error)|$(detail t.db "$end" rows)|$(detail t.db "$end" bytes)" \
    "end|0|write: No space left on device|0|0" "the end event"
expect_eq "$(detail t.db "$((end - 1))" stage)" "begin" "its begin event"

# Formula cells: one subject per leading character a spreadsheet obeys.
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    i=0
    for lead in '=' '+' '-' '@' $'\t' $'\r'; do
        i=$((i + 1))
        printf 'F%d,"%sX",Fn,officer,PC,"%sU",full,FA%d,sexual_offence,2024-05-01,complaint,NFA,x\n' "$i" "$lead" "$lead" "$i"
    done
} >formula.csv
cr --db f.db import formula.csv
expect_rc 0
# case id -> expected surname and unit cells in CSV: quoted with a ', then CSV-quoted when needed
expected_cells() {
    case $1 in
    1) printf "'=X,Fn,PC,'=U" ;;
    2) printf "'+X,Fn,PC,'+U" ;;
    3) printf "'-X,Fn,PC,'-U" ;;
    4) printf "'@X,Fn,PC,'@U" ;;
    5) printf "'\tX,Fn,PC,'\tU" ;;
    6) printf "\"'\rX\",Fn,PC,\"'\rU\"" ;;
    esac
}
raw_cells() {
    case $1 in
    1) printf "=X,Fn,PC,=U" ;;
    2) printf "+X,Fn,PC,+U" ;;
    3) printf -- "-X,Fn,PC,-U" ;;
    4) printf "@X,Fn,PC,@U" ;;
    5) printf "\"\tX\",Fn,PC,\"\tU\"" ;;
    6) printf "\"\rX\",Fn,PC,\"\rU\"" ;;
    esac
}
# The line of case $1 in $T/out, as "surname,forenames,rank,unit".
cells_of() {
    grep -a "^$1,flagged," "$T/out" | cut -d, -f7-10
}
check_cells() {
    local what=$1 fn=$2 id
    for id in 1 2 3 4 5 6; do
        expect_eq "$(printf '%s' "$(cells_of $id)" | od -An -c)" "$($fn $id | od -An -c)" "$what, case $id"
    done
}

begin "formula cells: export CSV puts a ' in front of =, +, -, @, tab and CR"
cr --db f.db export --reason r --recipient x
expect_rc 0
check_cells "export" expected_cells
expect_eq "$(grep -a -c ',false,2026-01-11T00:00:00Z,$' "$T/out")" 6 "six whole rows"
expect_eq "$(grep -a '^1,' "$T/out")" "1,flagged,,$(sql f.db "select priority from cases where id = 1"),2026-01-01T00:00:00Z,F1,'=X,Fn,PC,'=U,full,sexual_offence,1,,,,,false,2026-01-11T00:00:00Z," "a whole row"

begin "formula cells: list CSV the same"
cr --db f.db list --format csv
expect_rc 0
check_cells "list" expected_cells

begin "formula cells: --raw-cells gives the stored bytes"
cr --db f.db export --reason r --recipient x --raw-cells
expect_rc 0
check_cells "export --raw-cells" raw_cells
cr --db f.db list --format csv --raw-cells
expect_rc 0
check_cells "list --raw-cells" raw_cells

begin "formula cells: JSON is untouched"
cr --db f.db export --reason r --recipient x --format json
expect_rc 0
expect_out_has '"surname": "=X"'
expect_out_has '"unit": "-U"'
expect_out_has '"surname": "\tX"'

# A database big enough that an export fills a pipe (and the writer's buffer).
"$CASEREVIEW" generate --cases 1500 --seed 4 >big.csv
cr --db big.db import big.csv
expect_rc 0
total=$(sql big.db "select count(*) from cases")

begin "export | head -1: exit 3, an end event with complete false and the reason"
cr_argv --as cadmin --db big.db export --reason r --recipient x
"${CR_ARGV[@]}" 2>"$T/err" | head -1 >"$T/out"
expect_eq "${PIPESTATUS[0]}" 3 "exit status"
expect_out "$HEADER"
end=$(sql big.db "select max(id) from audit_events")
expect_eq "$(detail big.db "$end" stage)|$(detail big.db "$end" complete)|$(detail big.db "$end" error)" \
    "end|0|write: Broken pipe" "the end event"
rows=$(detail big.db "$end" rows)
[ "$rows" -lt "$total" ] || fail "rows $rows: not fewer than the $total cases"
grep -q "^casereview: export: writing failed after $rows cases (write: Broken pipe); the disclosure is recorded as incomplete\$" "$T/err" ||
    fail "stderr: $(cat "$T/err")"
# The cases recorded (ranges, in order) are exactly those of the rows that
# left whole: the first $rows rows of the same export.
cases=$(detail big.db "$end" cases)
[[ $cases =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || fail "cases is not ranges: $cases"
"${CR_ARGV[@]}" 2>/dev/null >whole.csv
left=$(tail -n +2 whole.csv | head -n "$rows" | cut -d, -f1 | sort -n | tr '\n' ' ')
listed=$(tr ',' '\n' <<<"$cases" | awk -F- '{ for (i = $1; i <= ($2 == "" ? $1 : $2); i++) print i }' | tr '\n' ' ')
expect_eq "$listed" "$left" "the cases recorded"

begin "export --output: a write that fails leaves no file, and an end event saying so"
# A file size limit (the database's own writes stay under it; SIGXFSZ is
# ignored from the start, so that closing the database is not killed either).
n=$(events big.db | wc -l)
cr_argv --as cadmin --db big.db export --reason r --recipient x --output cut.csv
(trap '' XFSZ; ulimit -f 100; "${CR_ARGV[@]}") >"$T/out" 2>"$T/err"
expect_eq "$?" 3 "exit status"
rows=$(detail big.db "$(sql big.db "select max(id) from audit_events")" rows)
expect_err "casereview: export: writing failed after $rows cases (write: File too large); the disclosure is recorded as incomplete"
expect_eq "$(ls -A | grep -c 'cut\.csv')" 0 "no file, no temporary file"
expect_eq "$(events big.db | wc -l)" "$((n + 2))" "a begin and an end event"
end=$(sql big.db "select max(id) from audit_events")
expect_eq "$(detail big.db "$end" complete)|$(detail big.db "$end" error)|$(detail big.db "$end" bytes)" "0|write: File too large|102400" "the end event"

begin "a paused export holds no lock; killed, it leaves its begin event"
mkfifo pipe
exec 3<>pipe # a reader that never reads: the export blocks on a full pipe
n=$(sql big.db "select count(*) from audit_events")
cr_argv --as cadmin --db big.db export --reason "slow pager" --recipient x
"${CR_ARGV[@]}" >pipe 2>/dev/null &
pid=$!
for _ in $(seq 100); do
    [ "$(sql big.db "select count(*) from audit_events")" -gt "$n" ] && break
    sleep 0.1
done
sleep 0.5
kill -0 "$pid" 2>/dev/null || fail "the export is not blocked"
AS=asmith cr --db big.db claim 7
expect_rc 0
expect_out "case 7: claim: flagged -> in_review (version 2); claimed: it is yours to decide"
kill -0 "$pid" 2>/dev/null || fail "the export did not stay blocked during the claim"
kill -9 "$pid"
wait "$pid" 2>/dev/null
exec 3>&-
begin_id=0
while IFS='|' read -r id d; do
    [ "$(json_at "$d" '$.reason')" = "slow pager" ] && begin_id=$id
done < <(events big.db)
expect_eq "$(detail big.db "$begin_id" stage)" "begin" "the begin event, committed before the first byte"
ends=0
while IFS='|' read -r id d; do
    [ "$(json_at "$d" '$.begin')" = "$begin_id" ] && ends=$((ends + 1))
done < <(sql big.db "select id || '|' || details from audit_events where details like '%\"begin\"%' order by id")
expect_eq "$ends" 0 "no end event"
expect_eq "$(sql big.db "select actor || ' ' || action from audit_events where id > $begin_id")" "asmith claim" "the claim went on meanwhile"
cr --db big.db audit verify
expect_rc 0

begin "export --output stopped by SIGTERM leaves no file of case data behind"
# Another writer holds the database: the export waits for its begin event
# (the busy timeout) with its temporary file made, and is stopped there.
db_hold_write big.db 4 held
for _ in $(seq 50); do [ -e held ] && break; sleep 0.1; done
cr_argv --as cadmin --db big.db export --reason r --recipient x --output stopped.csv
"${CR_ARGV[@]}" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
    ls -A | grep -q '^\.stopped\.csv\.' && break
    sleep 0.05
done
ls -A | grep -q '^\.stopped\.csv\.' || fail "no temporary file to stop on: $(ls -A)"
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 143 "exit status (SIGTERM)"
wait "$HOLDER"
expect_eq "$(ls -A | grep -c 'stopped\.csv')" 0 "no file, no temporary file"

begin "export --output stopped the moment its temporary file is made leaves nothing behind"
# The stop signals wait while the file is made and guarded: a SIGTERM sent
# the moment mkstemp returns (tests/preload_stop.c) still removes the file.
cr_argv --as cadmin --db big.db export --reason r --recipient x --output early.csv
STOP_AFTER_MKSTEMP=1 LD_PRELOAD=$PRELOAD_STOP ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    "${CR_ARGV[@]}" >/dev/null 2>"$T/err"
expect_eq "$?" 143 "exit status (SIGTERM)"
expect_eq "$(ls -A | grep -c 'early\.csv')" 0 "no file, no temporary file"

begin "export of every case: cases as ranges, rows and digest"
cr --db big.db export --reason r --recipient x --output all.csv
expect_rc 0
end=$(sql big.db "select max(id) from audit_events")
expect_eq "$(detail big.db "$end" cases)|$(detail big.db "$end" rows)" "1-$total|$total" "every case"
expect_eq "$(detail big.db "$end" digest)" "$(b2sum -l 256 all.csv | cut -c1-64)" "the digest"

# D1's audit: the other fixed buffers of the command line whose text depends on names.
LONG=$(printf 'x%.0s' $(seq 700))

begin "D1 audit: a long --as login is named whole"
AS=$LONG cr --db t.db list
expect_rc 1
expect_err "casereview: login '$LONG' is not on the roster in $T/casereview.yaml (users or panel.members); ask an admin to add it"

begin "D1 audit: a long action name in keys: is named whole"
sed "s/^keys: .*/keys: { $LONG: n }/" "$T/casereview.yaml" >long.yaml
cr --config long.yaml --db t.db list
expect_rc 3
expect_err "long.yaml:2:9: keys: '$LONG' is not an action (see the help screen, '?')" \
    "casereview: long.yaml: the configuration has problems; nothing was done"

finish
