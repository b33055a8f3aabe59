#!/usr/bin/env bash
# The command line: usage errors, help, the database's safety checks.
. "$(dirname "$0")/lib.sh"
cp "$FIXTURES"/import/good.csv .
# The schema's version is the engine's own (SQLite's schema.c; PostgreSQL's last core/pg/sql file).
version=14
[ -z "${CASEREVIEW_TEST_PG:-}" ] || version=80
# What a database argument with no casereview database behind it is told: on SQLite no file
# is there; in PostgreSQL mode lib.sh has made the database (empty: no schema).
no_database() {
    sqlite_only "no file: lib.sh makes each name's PostgreSQL database, without the schema" &&
        expect_err "casereview: $1: no such database; create it with 'casereview init' or 'casereview import'"
    pg_only "a database without the casereview schema" &&
        expect_err "casereview: $(db_label "$1"): not a casereview database (it has no casereview schema); \`casereview init\` run as its owner (casereview) makes it one"
}

begin "no command: the terminal interface, which needs a database and a terminal"
cr
expect_rc 4
no_database casereview.db
cr --db ui.db init
cr --db ui.db </dev/null
expect_rc 2
expect_err "casereview: the terminal interface needs a terminal on stdin and stdout; give a command (see 'casereview --help') or --script FILE"

begin "unknown command"
cr frobnicate
expect_rc 2
expect_err "casereview: unknown command 'frobnicate' (see 'casereview --help')"

begin "unknown global option"
cr --bogus list
expect_rc 2
expect_err "casereview: unknown option '--bogus' (see 'casereview --help')"

begin "unknown command option"
cr list --colour
expect_rc 2
expect_err "casereview: list: unknown option '--colour' (see 'casereview list --help')"

begin "missing operand"
cr import
expect_rc 2
expect_err "casereview: import: missing FILE.csv|- (see 'casereview import --help')"

begin "extra operand"
cr show 1 2
expect_rc 2
expect_err "casereview: show: unexpected argument '2' (see 'casereview show --help')"

begin "option without its value"
cr generate --cases
expect_rc 2
expect_err "casereview: generate: option '--cases' needs a value (N)"

begin "bad numbers"
cr generate --cases 4x
expect_rc 2
expect_err "casereview: generate: --cases must be a whole number from 1 to 10000000, not '4x'"
cr generate --cases 0
expect_rc 2
cr list --limit -1
expect_rc 2
expect_err "casereview: list: --limit must be a whole number from 1 to 9223372036854775807, not '-1'"

begin "bad enumerations"
cr list --outcome maybe
expect_rc 2
expect_err "casereview: list: --outcome must be one of nfa, reassess, refer, none, not 'maybe'"
cr stats --format csv
expect_rc 2
expect_err "casereview: stats: --format must be one of table, json, not 'csv'"

begin "help lists every command and option"
cr --help
expect_rc 0
for c in init import generate list show stats; do expect_out_has "  $c "; done
cr list --help
expect_rc 0
for o in --state --outcome --format --limit --help; do expect_out_has "  $o"; done
cr import --help
expect_out_has "usage: casereview import [OPTIONS] FILE.csv|-"
expect_out_has "--dry-run"

begin "no database"
cr --db none.db list
expect_rc 4
no_database none.db
expect_eq "$(db_state none.db)" absent "list created a database"

begin "init creates an owner-only file, once"
cr --db i.db init
expect_rc 0
expect_out "created $(db_label i.db) (schema version $version)"
sqlite_only "the file's mode and SQLite header" && {
    expect_eq "$(stat -c %a i.db)" 600 "mode"
    expect_eq "$(sql i.db "pragma application_id")" 1129469489 "application id"
}
pg_only "the server's privileges: PUBLIC may not connect; the version kept in settings" && {
    expect_eq "$(sql i.db "select has_database_privilege('public', current_database(), 'CONNECT')")" f "PUBLIC's CONNECT"
    expect_eq "$(sql i.db "select value from settings where key = 'schema_version'")" "$version" "the schema version"
}
cr --db i.db init
expect_rc 0
expect_out "$(db_label i.db) already exists (schema version $version); nothing to do"

begin "CASEREVIEW_DB"
CASEREVIEW_DB=i.db cr stats --format json
expect_rc 0
expect_out_has '"cases": 0'

begin "a database others can read is refused"
cr --db w.db import good.csv
# (File modes are SQLite's guard; on PostgreSQL the server's privileges are, above and
# tests/pg/boundary.sh.)
sqlite_only "file modes" && {
chmod 644 w.db
before=$(db_state w.db)
cr --db w.db list
expect_rc 4
expect_err "casereview: w.db: other users can read or write this database, which holds special-category personal data; run 'chmod o-rwx w.db' and try again"
expect_eq "$(db_state w.db)" "$before" "refused database"
chmod 606 w.db
cr --db w.db import good.csv
expect_rc 4

begin "a group-readable database not made for a group is refused"
chmod 640 w.db
cr --db w.db show 1
expect_rc 4
expect_err "casereview: w.db: its group can read or write this database, but it was not created for group use (casereview init --group); run 'chmod 600 w.db' and try again"
chmod 600 w.db
cr --db w.db show 1
expect_rc 0

begin "init --group"
cr --db grp.db init --group
expect_rc 0
expect_eq "$(stat -c %a grp.db)" 660 "mode"
cr --db grp.db import good.csv
expect_rc 0
chmod 664 grp.db
cr --db grp.db list
expect_rc 4
}

begin "a file that is not a casereview database"
sqlite_only "a file that is not an SQLite one; one of another program" && {
printf 'hello, this is not a database at all, just some text for the test\n%.0s' $(seq 1 100) >text.db
chmod 600 text.db
before=$(db_state text.db)
cr --db text.db list
expect_rc 4
expect_err "casereview: text.db: not a casereview database (not an SQLite file)"
expect_eq "$(db_state text.db)" "$before" "foreign file"
sqlite3 other.db "create table t(x); insert into t values (1);"
chmod 600 other.db
cr --db other.db list
expect_rc 4
expect_err "casereview: other.db: not a casereview database"
}
pg_only "a database of another program (a table of its own, no casereview schema)" && {
    sql other.db "create table public.t (x integer); insert into public.t values (1)"
    before=$(db_state other.db)
    cr --db other.db list
    expect_rc 4
    expect_err "casereview: $(db_label other.db): not a casereview database (it has no casereview schema); \`casereview init\` run as its owner (casereview) makes it one"
    expect_eq "$(db_state other.db)" "$before" "foreign database"
}

begin "a database from a newer casereview"
db_copy i.db newer.db
sqlite_only "the version in the file's header" && sqlite3 newer.db "pragma user_version = 99"
pg_only "the version in settings" && sql newer.db "update settings set value = '99' where key = 'schema_version'"
cr --db newer.db list
expect_rc 4
expect_err "casereview: $(db_label newer.db): schema version 99 is newer than this casereview knows ($version); use a newer casereview"

begin "readers go on while another process writes; a writer is told it is busy"
# (show, history and list are writers too: every view and every list is an audit event,
# and a list that cannot be recorded shows nothing.)
db_remove lock.db
cr --db lock.db import good.csv
db_hold_write lock.db 16 locked
for _ in $(seq 1 100); do [ -e locked ] && break; sleep 0.1; done
cr --db lock.db stats --format json
expect_rc 0
cp good.csv more.csv
sed -i 's/A4,S1/A5,S1/' more.csv
cr --db lock.db import more.csv
expect_rc 4
expect_err "casereview: $(db_label lock.db): the database is busy (another user holds it); try again"
cr --db lock.db list --format csv
expect_rc 4
expect_err "casereview: $(db_label lock.db): the database is busy (another user holds it); try again"
expect_eq "$(wc -c <"$T/out")" 0 "rows listed unrecorded during a write"
wait "$HOLDER"
cr --db lock.db import more.csv
expect_rc 0

begin "unknown case"
cr --db w.db show 999
expect_rc 3
expect_err "casereview: no case '999' (give a case number or a subject_ref)"

begin "case numbers and references that look alike"
cat >amb.csv <<'CSV'
subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary
2,Ashgrove,Tom,officer,PC,Unit,full,X1,domestic_violence,2019-01-01,complaint,NFA,First
77,Ashgrove,Ann,officer,PC,Unit,full,X2,domestic_violence,2019-01-01,complaint,NFA,Second
CSV
cr --db amb.db import amb.csv
expect_rc 0
cr --db amb.db show 2
expect_rc 2
expect_err "casereview: '2' is both case 2 and the subject_ref of case 1; write '#2' for the case number or 'ref:2' for the subject"
cr --db amb.db show '#2'
expect_rc 0
expect_out_has "Reference      77"
cr --db amb.db show ref:2
expect_rc 0
expect_out_has "Reference      2"
cr --db amb.db show 77
expect_rc 0
expect_out_has "Reference      77"

begin "escape sequences from the data never reach the terminal"
cr --db w.db show S2
expect_rc 0
expect_out_has "an ESC ^[[31m here"
if grep -q $'\x1b' "$T/out"; then fail "raw escape in output"; fi

begin "a refusal names a long login whole (no fixed buffer cuts the message)"
login="r$(printf '%04d' $(seq 300))" # 1,201 bytes
# A PostgreSQL role's name (the login the person connects as) has at most 63 bytes.
pg_only "a login is a role, of at most 63 bytes" && login="r$(printf '%04d' $(seq 15))r"
sed "s/login: asmith,/login: $login,/" "$CASEREVIEW_CONFIG" >long.yaml
printf 'subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary\nL1,Long,Login,officer,PC,East Area BCU,full,LA1,domestic_violence,2020-01-01,complaint,none,text\n' >long.csv
CASEREVIEW_CONFIG=long.yaml cr --db long.db import long.csv
expect_rc 0
CASEREVIEW_CONFIG=long.yaml AS=$login cr --db long.db claim 1
expect_rc 1
expect_err "casereview: you ($login) are in the subject's unit (East Area BCU), and with conflicts.same_unit nobody acts on a case from their own unit. There is nothing you may do on case 1 now"

begin "--version is the version meson.build defines, the one place it is written"
want=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$SRC/meson.build")
cr_plain --version
expect_rc 0
expect_out "casereview $want"
[ -n "$want" ] || fail "no version in meson.build"
grep -rn '"[0-9]\+\.[0-9]\+\.[0-9]\+"' "$SRC/tui" "$SRC/core" --include='*.[ch]' && fail "a version written in the sources"

finish
