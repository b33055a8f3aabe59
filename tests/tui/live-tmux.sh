#!/usr/bin/env bash
# Live updates in a real terminal (README, "When one machine is not enough":
# Live updates): a workstation shows the queue in tmux, another process
# claims a case with the command line, and the workstation's queue shows the
# claim.  Run on either engine:
#
# - On PostgreSQL (tests/pg/run.sh: lib.sh's PostgreSQL mode, each person
#   connected as their own role) the workstation waits on the server's
#   notifications (LISTEN/NOTIFY) beside the terminal: the claim shows at
#   most one second after the claim's command returned (its commit done by
#   then), while keys keep coming (the timed check runs only after a second
#   without a key, so this holds only if the notification wakes the
#   workstation); none of the keys typed meanwhile is lost; three claims made
#   at the same moment all show; a resize and SIGTERM still work during the
#   wait.
# - On SQLite the workstation checks once a second, as it always has: the
#   claim shows within that second (with room for a slow machine).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 1; }

engine=sqlite
[ -n "${CASEREVIEW_TEST_PG:-}" ] && engine=postgresql

"$CASEREVIEW" generate --cases 30 --seed 5 >cases.csv
cr --db t.db import cases.csv
expect_rc 0

sock=crlive$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT
tm new-session -d -s keep -x 80 -y 24 "sleep 600"

# Milliseconds since the epoch.
ms() { echo $(($(date +%s%N) / 1000000)); }

# Wait (up to 10 s) for the screen to hold text: wait_screen -F TEXT, or -E REGEX (a line).
wait_screen() {
    for _ in $(seq 1 200); do
        tm capture-pane -p -t cr >"$T/screen" 2>/dev/null
        grep -q "$1" -- "$2" "$T/screen" && return 0
        sleep 0.05
    done
    fail "waited for '$2'; the screen was:
$(cat "$T/screen")"
    return 1
}
wait_for() { wait_screen -F "$1"; }
wait_re() { wait_screen -E "$1"; }

# Claim case $1 as asmith with the command line.  $T/claim-end: when the
# command returned (its transaction committed by then), ms since the epoch;
# $T/claim-ms: how long it took.
claim() {
    local t0
    t0=$(ms)
    AS=asmith cr --db t.db claim "#$1"
    expect_rc 0
    ms >"$T/claim-end"
    echo $(($(cat "$T/claim-end") - t0)) >"$T/claim-ms"
}

# The milliseconds from $1 (ms since the epoch) until the rows of the cases
# after it all show them claimed by asmith, watching the screen every 20 ms;
# 'never' after 5 s.
shown_after() {
    local start=$1 now c all
    shift
    while :; do
        tm capture-pane -p -t cr >"$T/screen" 2>/dev/null
        now=$(ms)
        all=1
        for c in "$@"; do
            grep -qE "^[> ] +$c review .* asmith *\$" "$T/screen" || all=
        done
        if [ -n "$all" ]; then
            echo $((now - start))
            return
        fi
        [ $((now - start)) -gt 5000 ] && { echo never; return; }
        sleep 0.02
    done
}

# The case on the selected row ('>' in the first column).
selected() {
    tm capture-pane -p -t cr | awk '/^>/ { print $2; exit }'
}

# The workstation as ejones, in a fresh session: the program's command as
# lib.sh gives it (on PostgreSQL: connected as the role ejones).
cr_argv --as ejones --db t.db || { fail "no command for the workstation"; finish; exit; }
printf -v app '%q ' "${CR_ARGV[@]}"
tm new-session -d -s cr -x 80 -y 40 \
    "cd '$T' && env TERM=tmux-256color LC_ALL=C.UTF-8 CASEREVIEW_CONFIG='$CASEREVIEW_CONFIG' CASEREVIEW_NOW=$CASEREVIEW_NOW $app; echo \"[exit=\$?]\"; sleep 60"
tm set-option -t cr window-size manual >/dev/null 2>&1

begin "the queue ($engine)"
wait_for "Queue: waiting for me"
tm send-keys -t cr x
wait_for "Queue: open cases, riskiest first"
# The seed's order: 4, 1, 17, 6, 20, 27, 26, 11, 23, 2, 22, 18, 21, 3, ...
wait_re "^>   4 flagged "
wait_re "^   17 flagged "
order=$(tm capture-pane -p -t cr | awk '/^[> ] +[0-9]+ / { print ($1 == ">" ? $2 : $1) }' | tr '\n' ' ')

if [ "$engine" = postgresql ]; then
    begin "a claim by another process shows within 1 s, while keys keep coming ($engine)"
    # j every 0.1 s for 2.8 s, from before the claim to after it shows: without a
    # notification, the workstation would not look until a second passed without a key.
    (for _ in $(seq 1 28); do tm send-keys -t cr j; sleep 0.1; done) &
    keys=$!
    sleep 0.3
    claim 17
    took=$(shown_after "$(cat "$T/claim-end")" 17)
    wait "$keys"
    if [ "$took" = never ] || [ "$took" -gt 1000 ]; then
        fail "the claim showed $took ms after the command returned (it took $(cat "$T/claim-ms") ms); the screen was:
$(cat "$T/screen")"
    else
        echo "shown $took ms after the claim's command returned (the command took $(cat "$T/claim-ms") ms)"
    fi

    begin "no key typed during the wait is lost ($engine)"
    # 28 j's from the top row: the 29th case of the order.
    want=$(echo "$order" | awk '{ print $29 }')
    for _ in $(seq 1 50); do [ "$(selected)" = "$want" ] && break; sleep 0.1; done
    expect_eq "$(selected)" "$want" "the selected case after 28 j's (order: $order)"

    begin "claims at the same moment all show ($engine)"
    # Three processes claim together: the first change is shown at once, the others
    # within the second after it (reloads are at most once a second while changes come).
    for c in 1 6 20; do
        cr_argv --as asmith --db t.db claim "#$c" && "${CR_ARGV[@]}" >"$T/o$c" 2>"$T/e$c" &
    done
    rcs=''
    for p in $(jobs -p); do
        wait "$p"
        rcs+="$? "
    done
    end=$(ms)
    expect_eq "$rcs" "0 0 0 " "the claims' exit statuses ($(cat "$T"/e1 "$T"/e6 "$T"/e20))"
    took=$(shown_after "$end" 1 6 20)
    if [ "$took" = never ] || [ "$took" -gt 1500 ]; then
        fail "the three claims showed $took ms after the commands returned; the screen was:
$(cat "$T/screen")"
    fi

    begin "a resize during the wait ($engine)"
    tm resize-window -t cr -x 120 -y 30
    for _ in $(seq 1 100); do
        [ "$(tm capture-pane -p -t cr | wc -l)" = 30 ] && grep -q "Roads and Transpo" <(tm capture-pane -p -t cr) && break
        sleep 0.1
    done
    tm capture-pane -p -t cr >"$T/screen"
    expect_eq "$(wc -l <"$T/screen")" 30 "rows after resize"
    grep -qF "Roads and Transpo" "$T/screen" || fail "the queue was not laid out at 120 columns:
$(cat "$T/screen")"
    tm resize-window -t cr -x 80 -y 40
    wait_for "Queue: open cases, riskiest first"
    claim 27
    took=$(shown_after "$(cat "$T/claim-end")" 27)
    if [ "$took" = never ] || [ "$took" -gt 1000 ]; then
        fail "after the resize, a claim showed after $took ms; the screen was:
$(cat "$T/screen")"
    fi

    begin "SIGTERM during the wait ends the workstation, the terminal restored ($engine)"
    pid=$(pgrep -P "$(tm display-message -p -t cr '#{pane_pid}')" -x "$(basename "$CASEREVIEW" | cut -c1-15)")
    if [ -z "$pid" ]; then
        fail "the workstation's process was not found"
    else
        kill -TERM "$pid"
        wait_for "[exit=143]"
        grep -qF "Queue:" "$T/screen" && fail "the interface's screen is still there:
$(cat "$T/screen")"
    fi
else
    begin "a claim by another process shows within the timed check's second ($engine)"
    claim 17
    took=$(shown_after "$(cat "$T/claim-end")" 17)
    # Once a second when no key comes: the second after the claim, and the claim's own time.
    if [ "$took" = never ] || [ "$took" -gt $((2000 + $(cat "$T/claim-ms"))) ]; then
        fail "the claim showed $took ms after the command returned (it took $(cat "$T/claim-ms") ms); the screen was:
$(cat "$T/screen")"
    else
        echo "shown $took ms after the claim's command returned (the command took $(cat "$T/claim-ms") ms)"
    fi

    begin "keys are answered as before ($engine)"
    for _ in $(seq 1 5); do tm send-keys -t cr j; done
    want=$(echo "$order" | awk '{ print $6 }')
    for _ in $(seq 1 50); do [ "$(selected)" = "$want" ] && break; sleep 0.1; done
    expect_eq "$(selected)" "$want" "the selected case after 5 j's (order: $order)"

    begin "quit ($engine)"
    tm send-keys -t cr q
    wait_for "Quit casereview?"
    tm send-keys -t cr y
    wait_for "[exit=0]"
fi

finish
