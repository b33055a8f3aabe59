#!/usr/bin/env bash
# The PostgreSQL test harness works (tests/pg/cluster.sh, users.sh): a
# throwaway cluster starts; pg_newdb makes a database of the service role
# that a roster login reaches and an outsider does not; a roster login cannot
# create a table in, or write to, the schema 'casereview' of the service role;
# on database crpeer, peer authentication lets a Unix user in as its own role
# only, and the throwaway users are gone afterwards.  Exit 77 (skip) without
# PostgreSQL, unless CASEREVIEW_PG_REQUIRED=1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${FIXTURES:-$here/../fixtures}
# shellcheck source=tests/pg/cluster.sh
. "$here/cluster.sh"
# shellcheck source=tests/pg/users.sh
. "$here/users.sh"

checks=0
failures=0
TEST=
begin() {
    TEST=$1
    checks=$((checks + 1))
}
fail() {
    printf 'FAIL [%s]: %s\n' "$TEST" "$*"
    failures=$((failures + 1))
}
# run CMD...: keep its stdout, stderr and status in $out, $err, $rc.
run() {
    out=$("$@" 2>"$W/err")
    rc=$?
    err=$(cat "$W/err")
}
expect() { # expect RC OUT ERR-SUBSTRING (an empty one: stderr empty)
    [ "$rc" = "$1" ] || fail "exit status $rc, expected $1 (stderr: $err)"
    [ "$out" = "$2" ] || fail "stdout '$out', expected '$2'"
    if [ -z "$3" ]; then
        [ -z "$err" ] || fail "unexpected stderr: $err"
    else
        [[ $err == *"$3"* ]] || fail "stderr lacks '$3': $err"
    fi
}

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

begin "a cluster starts"
pg_cluster_start || exit $?
pg_cluster_trap
pg_isready -q -h "$PGHOST" || fail "pg_isready says the cluster in $PGHOST is not ready"
[ -S "$PG_DIR/.s.PGSQL.5432" ] || fail "no socket in $PG_DIR"
run pg_psql -At -c "SHOW listen_addresses" -c "SHOW fsync"
expect 0 "$(printf '\noff')" ""
run pg_psql -At -c "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'casereview'"
expect 0 "t|f|f|f" ""

begin "pg_newdb: a database of the service role, the roster's roles with CONNECT"
pg_newdb crsmoke "$fixtures/config/good.yaml" || fail "pg_newdb failed"
run pg_psql -At -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'crsmoke'"
expect 0 casereview ""
for login in asmith ejones bjones fkaur cadmin mkhan lpark rdoe tnash; do
    run pg_psql -At -c "SELECT has_database_privilege('$login', 'crsmoke', 'CONNECT'),
        has_database_privilege('$login', 'crsmoke', 'TEMPORARY')"
    expect 0 "t|f" ""
done
# Again for the same roles on another database: the roles are there already.
pg_newdb crsmoke2 "$fixtures/config/good.yaml" || fail "pg_newdb of a second database failed"

begin "a roster login connects through the program's connection string"
run psql -X -A -t -q "$(pg_connstr crsmoke asmith)" -c "SELECT session_user, current_database()"
expect 0 "asmith|crsmoke" ""

begin "an outsider role cannot connect (CONNECT revoked from PUBLIC)"
pg_psql -c "CREATE ROLE outsider LOGIN" || fail "cannot make the role outsider"
run psql -X -A -t -q "$(pg_connstr crsmoke outsider)" -c "SELECT 1"
expect 2 "" 'FATAL:  permission denied for database "crsmoke"'

# What 'casereview init' will make, in short: the schema and a table of the
# service role, the schema usable (for its functions) by everyone.
psql -X -q -v ON_ERROR_STOP=1 "$(pg_connstr crsmoke casereview)" -c "CREATE SCHEMA casereview;
    GRANT USAGE ON SCHEMA casereview TO PUBLIC;
    CREATE TABLE casereview.cases (id int); INSERT INTO casereview.cases VALUES (1)" ||
    fail "the service role cannot make its schema in its database"

begin "a roster login cannot create a table in schema casereview"
run psql -X -A -t -q -v ON_ERROR_STOP=1 "$(pg_connstr crsmoke asmith)" -c "CREATE TABLE casereview.mine (a int)"
expect 1 "" "ERROR:  permission denied for schema casereview"
begin "nor in schema public (PostgreSQL 15: no CREATE for PUBLIC)"
run psql -X -A -t -q -v ON_ERROR_STOP=1 "$(pg_connstr crsmoke asmith)" -c "CREATE TABLE public.mine (a int)"
expect 1 "" "ERROR:  permission denied for schema public"
begin "nor read or write the service role's table"
for q in "SELECT * FROM casereview.cases" "UPDATE casereview.cases SET id = 2"; do
    run psql -X -A -t -q -v ON_ERROR_STOP=1 "$(pg_connstr crsmoke asmith)" -c "$q"
    expect 1 "" "ERROR:  permission denied for table cases"
done
run pg_psql -d crsmoke -At -c "SELECT id FROM casereview.cases"
expect 0 1 ""

if [ "$(id -u)" = 0 ]; then
    begin "peer authentication on crpeer: a throwaway user gets in as itself only"
    REV='' SUP=''
    if ! pg_user_add REV rev || ! pg_user_add SUP sup; then
        fail "cannot make the throwaway users"
    fi
    printf 'users:\n  - { login: %s, name: "R", roles: [reviewer] }\n  - { login: %s, name: "S", roles: [supervisor] }\n' \
        "$REV" "$SUP" >"$W/peer.yaml"
    pg_newdb crpeer "$W/peer.yaml" || fail "pg_newdb crpeer failed"
    run pg_user_psql "$REV" "$REV" "SELECT session_user, current_user"
    expect 0 "$REV|$REV" ""
    run pg_user_psql "$SUP" "$SUP" "SELECT session_user"
    expect 0 "$SUP" ""
    run pg_user_psql "$REV" "$SUP" "SELECT session_user"
    expect 2 "" "FATAL:  Peer authentication failed for user \"$SUP\""
    run pg_user_psql "$REV" casereview "SELECT session_user"
    expect 2 "" 'FATAL:  Peer authentication failed for user "casereview"'
    begin "peer authentication on crpeer: the superuser's role from root's session is refused"
    run psql -X -A -t -q -h "$PG_DIR" -U postgres -d crpeer -c "SELECT 1"
    expect 2 "" 'FATAL:  Peer authentication failed for user "postgres"'
    # A program copied where the users reach it (pg_user_copy), run as one.
    bin=''
    pg_user_copy bin "$PG_BIN/psql" || fail "pg_user_copy failed"
    run pg_as_user "$REV" "$bin" -X -A -t -q -h "$PG_DIR" -d crpeer -c "SELECT session_user"
    expect 0 "$REV" ""
    # The same user elsewhere (trust): any role; crpeer alone is the boundary.
    run pg_as_user "$REV" psql -X -A -t -q "$(pg_connstr crsmoke asmith)" -c "SELECT session_user"
    expect 0 asmith ""

    begin "the throwaway users are removed when the shell that made them exits"
    made=$(bash -c '. "$1/cluster.sh"; . "$1/users.sh"; pg_user_add U tmp && echo "$U"' _ "$here")
    [ -n "$made" ] || fail "no user made"
    ! getent passwd "$made" >/dev/null || fail "the user $made is still there"
else
    echo "not root: the throwaway Unix users of the peer checks need root; checking with $(id -un) alone"
    begin "peer authentication on crpeer: this user gets in as itself only"
    me=$(id -un)
    printf 'users:\n  - { login: %s, name: "Me", roles: [reviewer] }\n' "$me" >"$W/peer.yaml"
    pg_newdb crpeer "$W/peer.yaml" || fail "pg_newdb crpeer failed"
    run psql -X -A -t -q -h "$PG_DIR" -U "$me" -d crpeer -c "SELECT session_user"
    expect 0 "$me" ""
    run psql -X -A -t -q -h "$PG_DIR" -U casereview -d crpeer -c "SELECT session_user"
    expect 2 "" 'FATAL:  Peer authentication failed for user "casereview"'
fi

begin "pg_cluster_stop stops the cluster and removes its directory"
dir=$PG_DIR
pid=$(head -1 "$dir/data/postmaster.pid")
pg_cluster_stop
[ ! -e "$dir" ] || fail "$dir is still there"
# pg_ctl -w returns when postmaster.pid is gone, a moment before the process.
for _ in $(seq 1 50); do
    grep -qs '^State:[[:space:]]*[^Z]' "/proc/$pid/status" || break
    sleep 0.1
done
! grep -qs '^State:[[:space:]]*[^Z]' "/proc/$pid/status" || fail "the postmaster $pid still runs 5 s after pg_ctl stop"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
