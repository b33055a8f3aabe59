#!/usr/bin/env bash
# Denied access is logged: a view refused for a conflict of interest or
# need-to-know (show, history) writes one `denied` event (who, what, which
# rule, the refusal's words) and is refused exactly as before; a refused
# action writes nothing; a row a list withholds is not a view; audit verify
# knows the event; other people's denied events are the admin's to see.
. "$(dirname "$0")/lib.sh"

# good.yaml plus a declared conflict: ejones on N3.
awk '{print} /^  same_unit: true$/ {
    print "  declared:"
    print "    - { login: ejones, subject_ref: N3, reason: \"tutored the subject at training school\" }"
}' "$FIXTURES/config/good.yaml" >casereview.yaml
grep -q "declared:" casereview.yaml || fail "the test's configuration has no declared conflict"

# N1 is in asmith's unit; N2 and N3 in nobody's.
cat >d.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
N1,Ashgrove,Tom,officer,PC,East Area BCU,full,B1,domestic_violence,2019-01-01,complaint,NFA,marker one
N2,Brackenridge,Ann,officer,PC,Central,full,B2,sexual_offence,2020-01-01,hotline,NFA,marker two
N3,Culverhouse,Sam,officer,PC,Central,full,B3,domestic_violence,2021-01-01,pnd,NFA,marker three
CSV
cr --db d.db import d.csv
expect_rc 0

events() { sql d.db "select count(*) from audit_events"; }
# The last event: actor, case, action, whether it changed a state, details.
last_event() {
    sql d.db "select actor || '|' || case_id || '|' || action || '|' || (case when state_before is null and state_after is null then 1 else 0 end) || '|' || details from audit_events order by id desc limit 1"
}

unit="you (asmith) are in the subject's unit (East Area BCU), and with conflicts.same_unit nobody sees a case from their own unit"
panel="case 2 has not been before the panel, and a panel member sees only the cases that have (need-to-know)"
declared="you (ejones) have a declared conflict of interest with subject N3 (tutored the subject at training school), and with conflicts.declared nobody sees a case they are conflicted on"

while IFS='|' read -r who case what cmd rule msg; do
    begin "$who $cmd $case: refused as before, and one denied event ($rule)"
    n=$(events)
    AS=$who cr --db d.db "$cmd" "$case"
    expect_rc 1
    expect_err "casereview: $msg"
    expect_eq "$(cat "$T/out")" "" "stdout of a refused $cmd"
    expect_eq "$(events)" $((n + 1)) "events after a refused $cmd"
    expect_eq "$(last_event)" \
        "$who|$case|denied|1|{\"what\": \"$what\", \"rule\": \"$rule\", \"reason\": \"$msg\"}" \
        "the denied event"
done <<TABLE
asmith|1|case|show|conflicts.same_unit|$unit
asmith|1|history|history|conflicts.same_unit|$unit
lpark|2|case|show|need_to_know|$panel
lpark|2|history|history|need_to_know|$panel
ejones|3|case|show|conflicts.declared|$declared
TABLE

begin "a refused action writes nothing, not even a denied event"
n=$(events)
AS=asmith cr --db d.db claim 1
expect_rc 1
expect_err "casereview: you (asmith) are in the subject's unit (East Area BCU), and with conflicts.same_unit nobody acts on a case from their own unit. There is nothing you may do on case 1 now"
AS=lpark cr --db d.db vote 2 --concur
expect_rc 1
AS=bjones cr --db d.db approve 2
expect_rc 1
expect_eq "$(events)" "$n" "events after refused actions"

begin "a row a list withholds is not a view"
AS=asmith cr --db d.db list --format csv
expect_rc 0
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1 | paste -sd' ')" "2 3" "asmith's list"
expect_eq "$(sql d.db "select count(*) from audit_events where action = 'denied'")" 5 "denied events"

begin "audit verify knows the denied event"
cr --db d.db audit verify
expect_rc 0
expect_out "ok: $(events) events"

begin "history: the admin sees who was refused; another reviewer does not"
AS=cadmin cr --db d.db history 1
expect_rc 0
expect_eq "$(grep -c " asmith  *denied " "$T/out")" 2 "asmith's denied events in the admin's history"
AS=ejones cr --db d.db history 1
expect_rc 0
grep -q "denied" "$T/out" && fail "ejones sees asmith's denied events: $(grep denied "$T/out")"

begin "a refusal that cannot be recorded (the database busy) says so after its own words"
n=$(events)
# Another program holds the write lock longer than the 5 s busy timeout.
db_hold d.db 12
AS=asmith cr --db d.db show 1
expect_rc 1
expect_err "casereview: $unit (and the refusal could not be recorded: $(db_label d.db): the database is busy (another user holds it); try again)"
wait "$HOLD_PID"
[ -s holder.out ] && fail "the lock holder: $(cat holder.out)"
expect_eq "$(events)" "$n" "events after a refusal that could not be recorded"

begin "a read-only copy: refused as before, nothing written"
# A file nobody may write (chmod 400): PostgreSQL has no read-only copy of a database.
if sqlite_only "a read-only copy is a file's mode"; then
    mkdir ro && cp d.db d.db.key ro/ && chmod 400 ro/d.db ro/d.db.key
    before=$(db_state ro/d.db)
    AS=asmith cr --db ro/d.db show 1
    expect_rc 1
    expect_err "casereview: $unit"
    expect_eq "$(db_state ro/d.db)" "$before" "the read-only copy"
fi

finish
