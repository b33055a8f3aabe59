#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster of its own: initdb and
# pg_ctl in a new directory under /tmp (as the postgres user when run as
# root), socket there and no TCP, stopped and removed on exit.  The command
# sees PGHOST (the socket directory) and CASEREVIEW_TEST_PG_URL, a
# connection string for a fresh database `cr` owned by the service role
# `casereview`, as that role.  Exit 77 (skipped) when PostgreSQL's programs
# are absent.
# Usage: with-cluster.sh COMMAND [ARG...]
set -u
bin=
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && bin=$d
done
if [ -z "$bin" ]; then
    echo "with-cluster.sh: no PostgreSQL server programs (postgresql package); skipped"
    exit 77
fi
dir=$(mktemp -d /tmp/crpg.XXXXXX) || exit 99
as=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as=(runuser -u postgres --)
fi
stop() {
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log"
    exit 99
}
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
    -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || {
    cat "$dir/server.log"
    exit 99
}
export PGHOST=$dir
psql -X -q -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE casereview LOGIN" \
    -c "CREATE DATABASE cr OWNER casereview" >/dev/null || exit 99
export CASEREVIEW_TEST_PG_URL="postgresql:///cr?host=$dir&user=casereview"
"$@"
