#!/usr/bin/env bash
# tests/pg/run.sh SCRIPT [ARG...]: run one CLI suite against PostgreSQL.
# Starts a throwaway cluster (cluster.sh), runs 'bash SCRIPT ARG...' with
# CASEREVIEW_TEST_PG set to the cluster's socket directory (tests/cli/lib.sh
# then gives each --db NAME a database of its own), stops the cluster, and
# exits with the script's status (77, skip, without PostgreSQL).  A first
# argument not ending in .sh is run as a program (a unit test), with
# CASEREVIEW_TEST_PG, PGHOST and PGPORT set alike (the superuser: postgres).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pg/cluster.sh
. "$here/cluster.sh"
if [ $# -lt 1 ]; then
    echo "usage: run.sh SCRIPT [ARG...]" >&2
    exit 99
fi
pg_cluster_start || exit $?
pg_cluster_trap
export CASEREVIEW_TEST_PG=$PG_DIR
case $1 in
*.sh) bash "$@" ;;
*) "$@" ;; # a program (a unit test), which makes its databases with the superuser
esac
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    echo "== the end of the server's log ($PG_DIR/log):"
    tail -n 40 "$PG_DIR/log"
fi
exit "$rc"
