#!/usr/bin/env bash
# The trust boundary of issue 9, items 1 and 2, with real Unix users: the
# rules come from the configuration pinned in the database, not from a file
# the caller chooses; the acting person is the kernel's real uid, not $USER;
# config adopt is the admin's, audited; --as records both logins.
# Needs root (CI runs as root): it makes two throwaway users and a group.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# Never skipped: a run that could not make the users has proved nothing, so it fails.
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
    begin "the trust boundary needs root"
    fail "run as root, with useradd and runuser: this test makes throwaway users and a group"
    finish
    exit 1
fi

# Names unlikely to exist; removed whatever happens.
REV=crpin_rev1
SUP=crpin_sup1
GRP=crpin_grp1
cleanup() {
    userdel "$REV" >/dev/null 2>&1
    userdel "$SUP" >/dev/null 2>&1
    groupdel "$GRP" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
cleanup_first() {
    userdel "$REV" >/dev/null 2>&1
    userdel "$SUP" >/dev/null 2>&1
    groupdel "$GRP" >/dev/null 2>&1
    true
}
cleanup_first
groupadd "$GRP" && useradd -M -N -g "$GRP" "$REV" && useradd -M -N -g "$GRP" "$SUP" || {
    echo "cannot create the test users"
    exit 99
}
unset CASEREVIEW_CONFIG

# The shared directory: the group reads and writes the database (init --group).
chmod 0711 "$T"
mkdir -m 2770 "$T/shared"
chgrp "$GRP" "$T/shared"
DB=$T/shared/cr.db

# The roster names the two users; root is the admin; no impersonation.
roster() {
    cat <<EOF
allow_impersonation: $1
users:
  - { login: $REV, name: "R. Reviewer", roles: [reviewer], unit: "Unit A" }
  - { login: $SUP, name: "S. Supervisor", roles: [supervisor], unit: "Unit B" }
  - { login: root, name: "The Admin", roles: [admin] }
panel:
  members:
    - { login: pm1, name: "P. One", kind: independent }
    - { login: pm2, name: "P. Two", kind: legal }
  sign_off: { concur: 2, dissent: 1 }
EOF
}
roster false >"$T/roster.yaml"
chmod 0644 "$T/roster.yaml"
digest() { b2sum -l 256 "$1" | cut -c1-64; }

# The database argument the users give.  On PostgreSQL: $DB's database, its
# roles the roster's logins (made with it, from the roster), named by a
# connection string without a user, so that each connects as the role of
# their own Unix login (libpq's default), as the kernel's real uid on SQLite.
DBARG=$DB
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    CASEREVIEW_CONFIG=$T/roster.yaml pg_db_for "$DB" || exit 99
    pg_conn_for "$DB" "" || exit 99
    DBARG=$PG_CONN
fi
# The configuration's text as stored (PostgreSQL keeps it as bytea).
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    config_text="convert_from(text, 'UTF8')"
else
    config_text=text
fi

# Run the real binary as a Unix user (no --as unless given).
as_user() {
    local user=$1
    shift
    runuser -u "$user" -- "$CASEREVIEW" --db "$DBARG" "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

"$CASEREVIEW" generate --cases 4 --seed 3 >"$T/c.csv"
cr_plain --config "$T/roster.yaml" --db "$DB" init --group
expect_rc 0
cr_plain --config "$T/roster.yaml" --db "$DB" import "$T/c.csv"
expect_rc 0

begin "init pins the configuration: its text and digest, in force"
expect_eq "$(sql "$DB" "select digest || ' ' || in_force || ' ' || adopted_by from config_versions")" \
    "$(digest "$T/roster.yaml") 1 root" "the row"
expect_eq "$(sql "$DB" "select $config_text from config_versions")" "$(cat "$T/roster.yaml")" "the text"
expect_eq "$(sql "$DB" "select count(*) from audit_events where config_digest <> '$(digest "$T/roster.yaml")'")" 0 \
    "every event keeps the pinned digest"

begin "the reviewer's own YAML with impersonation on is refused, naming both digests"
roster true >"$T/mine.yaml"
chmod 0644 "$T/mine.yaml"
n=$(sql "$DB" "select count(*) from audit_events")
as_user "$REV" --config "$T/mine.yaml" --as "$SUP" approve 1
expect_rc 3
expect_err "casereview: $T/mine.yaml (digest $(digest "$T/mine.yaml")) is not the configuration pinned in the database (digest $(digest "$T/roster.yaml")); the rules change only when an admin runs 'casereview config adopt $T/mine.yaml'"
as_user "$REV" --config "$T/mine.yaml" list
expect_rc 3
expect_eq "$(sql "$DB" "select count(*) from audit_events")" "$n" "nothing written"
expect_eq "$(sql "$DB" "select count(*) from config_versions")" 1 "nothing pinned"

begin "the pinned roster allows no impersonation: --as is refused"
as_user "$REV" --config "$T/roster.yaml" --as "$SUP" list
expect_rc 2

begin "USER and LOGNAME change nothing: the actor is the real login"
runuser -u "$REV" -- env USER="$SUP" LOGNAME="$SUP" "$CASEREVIEW" --config "$T/roster.yaml" --db "$DBARG" claim 1 >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect_rc 0
expect_eq "$(sql "$DB" "select actor || ' ' || os_login || ' ' || action from audit_events order by id desc limit 1")" \
    "$REV $REV claim" "the event"
runuser -u "$REV" -- env USER="$SUP" LOGNAME="$SUP" "$CASEREVIEW" --config "$T/roster.yaml" --db "$DBARG" approve 1 >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect_rc 1
grep -qF "you ($REV)" "$T/err" || fail "the refusal does not name the real login: $(cat "$T/err")"

begin "config adopt: refused to a non-admin, nothing changed"
roster true >"$T/roster2.yaml"
echo "# impersonation for the training week" >>"$T/roster2.yaml"
chmod 0644 "$T/roster2.yaml"
n=$(sql "$DB" "select count(*) from audit_events")
as_user "$SUP" --config "$T/roster.yaml" config adopt "$T/roster2.yaml"
expect_rc 1
expect_err "casereview: config adopt needs the admin role; you ($SUP) are supervisor"
expect_eq "$(sql "$DB" "select count(*) from audit_events")" "$n" "no event"
expect_eq "$(sql "$DB" "select count(*) from config_versions")" 1 "no new version"

begin "config adopt: a file that fails check-config is refused"
printf 'users: []\n' >"$T/broken.yaml"
cr_plain --config "$T/roster.yaml" --db "$DB" config adopt "$T/broken.yaml"
expect_rc 3
expect_eq "$(sql "$DB" "select count(*) from config_versions")" 1 "no new version"

begin "config adopt by the admin: audited with both digests, the old text kept"
old=$(digest "$T/roster.yaml")
new=$(digest "$T/roster2.yaml")
cr_plain --config "$T/roster.yaml" --db "$DB" config adopt "$T/roster2.yaml"
expect_rc 0
expect_out "adopted $T/roster2.yaml: digest $new (was $old); the old text stays in the database"
expect_eq "$(sql "$DB" "select actor || ' ' || os_login || ' ' || config_digest || ' ' || details from audit_events where action = 'config_adopt'")" \
    "root root $old {\"old_digest\": \"$old\", \"new_digest\": \"$new\", \"file\": \"$T/roster2.yaml\"}" "the event"
expect_eq "$(sql_join "$DB" ' ' "select digest || ':' || in_force from config_versions order by id")" \
    "$old:0 $new:1" "both versions, the new in force"
cr_plain --config "$T/roster2.yaml" --db "$DB" config show
expect_rc 0
cmp -s "$T/out" "$T/roster2.yaml" || fail "config show does not print the new text"
cr_plain --config "$T/roster2.yaml" --db "$DB" config show --digest "${old:0:12}"
cmp -s "$T/out" "$T/roster.yaml" || fail "config show --digest does not print the old text"
# The old file is now refused like any other.
as_user "$REV" --config "$T/roster.yaml" list
expect_rc 3
expect_err "casereview: $T/roster.yaml (digest $old) is not the configuration pinned in the database (digest $new); the rules change only when an admin runs 'casereview config adopt $T/roster.yaml'"

begin "with impersonation allowed by the pinned configuration, --as records both logins"
as_user "$SUP" --config "$T/roster2.yaml" --as "$REV" note 1 "Noted for the reviewer."
expect_rc 0
expect_eq "$(sql "$DB" "select actor || ' ' || os_login || ' ' || config_digest from audit_events where action = 'note'")" \
    "$REV $SUP $new" "the event"
as_user "$REV" --config "$T/roster2.yaml" history 1
expect_rc 0
grep -F " note " "$T/out" | grep -qF "unix login: $SUP" || fail "history does not show the Unix login: $(cat "$T/out")"
cr_plain --config "$T/roster2.yaml" --db "$DB" audit log --action note --format csv
expect_eq "$(tail -1 "$T/out" | cut -d, -f3,5)" "$REV,note" "audit log: the login acted as"
expect_eq "$(tail -1 "$T/out" | awk -F, '{print $NF}')" "$SUP" "audit log: the Unix login"

begin "the chain covers the Unix login"
cr_plain --config "$T/roster2.yaml" --db "$DB" audit verify
expect_rc 0
db_copy "$DB" "$T/edited.db"
[ -n "${CASEREVIEW_TEST_PG:-}" ] || chmod 0600 "$T/edited.db" "$T/edited.db.key"
sql "$T/edited.db" "update audit_events set os_login = '$REV' where action = 'note'"
cr_plain --config "$T/roster2.yaml" --db "$T/edited.db" audit verify
expect_rc 3
expect_err "casereview: audit event $(sql "$DB" "select id from audit_events where action = 'note'"): its contents do not match its hash; it was altered"

finish
