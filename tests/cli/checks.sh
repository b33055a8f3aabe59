#!/usr/bin/env bash
# The smaller checks of issue 8 (item 10): a theme that does not exist, an
# expected version the case never had, note --expect-version, an empty file
# that is not a database, two logins under one name, and the size and
# encoding of what people write.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv .

begin "check-config refuses a theme that does not exist, at its position"
{ echo "theme: nosuch"; grep -v '^theme:' "$FIXTURES/config/good.yaml"; } >th.yaml
cr_plain check-config th.yaml
expect_rc 3
expect_err "th.yaml:1:8: theme: 'nosuch' is not a theme (no nosuch.yaml in /usr/local/share/casereview/themes:$SRC/themes)" \
    "casereview: th.yaml: the configuration has problems; nothing was done"

begin "every command refuses it, before the database"
cr_plain --config th.yaml --as cadmin --db th.db list
expect_rc 3
expect_eq "$(db_state th.db)" absent "database"
cr_plain --config th.yaml --as cadmin --db th.db init
expect_rc 3
expect_eq "$(db_state th.db)" absent "database"

begin "a theme with problems is refused too"
mkdir -p mythemes
printf 'colors:\n  title: { fg: purple }\n' >mythemes/broken.yaml
{ echo "theme: broken"; grep -v '^theme:' "$FIXTURES/config/good.yaml"; } >tb.yaml
CASEREVIEW_THEMES=$T/mythemes cr_plain check-config tb.yaml
expect_rc 3
expect_err "$T/mythemes/broken.yaml:2:16: fg: 'purple' is not a colour (default, black, red, green, yellow, blue, magenta, cyan, white, bright-black ... bright-white, or 0 to 255)" \
    "tb.yaml:1:8: theme: 'broken' has problems (above)" \
    "casereview: tb.yaml: the configuration has problems; nothing was done"
cr_plain check-config "$FIXTURES/config/good.yaml"
expect_rc 0

begin "two logins under one display name are refused, at the second"
sed 's/login: fkaur, name: "F. Kaur"/login: fkaur, name: "a. smith"/' "$FIXTURES/config/good.yaml" >dn.yaml
cr_plain check-config dn.yaml
expect_rc 3
expect_err "dn.yaml:11:27: name 'a. smith' is given to both 'asmith' and 'fkaur' (first at line 8); one person has one login, so that separation of duties holds: give each person their own name" \
    "casereview: dn.yaml: the configuration has problems; nothing was done"
# A panel member's name against a user's login (a person without a name is named by their login).
sed -e 's/login: tnash, name: "T. Nash"/login: tnash, name: "RDOE"/' -e 's/login: rdoe,  name: "R. Doe",/login: rdoe,/' \
    "$FIXTURES/config/good.yaml" >dn2.yaml
cr_plain check-config dn2.yaml
expect_rc 3
expect_err "dn2.yaml:18:29: name 'RDOE' is given to both 'rdoe' and 'tnash' (first at line 17); one person has one login, so that separation of duties holds: give each person their own name" \
    "casereview: dn2.yaml: the configuration has problems; nothing was done"

cr --db w.db import good.csv
expect_rc 0

begin "an expected version above the current one is named as such"
AS=asmith cr --db w.db claim S1 --expect-version 2
expect_rc 1
expect_err "casereview: case 1 is at version 1; version 2, which you gave, it has never had; look at it again (show 1) and give the version shown"
AS=asmith cr --db w.db claim S1 --expect-version 1
expect_rc 0

begin "note takes --expect-version"
AS=asmith cr --db w.db note S1 "Stale." --expect-version 1
expect_rc 1
expect_err "casereview: case 1 was changed by asmith at 2026-01-01T00:00:00Z (it is now version 2; you saw version 1); look at it again before you act"
expect_eq "$(sql w.db "select count(*) from notes")" 0 "notes"
AS=asmith cr --db w.db note S1 "Current." --expect-version 2
expect_rc 0
expect_out "case 1: note: still in_review (version 2); note added"

begin "commands that make no database refuse an empty file, and leave it empty"
: >e.db
chmod 600 e.db
# On PostgreSQL the counterpart of an empty file is a database without the schema
# (lib.sh makes each database name's database empty, owned by the service role).
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    empty="casereview: $(db_label e.db): not a casereview database (it has no casereview schema); \`casereview init\` run as its owner (casereview) makes it one"
else
    empty="casereview: e.db: the file is empty, not a casereview database; 'casereview init' makes an empty database in it, 'casereview import FILE' one with cases"
fi
for c in list stats "show 1" "history 1" "claim 1" "audit verify"; do
    # shellcheck disable=SC2086
    cr --db e.db $c
    expect_rc 4
    expect_err "$empty"
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        expect_eq "$(db_state e.db)" absent "the schema after $c"
    else
        expect_eq "$(stat -c %s e.db)" 0 "size after $c"
    fi
done
expect_eq "$(ls e.db* | tr '\n' ' ')" "e.db " "no side files"

begin "import of a bad file leaves the empty file empty; init makes a database of it"
printf 'bad\n' >bad.csv
cr --db e.db import bad.csv
expect_rc 3
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    expect_eq "$(db_state e.db)" absent "the schema after a refused import"
else
    expect_eq "$(stat -c %s e.db)" 0 "size after a refused import"
fi
cr --db e.db init
expect_rc 0
expect_out "created $(db_label e.db) (schema version $(schema_version))"
cr --db e.db list
expect_rc 0
: >e2.db
chmod 600 e2.db
cr --db e2.db import good.csv
expect_rc 0
expect_out "good.csv: imported 4 allegations: 2 new cases"

begin "a rationale, a reason or a note over 64 KiB is refused, naming the limit and the size"
head -c 65537 /dev/zero | tr '\0' 'x' >big.txt
head -c 65536 /dev/zero | tr '\0' 'y' >max.txt
AS=asmith cr --db w.db decide S1 --outcome nfa --rationale-file big.txt
expect_rc 1
expect_err "casereview: the rationale is 65537 bytes, more than the limit of 65536 bytes (64 KiB); shorten it, and keep longer material in the case file, referred to by name"
AS=asmith cr --db w.db note S1 "$(cat big.txt)"
expect_rc 1
expect_err "casereview: the note is 65537 bytes, more than the limit of 65536 bytes (64 KiB); shorten it, and keep longer material in the case file, referred to by name"
expect_eq "$(sql w.db "select count(*) from notes")" 1 "notes"
AS=asmith cr --db w.db decide S1 --outcome nfa --rationale-file max.txt
expect_rc 0
AS=bjones cr --db w.db return S1 --reason "$(cat big.txt)"
expect_rc 1
expect_err "casereview: the reason is 65537 bytes, more than the limit of 65536 bytes (64 KiB); shorten it, and keep longer material in the case file, referred to by name"
expect_eq "$(sql w.db "select state || ' ' || length(rationale) from cases where id = 1")" "awaiting_approval 65536" "case 1"

begin "a rationale that is not UTF-8 is refused"
AS=asmith cr --db w.db claim S2
printf 'Information: caf\xe9.\n' >latin1.txt
AS=asmith cr --db w.db decide S2 --outcome nfa --rationale-file latin1.txt
expect_rc 1
expect_err "casereview: the rationale is not valid UTF-8 (at byte 17); save it as UTF-8 and try again"
AS=asmith cr --db w.db note S2 "$(printf 'bad \xff byte')"
expect_rc 1
expect_err "casereview: the note is not valid UTF-8 (at byte 5); save it as UTF-8 and try again"
expect_eq "$(sql w.db "select state from cases where id = 2")" in_review "case 2"
cr --db w.db audit verify
expect_rc 0

finish
