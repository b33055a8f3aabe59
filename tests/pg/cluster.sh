# A throwaway PostgreSQL cluster for one test: source this file, then
#
#   pg_cluster_start || exit $?    # 77 (skip) when PostgreSQL is not installed
#   pg_cluster_trap                # stopped and removed when the shell exits
#   pg_newdb NAME [CONFIG]         # a database of the service role, the roster's roles
#
# The cluster lives in a fresh directory under /tmp ($PG_DIR): its data in
# $PG_DIR/data, its socket in $PG_DIR itself (no TCP), its log in
# $PG_DIR/log.  $PGHOST is exported as $PG_DIR, so psql and libpq find it.
# Run as root (CI), the directory belongs to 'postgres' and initdb/pg_ctl run
# as that user through runuser; run as anyone else, they run as that user.
# Either way the bootstrap superuser is named 'postgres'.
#
# Authentication (pg_hba.conf): the database 'crpeer' takes real peer
# authentication (the role must be the Unix user: the trust-boundary test);
# every other database trusts anyone on the socket, so a test can act as any
# roster login.  The service role 'casereview' (LOGIN) exists.
#
# $PG_TEMPLATE, when set, names a directory (one per meson build directory)
# that keeps one initdb'd data directory, made once under a lock and copied
# for each cluster: initdb takes about 1 s here, a copy about 0.1 s.
#
# $CASEREVIEW_PG_REQUIRED=1 (CI) turns the skip into a failure.

# The PostgreSQL programs: 15's, else the newest installed ($PG_ROOT: where
# Debian installs them; another value only to test the skip).
pg_find_bin() {
    local d root=${PG_ROOT:-/usr/lib/postgresql}
    PG_BIN=
    for d in "$root/15/bin" $(ls -d "$root"/*/bin 2>/dev/null | sort -rV); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            PG_BIN=$d
            return 0
        fi
    done
    return 1
}

# Run a command as the cluster's owner: 'postgres' when we are root.
pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The superuser's psql on the cluster (database postgres unless -d is given later).
pg_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d postgres "$@"
}

# initdb into DIR (which the owner can write).
pg_initdb() {
    pg_as_owner "$PG_BIN/initdb" -D "$1" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync --no-instructions >"$1.initdb.log" 2>&1 || {
        echo "pg_cluster_start: initdb failed:" >&2
        cat "$1.initdb.log" >&2
        return 1
    }
}

# Copy the template's data directory to DEST, making the template first if
# it is missing or was made by another PostgreSQL or another owner.  Fails
# (and the caller runs initdb itself) where the template cannot be used.
pg_from_template() {
    local dest=$1 stamp fd
    stamp="$("$PG_BIN/initdb" --version) $PG_BIN uid=$(id -u)"
    mkdir -p "$PG_TEMPLATE" 2>/dev/null || return 1
    exec {fd}>>"$PG_TEMPLATE/lock" || return 1
    flock "$fd" || {
        exec {fd}>&-
        return 1
    }
    if [ "$(cat "$PG_TEMPLATE/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -s "$PG_TEMPLATE/data/PG_VERSION" ]; then
        rm -rf "$PG_TEMPLATE/data" "$PG_TEMPLATE/stamp" "$PG_TEMPLATE/data.initdb.log"
        # As root: 'postgres' must reach it (not so under a 0700 /root).
        if [ "$(id -u)" = 0 ] && ! { chown postgres "$PG_TEMPLATE" && pg_as_owner test -w "$PG_TEMPLATE"; }; then
            exec {fd}>&-
            return 1
        fi
        if ! pg_initdb "$PG_TEMPLATE/data" 2>/dev/null; then
            exec {fd}>&-
            return 1
        fi
        printf '%s\n' "$stamp" >"$PG_TEMPLATE/stamp"
    fi
    cp -a "$PG_TEMPLATE/data" "$dest"
    local rc=$?
    exec {fd}>&-
    return $rc
}

# Start a cluster in a fresh directory; sets and exports PG_DIR, PGHOST and
# PGPORT.  Returns 77 when PostgreSQL is not installed (1 if it is required),
# 1 when the cluster does not start (its log on stderr).
pg_cluster_start() {
    if ! pg_find_bin; then
        if [ "${CASEREVIEW_PG_REQUIRED:-}" = 1 ]; then
            echo "pg_cluster_start: no /usr/lib/postgresql/*/bin/initdb, and CASEREVIEW_PG_REQUIRED=1" >&2
            return 1
        fi
        echo "pg_cluster_start: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): skipped" >&2
        return 77
    fi
    if [ "$(id -u)" = 0 ] && ! getent passwd postgres >/dev/null; then
        echo "pg_cluster_start: running as root, and there is no 'postgres' user to own the cluster" >&2
        return 1
    fi
    PG_DIR=$(mktemp -d /tmp/crpg.XXXXXX) || return 1
    # Reachable by the throwaway users of users.sh (the socket is here).
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    if [ -z "${PG_TEMPLATE:-}" ] || ! pg_from_template "$PG_DIR/data"; then
        pg_initdb "$PG_DIR/data" || return 1
    fi
    pg_as_owner tee "$PG_DIR/data/pg_hba.conf" >/dev/null <<'EOF'
# tests/pg/cluster.sh: real peer authentication on crpeer (the trust-boundary
# test's database); anyone on the socket may be any role elsewhere.
local crpeer all peer
local all    all trust
EOF
    # psql, pg_isready and pg_dump of this version, without Debian's
    # pg_wrapper (a Perl script: 0.1 s a call).
    case :$PATH: in
    *:"$PG_BIN":*) ;;
    *) export PATH=$PG_BIN:$PATH ;;
    esac
    export PGHOST=$PG_DIR PGPORT=5432
    unset PGDATABASE PGUSER PGSERVICE PGPASSWORD PGOPTIONS PGSSLMODE
    if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 -s \
        -o "-k $PG_DIR -c listen_addresses='' -p $PGPORT -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off -c autovacuum=off -c max_connections=50 -c shared_buffers=16MB \
            -c TimeZone=UTC -c lc_messages=C" start; then
        echo "pg_cluster_start: the cluster in $PG_DIR did not start:" >&2
        cat "$PG_DIR/log" >&2
        return 1
    fi
    for _ in $(seq 1 100); do
        pg_isready -q -h "$PG_DIR" -p "$PGPORT" -U postgres && break
        sleep 0.1
    done
    if ! pg_isready -q -h "$PG_DIR" -p "$PGPORT" -U postgres; then
        echo "pg_cluster_start: the cluster in $PG_DIR is not ready after 10 s:" >&2
        cat "$PG_DIR/log" >&2
        return 1
    fi
    pg_psql -c "CREATE ROLE casereview LOGIN" || return 1
}

# Stop the cluster (fast: open sessions are ended) and remove its directory.
pg_cluster_stop() {
    [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
    # A shell that did not start the cluster (PG_BIN unset) finds the programs.
    [ -n "${PG_BIN:-}" ] || pg_find_bin || echo "pg_cluster_stop: no PostgreSQL programs found" >&2
    if [ -e "$PG_DIR/data/postmaster.pid" ] && [ -n "${PG_BIN:-}" ]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 -s stop ||
            echo "pg_cluster_stop: pg_ctl stop failed in $PG_DIR" >&2
    fi
    rm -rf "$PG_DIR"
    PG_DIR=
}

# Run CMD when the shell exits, before what its EXIT trap already runs.
pg_on_exit() {
    local old
    old=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//" -e "s/'\\\\''/'/g")
    # shellcheck disable=SC2064
    trap "$1${old:+; $old}" EXIT
}

# Stop the cluster when the shell exits (keeping an EXIT trap already set),
# and exit on INT/TERM so that the EXIT trap runs.
pg_cluster_trap() {
    pg_on_exit pg_cluster_stop
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# The connection string the program takes for database DB as login LOGIN.
pg_connstr() {
    printf 'postgresql:///%s?host=%s&user=%s\n' "$1" "$PG_DIR" "$2"
}

# The roster logins of a configuration file (users: and the panel's
# members:, each a '{ login: NAME, ... }' or a 'login: NAME' line, as in
# tests/fixtures/config/good.yaml), one a line, each once.
pg_roster_logins() {
    [ -r "$1" ] || return 1
    grep -oE "(^|[{,[:space:]])login:[[:space:]]*[\"']?[^\"',}[:space:]]+" "$1" |
        sed -E "s/.*login:[[:space:]]*[\"']?//" | awk '!seen[$0]++'
}

# The SQL that makes each login of psql variable 'logins' (one a line) a
# LOGIN role if it is not one, and grants it CONNECT on database :'db'.  Any
# name is quoted (%I), so a test may act as an odd login and reach the
# program's own refusal.
PG_GRANT_SQL="SELECT format('CREATE ROLE %I LOGIN', l) FROM unnest(string_to_array(:'logins', E'\n')) l
 WHERE l <> '' AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = l) \\gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', l)
  FROM unnest(string_to_array(:'logins', E'\n')) l WHERE l <> '' \\gexec"

# pg_grant DB LOGIN...: each LOGIN a role with CONNECT on database DB.
pg_grant() {
    local db=$1 logins
    shift
    logins=$(printf '%s\n' "$@")
    pg_psql -v db="$db" -v logins="$logins" >/dev/null <<<"$PG_GRANT_SQL"
}

# A database for a test: pg_newdb NAME [CONFIG].  NAME owned by the service
# role, CONNECT and TEMPORARY revoked from PUBLIC, each roster login of CONFIG
# (default $CASEREVIEW_CONFIG) a LOGIN role (made if missing) granted CONNECT.
# The schema is not made here: the program's 'casereview init' makes it.
# (FILE_COPY: a third faster than WAL_LOG here, with fsync off.)
pg_newdb() {
    local db=$1 config=${2:-${CASEREVIEW_CONFIG:-}} logins=''
    if [ -n "$config" ]; then
        logins=$(pg_roster_logins "$config") || {
            echo "pg_newdb: cannot read the roster of $config" >&2
            return 1
        }
    fi
    pg_psql -v db="$db" -v logins="$logins" >/dev/null <<EOF
SELECT format('CREATE DATABASE %I OWNER casereview STRATEGY FILE_COPY', :'db') \\gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'db') \\gexec
$PG_GRANT_SQL
EOF
}

# pg_test_clock DB: database DB is a test database (settings test_clock =
# 'on', so that the server takes the session's pinned clock, as SQLite takes
# the handle's: core/pg/sql/010-base.sql's cr_now()) from the moment the
# program's install makes casereview.settings, inside that transaction, so
# that the install's own first writes are stamped with the test's clock.  An
# event trigger (the superuser's) writes the row; the DDL that fires it is the
# service role's install, so the row is the service role's write.
pg_test_clock() {
    pg_psql -d "$1" >/dev/null <<'SQL'
CREATE FUNCTION public.crt_test_clock() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('casereview.settings') IS NOT NULL THEN
        INSERT INTO casereview.settings(key, value) VALUES ('test_clock', 'on')
            ON CONFLICT (key) DO NOTHING;
    END IF;
END $$;
REVOKE EXECUTE ON FUNCTION public.crt_test_clock() FROM PUBLIC;
CREATE EVENT TRIGGER crt_test_clock ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
    EXECUTE FUNCTION public.crt_test_clock();
SQL
}
