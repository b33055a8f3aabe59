#!/usr/bin/env bash
# Key overrides from keys:, themes from themes/ (and their errors), NO_COLOR.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
export TERM=xterm-256color
"$CASEREVIEW" generate --cases 10 --seed 5 >c.csv
cr --db t.db import c.csv

begin "keys: an override works, the old key no longer does"
sed 's/^keys: .*/keys: { next_case: "]", dashboard: "C-d" }/' "$CASEREVIEW_CONFIG" >k.yaml
printf 'keys <Enter> ]\ndump next.txt\nkeys C-d\ndump dash.txt\nkeys q n\ndump n.txt\nkeys q q\n' >k.keys
# Keys are part of the rules pinned in the database: adopted, on a copy.
cp t.db k.db && cp t.db.key k.db.key
cr --db k.db config adopt k.yaml
expect_rc 0
cr_plain --config k.yaml --as ejones --db k.db --script k.keys
expect_rc 0
grep -q "^ Case 1:" next.txt || fail "] did not step to the next case: $(head -1 next.txt)"
grep -q "^ Dashboard" dash.txt || fail "C-d did not open the dashboard"
grep -q "^ Case 1:" n.txt || fail "n still stepped: $(head -1 n.txt)"

begin "keys: unknown actions and keys are refused with FILE:LINE:COLUMN"
sed 's/^keys: .*/keys: { next_cse: n }/' "$CASEREVIEW_CONFIG" >bad1.yaml
cr_plain --config bad1.yaml --as ejones --db t.db --script k.keys
expect_rc 3
expect_err "bad1.yaml:2:9: keys: 'next_cse' is not an action (see the help screen, '?')" \
    "casereview: bad1.yaml: the configuration has problems; nothing was done"
cr_plain check-config bad1.yaml
expect_rc 3
expect_err "bad1.yaml:2:9: keys: 'next_cse' is not an action (see the help screen, '?')" \
    "casereview: bad1.yaml: the configuration has problems; nothing was done"
sed 's/^keys: .*/keys: { next_case: "<Nope>" }/' "$CASEREVIEW_CONFIG" >bad2.yaml
cr_plain --config bad2.yaml --as ejones --db t.db --script k.keys
expect_rc 3
expect_err "bad2.yaml:2:20: keys.next_case: '<Nope>' is not a key (a character, C-a to C-z, or one of <Enter>, <Down>, <Up>, <PgDn>, <PgUp>, <Home>, <End>, <Tab>, <Space>, <F1> to <F4>)" \
    "casereview: bad2.yaml: the configuration has problems; nothing was done"

begin "keys: a long bad key name is shown whole"
long="<$(printf 'Nope%.0s' $(seq 40))>" # 162 bytes
sed "s/^keys: .*/keys: { next_case: \"$long\" }/" "$CASEREVIEW_CONFIG" >bad3.yaml
cr_plain check-config bad3.yaml
expect_rc 3
expect_err "bad3.yaml:2:20: keys.next_case: '$long' is not a key (a character, C-a to C-z, or one of <Enter>, <Down>, <Up>, <PgDn>, <PgUp>, <Home>, <End>, <Tab>, <Space>, <F1> to <F4>)" \
    "casereview: bad3.yaml: the configuration has problems; nothing was done"

begin "themes: a long \$CASEREVIEW_THEMES is searched to its end"
printf 'dump far.txt\nkeys q\n' >far.keys
mkdir -p far/themes
cp "$SRC/themes/monochrome.yaml" far/themes/farther.yaml
CASEREVIEW_THEMES="$(printf '/nonexistent/%04d:' $(seq 300))$T/far/themes" \
    cr --db t.db --theme farther --script far.keys
expect_rc 0
grep -q "Queue: waiting for me" far.txt || fail "the theme was not found: $(head -c 300 "$T/err")"

begin "themes: every shipped theme loads; --theme and theme: choose"
printf 'dump q.txt\nkeys q\n' >q.keys
for theme in default high-contrast monochrome; do
    cr --db t.db --theme "$theme" --script q.keys
    expect_rc 0
    grep -q "Queue: waiting for me" q.txt || fail "$theme: $(head -1 q.txt)"
done
cr --db t.db --theme nosuch --script q.keys
expect_rc 3
grep -q "^casereview: theme 'nosuch' not found" "$T/err" || fail "$(cat "$T/err")"

begin "themes: problems as FILE:LINE:COLUMN"
mkdir -p mythemes
printf 'colors:\n  title: { fg: purple, attrs: [bold, blink] }\n  titel: { fg: red }\n  status: { bg: 300 }\n' >mythemes/broken.yaml
CASEREVIEW_THEMES=$T/mythemes cr --db t.db --theme broken --script q.keys
expect_rc 3
expect_err "$T/mythemes/broken.yaml:2:16: fg: 'purple' is not a colour (default, black, red, green, yellow, blue, magenta, cyan, white, bright-black ... bright-white, or 0 to 255)" \
    "$T/mythemes/broken.yaml:2:38: 'blink' is not an attribute (bold, dim, reverse, underline)" \
    "$T/mythemes/broken.yaml:3:3: unknown colour slot 'titel' (slots: title, status, message, error, header, text, dim, selected, overdue, bar, state_flagged, state_in_review, state_awaiting_approval, state_panel_review, state_returned, state_closed)" \
    "$T/mythemes/broken.yaml:4:17: bg: '300' is not a colour (default, black, red, green, yellow, blue, magenta, cyan, white, bright-black ... bright-white, or 0 to 255)" \
    "casereview: $T/mythemes/broken.yaml: the theme has problems"

begin "NO_COLOR and terminals without colour still work"
NO_COLOR=1 cr --db t.db --script q.keys
expect_rc 0
grep -q "Queue: waiting for me" q.txt || fail "NO_COLOR: $(head -1 q.txt)"
for term in vt100 xterm xterm-16color xterm-256color; do
    TERM=$term cr --db t.db --theme high-contrast --script q.keys
    expect_rc 0
    grep -q "Queue: waiting for me" q.txt || fail "$term: $(head -1 q.txt)"
done

finish
