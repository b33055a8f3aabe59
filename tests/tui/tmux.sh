#!/usr/bin/env bash
# The interface in a real terminal: tmux runs it; we type and read the
# screen.  Start-up, resize (also below 80x24), the search prompt's
# readline keys, a summary's escape sequences shown as marks, quitting
# with the terminal restored, and a notify command that never holds up the
# workstation.
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
# A session that stays keeps the server up while the others come and go.
tm new-session -d -s keep -x 80 -y 24 "sleep 600"

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
wait_for "Queue: waiting for me, then flagged, riskiest first"
wait_for "ejones (reviewer)"
expect_eq "$(wc -l <"$T/screen")" 24 "rows"

begin "resize"
tm resize-window -t cr -x 120 -y 40
wait_for "Roads and Transpo" # the unit, cut by PANEL at 120 columns
wait_for "   30 flagged"
tm capture-pane -p -t cr >"$T/screen"
expect_eq "$(wc -l <"$T/screen")" 40 "rows after resize"
tm resize-window -t cr -x 60 -y 20
wait_for "Too small: 60x20."
tm resize-window -t cr -x 80 -y 24
wait_for "Queue: waiting for me, then flagged, riskiest first"

# Wait (up to 10 s) for the screen's last line to be exactly this (trailing blanks aside).
wait_last() {
    for _ in $(seq 1 100); do
        tm capture-pane -p -t cr >"$T/screen" 2>/dev/null
        [ "$(tail -n 1 "$T/screen" | sed 's/ *$//')" = "$1" ] && return 0
        sleep 0.1
    done
    fail "waited for the last line '$1'; the screen was:
$(cat "$T/screen")"
    return 1
}

begin "the search prompt edits with readline's keys (C-w, C-u, C-a, C-k)"
# All open cases (x): words narrow what waits for me to ejones's own cases, and ESC1 is not one.
tm send-keys -t cr x && wait_for "Queue: open cases, riskiest first"
tm send-keys -t cr / && wait_last "Limit to (search words):"
tm send-keys -t cr -l "Nettle Evie" && wait_last "Limit to (search words): Nettle Evie"
# C-w cuts the word before the cursor, C-u the line before it.
tm send-keys -t cr C-w && wait_last "Limit to (search words): Nettle"
tm send-keys -t cr -l "Evie" && wait_last "Limit to (search words): Nettle Evie"
tm send-keys -t cr C-u && wait_last "Limit to (search words):"
tm send-keys -t cr -l "nobody Evie" && wait_last "Limit to (search words): nobody Evie"
# C-a to the start, C-k cuts to the end; C-y puts it back.
tm send-keys -t cr C-a C-k && wait_last "Limit to (search words):"
tm send-keys -t cr C-y && wait_last "Limit to (search words): nobody Evie"
tm send-keys -t cr C-a C-d C-d C-d C-d C-d C-d C-d && wait_last "Limit to (search words): Evie"
tm send-keys -t cr Enter
wait_for "search \"Evie\""
# / again starts from the words in force, the cursor at their end; Esc leaves them.
tm send-keys -t cr / && wait_last "Limit to (search words): Evie"
tm send-keys -t cr BSpace BSpace BSpace BSpace && wait_last "Limit to (search words):"
tm send-keys -t cr Escape
wait_for "search \"Evie\""

begin "escape sequences in a summary are shown, not obeyed"
tm send-keys -t cr Enter
wait_for "Clear ^[[2J red ^[[31mTEXT^[[0m title ^[]0;pwned^G end"
wait_for "Case "
tm display-message -p -t cr '#{pane_title}' >"$T/title"
grep -q pwned "$T/title" && fail "the summary set the terminal's title"

begin "q on the top screen asks first: n stays, and the hint says q quits there"
tm send-keys -t cr q
wait_for "? help  q quit"
tm send-keys -t cr q
wait_for "Quit casereview? y quits; any other key stays."
tm send-keys -t cr n
wait_for "Not quitting."
grep -qF "[exit=" "$T/screen" && fail "n quit the interface"
tm send-keys -t cr j
wait_for "? help  q quit"
grep -qF "[exit=" "$T/screen" && fail "the interface ended after n"

begin "quit restores the terminal"
tm send-keys -t cr q
wait_for "Quit casereview?"
tm send-keys -t cr y
wait_for "[exit=0]"
grep -qF "Queue:" "$T/screen" && fail "the interface's screen is still there:
$(cat "$T/screen")"
tm kill-session -t cr

# Start the interface in a fresh session: start LOGIN [ENV=VALUE...].  A session
# that stays keeps the server up while the interface's sessions come and go.
mkdir -p "$T/tmp"
start() {
    local login=$1
    shift
    tm kill-session -t cr 2>/dev/null
    tm new-session -d -s cr -x 100 -y 30 \
        "cd '$T' && env TERM=tmux-256color LC_ALL=C.UTF-8 TMPDIR='$T/tmp' CASEREVIEW_CONFIG='$CASEREVIEW_CONFIG' CASEREVIEW_NOW=$CASEREVIEW_NOW $* sh -c '\"$CASEREVIEW\" --as $login --db t.db; echo \"[exit=\$?]\"; sleep 60'"
    tm set-option -t cr window-size manual >/dev/null 2>&1
}
# The interface's process, a child of the pane's shell.
app_pid() {
    pgrep -P "$(tm display-message -p -t cr '#{pane_pid}')" -x "$(basename "$CASEREVIEW")"
}
# The terminal's modes as stty prints them.
tty_modes() {
    stty -a -F "$(tm display-message -p -t cr '#{pane_tty}')"
}
# After the interface stopped: no file in TMPDIR, the terminal back in its usual modes.
expect_clean_stop() {
    expect_eq "$(ls -A "$T/tmp")" "" "files left in TMPDIR"
    tty_modes >"$T/modes"
    grep -qw -- -icanon "$T/modes" && fail "the terminal was left without icanon: $(cat "$T/modes")"
    grep -qw -- -echo "$T/modes" && fail "the terminal was left without echo: $(cat "$T/modes")"
    grep -qF "Case " "$T/screen" && fail "the interface's screen is still there:
$(cat "$T/screen")"
}

begin "C-c in the one-line prompt leaves casereview, the terminal restored"
start ejones
wait_for "Queue: waiting for me"
tm send-keys -t cr : && wait_last "Open case (number or ref):"
tm send-keys -t cr -l "12" && wait_last "Open case (number or ref): 12"
tm send-keys -t cr C-c
wait_for "[exit=0]"
expect_clean_stop

begin "raw mode: no flow control, C-s submits"
start ejones
wait_for "Queue: waiting for me"
tty_modes >"$T/modes"
grep -qw -- -ixon "$T/modes" || fail "flow control (ixon) is still on: $(cat "$T/modes")"
tm send-keys -t cr C-c
wait_for "[exit=0]"
start ejones
wait_for "Queue: waiting for me"
tm send-keys -t cr M && wait_for "Add a note to case"
tm send-keys -t cr -l "note via C-s"
tm send-keys -t cr C-s
wait_for "note added"
expect_eq "$(sql t.db "select count(*) from notes where body = 'note via C-s'")" 1 "the note"

begin "a bracketed paste goes into the text as it is"
printf 'Pasted: 山之内 明美\n\n\tindented line\nq d a (these are not keys)' >paste.txt
tm send-keys -t cr M && wait_for "Add a note to case"
tm load-buffer -b p paste.txt
tm paste-buffer -p -b p -t cr
wait_for "(these are not keys)"
tm send-keys -t cr F2
wait_for "note added"
sql t.db "select writefile('got.txt', body) from notes where body like 'Pasted:%'" >/dev/null
cmp paste.txt got.txt || fail "the pasted note differs: $(od -c got.txt | head -5)"

# The top case, claimed by ejones for the decide form.
top=$(sql t.db "select id from cases order by sortkey limit 1")
cr --db t.db --as ejones claim "#$top" 2>/dev/null
AS=ejones cr --db t.db claim "#$top"

for sig in HUP TERM; do
    begin "SIG$sig with text in a form: a draft, the terminal restored"
    sql t.db "delete from drafts" 2>/dev/null
    start ejones
    wait_for "Queue: waiting for me"
    tm send-keys -t cr d && wait_for "Decide case $top"
    tm send-keys -t cr r Tab Tab End
    tm send-keys -t cr -l " Unsaved words after SIG$sig: 明美."
    wait_for "after SIG$sig"
    kill -$sig "$(app_pid)"
    want=$([ $sig = HUP ] && echo 129 || echo 143)
    wait_for "[exit=$want]"
    expect_clean_stop
    expect_eq "$(sql t.db "select action || ' ' || outcome from drafts")" "decide reassess" "the draft"
    start ejones
    wait_for "Queue: waiting for me"
    tm send-keys -t cr d && wait_for "Your draft of"
    wait_for "Information considered: Unsaved words after SIG$sig: 明美."
    tm send-keys -t cr Escape && wait_for "Discard this draft?"
    tm send-keys -t cr y && wait_for "the draft was discarded"
    expect_eq "$(sql t.db "select count(*) from drafts")" 0 "drafts after discarding"
    tm send-keys -t cr q

    begin "SIG$sig with \$EDITOR open: the editor ended, its file removed, a draft kept"
    cat >"$T/slow-editor.sh" <<'ED'
#!/bin/sh
printf 'Written in the editor before the stop.\nSecond line.' >"$1"
sleep 61
ED
    chmod +x "$T/slow-editor.sh"
    start ejones "EDITOR='$T/slow-editor.sh'"
    wait_for "Queue: waiting for me"
    tm send-keys -t cr d && wait_for "Decide case $top"
    tm send-keys -t cr r Tab Tab C-o
    for _ in $(seq 1 50); do pgrep -fx "sleep 61" >/dev/null && break; sleep 0.1; done
    pgrep -fx "sleep 61" >/dev/null || fail "the editor did not start"
    ls "$T/tmp" | grep -q casereview- || fail "no file for the editor"
    kill -$sig "$(app_pid)"
    wait_for "[exit=$want]"
    expect_clean_stop
    pgrep -f "^/bin/sh $T/slow-editor.sh" >/dev/null && fail "the editor is still running"
    pgrep -fx "sleep 61" >/dev/null && fail "the editor's child is still running"
    expect_eq "$(sql t.db "select text from drafts")" "$(printf 'Written in the editor before the stop.\nSecond line.')" "the draft from the editor"
    sql t.db "delete from drafts"
done

# The notify command in the workstation (README, "Notifications"): a database of
# its own, under a configuration with a hook whose behaviour a file chooses.
cat >"$T/tui-hook.sh" <<HOOK
#!/bin/sh
echo \$\$ >>"$T/tui-hook.pids"
case \$(cat "$T/tui-hook.mode") in
hang) exec sleep 300 ;;
fail) sleep 1; exit 3 ;; # after the action's own message has been seen
log) echo "\$*" >>"$T/tui-hook.log" ;;
esac
HOOK
chmod +x "$T/tui-hook.sh"
cp "$CASEREVIEW_CONFIG" "$T/notify.yaml"
printf 'notify: %s\nnotify_timeout: 3\n' "$T/tui-hook.sh" >>"$T/notify.yaml"
cr --config "$T/notify.yaml" --db nt.db import cases.csv
trap 'for p in $(cat "$T/tui-hook.pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done; tm kill-server 2>/dev/null; rm -rf "$T"' EXIT
start_notify() {
    tm kill-session -t cr 2>/dev/null
    tm new-session -d -s cr -x 100 -y 30 \
        "cd '$T' && env TERM=tmux-256color LC_ALL=C.UTF-8 CASEREVIEW_CONFIG='$T/notify.yaml' CASEREVIEW_NOW=$CASEREVIEW_NOW sh -c '\"$CASEREVIEW\" --as ${1:-ejones} --db nt.db; echo \"[exit=\$?]\"; sleep 60'"
    tm set-option -t cr window-size manual >/dev/null 2>&1
    wait_for "Queue: waiting for me"
}
# The pid of the hook's Nth run, waiting (up to 10 s) for it to start.
hook_pid() {
    for _ in $(seq 1 100); do
        [ "$(grep -c . "$T/tui-hook.pids" 2>/dev/null)" -ge "$1" ] && break
        sleep 0.1
    done
    sed -n "$1p" "$T/tui-hook.pids" 2>/dev/null
}
# A note on the selected case, submitted with C-s.
add_note() {
    tm send-keys -t cr M && wait_for "Add a note to case"
    tm send-keys -t cr -l "$1"
    tm send-keys -t cr C-s
    wait_for "note added"
}
notify_events() {
    sql nt.db "select count(*) from audit_events where action = 'notify'"
}

begin "notify: the workstation answers at once while a hook hangs"
echo hang >"$T/tui-hook.mode"
start_notify
add_note "A note while the hook hangs."
pid=$(hook_pid 1)
# The next key is answered while the hook still runs (it sleeps 300 s, killed 3 s after it started).
tm send-keys -t cr x && wait_for "Queue: open cases"
if [ -z "$pid" ]; then
    fail "the hook never started"
else
    kill -0 "$pid" 2>/dev/null || fail "the hook ($pid) had ended before the workstation answered: it waited for the hook"
fi

begin "notify: casereview killed (SIGKILL) while its hook hangs: the hook is still killed at its timeout, the failure recorded"
tm send-keys -t cr M && wait_for "Add a note to case"
tm send-keys -t cr -l "Another note while the hook hangs."
tm send-keys -t cr C-s
pid=$(hook_pid 2)
kill -9 "$(app_pid)"
wait_for "[exit=137]"
if [ -z "$pid" ]; then
    fail "the hook never started"
else
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "the hook ($pid) still runs 10 s after its 3 s timeout, casereview killed"
fi
for _ in $(seq 1 100); do [ "$(notify_events)" = 2 ] && break; sleep 0.1; done
expect_eq "$(sql nt.db "select group_concat(actor || ' ' || details, '|') from audit_events where action = 'notify'")" \
    'ejones {"event": "note", "recipients": 0, "failed": "timed out after 3 s and was killed"}|ejones {"event": "note", "recipients": 0, "failed": "timed out after 3 s and was killed"}' "the failures' events"
expect_eq "$(sql nt.db "select count(*) from notes where body like '%while the hook hangs.'")" 2 "the notes"

begin "notify: a hook that fails is shown on the message line and recorded; no zombie under the workstation"
echo fail >"$T/tui-hook.mode"
start_notify
add_note "A note for a failing hook."
c=$(sql nt.db "select case_id from notes order by id desc limit 1")
wait_for "notify: note on case $c failed: exited with status 3"
add_note "A second note."
add_note "A third note."
for _ in $(seq 1 100); do [ "$(notify_events)" = 5 ] && break; sleep 0.1; done
expect_eq "$(sql nt.db "select count(*) from audit_events where action = 'notify' and details like '%exited with status 3%'")" 3 "failures recorded"
# Every process under the pane: none a zombie (the watchdogs are reaped as they end).
pane=$(tm display-message -p -t cr '#{pane_pid}')
zombies=$(ps -eo pid=,ppid=,stat=,args= | awk -v root="$pane" '
    { parent[$1] = $2; state[$1] = $3; line[$1] = $0 }
    END { for (p in parent) { q = p; while ((q in parent) && q != root && q > 1) q = parent[q]
          if (q == root && state[p] ~ /^Z/) print line[p] } }')
expect_eq "$zombies" "" "zombies under the workstation"
tm send-keys -t cr q
wait_for "Quit casereview?"
tm send-keys -t cr y
wait_for "[exit=0]"

begin "notify: a bulk assign of tagged cases runs the hook once for each case"
echo log >"$T/tui-hook.mode"
: >"$T/tui-hook.log"
start_notify fkaur
tm send-keys -t cr x && wait_for "Queue: open cases"
tm send-keys -t cr t t && wait_for "2 tagged"
tm send-keys -t cr A && wait_for "Assign the 2 tagged cases to"
tm send-keys -t cr j Enter && wait_for "moved 2 cases to ejones"
moved=$(sql nt.db "select group_concat(case_id, ' ') from (select case_id from audit_events where action = 'assign' and actor = 'fkaur' order by case_id)")
for _ in $(seq 1 100); do [ "$(grep -c . "$T/tui-hook.log")" -ge 2 ] && break; sleep 0.1; done
expect_eq "$(sort -n -k2 "$T/tui-hook.log")" "$(for c in $moved; do echo "assign $c ejones"; done)" "the hook's runs"
tm send-keys -t cr q
wait_for "Quit casereview?"
tm send-keys -t cr y
wait_for "[exit=0]"

begin "a terminal that cannot move the cursor, or a locale that is not UTF-8, is refused"
start ejones TERM=dumb
wait_for "[exit=2]"
grep -qF "casereview: the terminal 'dumb' cannot move the cursor" "$T/screen" || fail "$(cat "$T/screen")"
start ejones TERM=nosuchterm
wait_for "[exit=2]"
grep -qF "casereview: the terminal type 'nosuchterm' (TERM) is not known here" "$T/screen" || fail "$(cat "$T/screen")"
start ejones LC_ALL=C
wait_for "[exit=2]"
grep -qF "not UTF-8, so the workstation" "$T/screen" || fail "$(cat "$T/screen")"
grep -qF "LC_ALL=C.UTF-8" "$T/screen" || fail "$(cat "$T/screen")"

finish
