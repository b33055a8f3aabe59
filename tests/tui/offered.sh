#!/usr/bin/env bash
# The terminal interface never offers a form for a refused action, and
# always offers it for an allowed one: for one login per role, over every
# state of the demo and every form key, what the queue does with the key
# (a form, or core's refusal on the status line) is compared with what the
# command line does when it attempts the same action with complete inputs.
#
# The oracle is the real CLI on its own copy of the database: exit 0 means
# the action is allowed, so the TUI must have opened the form for that case;
# exit 1 means it is refused, so the TUI must have stayed on the queue and
# shown the CLI's words (its stderr without "casereview: ").  The inputs are
# chosen so that core cannot refuse them for their own sake (cr_may, which
# the TUI asks, cannot see inputs; cr_act, which the CLI calls, can):
#   decide --outcome refer --rationale x   (refer admits a vetting review;
#                                            none is asked for anyway)
#   approve                                 (no input)
#   return --reason x
#   vote --dissent --reason x               (a dissent with its reasons)
#   assign LOGIN                            a reviewer on the roster who is not
#                                            in the subject's unit (conflicts.
#                                            same_unit) and is not the current
#                                            assignee (see the special case below)
#   note x
#   reconvene --reason x, recall --reason x
#                                           (these two on a copy whose first case
#                                            with the panel cannot reach quorum:
#                                            every member who had not voted recused)
# Every TUI run and every CLI attempt gets a fresh copy of the demo
# database, so nothing leaks from one check to the next (a form is only
# opened and cancelled with <Esc>, with nothing typed, so no confirmation is
# asked).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
# As tests/cli/demo.sh: the demo makes its own configuration and uses the clock.
unset CASEREVIEW_CONFIG CASEREVIEW_NOW NO_COLOR VISUAL
export TERM=xterm-256color
SIZE=80x24
started=$(date +%s)

# The demo: 300 cases in every state, made through the real workflow.
printf 'keys q\n' >quit.keys
"$CASEREVIEW" --script quit.keys demo --dir d --cases 300 >demo.out 2>demo.err
rc=$?
if [ "$rc" -ne 0 ] || [ ! -s d/casereview.db ] || [ ! -s d/casereview.yaml ]; then
    begin "demo"
    fail "the demo was not made (exit $rc): $(cat demo.err)"
    finish
    exit
fi
CFG=$T/d/casereview.yaml
cp d/casereview.db pristine.db && cp d/casereview.db.key pristine.db.key
rm -f d/casereview.db-wal d/casereview.db-shm
cp pristine.db q.db && cp pristine.db.key q.db.key # for the test's own queries (never acted on)
same_unit=$(grep -c '^  same_unit: true' "$CFG")

# The roster, one person a line: SECTION|LOGIN|ROLES|UNIT (SECTION users or panel).
awk '
    /^users:/ { s = "users"; next }
    /^panel:/ { s = "panel"; next }
    /^[^ ]/   { s = "" }
    /login:/ && s != "" {
        login = $0; sub(/.*login: */, "", login); sub(/[,} ].*/, "", login)
        roles = ""
        if ($0 ~ /roles: \[/) { roles = $0; sub(/.*roles: \[/, "", roles); sub(/\].*/, "", roles); gsub(/ /, "", roles) }
        unit = ""
        if ($0 ~ /unit: "/) { unit = $0; sub(/.*unit: "/, "", unit); sub(/".*/, "", unit) }
        print s "|" login "|" roles "|" unit
    }' "$CFG" >roster.txt

# The first login whose roles are exactly these.
login_with_roles() {
    awk -F'|' -v r="$1" '$1 == "users" && $3 == r { print $2; exit }' roster.txt
}

# The CLI as LOGIN on a database: out, err, rc as lib.sh keeps them.
cli() {
    local login=$1 db=$2
    shift 2
    "$CASEREVIEW" --config "$CFG" --db "$db" --as "$login" "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

# The first case of a state as LOGIN's queue lists it, as CSV fields.
first_case() {
    cli "$1" q.db list --state "$2" --limit 1 --format csv
    sed -n 2p "$T/out"
}

# The players: one login per role, chosen so that every form has a case where
# it is allowed (the reviewer assigned the first case in review, a panel
# member who has not voted on the first case before the panel) as well as
# cases where it is refused.
begin "the players"
any_reviewer=$(login_with_roles reviewer)
supervisor=$(login_with_roles supervisor)
admin=$(login_with_roles admin)
multi=$(awk -F'|' '$1 == "users" && $3 ~ /,/ { print $2; exit }' roster.txt)
reviewer=
if [ -n "$any_reviewer" ]; then
    in_review_first=$(first_case "$any_reviewer" in_review | cut -d, -f1)
    [ -n "$in_review_first" ] &&
        reviewer=$(sql q.db "select coalesce(assignee, '') from cases where id = $in_review_first")
    awk -F'|' -v l="$reviewer" '$2 == l && $3 == "reviewer" { ok = 1 } END { exit !ok }' roster.txt ||
        reviewer=$any_reviewer
fi
panel_first=$(first_case "$(awk -F'|' '$1 == "panel" { print $2; exit }' roster.txt)" panel_review | cut -d, -f1)
voted=
[ -n "$panel_first" ] &&
    voted=$(sql q.db "select member from votes v join cases c on c.id = v.case_id and v.round = c.round where c.id = $panel_first order by v.id")
panel=$(awk -F'|' '$1 == "panel" { print $2 }' roster.txt | grep -vxF -e "${voted:-}" | head -1)
panel_voted=$(awk -F'|' '$1 == "panel" { print $2 }' roster.txt | grep -xF -e "${voted:-}" | head -1)
[ -n "$voted" ] || panel_voted=
players=()
for p in "reviewer:$reviewer" "supervisor:$supervisor" "admin:$admin" "panel:$panel" \
    "panel-voted:$panel_voted" "several-roles:$multi"; do
    if [ -n "${p#*:}" ]; then
        players+=("$p")
    elif [ "${p%%:*}" != panel-voted ] && [ "${p%%:*}" != several-roles ]; then
        fail "no ${p%%:*} login on the demo roster: $(cat roster.txt)"
    fi
done
echo "players: ${players[*]}"

states=(flagged in_review awaiting_approval panel_review returned closed)
keys=(d a r v A M P B)
declare -A title=(
    [d]="Decide case" [a]="Approve the decision on case" [r]="Return the decision on case"
    [v]="Vote on case" [A]="Assign case" [M]="Add a note to case"
    [P]="Reconvene the panel on case" [B]="Recall case")

# Reconvene and recall need a case that cannot reach quorum: on a copy of the
# demo, every panel member who has not voted on the first case with the panel
# recuses, so that nobody is left to reach it.
begin "a case that cannot reach quorum"
cp pristine.db blocked.db && cp pristine.db.key blocked.db.key
if [ -n "$panel_first" ]; then
    for m in $(awk -F'|' '$1 == "panel" { print $2 }' roster.txt | grep -vxF -e "${voted:-}"); do
        cli "$m" blocked.db vote "#$panel_first" --recuse --reason "Knows the subject."
        [ "$(cat "$T/rc")" = 0 ] || fail "$m could not recuse on case $panel_first: $(cat "$T/err")"
    done
    expect_eq "$(sql blocked.db "select quorum_blocked from cases where id = $panel_first")" 1 "case $panel_first blocked"
fi
rm -f blocked.db-wal blocked.db-shm

# The database a key's check starts from.
start_db() {
    case $1 in
    P | B) echo blocked.db ;;
    *) echo pristine.db ;;
    esac
}
declare -A opened=() refused=()
skipped=0

# The assign target for a case: a reviewer on the roster who is neither in the
# subject's unit (with same_unit) nor the current assignee.
assign_target() {
    local id=$1 unit assignee
    unit=$(sql q.db "select s.unit from cases c join subjects s on s.id = c.subject_id where c.id = $id")
    assignee=$(sql q.db "select coalesce(assignee, '') from cases where id = $id")
    awk -F'|' -v u="$unit" -v a="$assignee" -v su="$same_unit" '
        $1 == "users" && ("," $3 ",") ~ /,reviewer,/ && $2 != a && !(su && $4 == u) { print $2; exit }' roster.txt
}

# The CLI's attempt at the action of KEY on case ID as LOGIN, on a fresh copy.
attempt() {
    local login=$1 key=$2 id=$3 target
    db=$(start_db "$key")
    cp "$db" o.db && cp "$db.key" o.db.key
    rm -f o.db-wal o.db-shm o.db-journal
    case $key in
    d) cli "$login" o.db decide "#$id" --outcome refer --rationale x ;;
    a) cli "$login" o.db approve "#$id" ;;
    r) cli "$login" o.db return "#$id" --reason x ;;
    v) cli "$login" o.db vote "#$id" --dissent --reason x ;;
    A)
        target=$(assign_target "$id")
        # No reviewer could take this case (every one is conflicted or already
        # has it): the CLI must be given someone, and a refusal for that input
        # alone says nothing about the form.  Marked so the check can tell.
        if [ -z "$target" ]; then
            no_target=1
            target=$(awk -F'|' '$1 == "users" && ("," $3 ",") ~ /,reviewer,/ { print $2; exit }' roster.txt)
        fi
        cli "$login" o.db assign "#$id" "$target"
        ;;
    M) cli "$login" o.db note "#$id" x ;;
    P) cli "$login" o.db reconvene "#$id" --reason x ;;
    B) cli "$login" o.db recall "#$id" --reason x ;;
    esac
}

# The TUI as LOGIN: the state filter (s pressed K times), a dump, the key, a dump.
tui() {
    local login=$1 k=$2 key=$3 s
    s=$(printf ' s%.0s' $(seq 1 "$k"))
    db=$(start_db "$key")
    cp "$db" t.db && cp "$db.key" t.db.key
    rm -f t.db-wal t.db-shm t.db-journal base.txt after.txt
    printf 'keys%s\ndump base.txt\nkeys %s\ndump after.txt\nkeys <Esc>\nkeys q\n' "$s" "$key" >t.keys
    "$CASEREVIEW" --config "$CFG" --db t.db --as "$login" --script t.keys --size "$SIZE" \
        >tui.out 2>tui.err
    tui_rc=$?
}

for player in "${players[@]}"; do
    role=${player%%:*}
    login=${player#*:}
    for k in 1 2 3 4 5 6; do
        state=${states[k - 1]}
        for key in "${keys[@]}"; do
            tui "$login" "$k" "$key"
            if [ "$tui_rc" -ne 0 ] || [ -s tui.err ] || [ ! -f base.txt ] || [ ! -f after.txt ]; then
                begin "$role/$state/$key"
                fail "$login: the interface failed (exit $tui_rc): $(head -c 600 tui.err)"
                continue
            fi
            want_title=" Queue: all cases, $state, riskiest first"
            # The title ends with the position ("  1 of 12", "  none"), which is not the filter's.
            if [ "$(head -1 base.txt | sed 's/  [^ ]* of [^ ]*$//; s/  none$//')" != "$want_title" ]; then
                begin "$role/$state/$key"
                fail "$login: 's' x$k did not filter on $state: '$(head -1 base.txt)'"
                continue
            fi
            id=$(sed -n 's/^> *\([0-9][0-9]*\) .*/\1/p' base.txt | head -1)
            if [ -z "$id" ]; then
                # No case in this state for this login (own unit, or none at all).
                grep -q "No cases match." base.txt ||
                    { begin "$role/$state/$key"; fail "$login: no selected row, yet cases listed:
$(cat base.txt)"; }
                skipped=$((skipped + 1))
                continue
            fi
            begin "$role/$state/$key"
            no_target=
            attempt "$login" "$key" "$id"
            cli_rc=$(cat "$T/rc")
            cli_msg=$(sed '1s/^casereview: //' "$T/err")
            first=$(head -1 after.txt)
            what="$login ($role) on case $id ($state), key $key"
            form=
            case $first in
            " ${title[$key]} $id: "*) form=1 ;;
            " Queue: "*) ;;
            *)
                fail "$what: neither the form for case $id nor the queue: '$first'"
                continue
                ;;
            esac
            # The refusal: the status line's lines at the bottom (what differs from before).
            shown=$(awk 'NR == FNR { b[FNR] = $0; next }
                         { a[FNR] = $0; n = FNR }
                         END { for (i = 1; i <= n; i++) if (a[i] != b[i]) { f = i; break }
                               if (f) for (i = f; i <= n; i++) printf "%s%s", (i > f ? " " : ""), a[i] }' \
                base.txt after.txt)
            case $cli_rc in
            0)
                [ -n "$form" ] || fail "$what: the CLI allows it, but the TUI offered no form and said: '${shown:-(nothing)}'"
                ;;
            1)
                if [ -n "$form" ]; then
                    if [ -n "$no_target" ]; then
                        # cr_may allows assign; only the target (every reviewer is in the
                        # subject's unit or already has the case) made the CLI refuse.
                        echo "note [$TEST]: no reviewer could take case $id; the CLI said: $cli_msg"
                    else
                        fail "$what: the TUI opened the form '$first', but the CLI refuses: '$cli_msg'"
                    fi
                elif [ "$shown" != "$cli_msg" ]; then
                    fail "$what: the TUI refused in other words:
  TUI: '${shown:-(nothing)}'
  CLI: '$cli_msg'"
                fi
                ;;
            *)
                fail "$what: the CLI failed (exit $cli_rc): $cli_msg"
                ;;
            esac
            if [ -n "$form" ]; then
                opened[$key]=$((${opened[$key]:-0} + 1))
            else
                refused[$key]=$((${refused[$key]:-0} + 1))
            fi
        done
    done
done

# The test's own power: every key met both an allowed and a refused action.
begin "coverage"
for key in "${keys[@]}"; do
    [ "${opened[$key]:-0}" -gt 0 ] || fail "key $key: no combination where the form opened"
    [ "${refused[$key]:-0}" -gt 0 ] || fail "key $key: no combination where it was refused"
    echo "key $key: ${opened[$key]:-0} forms opened, ${refused[$key]:-0} refused"
done
echo "$skipped combinations skipped (no case in the state for the login); $(($(date +%s) - started))s"

finish
