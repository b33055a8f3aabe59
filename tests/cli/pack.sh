#!/usr/bin/env bash
# The panel's bundle (`pack`, issue 13 item 5): per case a readable
# document and its JSON, a MANIFEST that `sha256sum -c` accepts, files 0600
# in a directory 0700, redaction that leaves no trace, ONE disclosure event
# naming the cases and the manifest's digest, and every refusal with its
# exact words, its exit status, no event and no file.
. "$(dirname "$0")/lib.sh"

# A second admin in S2's unit: with conflicts.same_unit, S2's cases are not theirs to see.
sed -i 's/^  - { login: cadmin, name: "C. Admin", roles: \[admin\] }$/&\n  - { login: dadmin, name: "D. Admin", roles: [admin], unit: "Contact Centre" }/' "$T/casereview.yaml"
grep -q dadmin "$T/casereview.yaml" || fail "the second admin is not in the configuration"

run() { # run LOGIN ARGS...: one command that must succeed
    local who=$1
    shift
    AS=$who cr --db t.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
run cadmin import "$FIXTURES/import/good.csv"
# Case 1 (S1) before the panel: a decision with a rationale of two lines, an approval, a vote, a note.
run asmith claim 1
run asmith decide 1 --outcome refer --rationale "The allegations show a pattern.
Refer for risk management."
run bjones approve 1
run mkhan vote 1 --concur
run cadmin note 1 "Bundle for the sitting of 12 January."
# Case 2 (S2) closed; a new allegation opens case 3, which follows it.
run asmith claim 2
run asmith decide 2 --outcome reassess --rationale "Reassess in six months."
run bjones approve 2
printf '%s\n' 'subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary' \
    'S2,山之内,健太,staff,Band D,Contact Centre,restricted,A9,sexual_offence,2025-10-01,hotline,Not recorded,A new report by a colleague' >new.csv
run cadmin import new.csv

disclosures() {
    sql t.db "select count(*) from audit_events where action = 'disclosure'"
}
last_details() {
    json_at "$(sql t.db "select details from audit_events where action = 'disclosure' order by id desc limit 1")" "$1"
}

begin "pack two cases: the files, their modes, the summary line"
umask 022
cr --db t.db pack 1 3 --reason "Panel sitting of 12 January" --recipient "Scrutiny panel" --out bundle
expect_rc 0
expect_eq "$(cd bundle && ls -A | tr '\n' ' ')" "MANIFEST case-1.json case-1.txt case-3.json case-3.txt " "the files"
expect_eq "$(stat -c %a bundle)" 700 "the directory's mode"
expect_eq "$(stat -c %a bundle/* | sort -u)" 600 "the files' modes"
digest=$(sha256sum <bundle/MANIFEST | cut -c1-64)
event=$(sql t.db "select max(id) from audit_events")
expect_err "casereview: packed 2 cases (1, 3) for Scrutiny panel into bundle: 4 files and MANIFEST (sha256 $digest); recorded in the audit trail (event $event)"

begin "the MANIFEST: sha256sum -c accepts it, and it names every file"
(cd bundle && sha256sum -c MANIFEST) >"$T/check" 2>&1 || fail "sha256sum -c: $(cat "$T/check")"
expect_eq "$(cut -c67- bundle/MANIFEST | tr '\n' ' ')" "case-1.json case-1.txt case-3.json case-3.txt " "the manifest's files"
expect_eq "$(grep -c '^[0-9a-f]\{64\}  case-[0-9]*\.\(txt\|json\)$' bundle/MANIFEST)" 4 "sha256sum's format"
printf 'x' >>bundle/case-1.txt
(cd bundle && sha256sum -c --quiet MANIFEST) >/dev/null 2>&1 && fail "a changed file passes the manifest"
truncate -s -1 bundle/case-1.txt

begin "the readable document of case 1, exactly"
diff -u "$FIXTURES/pack/case-1.txt" bundle/case-1.txt >"$T/diff" || fail "case-1.txt differs:
$(cat "$T/diff")"

begin "the JSON parses and holds the fields"
python3 -m json.tool bundle/case-1.json >/dev/null || fail "case-1.json does not parse"
python3 -m json.tool bundle/case-3.json >/dev/null || fail "case-3.json does not parse"
cp bundle/case-1.json "$T/out"
expect_json 'd["case"]' 1
expect_json 'd["state"]' panel_review
expect_json 'd["subject"]["surname"]' Quillfeather
expect_json 'd["subject"]["subject_ref"]' S1
expect_json '[a["ref"] for a in d["allegations"]]' '["A4", "A1", "A2"]'
expect_json 'd["allegations"][1]["summary"]' 'She said "stop", twice.
Then she left.'
expect_json '[(x["action"], x["decision"], x["by"]) for x in d["decisions"]]' '[["decide", 1, "asmith"], ["approve", 1, "bjones"]]'
expect_json 'd["decisions"][0]["rationale"]' 'The allegations show a pattern.
Refer for risk management.'
expect_json 'd["approval"]["approved_by"]' bjones
expect_json '[(v["member"], v["vote"]) for v in d["votes"]]' '[["mkhan", "concur"]]'
expect_json '[n["body"] for n in d["notes"]]' '["Bundle for the sitting of 12 January."]'
expect_json 'd["disclosure"]' '{"recipient": "Scrutiny panel", "reason": "Panel sitting of 12 January", "by": "cadmin", "at": "2026-01-01T00:00:00Z", "redacted": []}'
expect_json 'd["other_cases"]' '[]'
expect_json '[(t["case"], t["date"], t["ref"]) for t in d["timeline"]]' '[[1, "2015-06-01", "A4"], [1, "2019-04-02", "A1"], [1, "2021-11-30", "A2"]]'
expect_json 'd["linked_refs"], d["follow_ups"]' '[[], []]'
cp bundle/case-3.json "$T/out"
expect_json 'd["previous_case"]' 2
expect_json '[(o["case"], o["state"], o["outcome"]) for o in d["other_cases"]]' '[[2, "closed", "reassess"]]'
# The subject's whole history in one timeline: case 2's allegation before case 3's.
expect_json '[(t["case"], t["ref"]) for t in d["timeline"]]' '[[2, "A3"], [3, "A9"]]'
expect_json 'd["decisions"]' '[]'
grep -qx '  Case 2: Closed, Reassess, flagged 2026-01-01T00:00:00Z, decided 2026-01-01T00:00:00Z, closed 2026-01-01T00:00:00Z' bundle/case-3.txt ||
    fail "case-3.txt does not list the subject's closed case 2"

begin "ONE disclosure event: the cases and the manifest's digest"
expect_eq "$(sql t.db "select count(*) from audit_events where id > $((event - 1)) and action = 'disclosure'")" 1 "one event"
expect_eq "$(sql t.db "select action || '|' || coalesce(case_id, 0) || '|' || actor from audit_events where id = $event")" "disclosure|0|cadmin" "the event"
expect_eq "$(last_details kind)" pack "kind"
expect_eq "$(last_details cases)" "[1,3]" "the case numbers"
expect_eq "$(last_details manifest_sha256)" "$digest" "the manifest's digest"
expect_eq "$(last_details reason)|$(last_details recipient)" "Panel sitting of 12 January|Scrutiny panel" "reason and recipient"
expect_eq "$(last_details redact)" "[]" "no redaction"
expect_eq "$(last_details destination)" "$(realpath "$T")/bundle" "the destination, absolute"

begin "--redact names: no trace of the subject's names"
cr --db t.db pack 1 3 --reason r --recipient w --redact names --out named
expect_rc 0
# S1's names are nowhere (no text of S1's cases holds them); S2's are in a summary of its
# closed case 2 (the fixture's), which the timeline shows and names redaction keeps (README):
# in no JSON value but a summary, and in no line of the text but that summary's.
for word in Quillfeather Zoë; do
    grep -rq "$word" named && fail "'$word' is still in the bundle"
    grep -rqi "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1])[1:-1])' "$word")" named && fail "'$word' is still in the bundle, escaped"
done
left=$(python3 -c '
import json, sys
def walk(v, key=None):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from walk(x, k)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x, key)
    elif isinstance(v, str) and key != "summary":
        yield v
for f in sys.argv[1:]:
    for s in walk(json.load(open(f, encoding="utf-8"))):
        if "山之内" in s or "健太" in s:
            print(f, s)
' named/case-1.json named/case-3.json)
[ -z "$left" ] || fail "S2's names are still in the bundle: $left"
expect_eq "$(grep -c '山之内\|健太' named/case-3.txt)" 1 "S2's names in the text: the one summary that holds them"
grep -q '^    Ünïcödé, 山之内 and an ESC' named/case-3.txt || fail "the summary that names S2 is not the line that holds the name"
grep -qx '  Name         S1, S1' named/case-1.txt || fail "the name is not the subject_ref"
expect_eq "$(last_details redact)" '["names"]' "the redaction recorded"
(cd named && sha256sum -c --quiet MANIFEST) || fail "the redacted bundle fails its manifest"

begin "--redact summaries: no trace of the allegations' summaries"
cr --db t.db pack 1 --reason r --recipient w --redact summaries --out summ
expect_rc 0
for text in "Plain summary" "She said" "Later row"; do
    grep -rq "$text" summ && fail "'$text' is still in the bundle"
done
expect_eq "$(grep -c '^     \[redacted\]$' summ/case-1.txt)" 3 "each summary redacted"
grep -q Quillfeather summ/case-1.txt || fail "the names went with the summaries"
expect_eq "$(last_details redact)" '["summaries"]' "the redaction recorded"
cr --db t.db pack 1 --reason r --recipient w --redact names,summaries --out both
expect_rc 0
expect_eq "$(last_details redact)" '["names","summaries"]' "both recorded"

begin "--state panel_review takes the cases before the panel"
cr --db t.db pack --state panel_review --reason r --recipient w --out panel
expect_rc 0
expect_eq "$(cd panel && ls -A | tr '\n' ' ')" "MANIFEST case-1.json case-1.txt " "the files"
expect_eq "$(last_details cases)" "[1]" "the cases"
cr --db t.db pack --state closed --reason r --recipient w --out closed
expect_rc 0
expect_eq "$(last_details cases)" "[2]" "the closed case"

# Each refusal: its words, its exit status, no new event, nothing on disk.
refused() { # refused RC DIR MESSAGE: the command just run was refused so
    expect_rc "$1"
    expect_err "$3"
    expect_eq "$(disclosures)" "$n" "no disclosure event"
    [ -z "$2" ] || [ ! -e "$2" ] || [ -L "$2" ] || [ -n "$(ls -A "$2")" ] || fail "$2 was left behind"
}

begin "refused: no reason, no recipient, no directory, no cases"
n=$(disclosures)
cr --db t.db pack 1 --recipient w --out r1
refused 2 r1 "casereview: pack: --reason TEXT and --recipient TEXT are required"
cr --db t.db pack 1 --reason r --out r1
refused 2 r1 "casereview: pack: --reason TEXT and --recipient TEXT are required"
cr --db t.db pack 1 --reason " " --recipient w --out r1
refused 1 r1 "casereview: a pack is a disclosure and needs a reason and a recipient"
cr --db t.db pack 1 --reason r --recipient w
refused 2 "" "casereview: pack: --out DIR is required"
cr --db t.db pack --reason r --recipient w --out r1
refused 2 r1 "casereview: pack: give the cases (CASE...) or --state S"
cr --db t.db pack 1 --state closed --reason r --recipient w --out r1
refused 2 r1 "casereview: pack: give the cases or --state S, not both"
cr --db t.db pack 1 --redact faces --reason r --recipient w --out r1
refused 2 r1 "casereview: pack: --redact must be names, summaries or names,summaries, not 'faces'"
cr --db t.db pack 99 --reason r --recipient w --out r1
refused 3 r1 "casereview: no case '99' (give a case number or a subject_ref)"
[ -e r1 ] && fail "r1 was made"

begin "refused: a role that may not (every role but admin)"
for who in asmith bjones fkaur mkhan; do
    AS=$who cr --db t.db pack 1 --reason r --recipient w --out r2
    expect_rc 1
    grep -q "^casereview: pack needs the admin role; you ($who) are " "$T/err" || fail "$who: $(cat "$T/err")"
    expect_eq "$(disclosures)" "$n" "no event for $who"
    [ -e r2 ] && fail "r2 was made for $who"
done
AS=asmith cr --db t.db pack 1 --reason r --recipient w --out r2
expect_err "casereview: pack needs the admin role; you (asmith) are reviewer"

begin "refused: a case the user may not see (conflicts.same_unit), with the others named"
AS=dadmin cr --db t.db pack 1 3 --reason r --recipient w --out r3
refused 1 r3 "casereview: case 3 cannot be packed: you (dadmin) are in the subject's unit (Contact Centre), and with conflicts.same_unit nobody sees a case from their own unit; nothing was written"
[ -e r3 ] && fail "r3 was made"
AS=dadmin cr --db t.db pack --state flagged --reason r --recipient w --out r3
refused 1 r3 "casereview: no case in flagged that you may see; nothing was written"
AS=dadmin cr --db t.db pack --state panel_review --reason r --recipient w --out r3
expect_rc 0
n=$(disclosures)

begin "refused: a directory that exists and is not empty"
mkdir full && echo keep >full/notes.txt
cr --db t.db pack 1 --reason r --recipient w --out full
refused 3 "" "casereview: full is not empty (it holds notes.txt): pack writes only into a new or empty directory; nothing was written"
expect_eq "$(ls -A full)" notes.txt "the directory as it was"
mkdir empty && chmod 755 empty
cr --db t.db pack 1 --reason r --recipient w --out empty
expect_rc 0
expect_eq "$(stat -c %a empty/case-1.txt)" 600 "a file in an existing empty directory"
n=$(disclosures)

begin "refused: a symbolic link planted at a file's path, or as the directory"
mkdir planted && echo secret >target.txt && ln -s ../target.txt planted/case-1.txt
cr --db t.db pack 1 --reason r --recipient w --out planted
refused 3 "" "casereview: planted is not empty (it holds case-1.txt): pack writes only into a new or empty directory; nothing was written"
expect_eq "$(cat target.txt)" secret "the link's target untouched"
mkdir realdir && ln -s realdir linkdir
cr --db t.db pack 1 --reason r --recipient w --out linkdir
refused 3 "" "casereview: linkdir is a symbolic link, which pack does not follow; nothing was written"
expect_eq "$(ls -A realdir)" "" "nothing written through the link"
: >afile
cr --db t.db pack 1 --reason r --recipient w --out afile
refused 3 "" "casereview: afile is not a directory; nothing was written"

begin "a symbolic link planted at a file's path after the check: not followed"
echo secret >planted.txt
PLANT_FILE=case-3.txt PLANT_TARGET=$T/planted.txt LD_PRELOAD=$PRELOAD_FULL ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    cr --db t.db pack 1 3 --reason r --recipient w --out raced
refused 3 "" "casereview: raced/case-3.txt: File exists; nothing was disclosed and the files written were removed"
expect_eq "$(cat planted.txt)" secret "the link's target untouched"
expect_eq "$(ls -A raced)" case-3.txt "only the planted link is left (pack's own files removed)"
[ -L raced/case-3.txt ] || fail "the planted link is gone"

begin "a disk that fills up half-way: what was written is removed, nothing recorded"
FULL_FILE=case-3.json LD_PRELOAD=$PRELOAD_FULL ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    cr --db t.db pack 1 3 --reason r --recipient w --out half
refused 3 "" "casereview: writing half/case-3.json: No space left on device; nothing was disclosed and the files written were removed"
[ -e half ] && fail "half was left behind: $(ls -A half)"
mkdir half2
FULL_FILE=case-3.json LD_PRELOAD=$PRELOAD_FULL ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    cr --db t.db pack 1 3 --reason r --recipient w --out half2
expect_rc 3
expect_eq "$(ls -A half2)" "" "the existing directory emptied again, and kept"

begin "audit verify passes after every pack"
cr --db t.db audit verify
expect_rc 0

begin "a case's linked references and what happened next go in its document"
cr --db t.db link 1 CR/77/26 --kind crime --status charged --reason "Charged in March"
expect_rc 0
cr --db t.db follow-up 1 --stage vetting --result pending --date 2026-01-01 --detail "Vetting review opened.
Hearing set."
expect_rc 0
cr --db t.db pack 1 --reason r --recipient w --out later
expect_rc 0
(cd later && sha256sum -c --quiet MANIFEST) || fail "the bundle fails its manifest"
grep -A1 -x 'Linked references' later/case-1.txt | tail -1 | grep -qx '  crime CR/77/26 (charged), cadmin' ||
    fail "the link is not in the document: $(grep -A2 'Linked references' later/case-1.txt)"
expect_eq "$(sed -n '/^What happened next$/,$p' later/case-1.txt)" "What happened next
  2026-01-01  Vetting: pending (recorded by cadmin at 2026-01-01T00:00:00Z)
    Vetting review opened.
    Hearing set." "what happened next, the detail whole"
cp later/case-1.json "$T/out"
expect_json '[(k["kind"], k["ref"], k["status"], k["added_by"]) for k in d["linked_refs"]]' '[["crime", "CR/77/26", "charged", "cadmin"]]'
expect_json '[(f["stage"], f["result"], f["date"], f["detail"]) for f in d["follow_ups"]]' '[["vetting", "pending", "2026-01-01", "Vetting review opened.\nHearing set."]]'

finish
