#!/usr/bin/env bash
# The dashboard's workload panel cuts a login or a name by display cells,
# between characters, with "…" where it cuts, so that the columns after it
# stay in place whatever the script of the name.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
export TERM=xterm-256color
"$CASEREVIEW" generate --cases 10 --seed 5 >c.csv
cr --db t.db import c.csv

begin "a Greek name longer than its 16 cells is cut between characters, the columns in place"
sed 's/name: "E. Jones"/name: "Κωνσταντίνα Παπαδοπούλου"/' "$CASEREVIEW_CONFIG" >g.yaml
cr --db t.db config adopt g.yaml
expect_rc 0
AS=ejones cr --config g.yaml --db t.db claim "#1"
expect_rc 0
printf 'keys D\ndump dash.txt\nkeys q q y\n' >d.keys
cr_plain --config g.yaml --as bjones --db t.db --script d.keys --size 120x40
expect_rc 0
header=$(grep -m1 'reviewer' dash.txt | grep 'in_review' || true)
row=$(grep -m1 '^ *>\? *ejones ' dash.txt || true)
[ -n "$row" ] || fail "no workload row for ejones: $(cat dash.txt)"
expect_eq "$(printf '%s' "$row" | grep -o 'ejones *Κωνσταντίνα Παπ…')" "ejones     Κωνσταντίνα Παπ…" \
    "the login and the name, each in its cells (10 and 16)"
# After the two cells (29 characters, each Greek letter one cell), the row's
# figures stand where the total's do.
total=$(grep -m1 '^ *total ' dash.txt || true)
after() { python3 -c 'import sys; print(sys.argv[1][29:])' "$1"; }
expect_eq "$(after "$row")" "$(after "$total")" "ejones's figures, in the total's columns"

finish
