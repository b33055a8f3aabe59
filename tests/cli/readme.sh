#!/usr/bin/env bash
# README.md's first command (after install and build) and its worked example,
# run as written, against the built binary: a new user can paste them.
. "$(dirname "$0")/lib.sh"
: "${SRC:?set SRC to the source tree}"
unset CASEREVIEW_CONFIG CASEREVIEW_NOW
readme=$SRC/README.md

# The first ```sh block after a heading, with ./build/tui/casereview and data/ pointed here.
block() {
    awk -v h="$1" '$0 == h {on = 1; next} on && /^```sh/ {inb = 1; next} inb && /^```/ {exit} inb {print}' "$readme" |
        sed -e "s#\./build/tui/casereview#$CASEREVIEW#g" -e "s# data/# $SRC/data/#g"
}

begin "the first command, after install and build: the demo"
first=$(block "## Try it (Debian 12)")
demo=${first#*meson compile -C build && }
[ "$demo" != "$first" ] || fail "cannot find the demo part of: $first"
printf 'dump screen.txt\nkeys ?\ndump help.txt\nkeys q q\n' >keys.txt
export TERM=xterm-256color
bash -c "${demo/ demo/ --script keys.txt demo}" >"$T/out" 2>"$T/err"
expect_eq "$?" 0 "exit status (stderr: $(cat "$T/err"))"
grep -q "Queue: waiting for me, then flagged, riskiest first" screen.txt || fail "no queue: $(cat screen.txt)"
grep -q "Help: keys of the queue screen" help.txt || fail "help is not one key away"
expect_eq "$(sql demo/casereview.db "select count(*) from cases")" 1131 "demo cases"

begin "the worked example"
# Run by the installed program, as a reader runs it (the demo above needs --script,
# which only the test build has).
CASEREVIEW=${CASEREVIEW_RELEASE:-$CASEREVIEW} block "## A worked example" >example.sh
grep -qF "${CASEREVIEW_RELEASE:-$CASEREVIEW} " example.sh || fail "the worked example does not run the program"
[ -s example.sh ] || fail "no worked example found"
bash -e example.sh >"$T/out" 2>"$T/err"
expect_eq "$?" 0 "exit status (stderr: $(cat "$T/err"))"
expect_out_has "demo.csv: imported 1987 allegations: 1131 new cases"
expect_out_has "case 501: claim: flagged -> in_review (version 2)"
expect_out_has "  1 vote withheld until you cast yours (blind voting)"
expect_out_has "case 501: vote: panel_review -> closed (version 6)"
expect_out_has "ok: 10 events" # bjones's list is two of them (its begin and end)

finish
