# Throwaway Unix users for the trust-boundary tests (real peer
# authentication on database crpeer of tests/pg/cluster.sh).  Source
# cluster.sh first, then this file; root only (useradd):
#
#   pg_user_add REV rev        # makes crtest_rev_$$ (its name in $REV), removed
#                              # when the shell exits
#   pg_as_user USER psql ...   # runs a command as that user, from /
#   pg_user_psql USER ROLE SQL # psql on crpeer as ROLE, run by Unix user USER
#   pg_user_copy VAR PROGRAM   # a copy of PROGRAM those users can run
#
# Names: crtest_KIND_PID, so parallel tests never share one.

PG_USERS=()

# Remove every user this shell made (the EXIT trap, set by the first pg_user_add).
pg_users_remove() {
    local u
    for u in "${PG_USERS[@]}"; do
        userdel "$u" 2>/dev/null || echo "pg_users_remove: cannot remove the user $u" >&2
    done
    PG_USERS=()
}

# pg_user_add VAR KIND: make the user crtest_KIND_$$ (a system user: no home,
# no login shell) and set VAR to its name (in this shell: not in $(...), whose
# subshell would forget to remove it).  Fails if it exists or we are not root.
pg_user_add() {
    local u=crtest_$2_$$
    if [ "$(id -u)" != 0 ]; then
        echo "pg_user_add: making a Unix user needs root" >&2
        return 1
    fi
    if getent passwd "$u" >/dev/null; then
        echo "pg_user_add: the user $u exists already" >&2
        return 1
    fi
    useradd --system --no-create-home --shell /usr/sbin/nologin "$u" || return 1
    [ ${#PG_USERS[@]} -eq 0 ] && pg_on_exit pg_users_remove
    PG_USERS+=("$u")
    printf -v "$1" '%s' "$u"
}

# Run a command as USER (from /, which every user can read).
pg_as_user() {
    local u=$1
    shift
    (cd / && runuser -u "$u" -- "$@")
}

# psql on database crpeer as ROLE, run by Unix user USER (peer
# authentication: only ROLE = USER gets in); one query, rows as 'a|b'.
pg_user_psql() {
    pg_as_user "$1" psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U "$2" -d crpeer -c "$3"
}

# pg_user_copy VAR PROGRAM: VAR is a copy of PROGRAM the throwaway users can
# run (in $PG_DIR/bin, removed with the cluster): a build directory under a
# 0700 home (root's, in CI) is out of their reach.
pg_user_copy() {
    install -d -m 755 "$PG_DIR/bin" &&
        install -m 755 "$2" "$PG_DIR/bin/${2##*/}" || return 1
    printf -v "$1" '%s' "$PG_DIR/bin/${2##*/}"
}
