#!/usr/bin/env bash
# The configuration: every class of problem reported as FILE:LINE:COLUMN:
# with what is wrong, all of them, exit 3; identity and impersonation;
# every command checks the configuration before it touches the database.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/config/*.yaml .

refused() {
    local file=$1
    shift
    begin "check-config $file"
    cr_plain check-config "$file"
    expect_rc 3
    expect_err "$@" "casereview: $file: the configuration has problems; nothing was done"
    expect_eq "$(cat "$T/out")" "" "stdout of a refused check"
}

begin "a good file"
cr_plain check-config good.yaml
expect_rc 0
expect_out "ok"
CASEREVIEW_CONFIG=good.yaml cr_plain check-config
expect_rc 0
cr_plain --config good.yaml check-config
expect_rc 0

begin "check-config --explain: every key, as README's configuration reference gives it"
cr_plain check-config --explain
expect_rc 0
expect_empty_err
awk '$0 == "### Configuration reference" {on = 1; next} on && /^```text/ {inb = 1; next}
     inb && /^```/ {exit} inb {print}' "$SRC/README.md" >readme-keys.txt
[ -s readme-keys.txt ] || fail "README has no configuration reference"
diff readme-keys.txt "$T/out" >/dev/null || fail "README's configuration reference differs from --explain:
$(diff readme-keys.txt "$T/out")"
grep -qE '^sla_days\.review +integer 1-3650 +10 ' "$T/out" || fail "no sla_days.review row: $(cat "$T/out")"
grep -qE '^panel\.outcomes\.<outcome>\.concur +integer 1-1000 +sign_off ' "$T/out" ||
    fail "no row for an outcome's concur"
cr_plain check-config --explain good.yaml
expect_rc 2
expect_err "casereview: check-config: --explain reads no FILE"

refused syntax.yaml "syntax.yaml:6:7: YAML syntax error: mapping values are not allowed in this context"
refused unknown_key.yaml \
    "unknown_key.yaml:2:1: unknown key 'colour' in the file (allowed: theme, keys, after_action, allow_impersonation, conflicts, sla_days, escalate_after_days, notify, notify_timeout, users, panel, audit, retention, qa)" \
    "unknown_key.yaml:25:5: unknown key 'quorum' in panel.sign_off (allowed: concur, dissent, require_kinds, blind)"
refused wrong_type.yaml \
    "wrong_type.yaml:5:14: conflicts.same_unit: expected true or false, not 'yes'" \
    "wrong_type.yaml:20:13: panel.sign_off.concur: expected a whole number, not '4x'" \
    "wrong_type.yaml:21:14: panel.sign_off.dissent: expected a whole number, not 'high'" \
    "wrong_type.yaml:25:10: panel.outcomes.nfa: expected a mapping, not a sequence"
refused after_action.yaml \
    "after_action.yaml:3:15: after_action: 'sideways' is not next or stay (next: on to the next case of the view after a decision, an approval or a vote; stay: on the case)"
refused list_for_map.yaml "list_for_map.yaml:5:3: conflicts: expected a mapping, not a sequence"
refused missing_key.yaml \
    "missing_key.yaml:12:5: users[5]: missing required key 'login'" \
    "missing_key.yaml:17:7: panel.members[3]: missing required key 'kind'"
refused duplicate_login.yaml \
    "duplicate_login.yaml:13:14: login 'asmith' appears twice in users (first at line 8)"
refused unknown_role.yaml \
    "unknown_role.yaml:12:55: 'auditor' is not a role (roles: reviewer, supervisor, admin; panel members are listed under panel.members)" \
    "unknown_role.yaml:16:46: 'lawyer' is not a panel kind (kinds: independent, legal, police)"
refused unknown_outcome.yaml \
    "unknown_outcome.yaml:26:5: 'reasess' is not an outcome (outcomes: nfa, reassess, refer)"
refused quorum_too_big.yaml \
    "quorum_too_big.yaml:25:5: panel.outcomes.nfa: 5 concurring votes are needed but the panel has only 4 members"
refused panel_member_reviews.yaml \
    "panel_member_reviews.yaml:18:3: panel.sign_off: 2 concurring votes are needed but at most 1 panel member could vote on a case (1 of the members also review or supervise, and may be the case's own reviewer or approver)" \
    "panel_member_reviews.yaml:24:5: panel.outcomes.nfa: 2 concurring votes are needed but at most 1 panel member could vote on a case (1 of the members also review or supervise, and may be the case's own reviewer or approver)"
refused kinds_unmet.yaml \
    "kinds_unmet.yaml:22:38: panel.sign_off: require_kinds asks for 2 concurring legal members but at most 1 of that kind could vote" \
    "kinds_unmet.yaml:19:3: panel.sign_off: require_kinds asks for 3 votes of given kinds, more than the 2 concurring votes needed"
refused no_supervisor.yaml \
    "no_supervisor.yaml:7:1: users: nobody has the supervisor role, so no decision could be approved"
refused empty.yaml "empty.yaml:1:1: the file is empty (it needs at least 'users:')"

# Found by the fuzzer: a key that is itself a sequence, before a repeated key.
refused fuzz_nonscalar_key.yaml \
    "fuzz_nonscalar_key.yaml:1:1: the file: missing required key 'users'" \
    "fuzz_nonscalar_key.yaml:2:78: keys: a key must be a plain name" \
    "fuzz_nonscalar_key.yaml:2:96: keys: key 'name' appears twice"

begin "aliases are refused quickly, whatever they would expand to"
refused aliases.yaml "aliases.yaml:2:8: aliases (*a) are not allowed in a casereview configuration"

begin "limits: nesting, node count, size"
{ printf 'users: '; for _ in $(seq 1 40); do printf '['; done; for _ in $(seq 1 40); do printf ']'; done; echo; } >deep.yaml
refused deep.yaml "deep.yaml:1:39: nested deeper than 32 levels"
{ printf 'users: ['; for i in $(seq 1 20001); do printf '%s,' "$i"; done; echo '0]'; } >many.yaml
refused many.yaml "many.yaml:1:108885: the document has more than 20000 nodes"
head -c 1100000 /dev/zero | tr '\0' '#' >big.yaml
refused big.yaml "big.yaml:1:1: the file is larger than 1048576 bytes"
printf 'users: []\ntheme: "\xff"\n' >latin1.yaml
refused latin1.yaml "latin1.yaml:2:9: the file is not valid UTF-8"

begin "a missing configuration"
cr_plain --config nowhere.yaml --db x.db list
expect_rc 3
expect_err "nowhere.yaml: cannot read the configuration: No such file or directory" \
    "casereview: nowhere.yaml: the configuration has problems; nothing was done"
expect_eq "$(db_state x.db)" absent "database"

begin "every command checks the configuration before the database"
cr --db x.db import good.csv 2>/dev/null
cp "$FIXTURES/import/good.csv" .
for cmd in "init" "import good.csv" "list" "show 1" "claim 1" "history 1" "stats" "audit verify"; do
    # shellcheck disable=SC2086
    cr_plain --config wrong_type.yaml --as cadmin --db y.db $cmd
    expect_rc 3
    grep -qx "casereview: wrong_type.yaml: the configuration has problems; nothing was done" "$T/err" || fail "$cmd: $(cat "$T/err")"
    expect_eq "$(db_state y.db)" absent "database after '$cmd' with a bad configuration"
done

begin "a login not on the roster is refused before anything else"
me=$(id -un)
sed "s/^  - { login: cadmin, name: \"C. Admin\", roles: \[admin\] }/  - { login: cadmin, name: \"C. Admin\", roles: [admin] }\n  - { login: $me, name: Me, roles: [admin] }/" good.yaml | \
    sed 's/allow_impersonation: true/allow_impersonation: false/' >strict.yaml
grep -v "login: $me" strict.yaml >stranger.yaml
cr_plain --config stranger.yaml --db z.db init
expect_rc 1
expect_err "casereview: login '$me' is not on the roster in stranger.yaml (users or panel.members); ask an admin to add it"
expect_eq "$(db_state z.db)" absent "database"
cr_plain --config good.yaml --as nobody --db z.db init
expect_rc 1
expect_err "casereview: login 'nobody' is not on the roster in good.yaml (users or panel.members); ask an admin to add it"

begin "--as needs allow_impersonation"
cr_plain --config strict.yaml --as asmith --db z.db init
expect_rc 2
expect_err "casereview: --as works only with 'allow_impersonation: true' in strict.yaml (for demos and tests); you are $me"
expect_eq "$(db_state z.db)" absent "database"
cr_plain --config strict.yaml --db z.db init
expect_rc 0
expect_out "created $(db_label z.db) (schema version $(schema_version))"

finish
