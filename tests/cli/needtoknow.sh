#!/usr/bin/env bash
# Need-to-know: what each role, and each conflict of interest, lets a person list,
# search, open, see in a history and export; every list is a recorded consultation;
# declared conflicts are checked in the configuration; blind voting names nobody.
. "$(dirname "$0")/lib.sh"

# good.yaml plus declared conflicts: ejones on N3, mkhan on N4, asmith on N5.
awk '{print} /^  same_unit: true$/ {
    print "  declared:"
    print "    - { login: ejones, subject_ref: N3, reason: \"tutored the subject at training school\" }"
    print "    - { login: mkhan, subject_ref: N4, reason: \"neighbour of the subject\" }"
    print "    - { login: asmith, subject_ref: N5, reason: \"served with the subject until 2024\" }"
}' "$FIXTURES/config/good.yaml" >casereview.yaml
grep -q "declared:" casereview.yaml || fail "the test's configuration has no declared conflicts"

# N1 is in asmith's unit, N2 in ejones's, bjones's and fkaur's.
cat >n.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
N1,Ashgrove,Tom,officer,PC,East Area BCU,full,B1,domestic_violence,2019-01-01,complaint,NFA,marker one
N2,Brackenridge,Ann,officer,PC,Professional Standards,full,B2,sexual_offence,2020-01-01,hotline,NFA,marker two
N3,Culverhouse,Sam,officer,PC,Central,full,B3,domestic_violence,2021-01-01,pnd,NFA,marker three
N4,Dunmore,Lee,officer,PC,Central,full,B4,domestic_violence,2022-01-01,other,NFA,marker four
N5,Eastwood,Kim,officer,PC,Central,full,B5,domestic_violence,2023-01-01,colleague,NFA,marker five
CSV
cr --db n.db import n.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db n.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
# Cases 1, 3 and 4 go before the panel; 2 awaits approval; 5 stays flagged.
step ejones claim 1
step ejones decide 1 --outcome refer --rationale "Refer: pattern."
step bjones approve 1
for c in 3 4; do
    step asmith claim $c
    step asmith decide $c --outcome refer --rationale "Refer: pattern."
    step bjones approve $c
done
step asmith claim 2
step asmith decide 2 --outcome refer --rationale "Refer: pattern."

# The case numbers a user lists, by case number: "1 2 3".
listed() {
    AS=$1 cr --db n.db list --sort age --format csv "${@:2}"
    tail -n +2 "$T/out" | cut -d, -f1 | paste -sd' '
}

# What each user may list, search and find waiting for them.
while read -r who all mine; do
    begin "$who: list, every format, and search"
    expect_eq "$(listed "$who")" "${all//,/ }" "$who lists"
    expect_eq "$(listed "$who" --search marker)" "${all//,/ }" "$who searches (--sort age: oldest first)"
    expect_eq "$(listed "$who" --search marker --sort priority)" \
        "$(tr ',' '\n' <<<"$all" | sort -rn | paste -sd' ')" "$who searches (newest first)"
    AS=$who cr --db n.db list --format json
    expect_eq "$(grep -o '"case": [0-9]*' "$T/out" | grep -o '[0-9]*' | sort -n | paste -sd' ')" \
        "${all//,/ }" "$who lists as JSON"
    AS=$who cr --db n.db list
    expect_eq "$(tail -n +2 "$T/out" | awk '{print $1}' | sort -n | paste -sd' ')" \
        "${all//,/ }" "$who lists as a table"
    begin "$who: list --mine"
    AS=$who cr --db n.db list --mine --format csv
    expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1 | sort -n | paste -sd' ')" "$(m=${mine//-/}; echo "${m//,/ }")" \
        "$who's list --mine"
done <<'TABLE'
cadmin 1,2,3,4,5 -
asmith 2,3,4 -
ejones 1,4,5 -
bjones 1,3,4,5 -
fkaur  1,3,4,5 -
mkhan  1,3 1,3
lpark  1,3,4 1,3,4
TABLE

begin "open and history: refused with the rule that refuses"
while IFS='|' read -r who case msg; do
    AS=$who cr --db n.db show "$case"
    expect_rc 1
    expect_err "casereview: $msg"
    AS=$who cr --db n.db history "$case"
    expect_rc 1
    expect_err "casereview: $msg"
done <<'TABLE'
asmith|1|you (asmith) are in the subject's unit (East Area BCU), and with conflicts.same_unit nobody sees a case from their own unit
asmith|5|you (asmith) have a declared conflict of interest with subject N5 (served with the subject until 2024), and with conflicts.declared nobody sees a case they are conflicted on
ejones|3|you (ejones) have a declared conflict of interest with subject N3 (tutored the subject at training school), and with conflicts.declared nobody sees a case they are conflicted on
bjones|2|you (bjones) are in the subject's unit (Professional Standards), and with conflicts.same_unit nobody sees a case from their own unit
mkhan|4|you (mkhan) have a declared conflict of interest with subject N4 (neighbour of the subject), and with conflicts.declared nobody sees a case they are conflicted on
mkhan|2|case 2 has not been before the panel, and a panel member sees only the cases that have (need-to-know)
lpark|5|case 5 has not been before the panel, and a panel member sees only the cases that have (need-to-know)
TABLE
expect_eq "$(sql n.db "select count(*) from audit_events where action = 'view' and case_id in (2, 4, 5) and actor in ('asmith', 'ejones', 'bjones', 'mkhan', 'lpark')")" 0 "views recorded for refused opens"

begin "open: allowed where the list shows the case"
for pair in cadmin:2 asmith:2 ejones:5 bjones:5 mkhan:3 lpark:4; do
    AS=${pair%%:*} cr --db n.db show "${pair#*:}"
    expect_rc 0
done

begin "acting: a declared conflict refuses as same_unit does, naming the reason"
AS=asmith cr --db n.db claim 5
expect_rc 1
expect_err "casereview: you (asmith) have a declared conflict of interest with subject N5 (served with the subject until 2024), and with conflicts.declared nobody acts on a case they are conflicted on. There is nothing you may do on case 5 now"
AS=bjones cr --db n.db assign 5 asmith
expect_rc 1
expect_err "casereview: asmith has a declared conflict of interest with subject N5 (served with the subject until 2024), so they cannot review this case. You may: assign, note"
AS=mkhan cr --db n.db vote 4 --concur
expect_rc 1
expect_err "casereview: you (mkhan) have a declared conflict of interest with subject N4 (neighbour of the subject), and with conflicts.declared nobody acts on a case they are conflicted on. There is nothing you may do on case 4 now"
AS=lpark cr --db n.db note 5 "A panel member's note on a case never before the panel."
expect_rc 1
expect_err "casereview: case 5 has not been before the panel, and a panel member sees only the cases that have (need-to-know). There is nothing you may do on case 5 now"

begin "every action on a case one may not see is refused by that rule, and writes nothing"
events=$(sql n.db "select count(*) from audit_events")
unit="casereview: you (bjones) are in the subject's unit (Professional Standards), and with conflicts.same_unit nobody acts on a case from their own unit. There is nothing you may do on case 2 now"
panel="casereview: case 5 has not been before the panel, and a panel member sees only the cases that have (need-to-know). There is nothing you may do on case 5 now"
while read -r who case args; do
    # shellcheck disable=SC2086
    AS=$who cr --db n.db $args
    expect_rc 1
    if [ "$who" = bjones ]; then expect_err "$unit"; else expect_err "$panel"; fi
done <<'TABLE'
bjones 2 claim 2
bjones 2 release 2
bjones 2 assign 2 asmith
bjones 2 approve 2
bjones 2 return 2 --reason Why
bjones 2 note 2 A-note
lpark 5 claim 5
lpark 5 vote 5 --concur
lpark 5 note 5 A-note
TABLE
expect_eq "$(sql n.db "select count(*) from audit_events")" "$events" "events written by refused actions"

begin "export stays the admin's"
for who in asmith ejones bjones fkaur mkhan lpark; do
    AS=$who cr --db n.db export --reason "Audit" --recipient "DPO"
    expect_rc 1
    [ ! -s "$T/out" ] || fail "$who exported rows"
    grep -q "export needs the admin role" "$T/err" || fail "$who: $(cat "$T/err")"
done

begin "every list is recorded: its filters before the rows, their count and digest after"
before=$(sql n.db "select count(*) from audit_events where action = 'list'")
AS=lpark cr --db n.db list --format csv --state panel_review --search marker --limit 2
expect_rc 0
expect_eq "$(sql n.db "select count(*) from audit_events where action = 'list'")" $((before + 2)) "list events"
ids=$(tail -n +2 "$T/out" | cut -d, -f1)
digest=$(printf '%s\n' $ids | b2sum -l 256 | cut -c1-64)
begin_id=$(sql n.db "select max(id) - 1 from audit_events where action = 'list'")
expect_eq "$(sql n.db "select actor, case when case_id is null then 1 else 0 end, details from audit_events where id = $begin_id")" \
    "lpark|1|{\"stage\": \"begin\", \"filters\": {\"state\": \"panel_review\", \"outcome\": \"\", \"category\": \"\", \"sort\": \"priority\", \"search\": \"marker\", \"overdue\": false, \"mine\": false, \"format\": \"csv\", \"limit\": 2}}" \
    "the list's begin event"
expect_eq "$(sql n.db "select actor, case when case_id is null then 1 else 0 end, details from audit_events where action = 'list' order by id desc limit 1")" \
    "lpark|1|{\"stage\": \"end\", \"begin\": $begin_id, \"complete\": true, \"rows\": 2, \"digest\": \"$digest\"}" \
    "the list's end event"
cr_argv --as cadmin --db n.db list --format csv
"${CR_ARGV[@]}" >/dev/full 2>"$T/err"
expect_eq "$?" 3 "exit status of a list that could not be written"
grep -q "^casereview: list: write failed after [0-9]* cases: No space left on device$" "$T/err" ||
    fail "the message: $(cat "$T/err")"
end=$(sql n.db "select details from audit_events where action = 'list' order by id desc limit 1")
expect_eq "$(json_at "$end" '$.complete') $(json_at "$end" '$.error') $(json_at "$end" '$.rows')" \
    "0 write: No space left on device 0" "the end event of a list that could not be written: no row left"
# A reader that goes away: recorded, then the program ends as a pipe's writer does.
# (The reader closes its end at once; the program writes only after opening the database.)
cr_argv --as cadmin --db n.db list --format csv
"${CR_ARGV[@]}" 2>"$T/err" | { exec <&-; sleep 1; }
expect_eq "${PIPESTATUS[0]}" 141 "exit status of a list whose reader went away (SIGPIPE)"
expect_empty_err
end=$(sql n.db "select details from audit_events where action = 'list' order by id desc limit 1")
expect_eq "$(json_at "$end" '$.complete') $(json_at "$end" '$.error')" \
    "0 write: Broken pipe" "the end event of a list cut by its reader"
AS=mkhan cr --db n.db list --mine --format json
mine_end=$(sql n.db "select details from audit_events where action = 'list' order by id desc limit 1")
mine_begin=$(sql n.db "select details from audit_events where action = 'list' order by id desc limit 1 offset 1")
expect_eq "$(json_at "$mine_end" '$.rows') $(json_at "$mine_begin" '$.filters.mine')" "2 1" "a --mine list's events"
AS=cadmin cr --db n.db audit verify
expect_rc 0

begin "history: other people's views are the admin's to see"
AS=bjones cr --db n.db show 1
AS=lpark cr --db n.db show 1
AS=lpark cr --db n.db history 1
expect_rc 0
grep -q " lpark  *view " "$T/out" || fail "lpark does not see their own view: $(cat "$T/out")"
if grep " view " "$T/out" | grep -qv " lpark  *view "; then
    fail "lpark sees someone else's view: $(grep " view " "$T/out")"
fi
grep -q " bjones  *approve " "$T/out" || fail "lpark does not see the approval"
AS=cadmin cr --db n.db history 1
grep -q " lpark  *view " "$T/out" || fail "the admin does not see lpark's view"

begin "history: with blind voting, nothing names a member who has voted"
AS=rdoe cr --db n.db show 3
expect_rc 0
AS=rdoe cr --db n.db vote 3 --concur
expect_rc 0
AS=mkhan cr --db n.db history 3
expect_rc 0
if grep -q "rdoe" "$T/out"; then
    fail "mkhan's history of case 3 names rdoe: $(grep rdoe "$T/out")"
fi
# The vote is withheld, with no time or place: listed last, after mkhan's own view.
expect_eq "$(tail -n 1 "$T/out")" "(time withheld)       #-      (a panel … vote     {\"vote\": \"hidden\"}" "the withheld vote"
# Once mkhan has voted, the votes are theirs to see.
AS=mkhan cr --db n.db vote 3 --concur
AS=mkhan cr --db n.db history 3
grep -q " rdoe  *vote " "$T/out" || fail "after voting, mkhan does not see rdoe's vote"

begin "conflicts.declared is checked: the login on the roster, a reason given"
cp casereview.yaml bad.yaml
sed -i 's/login: mkhan, subject_ref: N4, reason: "neighbour of the subject"/login: nobody, subject_ref: N4, reason: "x"/; s/reason: "served with the subject until 2024"/reason: "  "/' bad.yaml
cr_plain check-config bad.yaml
expect_rc 3
line_nobody=$(grep -n "login: nobody" bad.yaml | cut -d: -f1)
line_blank=$(grep -n 'reason: "  "' bad.yaml | cut -d: -f1)
col_nobody=$(($(grep "login: nobody" bad.yaml | sed 's/login: nobody.*//' | wc -c) + 7))
col_blank=$(($(grep 'reason: "  "' bad.yaml | sed 's/reason: "  ".*//' | wc -c) + 8))
expect_err "bad.yaml:$line_blank:$col_blank: conflicts.declared: a declared conflict needs a reason (why this person is kept from the subject's cases)" \
    "casereview: bad.yaml: the configuration has problems; nothing was done"
sed -i 's/reason: "  "/reason: "now given"/' bad.yaml
cr_plain check-config bad.yaml
expect_rc 3
expect_err "bad.yaml:$line_nobody:$col_nobody: conflicts.declared: 'nobody' is not on the roster (users or panel.members)" \
    "casereview: bad.yaml: the configuration has problems; nothing was done"
printf 'users:\n  - { login: r, roles: [reviewer, supervisor] }\nconflicts:\n  declared:\n    - { login: r, reason: "x" }\n' >missing.yaml
cr_plain check-config missing.yaml
expect_rc 3
expect_err "missing.yaml:5:7: conflicts.declared[1]: missing required key 'subject_ref'" \
    "casereview: missing.yaml: the configuration has problems; nothing was done"

finish
