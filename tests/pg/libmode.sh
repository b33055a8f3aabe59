#!/usr/bin/env bash
# tests/cli/lib.sh in PostgreSQL mode, run by tests/pg/run.sh with a
# stand-in program (fake-casereview.sh, which prints the database argument it
# got and what psql reaches through it) until the engine runs: cr, cr_plain
# and cr_in give each --db NAME (and $CASEREVIEW_DB, and the default
# ./casereview.db) a database of its own as $AS; sql reads it like sqlite3;
# db_state sees a write; db_copy and db_remove; sqlite_only/pg_only; and
# with CASEREVIEW_TEST_PG unset the arguments go through untouched.
# shellcheck disable=SC2030,SC2031 # T is changed in subshells on purpose
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${CASEREVIEW_TEST_PG:?run through tests/pg/run.sh}"
export CASEREVIEW=$here/fake-casereview.sh
export FIXTURES=${FIXTURES:-$here/../fixtures}
# shellcheck source=tests/cli/lib.sh
. "$here/../cli/lib.sh"

# The database name lib.sh gives a path.
dbname() { printf 'crt_%s' "$(printf '%s' "$1" | sha256sum | cut -c1-16)"; }
T_real=$(realpath "$T")
tdb=$(dbname "$T_real/t.db")

begin "--db NAME: a database of its own; init, while it has no schema, as the service role --as \$AS"
cr init --db t.db
expect_rc 0
expect_out "as=cadmin" "db=postgresql:///$tdb?host=$PG_DIR&user=casereview" "casereview|$tdb"
expect_empty_err

begin "once the schema is there, init connects as \$AS"
# (The stand-in's own CREATE SCHEMA then fails: not what is checked here.)
cr --db t.db init
expect_out "as=cadmin" "db=postgresql:///$tdb?host=$PG_DIR&user=cadmin" "cadmin|$tdb"

begin "import and demo make a database as init does; other commands never as the service role"
cr --db i1.db import x.csv
expect_out_has "casereview|$(dbname "$T_real/i1.db")"
cr_plain --as asmith --db=i2.db demo
expect_out_has "casereview|$(dbname "$T_real/i2.db")"
cr --db i3.db list --format import
expect_out_has "cadmin|$(dbname "$T_real/i3.db")"

begin "a test database: the install's settings table says test_clock on, in its transaction"
cr x --db clock.db
cdb_=$(dbname "$T_real/clock.db")
psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U casereview -d "$cdb_" >"$T/out" 2>"$T/err" <<'SQL'
BEGIN;
CREATE SCHEMA casereview;
CREATE TABLE casereview.settings (key text PRIMARY KEY, value text NOT NULL);
SELECT key || '=' || value FROM casereview.settings;
COMMIT;
SQL
expect_out "test_clock=on"
expect_empty_err

begin "the database: owned by casereview, CONNECT for the roster only"
expect_eq "$(psql -X -A -t -h "$PG_DIR" -U postgres -d postgres -c "SELECT pg_get_userbyid(datdba),
    has_database_privilege('asmith', datname, 'CONNECT'), has_database_privilege('tnash', datname, 'CONNECT')
    FROM pg_database WHERE datname = '$tdb'")" "casereview|t|t" "owner, asmith and tnash may connect"
psql -X -q -h "$PG_DIR" -U postgres -d postgres -c "CREATE ROLE crstranger LOGIN"
psql -X -A -t -q -h "$PG_DIR" -U crstranger -d "$tdb" -c "SELECT 1" >"$T/out" 2>"$T/err"
grep -qF "FATAL:  permission denied for database \"$tdb\"" "$T/err" ||
    fail "a role outside the roster connected: $(cat "$T/err")"

begin "the same NAME again, as another login: the same database"
AS=asmith cr list --db t.db
expect_rc 0
expect_out "as=asmith" "db=postgresql:///$tdb?host=$PG_DIR&user=asmith" "asmith|$tdb"

begin "the same file by another path: the same database; another file: another"
cr x --db ./t.db
expect_out_has "cadmin|$tdb"
cr x --db "$T/t.db"
expect_out_has "cadmin|$tdb"
cr x --db w.db
expect_out_has "cadmin|$(dbname "$T_real/w.db")"
mkdir d
cr x --db d/casereview.db
expect_out_has "cadmin|$(dbname "$T_real/d/casereview.db")"

begin "--db=NAME"
cr x --db=t.db
expect_out "as=cadmin" "db=postgresql:///$tdb?host=$PG_DIR&user=cadmin" "cadmin|$tdb"

begin "\$CASEREVIEW_DB, and the default ./casereview.db, are given their databases too"
CASEREVIEW_DB=t.db cr x
expect_out "as=cadmin" "db=postgresql:///$tdb?host=$PG_DIR&user=cadmin" "cadmin|$tdb"
[ -z "${CASEREVIEW_DB+set}" ] || fail "CASEREVIEW_DB leaked out of cr: $CASEREVIEW_DB"
cr x
cdb=$(dbname "$T_real/casereview.db")
expect_out "as=cadmin" "db=postgresql:///$cdb?host=$PG_DIR&user=cadmin" "cadmin|$cdb"

begin "cr_plain takes the login of its own --as"
cr_plain --as ejones x --db t.db
expect_out "as=ejones" "db=postgresql:///$tdb?host=$PG_DIR&user=ejones" "ejones|$tdb"

begin "cr_in: stdin reaches the program"
printf 'a,b\n' >in.csv
cr_in in.csv import --db t.db -
expect_out "as=cadmin" "db=postgresql:///$tdb?host=$PG_DIR&user=cadmin" "cadmin|$tdb" "stdin=a,b"

begin "a login that is no role yet (odd characters too) is made one, reaching the program"
AS="o'neil x" cr x --db t.db
expect_rc 0
expect_out "as=o'neil x" "db=postgresql:///$tdb?host=$PG_DIR&user=o%27neil%20x" "o'neil x|$tdb"

begin "a login of a configuration written after the database was made"
cat >"$CASEREVIEW_CONFIG" <<'EOF'
users:
  - { login: newbie, name: "N. Ew", roles: [reviewer] }
EOF
AS=newbie cr x --db t.db
expect_out_has "newbie|$tdb"
cr x --db fresh.db
expect_rc 0
expect_eq "$(psql -X -A -t -h "$PG_DIR" -U postgres -d postgres -c "SELECT
    has_database_privilege('newbie', '$(dbname "$T_real/fresh.db")', 'CONNECT')")" t \
    "a database made under the new configuration grants its roster"

begin "sql: rows a line, columns by '|', NULL empty, in schema casereview, as sqlite3 prints"
expect_eq "$(sql t.db "SELECT id, note FROM cases ORDER BY id")" "$(printf '1|\n2|a|b')" "rows"
expect_eq "$(sql t.db "SELECT count(*) FROM cases WHERE note IS NULL")" 1 "one value"
sql t.db "SELECT nope FROM cases" 2>"$T/err" && fail "a bad query succeeded"
grep -qF 'ERROR:  column "nope" does not exist' "$T/err" || fail "psql's error: $(cat "$T/err")"

begin "db_state: absent without the schema; a digest that a write changes and a read does not"
cr x --db empty.db
expect_eq "$(db_state empty.db)" absent "a database without the schema"
expect_eq "$(db_state never.db)" absent "a name never used"
before=$(db_state t.db)
[[ $before =~ ^pg\ [0-9a-f]{64}$ ]] || fail "db_state: $before"
cr x --db t.db
expect_eq "$(db_state t.db)" "$before" "after a read"
sql t.db "UPDATE cases SET note = 'c' WHERE id = 1"
[ "$(db_state t.db)" != "$before" ] || fail "db_state did not see a write"

begin "db_copy: a copy of the database with its grants; the original untouched by a write to it"
db_copy t.db u.db || fail "db_copy failed"
udb=$(dbname "$T_real/u.db")
expect_eq "$(sql u.db "SELECT id, note FROM cases ORDER BY id")" "$(printf '1|c\n2|a|b')" "the copy's rows"
sql u.db "DELETE FROM cases WHERE id = 2"
expect_eq "$(sql t.db "SELECT count(*) FROM cases")" 2 "the original's rows"
AS=asmith cr x --db u.db
expect_out "as=asmith" "db=postgresql:///$udb?host=$PG_DIR&user=asmith" "asmith|$udb"
psql -X -A -t -q -h "$PG_DIR" -U crstranger -d "$udb" -c "SELECT 1" >"$T/out" 2>"$T/err" &&
    fail "a role outside the roster connected to the copy"
db_copy t.db u.db || fail "db_copy onto an existing database failed"
expect_eq "$(sql u.db "SELECT count(*) FROM cases")" 2 "the copy made again"

begin "db_remove: the database is dropped, and made afresh on next use"
db_remove u.db || fail "db_remove failed"
expect_eq "$(psql -X -A -t -h "$PG_DIR" -U postgres -d postgres -c "SELECT count(*) FROM pg_database
    WHERE datname = '$udb'")" 0 "the database after db_remove"
expect_eq "$(db_state u.db)" absent "db_state after db_remove"
AS=asmith cr x --db u.db
expect_out_has "asmith|$udb"
db_remove never-made.db || fail "db_remove of a database never made failed"

begin "cr_argv: the command line for a test that runs the program itself"
cr_argv --as bjones x --db t.db || fail "cr_argv failed"
"${CR_ARGV[@]}" >"$T/out" 2>"$T/err"
expect_out "as=bjones" "db=postgresql:///$tdb?host=$PG_DIR&user=bjones" "bjones|$tdb"
cr_argv --as bjones x || fail "cr_argv without --db failed"
expect_eq "${CR_ARGV[0]} ${CR_ARGV[1]}" "env CASEREVIEW_DB=postgresql:///$cdb?host=$PG_DIR&user=bjones" "the default database"
(unset CASEREVIEW_TEST_PG && cr_argv --as bjones x --db t.db && echo "${CR_ARGV[*]}") >"$T/sq"
expect_eq "$(cat "$T/sq")" "$CASEREVIEW --as bjones x --db t.db" "cr_argv in SQLite mode"

begin "commands started together make one database"
for i in 1 2 3 4; do
    # Each its own out, err and rc (in $T/rI), the same race.db (here).
    (mkdir "$T/r$i" && T=$T/r$i && AS=asmith cr x --db race.db) &
done
wait
rdb=$(dbname "$T_real/race.db")
for i in 1 2 3 4; do
    grep -qxF "asmith|$rdb" "$T/r$i/out" || fail "process $i: $(cat "$T/r$i/out" "$T/r$i/err" 2>&1)"
done

begin "sqlite_only and pg_only"
sqlite_only "file modes" >"$T/out" && fail "sqlite_only ran its check on PostgreSQL"
expect_out "not on PostgreSQL [sqlite_only and pg_only]: file modes"
pg_only "roles" >"$T/out" || fail "pg_only did not run its check on PostgreSQL"
[ ! -s "$T/out" ] || fail "pg_only printed: $(cat "$T/out")"

begin "without CASEREVIEW_TEST_PG the arguments go through untouched (SQLite mode)"
(
    unset CASEREVIEW_TEST_PG
    cr x --db t.db
    cr_plain x --db=w.db
    CASEREVIEW_DB=i.db cr x
    sqlite_only "x" >/dev/null && echo sqlite_only-runs
    pg_only "x"
) >"$T/sq" 2>&1
expect_eq "$(cat "$T/sq")" "$(printf '%s\n' 'sqlite_only-runs' 'not on SQLite [without CASEREVIEW_TEST_PG the arguments go through untouched (SQLite mode)]: x')" "the helpers"
# The stand-in then tries psql on a file name: what it printed is what it got.
cr_args() { grep '^db=' "$T/out"; }
(unset CASEREVIEW_TEST_PG && cr x --db t.db)
expect_eq "$(cr_args)" "db=t.db" "--db t.db"
(unset CASEREVIEW_TEST_PG && cr_plain x --db=w.db)
expect_eq "$(cr_args)" "db=w.db" "--db=w.db"
(unset CASEREVIEW_TEST_PG && CASEREVIEW_DB=i.db cr x)
expect_eq "$(cr_args)" "db=i.db" "CASEREVIEW_DB"

begin "db_copy and db_remove in SQLite mode: the files"
(
    unset CASEREVIEW_TEST_PG
    echo db >f.db && echo key >f.db.key && echo other >g.db
    db_copy f.db h.db && db_copy g.db i.db
    echo "$(cat h.db h.db.key i.db) $([ -e i.db.key ] || echo no-i-key)"
    touch h.db-wal h.db-shm
    db_remove h.db
    compgen -G 'h.db*' | wc -l
) >"$T/sq" 2>&1
expect_eq "$(cat "$T/sq")" "$(printf 'db\nkey\nother no-i-key\n0')" "the files"

finish
