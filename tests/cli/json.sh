#!/usr/bin/env bash
# Every command that prints data takes --format json (SPEC section 7), from
# the one emitter: each output below is one JSON document (python3 parses
# it whole) holding the fixture's real values; a bad --format is a usage
# error naming the choices.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv .

# The value of a Python expression on stdout parsed as JSON (d), or a failure.
jv() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$T/out" "$1" 2>"$T/jerr" ||
        echo "<stdout is not one JSON document: $(head -c 300 "$T/out") $(tail -1 "$T/jerr")>"
}

# expect_json EXPR WANT: stdout parses, and EXPR on it is WANT.
expect_json() {
    expect_eq "$(jv "$1")" "$2" "$1"
}

step() {
    local who=$1
    shift
    AS=$who cr --db j.db "$@"
}

begin "init"
cr --db j.db init --format json
expect_rc 0
expect_json 'd["database"], d["created"], d["schema_version"]' '["j.db", true, 6]'

begin "import, dry run and for real"
cr --db j.db import --dry-run --format json good.csv
expect_rc 0
expect_json '[d[k] for k in ("file", "dry_run", "rows", "new_cases", "new_allegations")]' \
    '["good.csv", true, 4, 2, 4]'
cr --db j.db import --format json good.csv
expect_rc 0
expect_json '[d[k] for k in ("dry_run", "new_cases", "new_allegations", "known_allegations", "updates")]' \
    '[false, 2, 4, 0, null]'

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
expect_json 'd' '{"case": 1, "action": "claim", "state_before": "flagged", "state_after": "in_review", "version": 2}'
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

finish
