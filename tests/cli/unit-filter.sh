#!/usr/bin/env bash
# list --unit UNIT: only the cases whose subject is of that unit, an exact
# match (case and all), with the other filters, need-to-know still applied
# (a reviewer never sees their own unit's cases, whatever unit is asked for),
# and bad input refused with nothing listed.
. "$(dirname "$0")/lib.sh"

# The case numbers a list gives, in its order: "3 4 5".
listed() {
    cr --db s.db list --format csv "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "list $*: exit $(cat "$T/rc"): $(cat "$T/err")"
    tail -n +2 "$T/out" | cut -d, -f1 | sort -n | paste -sd' '
}

cat >s.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
N1,Ashgrove,Tom,officer,PC,East Area BCU,full,AL2019-0001,domestic_violence,2019-01-01,complaint,NFA,one
N2,Brackenridge,Ann,officer,PC,Professional Standards,full,AL2020-0002,sexual_offence,2020-01-01,hotline,NFA,two
N3,Culverhouse,Sam,officer,PC,Central,full,AL2021-0003,domestic_violence,2021-01-01,pnd,NFA,three
N4,Dunmore,Zoë,officer,PC,Central,full,AL2022-0004,sexual_offence,2022-01-01,other,NFA,four
N5,Eastwood,Kim,officer,PC,"Central, North",full,AL2023-0005,domestic_violence,2023-01-01,colleague,NFA,five
CSV
cr --db s.db import s.csv
expect_rc 0

begin "list --unit: only the unit's cases, exactly"
expect_eq "$(listed --unit Central)" "3 4" "Central (not 'Central, North')"
expect_eq "$(listed --unit 'Central, North')" "5" "Central, North"
expect_eq "$(listed --unit 'East Area BCU')" "1" "East Area BCU"
expect_eq "$(listed --unit central)" "" "another case of letters is another unit"
expect_eq "$(listed --unit Cent)" "" "a part of the name is no unit"
expect_eq "$(listed --unit Nowhere)" "" "a unit with no case"

begin "list --unit with the other filters and in every format"
expect_eq "$(listed --unit Central --category sexual_offence)" "4" "with --category"
expect_eq "$(listed --unit Central --state flagged)" "3 4" "with --state flagged"
expect_eq "$(listed --unit Central --state closed)" "" "with --state closed"
expect_eq "$(listed --unit Central --search Dunmore)" "4" "with --search"
cr --db s.db list --unit Central --format json
expect_rc 0
expect_json 'sorted((r["case"], r["unit"]) for r in d)' '[[3, "Central"], [4, "Central"]]'
cr --db s.db list --unit Central
expect_rc 0
expect_out_has "Culverhouse"
[ "$(grep -c Eastwood "$T/out")" = 0 ] || fail "the table lists a case of another unit"

begin "list --unit is recorded: the list's begin event names the unit"
cr --db s.db list --unit 'Central, North' --format csv
expect_rc 0
expect_eq "$(sql s.db "select details from audit_events where action = 'list' order by id desc limit 1 offset 1")" \
    '{"stage": "begin", "filters": {"state": "", "outcome": "", "category": "", "sort": "priority", "search": "", "unit": "Central, North", "overdue": false, "mine": false, "format": "csv", "limit": 0}}' "the begin event"

begin "list --unit keeps need-to-know: asmith (East Area BCU) never sees that unit's cases"
AS=asmith
expect_eq "$(listed --unit 'East Area BCU')" "" "asmith, their own unit"
expect_eq "$(listed --unit Central)" "3 4" "asmith, another unit"
AS=ejones
expect_eq "$(listed --unit 'East Area BCU')" "1" "ejones, Professional Standards"
AS=cadmin

begin "list --unit: bad input is refused, nothing listed"
cr --db s.db list --unit ''
expect_rc 2
expect_err "casereview: list: --unit needs a unit's name, not an empty one"
expect_eq "$(cat "$T/out")" "" "nothing on stdout"
cr --db s.db list --mine --unit Central
expect_rc 2
expect_err "casereview: list: --mine goes alone, without other filters"

finish
