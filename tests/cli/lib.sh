# Shared helpers of the CLI tests: run the real binary, assert on what a
# user sees (exit status, exact messages, rows in the database).
# Usage: . lib.sh, with $CASEREVIEW the binary and $FIXTURES the fixtures.
set -u

: "${CASEREVIEW:?set CASEREVIEW to the casereview binary}"
: "${FIXTURES:?set FIXTURES to tests/fixtures}"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# PostgreSQL mode (tests/pg/run.sh): $CASEREVIEW_TEST_PG is the socket
# directory of a running throwaway cluster (tests/pg/cluster.sh).
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    PG_DIR=$CASEREVIEW_TEST_PG
    # shellcheck source=tests/pg/cluster.sh
    . "$(cd "$(dirname "${BASH_SOURCE[0]}")/../pg" && pwd)/cluster.sh" || exit 99
    # psql and pg_dump of the cluster's version, without Debian's pg_wrapper (0.1 s a call).
    pg_find_bin && export PATH=$PG_BIN:$PATH
    export PGHOST=$PG_DIR PGPORT=5432
    # What this test made, kept with the cluster (removed with it), not in $T.
    PG_STATE=$PG_DIR/lib/${T##*/}
    mkdir -p "$PG_STATE" || exit 99
fi
cd "$T" || exit 99

export CASEREVIEW_NOW=1767225600 # 2026-01-01T00:00:00Z
export TZ=UTC LC_ALL=C.UTF-8
unset CASEREVIEW_DB
umask 022

# The roster of tests/fixtures/config/good.yaml; commands run as $AS (default: the admin).
cp "$FIXTURES/config/good.yaml" "$T/casereview.yaml"
export CASEREVIEW_CONFIG="$T/casereview.yaml"
AS=cadmin

checks=0
failures=0
TEST=

# Start a named check.
begin() {
    TEST=$1
    checks=$((checks + 1))
}

fail() {
    printf 'FAIL [%s]: %s\n' "$TEST" "$*"
    failures=$((failures + 1))
}

# Run casereview as $AS with the given arguments; keep stdout, stderr and status.
# (In PostgreSQL mode, each of cr, cr_plain and cr_in first gives the database
# argument a database of its own, pg_args; $CASEREVIEW_DB goes through env, as
# a 'local -x' would leak out of 'CASEREVIEW_DB=x cr ...' in bash.)
cr() {
    local _pg_env=()
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        pg_args "$AS" "$@" || return 0
        set -- "${PG_ARGS[@]}"
        [ -z "$PG_ENV_DB" ] || _pg_env=(env "CASEREVIEW_DB=$PG_ENV_DB")
    fi
    "${_pg_env[@]}" "$CASEREVIEW" --as "$AS" "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

# The same with exactly the arguments given (no --as).
cr_plain() {
    local _pg_env=()
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        pg_args "" "$@" || return 0
        set -- "${PG_ARGS[@]}"
        [ -z "$PG_ENV_DB" ] || _pg_env=(env "CASEREVIEW_DB=$PG_ENV_DB")
    fi
    "${_pg_env[@]}" "$CASEREVIEW" "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

# Run it with stdin from a file.
cr_in() {
    local input=$1 _pg_env=()
    shift
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        pg_args "$AS" "$@" || return 0
        set -- "${PG_ARGS[@]}"
        [ -z "$PG_ENV_DB" ] || _pg_env=(env "CASEREVIEW_DB=$PG_ENV_DB")
    fi
    "${_pg_env[@]}" "$CASEREVIEW" --as "$AS" "$@" <"$input" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

expect_rc() {
    local got
    got=$(cat "$T/rc")
    [ "$got" = "$1" ] || fail "exit status $got, expected $1 (stderr: $(head -c 400 "$T/err"))"
}

# The whole of stderr (or stdout) is exactly the given lines.
expect_err() {
    printf '%s\n' "$@" | diff -u - "$T/err" >"$T/diff" ||
        fail "stderr is not as expected:
$(cat "$T/diff")"
}

expect_out() {
    printf '%s\n' "$@" | diff -u - "$T/out" >"$T/diff" ||
        fail "stdout is not as expected:
$(cat "$T/diff")"
}

expect_out_has() {
    grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1':
$(head -c 2000 "$T/out")"
}

expect_empty_err() {
    [ ! -s "$T/err" ] || fail "unexpected stderr: $(head -c 400 "$T/err")"
}

# A digest of a database file and its side files, or 'absent'.  (In
# PostgreSQL mode: a digest of a dump of the schema casereview of the
# database for that name, or 'absent' when that database has no such schema.)
db_state() {
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        pg_db_state "$1"
        return
    fi
    local f
    for f in "$1" "$1-wal" "$1-shm" "$1-journal"; do
        if [ -e "$f" ]; then
            printf '%s %s\n' "${f##*/}" "$(sha256sum <"$f" | cut -c1-64)"
        fi
    done
    [ -e "$1" ] || echo absent
}

# The value of a Python expression on stdout parsed as JSON (d), or a failure.
jv() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$T/out" "$1" 2>"$T/jerr" ||
        echo "<stdout is not one JSON document: $(head -c 300 "$T/out") $(tail -1 "$T/jerr")>"
}

# expect_json EXPR WANT: stdout parses, and EXPR on it is WANT.
expect_json() {
    expect_eq "$(jv "$1")" "$2" "$1"
}

# One value from the database, through the sqlite3 shell.  (In PostgreSQL
# mode through psql, as the superuser, in schema casereview of the database
# for that name; printed as sqlite3 prints: a row a line, columns joined by
# '|', NULL empty.)
sql() {
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        pg_db_for "$1" || return 1
        # From outside, as sqlite3 on a file: the server's check that a change
        # comes with its audit event (audit_pending) is not the editor's.
        PGOPTIONS="-c search_path=casereview" psql -X -A -t -q -1 -v ON_ERROR_STOP=1 \
            -h "$PG_DIR" -U postgres -d "$PG_DB" -c "$2" \
            -c "DO \$\$BEGIN IF to_regclass('casereview.audit_pending') IS NOT NULL THEN
                    DELETE FROM casereview.audit_pending WHERE txid = txid_current(); END IF;
                END\$\$" | grep -v '^DO$'
        return "${PIPESTATUS[0]}"
    fi
    sqlite3 -batch -noheader "$1" "$2"
}

# sql_join NAME SEP QUERY: the rows of QUERY joined by SEP on one line (as
# SQLite's group_concat, in the query's order), in SQL both engines read.
sql_join() {
    local rows
    rows=$(sql "$1" "$3") || return 1
    [ -z "$rows" ] || { printf '%s' "$rows" | awk -v sep="$2" 'NR > 1 { printf "%s", sep } { printf "%s", $0 } END { print "" }'; }
}

expect_eq() {
    [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

finish() {
    echo "$checks checks, $failures failed"
    [ "$failures" -eq 0 ]
}

# Wait (up to 10 s) until no casereview process started in $T runs: a
# notify command's runner and watchdogs outlive the command that started
# them (README, "Notifications").  Zombies are not running (no cwd).
settle() {
    local name p busy
    name=$(basename "$CASEREVIEW")
    for _ in $(seq 1 500); do
        busy=
        for p in $(pgrep -x "${name:0:15}"); do
            [ "/proc/$p/cwd" -ef "$T" ] && busy=$p
        done
        [ -z "$busy" ] && return 0
        sleep 0.02
    done
    fail "a casereview process started here ($busy: $(tr '\0' ' ' <"/proc/$busy/cmdline")) still runs after 10 s"
}

# A check that makes sense on one engine only (file modes, WAL files, the
# digest of a file): 'sqlite_only REASON && { ... }' runs it on SQLite, and
# on PostgreSQL says which check is left out and why (and the other way round).
sqlite_only() {
    [ -z "${CASEREVIEW_TEST_PG:-}" ] && return 0
    printf 'not on PostgreSQL [%s]: %s\n' "$TEST" "$*"
    return 1
}

pg_only() {
    [ -n "${CASEREVIEW_TEST_PG:-}" ] && return 0
    printf 'not on SQLite [%s]: %s\n' "$TEST" "$*"
    return 1
}

# os_login_of LOGIN: the Unix login the audit trail records (os_login) for a
# command cr runs as LOGIN.  On SQLite, the user running the tests: the
# program runs as them and acts --as LOGIN.  On PostgreSQL, LOGIN: lib.sh
# connects as LOGIN's role, and the server records session_user.
os_login_of() {
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        printf '%s\n' "$1"
    else
        id -un
    fi
}

# db_label NAME: database argument NAME as the program's messages name it:
# NAME itself on SQLite; in PostgreSQL mode 'postgresql database DB on HOST'
# (README: a connection string is named without its password).
db_label() {
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        pg_db_name "$1"
        printf 'postgresql database %s on %s\n' "$PG_DB" "$PG_DIR"
    else
        printf '%s\n' "$1"
    fi
}

# schema_version: the schema version 'init' reports for a new database: the
# last step of core/sqlite/schema.c; on PostgreSQL the number of the last
# file of core/pg/sql/ (each engine numbers its own schema).
schema_version() {
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        echo 80
    else
        echo 14
    fi
}

# db_schema NAME: the schema of database NAME, by name, one object a line
# (type|name|table|definition): SQLite's sqlite_schema; in PostgreSQL mode
# the tables, indexes and triggers of the schema casereview from the catalog
# (a trigger with whether it is enabled).  Empty output means nothing was read.
db_schema() {
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        sql "$1" "select 'index', indexname, tablename, indexdef from pg_indexes where schemaname = 'casereview'
            union all select 'table', relname, relname, relkind::text from pg_class
             where relnamespace = 'casereview'::regnamespace and relkind in ('r', 'p')
            union all select 'trigger', tgname, tgrelid::regclass::text, tgenabled::text || ' ' || pg_get_triggerdef(oid)
              from pg_trigger where not tgisinternal
               and tgrelid in (select oid from pg_class where relnamespace = 'casereview'::regnamespace)
            order by 1, 2"
        return
    fi
    sql "$1" "select type, name, tbl_name, coalesce(sql, '') from sqlite_schema order by type, name"
}

# sql_hex EXPR: SQL for a blob (SQLite) or bytea (PostgreSQL) EXPR as lower-case hex.
sql_hex() {
    if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
        printf "encode(%s, 'hex')\n" "$1"
    else
        printf 'lower(hex(%s))\n' "$1"
    fi
}

# PostgreSQL mode.  The helpers below set variables rather than print, and
# remember what they found (PG_DB_OF, PG_LOGIN_OK), so that a command costs
# no fork beyond the program's own once its database exists.
declare -A PG_DB_OF=() PG_LOGIN_OK=()

# pg_db_for NAME: PG_DB is the database for database argument NAME (a file
# path, relative to the current directory): crt_ and 16 hex digits of the
# SHA-256 of the absolute path, made on first use by pg_newdb (owned by the
# service role casereview, the roster of $CASEREVIEW_CONFIG granted CONNECT).
pg_db_for() {
    local fd
    pg_db_name "$1"
    [ -e "$PG_STATE/$PG_DB" ] && return 0
    # Commands started together (a race test) make it once.
    exec {fd}>>"$PG_STATE/lock"
    flock "$fd"
    if [ ! -e "$PG_STATE/$PG_DB" ]; then
        if ! { pg_newdb "$PG_DB" "${CASEREVIEW_CONFIG:-}" && pg_test_clock "$PG_DB"; } >&2; then
            exec {fd}>&-
            echo "lib.sh: cannot make the PostgreSQL database $PG_DB for $1" >&2
            return 1
        fi
        printf '%s\n' "$1" >"$PG_STATE/$PG_DB"
    fi
    exec {fd}>&-
}

# pg_db_name NAME: PG_DB is the name of the database for NAME (not made).
pg_db_name() {
    local path key="$PWD|$1"
    PG_DB=${PG_DB_OF[$key]:-}
    [ -z "$PG_DB" ] || return 0
    case $1 in
    /*) path=$1 ;;
    *) path=$PWD/$1 ;;
    esac
    path=$(realpath -m -- "$path")
    PG_DB=crt_$(printf '%s' "$path" | sha256sum | cut -c1-16)
    PG_DB_OF[$key]=$PG_DB
}

# pg_login_for DB LOGIN: LOGIN is a role with CONNECT on database DB (a
# login of a configuration written after DB was made, or one outside it).
pg_login_for() {
    local db=$1 login=$2 fd rc
    [ -n "$login" ] && [ -z "${PG_LOGIN_OK[$db|$login]:-}" ] || return 0
    if ! grep -qxF -- "$login" "$PG_STATE/$db.logins" 2>/dev/null; then
        exec {fd}>>"$PG_STATE/lock"
        flock "$fd"
        pg_grant "$db" "$login" >&2 && printf '%s\n' "$login" >>"$PG_STATE/$db.logins"
        rc=$?
        exec {fd}>&-
        [ "$rc" = 0 ] || return "$rc"
    fi
    PG_LOGIN_OK[$db|$login]=1
}

# pg_uri_encode TEXT: PG_URI is TEXT percent-encoded for a connection string.
pg_uri_encode() {
    local LC_ALL=C s=$1 c i hex
    PG_URI=
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9._~/-]) PG_URI+=$c ;;
        *)
            printf -v hex '%%%02X' "'$c"
            PG_URI+=$hex
            ;;
        esac
    done
}

# pg_conn_for NAME LOGIN: PG_CONN is the connection string of NAME's
# database as LOGIN (none if LOGIN is empty); a connection string
# (postgres:..., key=value) is kept as it is.
pg_conn_for() {
    case $1 in
    postgres://* | postgresql://* | *=*)
        PG_CONN=$1
        return 0
        ;;
    esac
    pg_db_for "$1" || return 1
    pg_login_for "$PG_DB" "$2" || return 1
    pg_uri_encode "$PG_DIR"
    PG_CONN="postgresql:///$PG_DB?host=$PG_URI"
    if [ -n "$2" ]; then
        pg_uri_encode "$2"
        PG_CONN+="&user=$PG_URI"
    fi
}

# pg_command ARG...: PG_CMD is the command the program's arguments name (the
# first word after the global options, as tui/cli/main.c reads them), or none.
pg_command() {
    PG_CMD=
    while [ $# -gt 0 ]; do
        case $1 in
        --db | --config | --as | --theme | --script | --size | --purpose) shift 2 || return 0 ;;
        -*) shift ;;
        *)
            PG_CMD=$1
            return 0
            ;;
        esac
    done
}

# pg_installer NAME LOGIN: PG_LOGIN is the role a command that makes the
# database on SQLite (init, import, demo: CR_OPEN_CREATE) connects as to
# database argument NAME: the service role casereview while NAME's database
# has no schema (only its owner installs it; README, "Setting it up": the
# service role on behalf of the admin, who stays the acting login --as), else
# LOGIN.  Once the schema is there, that is remembered ($PG_STATE/DB.schema).
pg_installer() {
    PG_LOGIN=$2
    case $1 in
    postgres://* | postgresql://* | *=*) return 0 ;;
    esac
    pg_db_for "$1" || return 1
    [ ! -e "$PG_STATE/$PG_DB.schema" ] || return 0
    if [ "$(psql -X -A -t -q -h "$PG_DIR" -U postgres -d "$PG_DB" \
        -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'casereview'")" = 1 ]; then
        : >"$PG_STATE/$PG_DB.schema"
    else
        PG_LOGIN=casereview
    fi
}

# pg_args LOGIN ARG... sets PG_ARGS to the arguments with the value of
# '--db NAME' / '--db=NAME' (a file name) replaced by the connection string
# of NAME's database as LOGIN (the arguments' own --as where LOGIN is empty),
# and PG_ENV_DB to the same for $CASEREVIEW_DB, or for the program's default
# ./casereview.db, when no --db is given.  An empty NAME is left for the
# program to refuse.  Where a database cannot be made, that is the command's
# stderr, with status 99, and it returns 1.
pg_args() {
    local login=$1 a have_db='' i install=''
    shift
    if [ -z "$login" ]; then
        for ((i = 1; i < $#; i++)); do
            if [ "${!i}" = --as ]; then
                i=$((i + 1))
                login=${!i}
                break
            fi
        done
    fi
    pg_command "$@"
    case $PG_CMD in
    init | import | demo) install=1 ;;
    esac
    PG_ARGS=()
    PG_ENV_DB=
    while [ $# -gt 0 ]; do
        a=$1
        shift
        if [ "$a" = --db ] && [ $# -gt 0 ]; then
            PG_ARGS+=("$a")
            a=$1
            shift
            have_db=1
            if [ -n "$a" ]; then
                pg_args_conn "$a" "$login" "$install" || return 1
                a=$PG_CONN
            fi
        elif [[ $a == --db=?* ]]; then
            have_db=1
            pg_args_conn "${a#--db=}" "$login" "$install" || return 1
            a=--db=$PG_CONN
        fi
        PG_ARGS+=("$a")
    done
    if [ -z "$have_db" ]; then
        pg_args_conn "${CASEREVIEW_DB:-casereview.db}" "$login" "$install" || return 1
        PG_ENV_DB=$PG_CONN
    fi
    return 0
}
# pg_args_conn NAME LOGIN INSTALL: PG_CONN for NAME as LOGIN (as pg_installer
# says, for a command that installs); where that fails, pg_args_failed.
pg_args_conn() {
    PG_LOGIN=$2
    if [ -n "$3" ]; then
        pg_installer "$1" "$2" 2>"$T/err" || { pg_args_failed && return 1; }
    fi
    pg_conn_for "$1" "$PG_LOGIN" 2>"$T/err" || { pg_args_failed && return 1; }
}
pg_args_failed() {
    : >"$T/out"
    echo 99 >"$T/rc"
}

# pg_db_state NAME: db_state of database argument NAME in PostgreSQL mode.
pg_db_state() {
    pg_db_for "$1" || return 1
    if [ "$(psql -X -A -t -q -h "$PG_DIR" -U postgres -d "$PG_DB" \
        -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'casereview'")" != 1 ]; then
        echo absent
        return
    fi
    # pg_dump's \restrict lines (15.14 on) carry a random key each time.
    printf 'pg %s\n' "$(pg_dump -h "$PG_DIR" -U postgres -n casereview "$PG_DB" |
        grep -v '^\\\(un\)\?restrict ' | sha256sum | cut -c1-64)"
}

# db_copy SRC DST: DST becomes a copy of database SRC (as 'cp a.db t.db &&
# cp a.db.key t.db.key' does for SQLite: the file, and its key file where
# there is one).  In PostgreSQL mode: DST's database is dropped and made
# again from SRC's (CREATE DATABASE ... TEMPLATE), with SRC's grants.
db_copy() {
    if [ -z "${CASEREVIEW_TEST_PG:-}" ]; then
        cp "$1" "$2" || return 1
        [ ! -e "$1.key" ] || cp "$1.key" "$2.key"
        return
    fi
    local src dst
    pg_db_for "$1" || return 1
    src=$PG_DB
    db_remove "$2" || return 1
    pg_db_name "$2"
    dst=$PG_DB
    pg_psql -v src="$src" -v dst="$dst" >/dev/null <<'SQL' || return 1
SELECT format('CREATE DATABASE %I TEMPLATE %I OWNER casereview STRATEGY FILE_COPY', :'dst', :'src') \gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'dst') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'dst', r.rolname)
  FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee
 WHERE d.datname = :'src' AND a.privilege_type = 'CONNECT' \gexec
SQL
    cp "$PG_STATE/$src" "$PG_STATE/$dst"
    [ ! -e "$PG_STATE/$src.logins" ] || cp "$PG_STATE/$src.logins" "$PG_STATE/$dst.logins"
    [ ! -e "$PG_STATE/$src.schema" ] || cp "$PG_STATE/$src.schema" "$PG_STATE/$dst.schema"
}

# db_remove NAME: database NAME is no more (the file and its side and key
# files; in PostgreSQL mode its database, dropped, made afresh on next use).
db_remove() {
    if [ -z "${CASEREVIEW_TEST_PG:-}" ]; then
        rm -f "$1" "$1-wal" "$1-shm" "$1-journal" "$1.key"
        return
    fi
    local k
    pg_db_name "$1"
    pg_psql -v db="$PG_DB" >/dev/null <<<"SET client_min_messages = warning;
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec" ||
        return 1
    rm -f "$PG_STATE/$PG_DB" "$PG_STATE/$PG_DB.logins" "$PG_STATE/$PG_DB.schema"
    for k in "${!PG_LOGIN_OK[@]}"; do
        [[ $k == "$PG_DB|"* ]] && unset "PG_LOGIN_OK[$k]"
    done
    return 0
}

# cr_argv ARG...: CR_ARGV is the command that runs the program with these
# arguments, for a test that runs it itself (in the background, under
# another user): "$CASEREVIEW" ARG... on SQLite; in PostgreSQL mode with the
# database argument given its database as cr_plain does (as the arguments'
# --as), behind 'env CASEREVIEW_DB=...' where none is given.  Use:
#   cr_argv --as asmith claim 1 --db t.db && "${CR_ARGV[@]}" >o1 2>e1 &
cr_argv() {
    CR_ARGV=("$CASEREVIEW" "$@")
    [ -n "${CASEREVIEW_TEST_PG:-}" ] || return 0
    pg_args "" "$@" || return 1
    CR_ARGV=("$CASEREVIEW" "${PG_ARGS[@]}")
    [ -z "$PG_ENV_DB" ] || CR_ARGV=(env "CASEREVIEW_DB=$PG_ENV_DB" "${CR_ARGV[@]}")
}

# -- helpers added for (cli-b and cli-c suites)

# json_at JSON PATH, or json_at JSON KEY...: the value at PATH ('$.a.b',
# '$.a[0]', as SQLite's json_extract takes it) or at KEY... (object keys or
# array indexes) of the JSON text JSON, printed as the sqlite3 shell prints
# json_extract's result: text as it is, a number as written, true and false
# as 1 and 0, null or a missing key as nothing, an array or object minified.
# An event's details are core's text on either engine, so a suite reads them
# with this, not with either engine's JSON functions.
json_at() {
    python3 -c 'import json, re, sys
v = json.loads(sys.argv[1])
if len(sys.argv) == 3 and sys.argv[2].startswith("$"):
    keys = [k if k else int(i) for k, i in re.findall(r"\.([^.\[]+)|\[([0-9]+)\]", sys.argv[2][1:])]
else:
    keys = sys.argv[2:]
for k in keys:
    if isinstance(v, list):
        v = v[int(k)] if -len(v) <= int(k) < len(v) else None
    elif isinstance(v, dict):
        v = v.get(k if isinstance(k, str) else str(k))
    else:
        v = None
if v is None:
    print("")
elif v is True or v is False:
    print(int(v))
elif isinstance(v, (dict, list)):
    print(json.dumps(v, ensure_ascii=False, separators=(",", ":")))
else:
    print(v)' "$@"
}

# db_hold NAME SECONDS: another program holds database NAME's write lock for
# SECONDS, started in the background (HOLD_PID; what it prints in
# $T/holder.out); returns once the lock is held (at most 5 s).  On SQLite the
# sqlite3 shell's BEGIN IMMEDIATE; on PostgreSQL the superuser's psql locks
# the chain head's row, as every writer's begin does (cr_begin_write).
db_hold() {
    if [ -z "${CASEREVIEW_TEST_PG:-}" ]; then
        { echo "BEGIN IMMEDIATE;"; sleep "$2"; echo "ROLLBACK;"; } | sqlite3 "$1" >"$T/holder.out" 2>&1 &
        HOLD_PID=$!
        for _ in $(seq 1 50); do
            sqlite3 -cmd ".timeout 0" "$1" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null || return 0
            sleep 0.1
        done
        return 0
    fi
    local lock="SELECT 1 FROM casereview.settings WHERE key = 'audit_head' FOR UPDATE"
    pg_db_for "$1" || return 1
    { echo "BEGIN; $lock \\g /dev/null"; sleep "$2"; echo "ROLLBACK;"; } |
        psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d "$PG_DB" >"$T/holder.out" 2>&1 &
    HOLD_PID=$!
    for _ in $(seq 1 50); do
        psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d "$PG_DB" \
            -c "BEGIN" -c "$lock NOWAIT" -c "ROLLBACK" >/dev/null 2>&1 || return 0
        sleep 0.1
    done
    return 0
}

# db_hold_write NAME SECONDS READY: in the background (its pid in HOLDER),
# another session holds database NAME's write lock for SECONDS, as a writer
# in the middle of its transaction does, having changed every case's
# version, then rolls back; file READY is made once the lock is held.
# SQLite: sqlite3's BEGIN IMMEDIATE.  PostgreSQL: the superuser's session
# locks the chain head's row, which every writer locks first (README, "Writers
# are serialised on the chain's head").
db_hold_write() {
    if [ -z "${CASEREVIEW_TEST_PG:-}" ]; then
        printf 'BEGIN IMMEDIATE;\nUPDATE cases SET version = version + 1;\n.shell touch %s; sleep %s\nROLLBACK;\n' \
            "$3" "$2" | sqlite3 "$1" >/dev/null &
        HOLDER=$!
        return
    fi
    pg_db_for "$1" || return 1
    PGOPTIONS="-c search_path=casereview" psql -X -A -t -q -h "$PG_DIR" -U postgres -d "$PG_DB" \
        -c "BEGIN" -c "SELECT 1 FROM casereview.settings WHERE key = 'audit_head' FOR UPDATE" \
        -c "UPDATE cases SET version = version + 1" -c "\\! touch $3" \
        -c "SELECT pg_sleep($2)" -c "ROLLBACK" >/dev/null &
    HOLDER=$!
}

# search_index_ids NAME WORD: the cases whose entry in database NAME's search
# index holds WORD, one a line, read without the program (a search through it
# is a recorded consultation, words and all).  SQLite: its FTS5 table;
# PostgreSQL: the tsvector of case_search, WORD folded as the engine folds.
search_index_ids() {
    if [ -z "${CASEREVIEW_TEST_PG:-}" ]; then
        sql "$1" "select rowid from case_search where case_search match '$2' order by rowid"
        return
    fi
    sql "$1" "select case_id from case_search where doc @@ plainto_tsquery('casereview.folded', casereview.search_words('$2')) order by case_id"
}

# db_from_sqlite FILE NAME: database argument NAME holds what the SQLite file
# FILE holds (a fixture a program other than casereview built as a file with
# core's API, acting as many people through one handle, which a person's
# role on PostgreSQL may not do).  On SQLite FILE (and its key file) becomes
# NAME; in PostgreSQL mode NAME's database is made afresh and `casereview
# migrate` (as the admin $AS, connected as the service role) copies FILE into
# it, events, chain and counters, and adds its one 'migrated' event (FILE
# pinned first, below).  On
# failure, says why on stderr and returns 1.
db_from_sqlite() {
    if [ -z "${CASEREVIEW_TEST_PG:-}" ]; then
        [ "$1" = "$2" ] && return 0
        db_remove "$2"
        mv "$1" "$2" || return 1
        [ ! -e "$1.key" ] || mv "$1.key" "$2.key"
        return
    fi
    db_remove "$2" && pg_conn_for "$2" casereview || return 1
    # A file the program never opened has no pinned configuration, which
    # migrate needs: audit verify pins it (one config_pin event, as the first
    # command on NAME would write on SQLite) and checks the chain.
    "$CASEREVIEW" --as "$AS" --db "$1" audit verify >"$T/migrate.out" 2>&1 &&
        "$CASEREVIEW" --as "$AS" migrate --from "$1" --to "$PG_CONN" >"$T/migrate.out" 2>&1 || {
        cat "$T/migrate.out" >&2
        return 1
    }

}
