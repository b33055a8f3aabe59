#!/usr/bin/env bash
# Every command that prints data takes --format json (SPEC section 7), from
# the one emitter: each output below is one JSON document (python3 parses
# it whole) holding the fixture's real values; a bad --format is a usage
# error naming the choices.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv .

step() {
    local who=$1
    shift
    AS=$who cr --db j.db "$@"
}

begin "init"
# The schema's version is the engine's own (SQLite's schema.c; PostgreSQL's last core/pg/sql file).
version=14
[ -z "${CASEREVIEW_TEST_PG:-}" ] || version=80
cr --db j.db init --format json
expect_rc 0
expect_json 'd["database"], d["created"], d["schema_version"]' "[\"$(db_label j.db)\", true, $version]"

begin "import, dry run and for real"
cr --db j.db import --dry-run --format json good.csv
expect_rc 0
expect_json '[d[k] for k in ("file", "dry_run", "rows", "new_cases", "new_allegations")]' \
    '["good.csv", true, 4, 2, 4]'
cr --db j.db import --format json good.csv
expect_rc 0
expect_json '[d[k] for k in ("dry_run", "new_cases", "new_allegations", "known_allegations", "updates")]' \
    '[false, 2, 4, 0, []]'

begin "list"
cr --db j.db list --format json
expect_rc 0
expect_json '[(r["case"], r["subject_ref"], r["state"], r["allegations"]) for r in d]' \
    '[[1, "S1", "flagged", 3], [2, "S2", "flagged", 1]]'
expect_json 'd[0]["categories"], d[1]["surname"], d[0]["outcome"], d[0]["quorum_blocked"]' \
    '[["domestic_violence", "sexual_offence"], "山之内", null, false]'
cr --db j.db list --state closed --format json
expect_rc 0
expect_json 'd' '[]'

begin "the actions"
step asmith claim S1 --format json
expect_rc 0
expect_json 'd' '{"case": 1, "action": "claim", "state_before": "flagged", "state_after": "in_review", "version": 2, "summary": "claimed: it is yours to decide"}'
step asmith claim S2 --format json
step asmith release S2 --format json
expect_json 'd["action"], d["state_after"]' '["release", "flagged"]'
step bjones assign S2 asmith --format json
expect_json 'd["action"], d["state_after"], d["case"]' '["assign", "in_review", 2]'
step asmith note S2 "Seen." --format json
expect_json 'd["action"], d["state_before"], d["state_after"]' '["note", "in_review", "in_review"]'
step asmith decide S1 --outcome refer --vetting-review --rationale "Refer: a pattern." --format json
expect_json 'd["action"], d["state_after"], d["version"]' '["decide", "awaiting_approval", 3]'
step bjones return S1 --reason "Say more." --format json
expect_json 'd["action"], d["state_after"]' '["return", "returned"]'
step asmith decide S1 --outcome refer --vetting-review --rationale "Refer: a pattern, said more." --format json
step fkaur approve S1 --format json
expect_json 'd["action"], d["state_before"], d["state_after"]' '["approve", "awaiting_approval", "panel_review"]'
step lpark vote S1 --concur --format json
expect_json 'd["action"], d["state_before"], d["state_after"]' '["vote", "panel_review", "panel_review"]'

begin "show: the case document"
cr --db j.db show S1 --format json
expect_rc 0
expect_json '[d[k] for k in ("case", "state", "subject_ref", "outcome", "vetting_review", "decided_by", "approved_by", "decision")]' \
    '[1, "panel_review", "S1", "refer", true, "asmith", "fkaur", 2]'
expect_json '[a["ref"] for a in d["allegations"]], d["allegations"][0]["category"]' \
    '[["A4", "A1", "A2"], "domestic_violence"]'
expect_json 'd["rationale"], d["surname"], d["forenames"]' '["Refer: a pattern, said more.", "Quillfeather", "Zoë"]'
expect_json '[(n["author"], n["kind"], n["body"]) for n in d["notes"]]' '[["bjones", "return", "Say more."]]'
expect_json '[(v["member"], v["vote"], v["kind"], v["reason"]) for v in d["votes"]], d["votes_withheld"]' \
    '[[["lpark", "concur", "legal", null]], 0]'
# Blind voting: a member who has not voted yet does not see the others' votes.
AS=rdoe cr --db j.db show S1 --format json
expect_rc 0
expect_json 'd["votes"], d["votes_withheld"]' '[[], 1]'

begin "history"
cr --db j.db history S1 --format json
expect_rc 0
expect_json '[e["action"] for e in d][:3], d[0]["state_before"], d[0]["state_after"], d[0]["actor"]' \
    '[["claim", "decide", "return"], "flagged", "in_review", "asmith"]'
expect_json 'd[2]["details"]["reason"]' 'Say more.'

begin "stats and report"
cr --db j.db stats --format json
expect_rc 0
expect_json 'd["cases"], d["by_state"]["panel_review"], d["by_state"]["in_review"]' '[2, 1, 1]'
cr --db j.db report --reason "Check" --recipient "Board" --format json
expect_rc 0
expect_json 'd["by"], d["counted"], d["total"]["with_panel"]["cases"]' '[["outcome"], "counters", 1]'

begin "export"
cr --db j.db export --reason "Check" --recipient "Board" --format json
expect_rc 0
expect_json '[(r["case"], r["state"], r["vetting_review"]) for r in d]' '[[1, "panel_review", true], [2, "in_review", null]]'

begin "audit head, verify and log"
cr --db j.db audit head --format json
expect_rc 0
events=$(sql j.db "select max(id) from audit_events")
expect_json 'd["event"], len(d["hash"])' "[$events, 64]"
cr --db j.db audit verify --format json
expect_rc 0
expect_json 'd["ok"], d["events"] >= '"$events" '[true, true]'
cr --db j.db audit log --case 2 --format json
expect_rc 0
expect_json 'sorted(set(e["case"] for e in d)), [e["action"] for e in d][:4]' '[[2], ["claim", "release", "assign", "note"]]'

begin "check-config, its reference, config show and adopt"
cr --db j.db check-config --format json
expect_rc 0
expect_json 'd["ok"], d["file"] == "'"$CASEREVIEW_CONFIG"'"' '[true, true]'
cr check-config --explain --format json
expect_rc 0
expect_json '[(k["type"], k["default"]) for k in d if k["path"] == "allow_impersonation"]' '[["true|false", "false"]]'
cr --db j.db config show --format json
expect_rc 0
expect_json 'd["text"] == open("'"$CASEREVIEW_CONFIG"'", encoding="utf-8").read(), d["in_force"], d["adopted_by"]' '[true, true, "cadmin"]'
old=$(jv 'd["digest"]')
sed 's/review: 10/review: 11/' "$CASEREVIEW_CONFIG" >next.yaml
cr --db j.db config adopt next.yaml --format json
expect_rc 0
expect_json 'd["file"], d["previous"] == "'"$old"'", len(d["digest"])' '["next.yaml", true, 64]'

begin "reconvene and recall: a case that cannot reach quorum"
# Every independent member recuses: the kind rule cannot be met (tests/cli/quorum.sh).
cat >q.yaml <<'YAML'
allow_impersonation: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
panel:
  members:
    - { login: mkhan, name: "M. Khan", kind: independent }
    - { login: lpark, name: "L. Park", kind: legal }
    - { login: rdoe, name: "R. Doe", kind: police }
  sign_off:
    concur: 2
    dissent: 1
    require_kinds: { independent: 1 }
YAML
export CASEREVIEW_CONFIG=$T/q.yaml
cr --db q.db import good.csv
for c in S1 S2; do
    AS=asmith cr --db q.db claim $c
    AS=asmith cr --db q.db decide $c --outcome refer --rationale "Refer."
    AS=bjones cr --db q.db approve $c
    AS=mkhan cr --db q.db vote $c --recuse --reason "Knows the subject."
done
# The table's mark of such a case is the list template's text, brackets and all.
AS=cadmin cr --db q.db list
expect_rc 0
expect_eq "$(grep -c '  \[cannot reach quorum\]$' "$T/out")" 2 "the table's mark, on both cases"
AS=cadmin cr --db q.db reconvene S1 --reason "A new member sits." --format json
expect_rc 0
expect_json 'd["action"], d["state_before"], d["state_after"], d["case"]' '["reconvene", "panel_review", "panel_review", 1]'
AS=bjones cr --db q.db recall S2 --reason "Back to the reviewer." --format json
expect_rc 0
expect_json 'd["action"], d["state_before"], d["state_after"]' '["recall", "panel_review", "returned"]'

begin "a bad --format is a usage error naming the choices"
cr --db j.db show S1 --format xml
expect_rc 2
expect_err "casereview: show: --format must be one of table, json, not 'xml'"
cr --db j.db history S1 --format yaml
expect_rc 2
expect_err "casereview: history: --format must be one of table, csv, json, not 'yaml'"
AS=asmith cr --db j.db note S2 "x" --format csv
expect_rc 2
expect_err "casereview: note: --format must be one of table, json, not 'csv'"
cr --db j.db audit verify --format csv
expect_rc 2
expect_err "casereview: audit verify: --format must be one of table, json, not 'csv'"

begin "every JSON string is escaped one way: C1 controls and bidi marks in details too"
# U+009B (a C1 control, CSI) and U+202E (right-to-left override) in a note
# and a rationale: history, audit log and show all write them as \u escapes,
# never as the raw bytes a terminal would obey; parsed, the text is whole.
export CASEREVIEW_CONFIG=$T/casereview.yaml
NASTY=$(printf 'x\xc2\x9b31m y\xe2\x80\xaeevil "q" \\ z')
export NASTY
cr --db e.db import good.csv
AS=asmith cr --db e.db claim S2
AS=asmith cr --db e.db note S2 "N:$NASTY"
AS=asmith cr --db e.db decide S2 --outcome nfa --rationale "R:$NASTY"
expect_rc 0
for cmd in "history S2" "audit log --case 2" "show S2"; do
    cr --db e.db $cmd --format json
    expect_rc 0
    if grep -q "$(printf '\xc2\x9b')" "$T/out" || grep -q "$(printf '\xe2\x80\xae')" "$T/out"; then
        fail "$cmd --format json writes U+009B or U+202E raw"
    fi
    grep -qF '\u009b' "$T/out" || fail "$cmd: no \\u009b escape"
    grep -qF '\u202e' "$T/out" || fail "$cmd: no \\u202e escape"
done
cr --db e.db history S2 --format json
expect_json '[e["details"]["note"] for e in d if e["action"] == "note"] == ["N:" + __import__("os").environ["NASTY"]], [e["details"]["rationale"] for e in d if e["action"] == "decide"] == ["R:" + __import__("os").environ["NASTY"]]' '[true, true]'
cr --db e.db audit log --case 2 --format json
expect_json '[e["details"]["note"] for e in d if e["action"] == "note"] == ["N:" + __import__("os").environ["NASTY"]]' 'true'
cr --db e.db show S2 --format json
expect_json 'd["rationale"] == "R:" + __import__("os").environ["NASTY"], d["notes"][0]["body"] == "N:" + __import__("os").environ["NASTY"]' '[true, true]'

begin "history and audit log both name the Unix login os_login, always"
cr --db e.db history S2 --format json
# (The import by cadmin, the rest by asmith: os_login_of says what each records.)
logins=$(for l in asmith cadmin; do os_login_of $l; done | sort -u | sed 's/.*/"&"/' | paste -sd, | sed 's/,/, /g')
expect_json 'sorted(set(k for e in d for k in e if k.endswith("login"))), sorted(set(e["os_login"] for e in d))' \
    "[[\"os_login\"], [$logins]]"
cr --db e.db audit log --case 2 --format json
expect_json 'sorted(set(k for e in d for k in e if k.endswith("login")))' '["os_login"]'
# An event with no Unix login recorded (one written before schema 6) has null.
db_copy e.db o.db
sql o.db "update audit_events set os_login = null where action = 'note'"
cr --db o.db history S2 --format json
expect_json '[e["os_login"] for e in d if e["action"] == "note"]' '[null]'
# CSV keeps its columns: unix_login, only when someone acted as another login.
cr --db e.db history S2 --format csv
expect_eq "$(head -1 "$T/out")" "id,at,actor,action,state_before,state_after,details,unix_login" "history CSV header"

begin "import --format json: updates, one object a changed field"
printf '%s\n' 'subject_ref,surname,forenames,employment,rank,unit,duty_status,category,allegation_ref,allegation_date,source,original_outcome,summary' \
    "S2,山之内,健太,staff,Band 'E'; acting,Unit 'B'; East -> West,restricted,domestic_violence,A9,2024-01-01,pnd,Not recorded,Another." >upd.csv
cr --db e.db import --format json --dry-run upd.csv
expect_rc 0
expect_json 'd["updated_subjects"], d["updates"]' \
    "[1, [{\"subject_ref\": \"S2\", \"field\": \"rank\", \"from\": \"Band D\", \"to\": \"Band 'E'; acting\"}, {\"subject_ref\": \"S2\", \"field\": \"unit\", \"from\": \"Contact Centre\", \"to\": \"Unit 'B'; East -> West\"}]]"
# A value that reads like another change: core gives the changes as data, never a
# sentence to be read back.
printf '%s\n' 'subject_ref,surname,forenames,employment,rank,unit,duty_status,category,allegation_ref,allegation_date,source,original_outcome,summary' \
    "S2,山之内,健太,staff,\"Sgt', unit 'a' -> 'b\",Contact Centre,restricted,domestic_violence,A9,2024-01-01,pnd,Not recorded,Another." >trick.csv
cr --db e.db import --format json --dry-run trick.csv
expect_rc 0
expect_json 'd["updates"]' \
    "[{\"subject_ref\": \"S2\", \"field\": \"rank\", \"from\": \"Band D\", \"to\": \"Sgt', unit 'a' -> 'b\"}]"
cr --db e.db import upd.csv
expect_rc 0
expect_out "upd.csv: imported 1 allegation: 0 new cases" \
    "  1 allegation added to cases already open" \
    "  1 subject's details updated: S2 rank 'Band D' -> 'Band 'E'; acting', unit 'Contact Centre' -> 'Unit 'B'; East -> West'" \
    "  1 case returned for a new decision"

begin "truncated output is a failure: show, history, stats against a full disk"
for cmd in "show S2" "history S2" "stats"; do
    for fmt in table json; do
        cr_argv --as cadmin --db e.db $cmd --format $fmt
        "${CR_ARGV[@]}" >/dev/full 2>"$T/err"
        echo $? >"$T/rc"
        expect_rc 3
        expect_err "casereview: ${cmd%% *}: write failed: No space left on device"
    done
done
# list says it the same way.
cr_argv --as cadmin --db e.db list
"${CR_ARGV[@]}" >/dev/full 2>"$T/err"
echo $? >"$T/rc"
expect_rc 3
expect_err "casereview: list: write failed after 0 cases: No space left on device"

begin "audit verify --format json on a broken chain: a document with ok false"
db_copy e.db t.db
sql t.db "update audit_events set details = '{\"note\": \"changed\"}' where action = 'note'"
cr --db t.db audit verify --format json
expect_rc 3
expect_json 'd["ok"], len(d["problems"])' '[false, 1]'
expect_eq "casereview: $(jv 'd["problems"][0]')" "$(cat "$T/err")" "the problem is the message"

begin "check-config --format json on a bad file: a document with ok false"
cr check-config "$FIXTURES/config/unknown_role.yaml" --format json
expect_rc 3
expect_json 'd["ok"], d["file"] == "'"$FIXTURES/config/unknown_role.yaml"'", len(d["problems"])' '[false, true, 2]'
expect_eq "$(jv '"\n".join(d["problems"])')" "$(head -n -1 "$T/err")" "the problems are the messages"
cr check-config "$FIXTURES/config/syntax.yaml" --format json
expect_rc 3
expect_json 'd["ok"], len(d["problems"]) >= 1' '[false, true]'

begin "a file read for a text holding a NUL byte is refused, nothing written"
printf 'A rationale\0hidden rest' >nul.txt
AS=asmith cr --db e.db claim S1
before=$(sql e.db "select count(*) from audit_events")
AS=asmith cr --db e.db decide S1 --outcome nfa --rationale-file nul.txt
expect_rc 3
expect_err "casereview: decide: nul.txt holds a NUL byte at offset 11; a rationale is text; nothing was done"
expect_eq "$(sql e.db "select (select state from cases where id = 1) || ' ' || (select count(*) from audit_events)")" "in_review $((before))" "nothing written"
AS=asmith cr_in nul.txt --db e.db decide S1 --outcome nfa --rationale-file -
expect_rc 3
expect_err "casereview: decide: - holds a NUL byte at offset 11; a rationale is text; nothing was done"
cr --db e.db audit head
L=$(wc -c <"$T/out")
printf '%s\n' "$(cat "$T/out")" >heads.txt
printf '%s\0junk\n' "$(cat "$T/out")" >>heads.txt
cr --db e.db audit verify --heads heads.txt
expect_rc 3
expect_err "casereview: audit verify: heads.txt holds a NUL byte at offset $((2 * L - 1)) (line 2); a file of heads is text; nothing was checked"

begin "--format is checked before what a command requires, for every command"
for c in "decide 2" "return 2" "vote 2" "reconvene 2" "recall 2" "claim 2" "note 2 x" "show 2" "history 2" "stats" "init" "import x.csv" "audit verify" "audit head" "config show" "check-config"; do
    cr --db e.db $c --format xml
    expect_rc 2
    cmd=${c%% [0-9x]*}
    [ "$cmd" = "config show" ] && cmd=config
    expect_err "casereview: $cmd: --format must be one of table, $(case $c in history*|audit\ log*) echo 'csv, ' ;; esac)json, not 'xml'"
done
cr --db e.db report --format xml
expect_rc 2
expect_err "casereview: report: --format must be one of table, csv, json, not 'xml'"
cr --db e.db export --format xml
expect_rc 2
expect_err "casereview: export: --format must be one of csv, json, not 'xml'"

finish
