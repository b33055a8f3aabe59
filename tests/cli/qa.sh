#!/usr/bin/env bash
# Quality assurance (issue 13, item 4; README "Quality assurance"): the qa:
# keys refused where wrong (file:line:col, exit 3); the selection at approval
# checked against draws worked out by hand (BLAKE2b-256 of "SEED\nCASE\nROUND",
# first 8 bytes big-endian, mod 10000: with seed 2026, round 1 of cases 1-6
# draws 6757 978 7824 1871 7678 3972, round 2 of case 5 draws 2424; computed
# with `printf '2026\n5\n2' | b2sum -l 256`); min_per_reviewer; the blind
# view; agree and disagree; every refusal with its message and exit status;
# audit verify passing, and catching a tampered qa row; report --qa's figures
# against numbers worked out by hand below.
. "$(dirname "$0")/lib.sh"

cat >q.yaml <<'EOF2'
allow_impersonation: true
users:
  - { login: asmith, name: "A. Smith", roles: [reviewer] }
  - { login: rbrown, name: "R. Brown", roles: [reviewer] }
  - { login: qkim, name: "Q. Kim", roles: [reviewer] }
  - { login: lpark, name: "L. Park", roles: [reviewer] }
  - { login: bjones, name: "B. Jones", roles: [supervisor] }
  - { login: dlee, name: "D. Lee", roles: [supervisor] }
  - { login: cadmin, name: "C. Admin", roles: [admin] }
panel:
  members:
    - { login: mkhan, name: "M. Khan", kind: independent }
    - { login: lpark, name: "L. Park", kind: legal }
  sign_off: { concur: 1, dissent: 1, blind: false }
  outcomes:
    nfa: { panel: false }
    reassess: { panel: false }
qa:
  sample_percent: 30
  min_per_reviewer: 1
  outcomes: [nfa, refer]
  seed: 2026
EOF2
export CASEREVIEW_CONFIG=$T/q.yaml

# Config errors: each where it was written, exit 3.
bad() {
    local name=$1 want=$2
    shift 2
    begin "config: $name"
    printf '%s\n' "$@" >"$name.yaml"
    cr_plain check-config "$name.yaml"
    expect_rc 3
    expect_err "$want" "casereview: $name.yaml: the configuration has problems; nothing was done"
}
head -n 17 q.yaml >base.yaml
bad percent "percent.yaml:19:19: qa.sample_percent: 101 is out of range (0 to 100)" \
    "$(cat base.yaml)" "qa:" "  sample_percent: 101" "  seed: x"
bad minimum "minimum.yaml:19:21: qa.min_per_reviewer: expected a whole number, not 'two'" \
    "$(cat base.yaml)" "qa:" "  min_per_reviewer: two" "  seed: x"
bad outcome "outcome.yaml:19:19: qa.outcomes: 'maybe' is not an outcome (outcomes: nfa, reassess, refer)" \
    "$(cat base.yaml)" "qa:" "  outcomes: [nfa, maybe]" "  seed: x"
bad twice "twice.yaml:19:19: qa.outcomes: 'nfa' is listed twice" \
    "$(cat base.yaml)" "qa:" "  outcomes: [nfa, nfa]" "  seed: x"
bad empty "empty.yaml:19:13: qa.outcomes: an empty list would select nothing; list at least one outcome (nfa, reassess, refer), or leave the key out for all" \
    "$(cat base.yaml)" "qa:" "  outcomes: []" "  seed: x"
bad noseed "noseed.yaml:19:3: qa: missing required key 'seed'" \
    "$(cat base.yaml)" "qa:" "  sample_percent: 5"
bad roster "roster.yaml:20:15: qa.reviewers: 'nobody' is not on the roster (users)" \
    "$(cat base.yaml)" "qa:" "  seed: x" "  reviewers: [nobody]"
bad role "role.yaml:20:15: qa.reviewers: 'cadmin' neither reviews nor supervises, so cannot review a decision for quality" \
    "$(cat base.yaml)" "qa:" "  seed: x" "  reviewers: [cadmin]"

{
    echo "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary"
    echo "S1,One,Pat,officer,PC,U1,full,A1,domestic_violence,2020-01-01,complaint,NFA,first"
    echo "S2,Two,Pat,officer,PC,U2,full,A2,sexual_offence,2020-01-02,complaint,NFA,second"
    echo "S3,Three,Pat,officer,PC,U3,full,A3,domestic_violence,2020-01-03,complaint,NFA,third"
    echo "S4,Four,Pat,officer,PC,U4,full,A4,sexual_offence,2020-01-04,complaint,NFA,fourth"
    echo "S5,Five,Pat,officer,PC,U5,full,A5,sexual_offence,2020-01-05,complaint,NFA,fifth"
    echo "S6,Six,Pat,officer,PC,U6,full,A6,sexual_offence,2020-01-06,complaint,NFA,sixth"
} >q.csv
cr --db q.db import q.csv
[ "$(cat "$T/rc")" = 0 ] || fail "setup: import: $(cat "$T/err")"

step() {
    local who=$1
    shift
    AS=$who cr --db q.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "setup: $who $*: $(cat "$T/err")"
}
decide() { # WHO CASE OUTCOME
    step "$1" decide "$2" --outcome "$3" --rationale "Rationale $2 by $1: $3."
}
for c in 1 2 3; do step asmith claim "$c"; done
for c in 4 5 6; do step rbrown claim "$c"; done
decide asmith 1 nfa
decide asmith 2 nfa
decide asmith 3 reassess
decide rbrown 4 nfa
decide rbrown 5 refer
decide rbrown 6 nfa
for c in 1 2 3 4 5 6; do step bjones approve "$c"; done

begin "selection: by the draws and min_per_reviewer, nothing else"
# Case 1: draw 6757, but asmith had none selected (minimum); 2: 978 < 3000;
# 3: reassess, not in qa.outcomes; 4: 1871; 5: 7678 and rbrown has case 4;
# 6: 3972.
expect_eq "$(sql_join q.db ' ' "SELECT case_id || ':' || round || ':' || reason || ':' || draw FROM qa ORDER BY case_id")" \
    "1:1:minimum:6757 2:1:sample:978 4:1:sample:1871" "qa rows"
expect_eq "$(sql q.db "SELECT count(*) FROM audit_events WHERE action = 'qa_selected'")" 3 "qa_selected events"
expect_eq "$(sql q.db "SELECT details FROM audit_events WHERE action = 'qa_selected' AND case_id = 2")" \
    '{"round": 1, "decider": "asmith", "outcome": "nfa", "selected": "sample", "seed": "2026", "draw": 978, "sample_percent": 30, "min_per_reviewer": 1}' "the selection's event"

# The panel returns case 5's first decision; the second (draw 2424) is sampled.
step mkhan vote 5 --dissent --reason "Not enough on the second allegation."
decide rbrown 5 refer
step bjones approve 5
step lpark vote 5 --concur
begin "selection: a second round, sampled"
expect_eq "$(sql q.db "SELECT reason || ':' || draw FROM qa WHERE case_id = 5 AND round = 2")" "sample:2424" "case 5 round 2"

begin "qa list: what waits for qkim, oldest first, no outcome shown"
AS=qkim cr --db q.db qa list
expect_rc 0
expect_out "case  decision  selected              why" \
    "   1         1  2026-01-01T00:00:00Z  minimum" \
    "   2         1  2026-01-01T00:00:00Z  sample" \
    "   4         1  2026-01-01T00:00:00Z  sample" \
    "   5         2  2026-01-01T00:00:00Z  sample"
AS=qkim cr --db q.db qa list --format json
expect_json "[r['case'] for r in d]" "[1, 2, 4, 5]"
expect_json "sorted(d[0].keys())" '["case", "round", "selected", "selected_at"]'

begin "qa list: asmith is not offered their own decisions"
AS=asmith cr --db q.db qa list --format json
expect_json "[r['case'] for r in d]" "[4, 5]"

begin "qa show: blind, the decision withheld"
AS=qkim cr --db q.db qa show 2
expect_rc 0
expect_out "case 2: decision 1 waits for your quality review" \
    "subject: Pat Two, PC (S2)" \
    "decision: withheld until you record your verdict (qa 2 --agree|--disagree --reason TEXT)" \
    "allegations:" \
    "  A2  sexual_offence  2020-01-02  second"
AS=qkim cr --db q.db qa show 2 --format json
expect_json "d['decision']" "withheld"
grep -q "Rationale\|nfa" "$T/out" && fail "the blind view shows the decision: $(cat "$T/out")"
expect_eq "$(sql q.db "SELECT details FROM audit_events WHERE action = 'view' AND actor = 'qkim' ORDER BY id DESC LIMIT 1")" '{"view": "qa"}' "the QA view is audited"

refused() { # WHO CASE RC MESSAGE
    local who=$1 c=$2 rc=$3 msg=$4
    begin "qa $c refused for $who"
    local before
    before=$(db_state q.db)
    AS=$who cr --db q.db qa "$c" --agree --reason "Looks right."
    expect_rc "$rc"
    expect_err "casereview: $msg"
    expect_eq "$(sql q.db "SELECT count(*) FROM qa WHERE qa_by IS NOT NULL")" "${DONE:-0}" "verdicts"
}
refused asmith 1 1 "qa: you (asmith) took decision 1 on case 1, so may not review it for quality"
refused bjones 1 1 "qa: you (bjones) approved decision 1 on case 1, so may not review it for quality"
refused lpark 5 1 "qa: you (lpark) voted on decision 2 of case 5 as a panel member, so may not review it for quality"
refused cadmin 1 1 "qa: only a reviewer or supervisor may review decisions for quality; you (cadmin) are neither"
refused mkhan 1 1 "qa: only a reviewer or supervisor may review decisions for quality; you (mkhan) are neither"
step dlee show 1
view=$(sql q.db "SELECT max(id) FROM audit_events WHERE action = 'view' AND actor = 'dlee'")
refused dlee 1 1 "qa: you (dlee) have seen decision 1 of case 1 (event $view, view); a quality review is blind, so another reviewer must give it"
refused qkim 3 3 "qa: case 3 has no decision waiting for quality review"

begin "qa: usage"
AS=qkim cr --db q.db qa 1 --agree
expect_rc 2
expect_err "casereview: qa: a verdict needs its reasons (--reason TEXT)"
AS=qkim cr --db q.db qa 1 --agree --disagree --reason x
expect_rc 2
expect_err "casereview: qa: give --agree or --disagree, not both"

begin "qa: agree and disagree, audited"
AS=qkim cr --db q.db qa 1 --agree --reason "Proportionate: the allegation was not corroborated."
expect_rc 0
expect_out "case 1: qa: agree (recorded)"
AS=qkim cr --db q.db qa 2 --disagree --reason "A sexual-offence allegation needs a referral." --format json
expect_rc 0
expect_json "d['verdict']" "disagree"
AS=asmith cr --db q.db qa 4 --agree --reason "Sound."
expect_rc 0
expect_eq "$(sql_join q.db ' ' "SELECT case_id || ':' || qa_by || ':' || verdict FROM qa WHERE verdict IS NOT NULL ORDER BY case_id")" \
    "1:qkim:agree 2:qkim:disagree 4:asmith:agree" "verdicts"
expect_eq "$(sql q.db "SELECT details FROM audit_events WHERE action = 'qa' AND case_id = 2")" \
    '{"round": 1, "decider": "asmith", "selected": "sample", "draw": 978, "verdict": "disagree", "reason": "A sexual-offence allegation needs a referral."}' "the verdict's event"
AS=qkim cr --db q.db qa 1 --agree --reason "Again."
expect_rc 3
expect_err "casereview: qa: case 1 has no decision waiting for quality review"

begin "report --qa: the figures worked out by hand"
# Agreement by decider: asmith 1 of 2 (50.0%), rbrown 1 of 1.  By category:
# domestic_violence case 1 (1 of 1), sexual_offence cases 2, 4 (1 of 2).
# The panel: round 1 one sent (case 5), one returned; round 2 one sent, none
# returned.  NFA on sexual-offence cases (approved decisions): asmith case 2
# nfa (1 of 1); rbrown cases 4 nfa, 5 refer twice, 6 nfa (2 of 4); the team
# 3 of 5 (60.0%).
cr --db q.db report --qa --reason "QA review" --recipient "Board"
expect_rc 0
expect_out "quality assurance: 4 selected, 3 reviewed, 2 agreed (66.7%)" \
    "" \
    "agreement by reviewer      reviewed   agreed     rate" \
    "  asmith                          2        1     50.0%" \
    "  rbrown                          1        1    100.0%" \
    "" \
    "agreement by category      reviewed   agreed     rate" \
    "  domestic_violence               1        1    100.0%" \
    "  sexual_offence                  2        1     50.0%" \
    "" \
    "panel returns by round     to panel returned     rate" \
    "  round 1                         1        1    100.0%" \
    "  round 2                         1        0      0.0%" \
    "" \
    "NFA on sexual-offence cases decided      nfa     rate" \
    "  asmith                          1        1    100.0%" \
    "  rbrown                          4        2     50.0%" \
    "  team                            5        3     60.0%"
cr --db q.db report --qa --reason "QA review" --recipient "Board" --format json
expect_rc 0
expect_json "[d['selected'], d['reviewed'], d['agreed']]" "[4, 3, 2]"
expect_json "[(r['name'], r['reviewed'], r['agreed']) for r in d['reviewers']]" '[["asmith", 2, 1], ["rbrown", 1, 1]]'
expect_json "[(r['round'], r['to_panel'], r['returned']) for r in d['rounds']]" '[[1, 1, 1], [2, 1, 0]]'
expect_json "[d['team']['decided'], d['team']['nfa'], d['team']['rate']]" "[5, 3, 60.0]"
expect_eq "$(sql q.db "SELECT count(*) FROM audit_events WHERE action = 'disclosure' AND details LIKE '%"report_qa"%'")" 2 "disclosures begun and ended"
AS=bjones cr --db q.db report --qa --reason "QA review" --recipient "Board"
expect_rc 1

begin "audit verify: passes, then catches a tampered qa row"
cr --db q.db audit verify
expect_rc 0
sql q.db "UPDATE qa SET verdict = 'agree' WHERE case_id = 2"
cr --db q.db audit verify
expect_rc 3
grep -q "qa" "$T/err" || fail "verify does not name the qa table: $(cat "$T/err")"
sql q.db "UPDATE qa SET verdict = 'disagree' WHERE case_id = 2; UPDATE qa SET draw = 100 WHERE case_id = 4"
cr --db q.db audit verify
expect_rc 3

finish
