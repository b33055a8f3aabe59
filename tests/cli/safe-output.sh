#!/usr/bin/env bash
# Text that could reverse or disguise a name, or drive the terminal, never
# reaches the terminal as itself: bidirectional overrides and isolates,
# zero-width characters, the soft hyphen, C0 and C1 controls are shown as
# marks (<U+202E>, <U+200B>, ^[, <9b>) in tables, in show and history, and
# in every message on stderr; JSON carries them as \u escapes; CSV into a
# file or a pipe keeps the exact bytes.
. "$(dirname "$0")/lib.sh"

RLO=$'\xe2\x80\xae'  # U+202E right-to-left override
PDF=$'\xe2\x80\xac'  # U+202C pop directional formatting
ZWSP=$'\xe2\x80\x8b' # U+200B zero width space
ZWJ=$'\xe2\x80\x8d'  # U+200D zero width joiner
LRI=$'\xe2\x81\xa6'  # U+2066 left-to-right isolate
PDI=$'\xe2\x81\xa9'  # U+2069 pop directional isolate
SHY=$'\xc2\xad'      # U+00AD soft hyphen
CSI=$'\xc2\x9b'      # U+009B, a C1 control
ESC=$'\x1b'
ACUTE=$'\xcc\x81'    # U+0301 combining acute accent: not marked, it belongs to its letter

SURNAME="${RLO}evil${ZWSP}${ZWJ}${ESC}[2J"
FORENAMES="Eve${CSI}"
UNIT="Response${ZWJ}Team"
SUMMARY="${LRI}isolated${PDI} soft${SHY}hyphen, Rene${ACUTE}e ${ESC}]0;pwned${ESC}\\ end"
{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    printf 'BIDI1,%s,%s,officer,Police Constable,%s,full,B1,domestic_violence,2024-05-01,complaint,NFA,"%s"\n' \
        "$SURNAME" "$FORENAMES" "$UNIT" "$SUMMARY"
} >bidi.csv

# No raw override, isolate, zero-width character or ESC in what was written.
no_raw() {
    local f
    for f in "$T/out" "$T/err"; do
        if grep -q -e "$RLO" -e "$LRI" -e "$ZWSP" -e "$ZWJ" -e "$SHY" -e "$CSI" -e "$ESC" "$f"; then
            fail "raw invisible or control character in ${f##*/}: $(od -c "$f" | head -20)"
        fi
    done
}

begin "import"
cr --db b.db import bidi.csv
expect_rc 0
expect_out "bidi.csv: imported 1 allegation: 1 new case"
expect_empty_err

begin "list: marks in the table, a mark never cut in two"
cr --db b.db list
expect_rc 0
expect_out \
    "  CASE  STATE                AGE  SUBJECT    NAME                     RANK               UNIT                   CAT     N  ASSIGNEE" \
    "     1  flagged              0d  BIDI1      <U+202E>evil<U+200B>…    Police Constable   Response<U+200D>Team   DV      1  -"
expect_empty_err
no_raw

begin "list --format json: \\u escapes, lossless"
cr --db b.db list --format json
expect_rc 0
expect_out "[" \
    ' {"case": 1, "state": "flagged", "outcome": null, "priority": 300492, "created_at": "2026-01-01T00:00:00Z", "subject_ref": "BIDI1", "surname": "\u202eevil\u200b\u200d\u001b[2J", "forenames": "Eve\u009b", "rank": "Police Constable", "unit": "Response\u200dTeam", "duty_status": "full", "categories": ["domestic_violence"], "allegations": 1, "assignee": null, "vetting_review": null, "decided_by": null, "decided_at": null, "quorum_blocked": false, "due": "2026-01-11T00:00:00Z", "paused_until": null, "approver": null, "panel_progress": null, "panel_concur": null, "panel_concur_needed": null, "panel_dissent": null, "panel_dissent_limit": null, "panel_missing": null, "panel_hidden": null}' \
    "]"
expect_empty_err
no_raw

begin "list --format csv into a pipe: the exact bytes (a data format, imported again)"
cr --db b.db list --format csv
expect_rc 0
expect_out "case,state,outcome,priority,created_at,subject_ref,surname,forenames,rank,unit,duty_status,categories,allegations,assignee,vetting_review,decided_by,decided_at,quorum_blocked,due,paused_until,approver,panel_progress,panel_concur,panel_concur_needed,panel_dissent,panel_dissent_limit,panel_missing,panel_hidden" \
    "1,flagged,,300492,2026-01-01T00:00:00Z,BIDI1,$SURNAME,$FORENAMES,Police Constable,$UNIT,full,domestic_violence,1,,,,,false,2026-01-11T00:00:00Z,,,,,,,,,"

begin "list --format csv to a terminal: marked"
if command -v script >/dev/null; then
    cr_argv --as "$AS" --db b.db list --format csv || fail "cr_argv: $(cat "$T/err")"
    script -qec "$(printf '%q ' "${CR_ARGV[@]}")" /dev/null </dev/null |
        tr -d '\r' >"$T/out"
    : >"$T/err"
    expect_out "case,state,outcome,priority,created_at,subject_ref,surname,forenames,rank,unit,duty_status,categories,allegations,assignee,vetting_review,decided_by,decided_at,quorum_blocked,due,paused_until,approver,panel_progress,panel_concur,panel_concur_needed,panel_dissent,panel_dissent_limit,panel_missing,panel_hidden" \
        "1,flagged,,300492,2026-01-01T00:00:00Z,BIDI1,<U+202E>evil<U+200B><U+200D>^[[2J,Eve<9b>,Police Constable,Response<U+200D>Team,full,domestic_violence,1,,,,,false,2026-01-11T00:00:00Z,,,,,,,,,"
    no_raw
fi

begin "show: every field marked; a combining accent stays on its letter"
cr --db b.db show BIDI1
expect_rc 0
expect_out \
    "Case 1: Flagged (version 1, priority 300492, flagged 2026-01-01T00:00:00Z)" \
    "Subject        <U+202E>evil<U+200B><U+200D>^[[2J, Eve<9b>" \
    "Reference      BIDI1" \
    "Employment     Officer, Police Constable" \
    "Unit           Response<U+200D>Team" \
    "Duty           Full duties" \
    "Vetting        not recorded" \
    "Assigned to    -" \
    "Due            2026-01-11T00:00:00Z" \
    "" \
    "Decision" \
    "  not decided" \
    "" \
    "Allegations (1)" \
    "" \
    "  1. 2024-05-01  B1  Domestic violence, reported by Complaint" \
    "     Original outcome: NFA" \
    "     <U+2066>isolated<U+2069> soft<U+00AD>hyphen, Rene${ACUTE}e ^[]0;pwned^[\\ end"
expect_empty_err
no_raw

begin "history: a note's override and escape marked"
AS=asmith cr --db b.db claim BIDI1
expect_rc 0
AS=asmith cr --db b.db note BIDI1 "see ${RLO}evil${PDF} ${ESC}[31mred"
expect_rc 0
AS=asmith cr --db b.db history BIDI1
expect_rc 0
# cadmin's view and lists (#2 to #10: each list a begin and an end) are the admin's to see.
# The Unix login is shown where it is not the acting login (os_login_of).
unix=
[ "$(os_login_of asmith)" = asmith ] || unix="  unix login: $(os_login_of asmith)"
expect_out \
    "2026-01-01T00:00:00Z  #11     asmith     claim    flagged -> in_review  {}$unix" \
    "2026-01-01T00:00:00Z  #12     asmith     note     {\"note\": \"see <U+202E>evil<U+202C> \\u001b[31mred\"}$unix" \
    "2026-01-01T00:00:00Z  #13     asmith     view     {\"view\": \"history\"}$unix"
expect_empty_err
no_raw

begin "an error that repeats what was typed: marked, and nothing written"
before=$(db_state b.db)
cr --db b.db show "${RLO}1${ESC}[2J${ZWSP}"
expect_rc 3
expect_err "casereview: no case '<U+202E>1^[[2J<U+200B>' (give a case number or a subject_ref)"
expect_eq "$(db_state b.db)" "$before" "database after a refused show"
no_raw

begin "a usage error from the option parser: marked"
cr --db b.db list "--${RLO}x${ESC}"
expect_rc 2
expect_err "casereview: list: unknown option '--<U+202E>x^[' (see 'casereview list --help')"
no_raw
cr --db b.db list --state "${LRI}closed"
expect_rc 2
expect_err "casereview: list: --state must be one of flagged, in_review, awaiting_approval, panel_review, returned, closed, not '<U+2066>closed'"
no_raw

begin "an import diagnostic that quotes a cell: marked (core writes a C0 control as \\x1b)"
{
    head -1 bidi.csv
    printf 'BIDI2,Doe,Jo,officer,PC,Unit,full,B2,%sdv%s,2024-05-01,complaint,NFA,text\n' "$RLO" "$ESC"
} >bad.csv
before=$(db_state b.db)
cr --db b.db import bad.csv
expect_rc 3
expect_err "bad.csv:2: category: '<U+202E>dv\\x1b' is not one of domestic_violence, sexual_offence" \
    "casereview: bad.csv: 1 problem; nothing imported"
expect_eq "$(db_state b.db)" "$before" "database after a refused import"
no_raw

begin "a path in a message: marked"
cr --db b.db import "no${RLO}such${ESC}.csv"
expect_rc 3
expect_err "casereview: import: no<U+202E>such^[.csv: No such file or directory"
no_raw

begin "export: CSV exact on stdout, the recipient marked on stderr"
cr --db b.db export --reason "audit" --recipient "IOPC ${RLO}lanoitan${PDF}"
expect_rc 0
expect_err "casereview: exported 1 case for IOPC <U+202E>lanoitan<U+202C>; recorded in the audit trail"
grep -qF -- "$SURNAME" "$T/out" || fail "the export does not keep the surname's exact bytes"
begins=$(sql b.db "select details from audit_events where action = 'disclosure' order by id" |
    while IFS= read -r d; do [ "$(json_at "$d" stage)" = begin ] && json_at "$d" recipient; done)
expect_eq "$begins" "IOPC ${RLO}lanoitan${PDF}" "the recipient's exact bytes in the begin event"

finish
