#!/usr/bin/env bash
# The subject's timeline and linked references (issue 13, item 1): `show`
# of a subject with a closed case and a later one (exact lines, and JSON);
# the later case's priority counting the subject's whole history, ahead of
# a case with fewer allegations; the import's linked_refs column (added,
# shown, a re-import changing nothing, bad values refused with line and
# column and nothing written); link and unlink for each role allowed and
# refused (exact message, exit status, nothing written); search finding a
# linked reference; audit verify passing, and catching a tampered link row.
. "$(dirname "$0")/lib.sh"

step() {
    local who=$1
    shift
    AS=$who cr --db t.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}

H="subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary,linked_refs"

begin "linked_refs: a bad value is refused with its line and column; nothing written"
{
    echo "$H"
    echo "S1,Smith,Ann,officer,PC,Unit 1,full,A1,domestic_violence,2024-03-01,complaint,NFA,one,crime:CR/1234/24=open;iops:2024/0001=closed"
    echo "S2,Jones,Bob,officer,PC,Unit 2,full,B1,domestic_violence,2025-01-01,complaint,NFA,b,crime:X=Open"
    echo "S2,Jones,Bob,officer,PC,Unit 2,full,B2,domestic_violence,2025-01-02,complaint,NFA,b,crime:Y;other:Y"
} >bad.csv
cr --db t.db import bad.csv
expect_rc 3
expect_err \
    "bad.csv:2: linked_refs: entry 2: 'iops' is not a kind of reference (crime, misconduct, iopc, other)" \
    "bad.csv:3: linked_refs: entry 1 'crime:X=Open': the status is not a word of a-z, 0-9, '_' and '-'" \
    "bad.csv:4: linked_refs: entry 2: the reference 'Y' is given twice" \
    "casereview: bad.csv: 3 problems; nothing imported"
[ -e t.db ] && fail "a refused import left a database behind"

begin "linked_refs: imported, and the same file again changes nothing"
{
    echo "$H"
    echo "S1,Smith,Ann,officer,PC,Unit 1,full,A1,domestic_violence,2024-03-01,complaint,NFA,one,crime:CR/1234/24=open"
    echo "S1,Smith,Ann,officer,PC,Unit 1,full,A2,sexual_offence,2024-05-01,hotline,NFA,two,"
    echo "S2,Jones,Bob,officer,PC,Unit 2,full,B1,domestic_violence,2025-01-01,complaint,NFA,b,iopc:2024/0001=closed; misconduct:MS-9"
} >a.csv
cr --db t.db import a.csv
expect_rc 0
expect_out "a.csv: imported 3 allegations: 2 new cases" "  3 linked references added"
state=$(db_state t.db)
cr --db t.db import a.csv
expect_rc 0
expect_out "a.csv: nothing to import: all 3 allegations are already in the database"
expect_eq "$(db_state t.db)" "$state" "the database after the same file again"
expect_eq "$(sql t.db "select case_id, kind, ref, status, import_line from case_links order by id")" \
    "1|crime|CR/1234/24|open|2
2|iopc|2024/0001|closed|4
2|misconduct|MS-9|open|4" "case_links"

# Case 1 closed (nfa, approved, the panel concurs), then a later allegation.
step asmith claim 1
step asmith decide 1 --outcome nfa --rationale "Nothing more."
step bjones approve 1
step mkhan vote 1 --concur
step tnash vote 1 --concur
step lpark vote 1 --concur
{
    echo "$H"
    echo "S1,Smith,Ann,officer,PC,Unit 1,full,A3,domestic_violence,2025-06-01,colleague,NFA,three,"
    echo "S3,Brown,Cal,officer,PC,Unit 3,full,C1,domestic_violence,2025-06-01,colleague,NFA,c1,"
    echo "S3,Brown,Cal,officer,PC,Unit 3,full,C2,domestic_violence,2025-06-02,colleague,NFA,c2,"
} >b.csv
step cadmin import b.csv

begin "priority: the later case counts the subject's whole history"
cr --db t.db list --format json
expect_rc 0
# Case 3 (one allegation, three with case 1's, one a sexual offence) ahead of
# case 4 (two of its own): 300000 + 400 x 1 + 200 x 3 + 305 months (2025-06)
# = 301305, against 300000 + 200 x 2 + 305 = 300705; on its own allegation
# alone case 3 would be 300505, after case 4.
expect_json '[(r["case"], r["priority"]) for r in d]' \
    '[[3, 301305], [1, 301092], [4, 300705], [2, 300500]]'
expect_eq "$(sql t.db "select id, n_allegations from cases order by id")" "1|2
2|1
3|1
4|2" "each case keeps its own figures"

begin "show: every case of the subject and one timeline"
cr --db t.db show 3
expect_rc 0
sed -n '/^Allegations/,$p' "$T/out" >"$T/tail"
cp "$T/tail" "$T/out"
expect_out \
    "Allegations (1)" \
    "" \
    "  1. 2025-06-01  A3  Domestic violence, reported by Colleague" \
    "     Original outcome: NFA" \
    "     three" \
    "" \
    "The subject's cases (2)" \
    "  case 1    closed            nfa      flagged 2026-01-01T00:00:00Z, decided 2026-01-01T00:00:00Z, closed 2026-01-01T00:00:00Z" \
    "* case 3    flagged           -        flagged 2026-01-01T00:00:00Z" \
    "" \
    "Timeline: the subject's 3 allegations, by date" \
    "  2024-03-01  case 1    A1  Domestic violence, reported by Complaint" \
    "  2024-05-01  case 1    A2  Sexual offence, reported by Hotline" \
    "  2025-06-01  case 3    A3  Domestic violence, reported by Colleague"
cr --db t.db show 3
expect_out_has "               follows closed case 1"

begin "show --format json: the timeline and the linked references"
cr --db t.db show 1 --format json
expect_rc 0
expect_json '[(c["case"], c["state"], c["outcome"], c["this_case"], c["closed_at"] is not None) for c in d["timeline"]["cases"]]' \
    '[[1, "closed", "nfa", true, true], [3, "flagged", null, false, false]]'
expect_json '[(a["date"], a["case"], a["ref"], a["category"]) for a in d["timeline"]["allegations"]]' \
    '[["2024-03-01", 1, "A1", "domestic_violence"], ["2024-05-01", 1, "A2", "sexual_offence"], ["2025-06-01", 3, "A3", "domestic_violence"]]'
expect_json '[(k["kind"], k["ref"], k["status"], k["added_by"], k["import_line"]) for k in d["linked_refs"]]' \
    '[["crime", "CR/1234/24", "open", null, 2]]'

begin "show: a case's linked references"
cr --db t.db show 2
expect_rc 0
sed -n '/^Linked references/,$p' "$T/out" >"$T/tail"
cp "$T/tail" "$T/out"
expect_out \
    "Linked references (2)" \
    "  iopc        2024/0001  closed  (2026-01-01T00:00:00Z, import line 4)" \
    "  misconduct  MS-9  open  (2026-01-01T00:00:00Z, import line 4)"

# A refusal: exit status 1, exactly this message, nothing written.
refused() {
    local who=$1 want=$2
    shift 2
    local before
    before=$(db_state t.db)
    AS=$who cr --db t.db "$@"
    expect_rc "${RC:-1}"
    expect_err "casereview: $want"
    expect_eq "$(db_state t.db)" "$before" "the database after a refused $*"
}

begin "link: refusals for each role that may not"
refused asmith "link needs the reviewer who holds case 3, a supervisor or an admin; you (asmith) do not hold it (nobody does)" \
    link 3 CR/9/25 --kind crime --reason "seen on PND"
refused mkhan "case 3 has not been before the panel, and a panel member sees only the cases that have (need-to-know)" \
    link 3 CR/9/25 --kind crime --reason "seen on PND"
refused bjones "link needs a reason (--reason TEXT), for the audit trail" \
    link 3 CR/9/25 --kind crime --reason " "
RC=2 refused bjones "link: --kind 'police' is not one of crime, misconduct, iopc, other" \
    link 3 CR/9/25 --kind police --reason x
RC=2 refused bjones "link: the reference contains ';' or '='" \
    link 3 "CR;9" --kind crime --reason x
RC=2 refused bjones "link: --reason TEXT is required" link 3 CR/9/25 --kind crime
RC=2 refused bjones "unlink: --reason TEXT is required" unlink 3 CR/9/25

begin "link: the reviewer who holds the case, a supervisor, the admin"
step asmith claim 3
AS=asmith cr --db t.db link 3 CR/9/25 --kind crime --reason "seen on PND"
expect_rc 0
expect_out "case 3: link: crime CR/9/25 (open) (version 3)"
refused asmith "case 3 already links crime CR/9/25 as open; nothing to change" \
    link 3 CR/9/25 --kind crime --status open --reason again
refused ejones "link needs the reviewer who holds case 3, a supervisor or an admin; you (ejones) do not hold it (asmith)" \
    link 3 CR/9/25 --kind crime --status charged --reason x
AS=bjones cr --db t.db link 3 CR/9/25 --kind crime --status charged --reason "charged today" --format json
expect_rc 0
expect_json 'd["case"], d["action"], d["status"], d["version"]' '[3, "link", "charged", 4]'
AS=cadmin cr --db t.db link 1 IOPC-77 --kind iopc --reason "referral found"
expect_rc 0
expect_out "case 1: link: iopc IOPC-77 (open) (version 8)"

begin "unlink: removed, kept marked, and refused when not in force"
AS=bjones cr --db t.db unlink 1 CR/1234/24 --reason "another matter"
expect_rc 0
expect_out "case 1: unlink: CR/1234/24 (version 9)"
RC=3 refused bjones "case 1 has no linked reference CR/1234/24 in force" \
    unlink 1 CR/1234/24 --reason "another matter"
refused ejones "unlink needs the reviewer who holds case 2, a supervisor or an admin; you (ejones) do not hold it (nobody does)" \
    unlink 2 MS-9 --reason x
expect_eq "$(sql t.db "select case_id, kind, ref, status, coalesce(added_by, '-'), coalesce(removed_by, '-') from case_links order by id")" \
    "1|crime|CR/1234/24|open|-|bjones
2|iopc|2024/0001|closed|-|-
2|misconduct|MS-9|open|-|-
3|crime|CR/9/25|open|asmith|bjones
3|crime|CR/9/25|charged|bjones|-
1|iopc|IOPC-77|open|cadmin|-" "case_links after link and unlink"
expect_eq "$(sql t.db "select case_id, action, details from audit_events where action in ('link', 'unlink') order by id")" \
    '3|link|{"ref": "CR/9/25", "kind": "crime", "status": "open", "reason": "seen on PND"}
3|link|{"ref": "CR/9/25", "kind": "crime", "status": "charged", "reason": "charged today", "old_kind": "crime", "old_status": "open", "old_added_by": "asmith"}
1|link|{"ref": "IOPC-77", "kind": "iopc", "status": "open", "reason": "referral found"}
1|unlink|{"ref": "CR/1234/24", "reason": "another matter", "old_kind": "crime", "old_status": "open", "old_added_by": null}' \
    "the link and unlink events"

begin "search finds a linked reference in force, not one removed"
cr --db t.db list --search CR/9/25 --format json
expect_json '[r["case"] for r in d]' '[3]'
cr --db t.db list --search MS-9 --format json
expect_json '[r["case"] for r in d]' '[2]'
cr --db t.db list --search CR/1234/24 --format json
expect_json '[r["case"] for r in d]' '[]'

begin "a re-import never adds back a reference its case has had"
cr --db t.db import a.csv
expect_rc 0
expect_out "a.csv: nothing to import: all 3 allegations are already in the database"

begin "audit verify passes, and catches a tampered link row"
cr --db t.db audit verify
expect_rc 0
db_copy t.db u.db
sql u.db "update case_links set status = 'closed' where id = 5"
cr --db u.db audit verify
expect_rc 3
expect_err 'casereview: audit: case 3: the case_links table says link crime "CR/9/25" closed by bjones, the trail says link crime "CR/9/25" charged by bjones (event 17)'
db_copy t.db v.db
sql v.db "update case_links set removed_by = NULL, removed_at = NULL, removed_reason = NULL where id = 1"
cr --db v.db audit verify
expect_rc 3
grep -qF "the case_links table lacks link crime \"CR/1234/24\" open by (import), removed by bjones" "$T/err" ||
    fail "an unlink undone in the table is not caught: $(cat "$T/err")"

finish
