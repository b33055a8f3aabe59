#!/usr/bin/env bash
# README's "Deploying on a shared server", run as written, as root, into a
# temporary prefix, with a throwaway service group and users made and removed
# here: a user outside the group cannot open the database with sqlite3 but can
# claim and decide through the installed casereview; --db elsewhere is
# refused; $CASEREVIEW_DB and $CASEREVIEW_CONFIG are ignored; what the
# program starts runs without the group (a notify command too, whose failure
# its watchdog records with the group).
#
# This test never skips: without root, or where setgid cannot work, it fails.
. "$(dirname "$0")/lib.sh"
: "${SRC:?set SRC to the source tree}"
readme=$SRC/README.md
export TERM=xterm-256color

if [ "$(id -u)" != 0 ]; then
    begin "the deployment needs root"
    fail "run as root: this test makes a group and users, and installs a setgid program"
    finish
    exit 1
fi

# The Nth ```sh block of the deployment section.
block() {
    awk -v n="$1" '$0 == "## Deploying on a shared server" {on = 1; next}
        on && /^## / {exit}
        on && /^```sh/ {k++; if (k == n) inb = 1; next}
        inb && /^```/ {exit}
        inb {print}' "$readme"
}

# Everything under /var/tmp (setgid must work there; checked below), reachable by the users.
W=$(mktemp -d /var/tmp/casereview-deploy.XXXXXX)
chmod 755 "$W"
P=$W/root
G=crdg$$ ADM=crda$$ REV=crdr$$ SUP=crds$$ OUT=crdo$$
made_users=()
cleanup() {
    local u
    for u in "${made_users[@]}"; do
        userdel "$u" 2>/dev/null
    done
    getent group "$G" >/dev/null && groupdel "$G"
    rm -rf "$W" "$T"
}
trap cleanup EXIT

for u in "$ADM" "$REV" "$SUP" "$OUT"; do
    if getent passwd "$u" >/dev/null || ! useradd -M -s /usr/sbin/nologin "$u"; then
        echo "FAIL: cannot make the throwaway user $u"
        exit 1
    fi
    made_users+=("$u")
    install -d -o "$u" -m 700 "$W/home/$u"
done
getent group "$G" >/dev/null && { echo "FAIL: group $G exists already"; exit 1; }
as() { # as USER COMMAND...: in the user's own directory, stdout/stderr/status kept
    local u=$1
    shift
    (cd "$W/home/$u" && runuser -u "$u" -- "$@") >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}

begin "README's server setup runs as root, as written"
block 1 | sed -e "s#groupadd --system casereview#groupadd --system $G#" \
    -e "s#-Dservice_group=casereview#-Dservice_group=$G#" \
    -e "s#-g casereview #-g $G #" \
    -e "s#build-server#$W/build-server#g" \
    -e "s#/usr/local#$P/usr/local#g" \
    -e "s#/etc/casereview#$P/etc/casereview#g" \
    -e "s#/var/lib/casereview#$P/var/lib/casereview#g" >"$W/setup.sh"
[ "$(grep -c . "$W/setup.sh")" -ge 5 ] || fail "no setup block found: $(cat "$W/setup.sh")"
# Nothing may reach outside the temporary prefix, nor name the real group.
if sed "s#$W/##g" "$W/setup.sh" | grep -nE "(^|[ =])(/etc|/var|/usr)|(^|[ =])casereview( |\$)"; then
    fail "the setup block names something outside the prefix (above)"
    finish
    exit 1
fi
(cd "$SRC" && bash -e "$W/setup.sh") >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect_rc 0
BIN=$P/usr/local/bin/casereview
DB=$P/var/lib/casereview/casereview.db
expect_eq "$(stat -c '%a %U %G' "$BIN")" "2755 root $G" "the installed program's mode"
# Skip-proof: a nosuid mount would make every check below meaningless.
if findmnt -n -o OPTIONS -T "$BIN" | grep -qw nosuid; then
    fail "$W is on a nosuid mount: setgid cannot work there"
    finish
    exit 1
fi
expect_eq "$(stat -c '%a %U %G' "$P/var/lib/casereview")" "2770 root $G" "the database directory"
expect_eq "$(stat -c '%a %U' "$P/etc/casereview/casereview.conf")" "644 root" "the system configuration"

# The roster: the people are this test's users (README: edit the users list).
sed -i -e "s/login: cadmin,/login: $ADM,/" -e "s/login: asmith,/login: $REV,/" \
    -e "s/login: bjones,/login: $SUP,/" "$P/etc/casereview/casereview.yaml"
grep -q "^allow_impersonation: false" "$P/etc/casereview/casereview.yaml" ||
    fail "impersonation is still on in the installed configuration"

begin "the admin makes the database and loads the cases, as written"
"$CASEREVIEW" generate --cases 5 --seed 3 >"$W/home/$ADM/cases.csv"
block 2 | sed -e "s#^casereview #$BIN #" >"$W/admin.sh"
grep -q "^$BIN init" "$W/admin.sh" || fail "no init in the admin's block: $(cat "$W/admin.sh")"
as "$ADM" bash -e "$W/admin.sh"
expect_rc 0
expect_out_has "created $DB (schema version"
grep -qE '^[0-9]+:[0-9a-f]{64}$' "$T/out" || fail "no head printed: $(cat "$T/out")"
head=$(grep -E '^[0-9]+:[0-9a-f]{64}$' "$T/out")
expect_eq "$(sql "$DB" "select count(*) from cases")" 5 "cases imported"
expect_eq "$(stat -c '%a %U %G' "$DB")" "660 $ADM $G" "the database's mode"
expect_eq "$(stat -c '%a %G' "$DB.key")" "640 $G" "the audit key's mode"
for f in "$DB-wal" "$DB-shm"; do
    [ ! -e "$f" ] || expect_eq "$(stat -c '%a %G' "$f")" "660 $G" "${f##*/}'s mode"
done

begin "a user outside the group claims and decides through casereview, as written"
id -nG "$REV" | grep -qw "$G" && fail "$REV is in the service group"
block 3 | sed -e "s#^casereview #$BIN #" >"$W/user.sh"
as "$REV" bash -e "$W/user.sh"
expect_rc 0
expect_out_has "case 1: claim: flagged -> in_review"
expect_eq "$(sql "$DB" "select count(*) from audit_events where case_id = 1 and action = 'decide' and actor = '$REV'")" 1 "the decision, by $REV"
# lib.sh's $CASEREVIEW_NOW (2026-01-01) reached the program through runuser: the clock is the system's.
now=$(date +%s)
at=$(sql "$DB" "select at from audit_events where case_id = 1 and action = 'decide'")
[ "$at" -ge $((now - 600)) ] && [ "$at" -le $((now + 60)) ] ||
    fail "the decision is dated $at, not now ($now): \$CASEREVIEW_NOW was not ignored"
as "$SUP" "$BIN" approve 1
expect_rc 0
expect_empty_err
expect_eq "$(sql "$DB" "select count(*) from audit_events where case_id = 1 and action = 'approve' and actor = '$SUP'")" 1 "the approval, by $SUP"

begin "the same user cannot open the database or its key with anything else"
as "$REV" sqlite3 "$DB" "select count(*) from cases"
[ "$(cat "$T/rc")" != 0 ] || fail "sqlite3 read the database: $(cat "$T/out")"
grep -q "unable to open database" "$T/err" || fail "sqlite3 said: $(cat "$T/err")"
as "$REV" cat "$DB.key"
[ "$(cat "$T/rc")" != 0 ] || fail "the audit key was read"

begin "--db and --config elsewhere are refused; the installed paths are accepted"
before=$(sql "$DB" "select count(*) from audit_events")
as "$REV" "$BIN" --db "$W/home/$REV/mine.db" init
expect_rc 2
expect_err "casereview: --db $W/home/$REV/mine.db: refused: this casereview is installed setgid to its service group and uses only $DB (set in $P/etc/casereview/casereview.conf); run it without --db"
[ ! -e "$W/home/$REV/mine.db" ] || fail "a database was made elsewhere"
cp "$FIXTURES/config/good.yaml" "$W/home/$REV/mine.yaml"
chmod 644 "$W/home/$REV/mine.yaml"
as "$REV" "$BIN" --config "$W/home/$REV/mine.yaml" list
expect_rc 2
expect_err "casereview: --config $W/home/$REV/mine.yaml: refused: this casereview is installed setgid to its service group and uses only $P/etc/casereview/casereview.yaml (set in $P/etc/casereview/casereview.conf); run it without --config"
as "$REV" "$BIN" --db "$DB" --config "$P/etc/casereview/casereview.yaml" claim 2
expect_rc 0
expect_eq "$(sql "$DB" "select count(*) from audit_events")" "$((before + 1))" "events: only the claim"

begin "demo, which makes a database of its own, is not offered"
as "$REV" "$BIN" demo --dir "$W/home/$REV/demo"
expect_rc 2
expect_err "casereview: demo: refused: this casereview is installed setgid to its service group and works only on its own database; build casereview yourself to try the demo (README, 'Try it')"

begin "\$CASEREVIEW_DB and \$CASEREVIEW_CONFIG are ignored"
# The user's own roster would let them act as the admin; their own database is empty.
sed -e "s/login: cadmin,/login: $ADM,/" -e "s/login: asmith,/login: $REV,/" \
    -e 's/^allow_impersonation: .*/allow_impersonation: true/' "$P/etc/casereview/casereview.yaml" \
    >"$W/home/$REV/mine.yaml"
as "$REV" env CASEREVIEW_DB="$W/home/$REV/mine.db" CASEREVIEW_CONFIG="$W/home/$REV/mine.yaml" \
    "$BIN" --as "$ADM" audit head
expect_rc 2
grep -q "allow_impersonation" "$T/err" || fail "--as was not refused by the installed roster: $(cat "$T/err")"
as "$REV" env CASEREVIEW_DB="$W/home/$REV/mine.db" CASEREVIEW_CONFIG="$W/home/$REV/mine.yaml" \
    "$BIN" list --format csv
expect_rc 0
expect_eq "$(grep -c . "$T/out")" 6 "the installed database's 5 cases and a header"
[ ! -e "$W/home/$REV/mine.db" ] || fail "\$CASEREVIEW_DB made a database"

begin "the installed program has no scripted mode: no script's command runs with the group"
# --script is a test hook, only in casereview-test (README, "Run every test").
printf 'run id -G >groups.txt; cat %s >stolen 2>/dev/null; echo $? >catrc\nkeys q\n' \
    "$DB" >"$W/home/$REV/keys.txt"
chmod 644 "$W/home/$REV/keys.txt"
as "$REV" "$BIN" --script keys.txt
expect_rc 2
expect_err "casereview: unknown option '--script' (see 'casereview --help')"
[ ! -e "$W/home/$REV/groups.txt" ] || fail "the script's command ran: $(cat "$W/home/$REV/groups.txt")"

begin "the workstation gives the group up once the database is open, so \$EDITOR runs without it"
# A child (the editor) inherits the process's group ids: read them off the running workstation.
sock=crdeploy$$
tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 \
    "cd '$W/home/$REV' && runuser -u '$REV' -- env TERM=xterm-256color LC_ALL=C.UTF-8 '$BIN'; sleep 30"
for _ in $(seq 100); do
    tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q "Queue:" && break
    sleep 0.1
done
tmux -L "$sock" capture-pane -p | grep -q "Queue:" || fail "the workstation did not start: $(tmux -L "$sock" capture-pane -p)"
pid=$(pgrep -u "$REV" -x casereview | head -1)
own=$(id -g "$REV")
svc=$(getent group "$G" | cut -d: -f3)
if [ -z "$pid" ]; then
    fail "no casereview process of $REV"
else
    expect_eq "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" "$own $own $own $own" \
        "the workstation's real, effective, saved and file system group ids"
    awk '/^Groups:/' "/proc/$pid/status" | grep -qw "$svc" && fail "the service group is among its groups"
fi
tmux -L "$sock" send-keys q
tmux -L "$sock" kill-server 2>/dev/null

begin "someone off the roster who runs init makes nothing in the service directory"
mkdir "$W/saved"
mv "$DB" "$DB.key" "$W/saved/"
rm -f "$DB-wal" "$DB-shm"
as "$OUT" "$BIN" init
expect_rc 1
grep -q "is not on the roster" "$T/err" || fail "not the roster's refusal: $(cat "$T/err")"
left=$(ls -A "$(dirname "$DB")")
expect_eq "$left" "" "what the refused init left in the service directory"
mv "$W/saved/"* "$(dirname "$DB")/"

begin "the system configuration must be root's alone"
chmod 664 "$P/etc/casereview/casereview.conf"
as "$REV" "$BIN" list
expect_rc 3
expect_err "casereview: $P/etc/casereview/casereview.conf: refused: it names the database for every user, so root must own it and nobody else write it; as root, run 'chown root:root $P/etc/casereview/casereview.conf && chmod 644 $P/etc/casereview/casereview.conf'"
chmod 644 "$P/etc/casereview/casereview.conf"
cp "$P/etc/casereview/casereview.conf" "$W/conf.saved"
n=$(($(wc -l <"$P/etc/casereview/casereview.conf") + 1))
echo "db = $W/home/$REV/other.db" >>"$P/etc/casereview/casereview.conf"
as "$REV" "$BIN" list
expect_rc 3
expect_err "casereview: $P/etc/casereview/casereview.conf:$n: db is given twice; give it once"
cp "$W/conf.saved" "$P/etc/casereview/casereview.conf"

begin "meson install fails, leaving nothing setgid, when the service group does not exist"
meson configure "$W/build-server" -Dprefix="$W/other" -Dservice_group="crdnone$$" >/dev/null
meson install -C "$W/build-server" >"$T/out" 2>"$T/err"
[ $? != 0 ] || fail "meson install passed without the group"
grep -q "no group 'crdnone$$'; create it first" "$T/out" "$T/err" || fail "no reason given: $(tail -5 "$T/out" "$T/err")"
[ ! -g "$W/other/bin/casereview" ] || fail "installed setgid anyway: $(stat -c '%a %G' "$W/other/bin/casereview")"

begin "a notify command runs without the service group; its watchdog keeps it to record the failure"
# The hook (exit 3) notes its group ids; the runner was forked while the group was held.
cat >"$W/hook.sh" <<HOOK
#!/bin/sh
awk '/^Gid:/ { print \$2, \$3, \$4, \$5 }' /proc/self/status >"$W/home/$REV/hook.gids"
id -G >>"$W/home/$REV/hook.gids"
exit 3
HOOK
chmod 755 "$W/hook.sh"
printf 'notify: %s\nnotify_timeout: 5\n' "$W/hook.sh" >>"$P/etc/casereview/casereview.yaml"
as "$ADM" "$BIN" config adopt "$P/etc/casereview/casereview.yaml"
expect_rc 0
as "$REV" "$BIN" note 2 "A note, and the hook."
expect_rc 0
expect_empty_err
for _ in $(seq 100); do
    [ "$(sql "$DB" "select count(*) from audit_events where action = 'notify'")" = 1 ] && break
    sleep 0.1
done
expect_eq "$(sql "$DB" "select case_id || ' ' || actor || ' ' || details from audit_events where action = 'notify'")" \
    "2 $REV {\"event\": \"note\", \"recipients\": 0, \"failed\": \"exited with status 3\"}" "the failure, recorded by the watchdog"
expect_eq "$(head -1 "$W/home/$REV/hook.gids" 2>/dev/null)" "$own $own $own $own" \
    "the hook's real, effective, saved and file system group ids"
tail -n +2 "$W/home/$REV/hook.gids" | grep -qw "$svc" && fail "the service group is among the hook's groups"

begin "the trail verifies, and extends the head the admin kept"
as "$ADM" "$BIN" audit verify --head "$head"
expect_rc 0
expect_out_has "ok: "

finish
