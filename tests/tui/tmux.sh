#!/usr/bin/env bash
# The interface in a real terminal: tmux runs it; we type and read the
# screen.  Start-up, resize (also below 80x24), a summary's escape
# sequences shown as marks, and quitting with the terminal restored.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 1; }

"$CASEREVIEW" generate --cases 30 --seed 5 >cases.csv
printf 'subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary\nESC1,Escape,Evie,staff,Band C,Contact Centre,full,E1,domestic_violence,2024-05-01,other,NFA,"Clear \033[2J red \033[31mTEXT\033[0m title \033]0;pwned\007 end"\n' >esc.csv
cr --db t.db import cases.csv
cr --db t.db import esc.csv

sock=cr$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

# Wait (up to 10 s) for text on the screen.
wait_for() {
    for _ in $(seq 1 100); do
        tm capture-pane -p -t cr >"$T/screen" 2>/dev/null
        grep -qF -- "$1" "$T/screen" && return 0
        sleep 0.1
    done
    fail "waited for '$1'; the screen was:
$(cat "$T/screen")"
    return 1
}

begin "start-up"
tm new-session -d -s cr -x 80 -y 24 \
    "cd '$T' && env TERM=tmux-256color LC_ALL=C.UTF-8 CASEREVIEW_CONFIG='$CASEREVIEW_CONFIG' CASEREVIEW_NOW=$CASEREVIEW_NOW sh -c '\"$CASEREVIEW\" --as ejones --db t.db; echo \"[exit=\$?]\"; sleep 30'"
tm set-option -t cr window-size manual >/dev/null 2>&1
wait_for "Queue: all cases, riskiest first"
wait_for "ejones (reviewer)"
expect_eq "$(wc -l <"$T/screen")" 24 "rows"

begin "resize"
tm resize-window -t cr -x 120 -y 40
wait_for "Roads and Transport Policing"
wait_for "   30 flagged"
tm capture-pane -p -t cr >"$T/screen"
expect_eq "$(wc -l <"$T/screen")" 40 "rows after resize"
tm resize-window -t cr -x 60 -y 20
wait_for "Too small: 60x20."
tm resize-window -t cr -x 80 -y 24
wait_for "Queue: all cases, riskiest first"

begin "escape sequences in a summary are shown, not obeyed"
tm send-keys -t cr / && wait_for "Search subjects"
tm send-keys -t cr Evie Enter
wait_for "search \"Evie\""
tm send-keys -t cr Enter
wait_for "Clear ^[[2J red ^[[31mTEXT^[[0m title ^[]0;pwned^G end"
wait_for "Case "
tm display-message -p -t cr '#{pane_title}' >"$T/title"
grep -q pwned "$T/title" && fail "the summary set the terminal's title"

begin "quit restores the terminal"
tm send-keys -t cr q q
wait_for "[exit=0]"
grep -qF "Queue:" "$T/screen" && fail "the interface's screen is still there:
$(cat "$T/screen")"

finish
