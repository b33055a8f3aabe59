#!/usr/bin/env bash
# An audit that proves the data: audit verify replays the trail and checks
# every case against it; the chain is keyed with a key kept outside the
# database; heads can be kept elsewhere and checked; every consultation
# carries its purpose; the admin reads the trail with audit log; and a
# read-only evidence copy can be read and verified without being changed.
. "$(dirname "$0")/lib.sh"

"$CASEREVIEW" generate --cases 5 --seed 5 >g.csv
cr --db a.db import g.csv
expect_rc 0

step() {
    local who=$1
    shift
    AS=$who cr --db a.db "$@"
    [ "$(cat "$T/rc")" = 0 ] || fail "$who $*: $(cat "$T/err")"
}

# Case 1 goes the long way round; 2 gets a note; 3 is released and assigned;
# 4 is only looked at; 5 is never touched.
step asmith claim 1
step asmith decide 1 --outcome nfa --rationale "R1: nothing new."
step bjones return 1 --reason "Say more."
step asmith decide 1 --outcome refer --vetting-review --rationale "R2: a pattern."
step bjones approve 1
step lpark vote 1 --dissent --reason "Too thin."
step asmith decide 1 --outcome refer --rationale "R3: a pattern, set out."
step fkaur approve 1
step mkhan vote 1 --concur
step tnash vote 1 --concur
step asmith claim 2
step bjones note 2 "Called the unit."
step asmith claim 3
step asmith release 3
step bjones assign 3 ejones
step cadmin show 4

begin "the trail and the tables agree"
cr --db a.db audit verify
expect_rc 0
n=$(sql a.db "select count(*) from audit_events")
expect_out "ok: $n events"
expect_eq "$(sql a.db "select state from cases where id = 1")" closed "case 1 closed"

# Change a copy with the database's own shell (lib.sh's sql), as someone who can write
# the file (or the tables) could.
tamper() {
    db_copy a.db t.db
    sql t.db "$1"
    cr --db t.db audit verify
    expect_rc 3
    expect_err "casereview: $2"
}
ev() { sql a.db "select id from audit_events where $1"; }

begin "an edited case row is named"
tamper "update cases set outcome = 'nfa' where id = 1" \
    "audit: case 1: the cases table says outcome nfa, the trail says refer (event $(ev "case_id = 1 and action = 'decide' order by id desc limit 1"))"
tamper "update cases set state = 'closed' where id = 2" \
    "audit: case 2: the cases table says state closed, the trail says in_review (event $(ev "case_id = 2 and action = 'claim'"))"
tamper "update cases set vetting_review = 1 where id = 1" \
    "audit: case 1: the cases table says vetting_review yes, the trail says no (event $(ev "case_id = 1 and action = 'decide' order by id desc limit 1"))"
tamper "update cases set rationale = 'Nothing to see.' where id = 1" \
    "audit: case 1: the cases table says rationale Nothing to see., the trail says R3: a pattern, set out. (event $(ev "case_id = 1 and action = 'decide' order by id desc limit 1"))"

begin "an edited assignee is named"
tamper "update cases set assignee = 'asmith' where id = 3" \
    "audit: case 3: the cases table says assignee asmith, the trail says ejones (event $(ev "case_id = 3 and action = 'assign'"))"
tamper "update cases set assignee = null where id = 2" \
    "audit: case 2: the cases table says assignee nobody, the trail says asmith (event $(ev "case_id = 2 and action = 'claim'"))"

begin "an edited panel round (who may see a case) is named"
tamper "update cases set panel_round = 1 where id = 2" \
    "audit: case 2: the cases table says it was before the panel at decision 1, the trail says 0 (which cases a panel member may see) (no event changes it on case 2)"

begin "edited rules kept in the database are named"
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    edit="update config_versions set text = text || convert_to('# edited', 'UTF8')"
else
    edit="update config_versions set text = cast(text || '# edited' as blob)"
fi
tamper "$edit" \
    "audit: configuration 1: its text does not match its digest $(sql a.db "select substr(digest, 1, 16) from config_versions where id = 1")...; the rules kept in the database were altered"

begin "an edited vote is named"
tamper "update votes set vote = 'dissent', reason = 'No.' where member = 'mkhan'" \
    "audit: case 1: the votes table says round 3: mkhan (independent) dissent: \"No.\", the trail says round 3: mkhan (independent) concur (event $(ev "action = 'vote' and actor = 'mkhan'"))"
tamper "delete from votes where member = 'tnash'" \
    "audit: case 1: the votes table lacks round 3: tnash (independent) concur, which the trail records (event $(ev "action = 'vote' and actor = 'tnash'"))"

begin "a deleted note is named"
tamper "delete from notes where kind = 'note'" \
    "audit: case 2: the notes table lacks note by bjones: \"Called the unit.\", which the trail records (event $(ev "action = 'note'"))"
db_copy a.db t.db
sql t.db "delete from notes where kind = 'dissent'"
cr --db t.db audit verify
expect_rc 3
expect_err "casereview: audit: case 1: the notes table lacks dissent by panel: \"The panel returned decision 2:\\n- lpark (legal): Too thin.\", which the trail records (event $(ev "action = 'vote' and actor = 'lpark'"))"
tamper "update notes set body = 'Said less.' where kind = 'return'" \
    "audit: case 1: the notes table says return by bjones: \"Said less.\", the trail says return by bjones: \"Say more.\" (event $(ev "action = 'return'"))"

begin "a deleted decision is named"
tamper "delete from decisions where case_id = 1 and round = 2" \
    "audit: case 1: the decisions table lacks round 2: asmith decided refer with a vetting review: \"R2: a pattern.\", which the trail records (event $(ev "case_id = 1 and action = 'decide' and details like '%R2%'"))"
tamper "delete from approvals where case_id = 1 and round = 3" \
    "audit: case 1: the approvals table lacks round 3: approved by fkaur, which the trail records (event $(ev "action = 'approve' and actor = 'fkaur'"))"

begin "a case the trail never mentions is as import left it"
tamper "update cases set state = 'in_review', assignee = 'asmith' where id = 5" \
    "audit: case 5: the cases table says state in_review, the trail says flagged (no event changes it on case 5)"
tamper "insert into votes(case_id, round, member, member_kind, vote, created_at) values (4, 0, 'mkhan', 'independent', 'concur', 0)" \
    "audit: case 4: the votes table has round 0: mkhan (independent) concur, which the trail does not record"
tamper "insert into notes(case_id, author, created_at, kind, body) values (5, 'system', 0, 'system', 'Planted.')" \
    "audit: case 5: the notes table has system by system: \"Planted.\", which the trail does not record"
# Past the foreign keys: SQLite's pragma; PostgreSQL's superuser, with no trigger firing.
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    nofk="set session_replication_role = replica"
else
    nofk="pragma foreign_keys = off"
fi
db_copy a.db t.db
sql t.db "$nofk; delete from cases where id = 2"
cr --db t.db audit verify
expect_rc 3
expect_err "casereview: audit: case 2: the cases table has no such case, but the trail records it (event $(ev "case_id = 2 order by id limit 1"))"

begin "the chain is keyed: re-chaining without the key is caught"
# The unkeyed form is public (audit.c): an edit re-chained with it does not verify.
# (tests/unit/test_storage.c re-chains a whole trail in C; here the key file is swapped;
# on PostgreSQL, whose key never leaves the server, the superuser replaces the key.)
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    db_copy a.db t.db
    sql t.db "update audit_key set key = decode(repeat('ab', 32), 'hex')"
else
    cp a.db t.db && cp a.db.key t.db.key
    "$CASEREVIEW" --as cadmin --db k.db import g.csv >/dev/null 2>&1
    cp k.db.key t.db.key
fi
cr --db t.db audit verify
expect_rc 3
expect_err "casereview: audit event 1: its contents do not match its hash; it was altered"

begin "the key is made with the database, under its rules, and needed to write"
if pg_only "the key in the server: a person's psql cannot read it"; then
    pg_db_for a.db
    psql -X -A -t -q -h "$PG_DIR" -U asmith -d "$PG_DB" -c "select count(*) from casereview.audit_key" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    expect_rc 1
    expect_err "ERROR:  permission denied for table audit_key"
fi
if sqlite_only "the key file beside the database"; then
    expect_eq "$(stat -c %a a.db.key)" 600 "owner-only key"
    cr --db g.db init --group
    expect_rc 0
    expect_eq "$(stat -c %a g.db.key)" 660 "a group database's key"
    cp a.db nokey.db
    AS=cadmin cr --db nokey.db show 1
    expect_rc 4
    expect_err "casereview: nokey.db.key: the audit key is missing (No such file or directory); no audit event can be written or checked without it: restore the key file beside the database"
    AS=asmith cr --db nokey.db claim 5
    expect_rc 4
    expect_eq "$(sql nokey.db "select state from cases where id = 5")" flagged "nothing written"
    cr --db nokey.db audit verify
    expect_rc 4
    expect_err "casereview: nokey.db.key: the audit key is missing (No such file or directory); no audit event can be written or checked without it: restore the key file beside the database"
    cp a.db.key nokey.db.key
    chmod 644 nokey.db.key
    cr --db nokey.db audit verify
    expect_rc 4
    expect_err "casereview: nokey.db.key: other users can read or write the audit key; run 'chmod o-rwx nokey.db.key' and try again"
    rm -f stale.db stale.db.key
    echo stale >stale.db.key
    cr --db stale.db init
    expect_rc 4
    expect_err "casereview: stale.db.key: an audit key is there already, but stale.db has no keyed trail yet, so the key belongs to another database; move it away and try again"
    [ ! -e stale.db ] || fail "the refused database was left behind"
fi

begin "audit head prints the head to keep; verify checks kept heads"
cr --db a.db audit head
expect_rc 0
head=$(cat "$T/out")
id=${head%%:*}
expect_eq "$id" "$(sql a.db "select max(id) from audit_events")" "the head's event"
expect_eq "${head#*:}" "$(sql a.db "select $(sql_hex hash) from audit_events where id = $id")" "the head's hash"
cr --db a.db audit head --format json
expect_out "{\"event\": $id, \"hash\": \"${head#*:}\"}"
cr --db a.db audit verify --head "$head" --head "3:$(sql a.db "select $(sql_hex hash) from audit_events where id = 3")"
expect_rc 0
printf '# kept on paper\n%s\n\n' "$head" >heads.txt
cr --db a.db audit verify --heads heads.txt
expect_rc 0
AS=bjones cr --db a.db audit head
expect_rc 1
expect_err "casereview: audit head needs the admin role; you (bjones) are supervisor"
cr --db a.db audit verify --head 12
expect_rc 2
expect_err "casereview: audit verify: --head must be ID:HEX as 'audit head' prints it (an event number, a colon, 64 hex digits) or HASH[:COUNT] (64 hex digits, then a colon and the number of events), not '12'"

begin "a head kept as HASH:COUNT or HASH is checked as well"
hash=${head#*:}
cr --db a.db audit verify --head "$hash:$id" --head "$hash" --head "$(sql a.db "select $(sql_hex hash) from audit_events where id = 3"):3"
expect_rc 0
for bad in "$hash:" "$hash:0" "$hash:x" "${hash}0" "${hash:1}:$id" "$hash:$id:1"; do
    cr --db a.db audit verify --head "$bad"
    expect_rc 2
done
# The right hash at the wrong count is not that head.
cr --db a.db audit verify --head "$hash:$((id - 1))"
expect_rc 3
expect_err "casereview: audit: kept head $((id - 1)):${hash:0:16}... is not in the trail: event $((id - 1)) now hashes to $(sql a.db "select substr($(sql_hex hash), 1, 16) from audit_events where id = $((id - 1))")...; the trail was rewritten at or before event $((id - 1))"

begin "audit verify --head catches a replaced database whose own chain is valid"
# Another database with its own key, made the same way, put in place of the
# first: alone it verifies, but it does not extend the head kept elsewhere.
db_copy a.db real.db
cr --db real.db audit head
kept=$(cat "$T/out")
khash=${kept#*:} kcount=${kept%%:*}
cr --db fake.db import g.csv
expect_rc 0
while [ "$(sql fake.db "select count(*) from audit_events")" -lt "$kcount" ]; do
    AS=cadmin cr --db fake.db show 4
done
db_copy fake.db real.db && db_remove fake.db
rm -f real.db-wal real.db-shm fake.db-wal fake.db-shm
cr --db real.db audit verify
expect_rc 0
cr --db real.db audit verify --head "$khash:$kcount"
expect_rc 3
expect_err "casereview: audit: kept head $kcount:${khash:0:16}... is not in the trail: event $kcount now hashes to $(sql real.db "select substr($(sql_hex hash), 1, 16) from audit_events where id = $kcount")...; the trail was rewritten at or before event $kcount"
cr --db real.db audit verify --head "$khash"
expect_rc 3
n=$(sql real.db "select count(*) from audit_events")
expect_err "casereview: audit: kept head ${khash:0:16}... is not in the trail: no event of its $n hashes to it; the trail was replaced or rewritten"
cr --db real.db audit verify --head "$kept"
expect_rc 3

begin "a truncated trail fails naming the kept head"
# Views change no case: cutting them off and moving the head leaves a trail that checks out...
step cadmin show 4
step cadmin show 4
cr --db a.db audit head
kept=$(cat "$T/out")
kid=${kept%%:*}
db_copy a.db t.db
# (On PostgreSQL the superuser, with no trigger firing: the trail takes no delete otherwise.)
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    notrig="set session_replication_role = replica;"
else
    notrig=
fi
sql t.db "$notrig delete from audit_events where id > $((kid - 2));
  update settings set value = (select id || ':' || $(sql_hex hash) from audit_events where id = $((kid - 2))) where key = 'audit_head'"
cr --db t.db audit verify
expect_rc 0
# ... until the kept head is asked for.
cr --db t.db audit verify --head "$kept"
expect_rc 3
expect_err "casereview: audit: kept head $kid:${kept:$((${#kid} + 1)):16}... is not in the trail: it ends at event $((kid - 2)); the trail was cut short or rewritten"

begin "a re-written trail fails naming the kept head"
# A backup put back, then other work done: the same event numbers, other events.
db_copy a.db back.db
step cadmin show 4
cr --db a.db audit head
kept=$(cat "$T/out")
kid=${kept%%:*}
AS=cadmin cr --db back.db show 2
cr --db back.db audit verify --heads <(echo "$kept")
expect_rc 3
expect_err "casereview: audit: kept head $kid:${kept:$((${#kid} + 1)):16}... is not in the trail: event $kid now hashes to $(sql back.db "select substr($(sql_hex hash), 1, 16) from audit_events where id = $kid")...; the trail was rewritten at or before event $kid"

begin "an action replay does not know fails verify by name"
db_copy a.db t.db
sql t.db "update audit_events set action = 'reopen' where id = 5"
cr --db t.db audit verify
expect_rc 3
# The chain notices the edit first; tests/unit/test_storage.c checks the name on a keyed event.
expect_err "casereview: audit event 5: its contents do not match its hash; it was altered"

begin "every view carries the session's purpose"
AS=bjones cr --purpose "Supervision of case 2" --db a.db show 2
expect_rc 0
AS=bjones cr --purpose "Supervision of case 2" --db a.db history 2
expect_rc 0
expect_eq "$(sql a.db "select details || ' ' || purpose from audit_events where action = 'view' and actor = 'bjones' order by id")" \
    '{"view": "case"} Supervision of case 2
{"view": "history"} Supervision of case 2' "the views and their purpose"
step cadmin show 2
expect_eq "$(sql a.db "select coalesce(purpose, 'none') from audit_events order by id desc limit 1")" none "no purpose given"
cr --db a.db audit verify
expect_rc 0

begin "the configuration may require a purpose, and may list them"
cat casereview.yaml >purpose.yaml
cat >>purpose.yaml <<'YAML'
audit:
  require_purpose: true
  purposes: ["Case review", "Supervision", "Audit"]
YAML
cr --config purpose.yaml check-config purpose.yaml
expect_rc 0
# The rules change by adoption: the database's configuration, not the caller's file.
cr --db a.db config adopt purpose.yaml
expect_rc 0
AS=bjones cr --config purpose.yaml --db a.db show 2
expect_rc 1
expect_err "casereview: audit.require_purpose: every consultation needs its purpose (DPA 2018 s.62), and this session gave none; give --purpose TEXT (one of 'Case review', 'Supervision', or 'Audit')"
n=$(sql a.db "select count(*) from audit_events")
AS=bjones cr --config purpose.yaml --db a.db --purpose "Curiosity" show 2
expect_rc 2
expect_err "casereview: 'Curiosity' is not a purpose audit.purposes in purpose.yaml allows; give one of 'Case review', 'Supervision', or 'Audit'"
expect_eq "$(sql a.db "select count(*) from audit_events")" "$n" "nothing recorded"
AS=bjones cr --config purpose.yaml --db a.db --purpose Supervision show 2
expect_rc 0
expect_eq "$(sql a.db "select purpose from audit_events order by id desc limit 1")" Supervision "recorded"
# Actions are not consultations: they need no purpose.
AS=asmith cr --config purpose.yaml --db a.db claim 5
expect_rc 0
cat casereview.yaml >bad.yaml
printf 'audit:\n  require_purpose: yes\n  purposes: ["Audit", "Audit", ""]\n  retention: 7\n' >>bad.yaml
cr check-config bad.yaml
expect_rc 3
expect_err "bad.yaml:$(($(wc -l <casereview.yaml) + 2)):20: audit.require_purpose: expected true or false, not 'yes'" \
    "bad.yaml:$(($(wc -l <casereview.yaml) + 3)):23: audit.purposes: 'Audit' is listed twice" \
    "bad.yaml:$(($(wc -l <casereview.yaml) + 3)):32: audit.purposes: a purpose is one line of text (1 to 200 bytes, no control characters)" \
    "bad.yaml:$(($(wc -l <casereview.yaml) + 4)):3: unknown key 'retention' in audit (allowed: require_purpose, purposes)" \
    "casereview: bad.yaml: the configuration has problems; nothing was done"
cr --config purpose.yaml --db a.db config adopt casereview.yaml
expect_rc 0

begin "the workstation asks the purpose once, before the first screen"
cat casereview.yaml >free.yaml
printf 'audit:\n  require_purpose: true\n' >>free.yaml
cat >keys1.txt <<'KEYS'
dump prompt.txt
keys <Enter>
dump refused.txt
type Weekly check x
keys C-w <Backspace> C-a
type Supervision:
keys <Space> <End>
keys <Enter>
dump queue.txt
keys x <Enter>
keys q
keys <Enter>
keys q q
KEYS
db_copy a.db w.db
cr --db w.db config adopt free.yaml
expect_rc 0
n=$(sql w.db "select count(*) from audit_events")
AS=bjones cr --config free.yaml --db w.db --size 80x24 --script keys1.txt
expect_rc 0
expect_eq "$(sed -n 1p prompt.txt | sed 's/ *$//')" " casereview: the purpose of this session" "the prompt first"
expect_eq "$(sed -n 6p prompt.txt | sed 's/ *$//')" " Purpose:" "the field"
expect_eq "$(tail -1 refused.txt | sed 's/ *$//')" "audit.require_purpose: give the purpose of this session" "a purpose is required"
expect_eq "$(sed -n 1p queue.txt | cut -c1-7)" " Queue:" "then the queue"
expect_eq "$(sql_join w.db ' | ' "select details || ' ' || purpose from audit_events where id > $n order by id")" \
    '{"view": "case"} Supervision: Weekly check | {"view": "case"} Supervision: Weekly check' "both views carry it"
cat >keys2.txt <<'KEYS'
keys <Down>
dump choices.txt
keys <Enter> x <Enter>
keys q q
KEYS
cr --config free.yaml --db w.db config adopt purpose.yaml
expect_rc 0
n=$(sql w.db "select count(*) from audit_events")
AS=bjones cr --config purpose.yaml --db w.db --size 80x24 --script keys2.txt
expect_rc 0
expect_eq "$(sed -n 6,8p choices.txt | sed 's/ *$//')" "    1  Case review
  > 2  Supervision
    3  Audit" "the configured purposes to choose from"
expect_eq "$(sql w.db "select purpose from audit_events where id > $n")" Supervision "the choice recorded"
# Given on the command line, it is not asked again.
AS=bjones cr --config purpose.yaml --db w.db --purpose Audit --size 80x24 --script <(printf 'dump q.txt\nkeys q\n')
expect_rc 0
expect_eq "$(sed -n 1p q.txt | cut -c1-7)" " Queue:" "no prompt"

begin "audit log: the admin reads the trail, by case, actor, action and date"
db_copy a.db l.db
CASEREVIEW_NOW=1767571200 AS=ejones cr --db l.db note 3 "Fifth of January." # 2026-01-05
CASEREVIEW_NOW=1767830400 AS=ejones cr --db l.db note 3 "Eighth of January." # 2026-01-08
total=$(sql l.db "select count(*) from audit_events")
cr --db l.db audit log --format csv
expect_rc 0
expect_eq "$(($(wc -l <"$T/out") - 1))" "$total" "every event, one a line"
expect_eq "$(head -1 "$T/out")" "id,at,actor,case,action,state_before,state_after,purpose,details,os_login" "csv header"
expect_eq "$(sql l.db "select actor || ' ' || details || ' ' || coalesce(purpose, '-') from audit_events order by id desc limit 1")" \
    'cadmin {"view": "audit log"} -' "the reading is itself a consultation"
cr --db l.db --purpose Audit audit log --case 3 --format csv
expect_eq "$(cut -d, -f5 "$T/out" | tail -n +2 | tr '\n' ' ')" "claim release assign note note " "--case 3"
cr --db l.db audit log --actor ejones --action note --format csv
expect_eq "$(cut -d, -f1,3,5 "$T/out" | tail -n +2 | tr '\n' ' ')" "$((total - 1)),ejones,note $total,ejones,note " "--actor and --action"
cr --db l.db audit log --since 2026-01-05 --format csv
expect_eq "$(cut -d, -f2 "$T/out" | tail -n +2 | tr '\n' ' ')" "2026-01-05T00:00:00Z 2026-01-08T00:00:00Z " "--since"
cr --db l.db audit log --since 2026-01-02 --until 2026-01-07 --format json
expect_out '[{"id": '$((total - 1))', "at": "2026-01-05T00:00:00Z", "actor": "ejones", "case": 3, "action": "note", "state_before": "in_review", "state_after": "in_review", "purpose": null, "os_login": "'"$(os_login_of ejones)"'", "details": {"note": "Fifth of January."}}]'
cr --db l.db audit log --until 2025-12-31
expect_rc 0
[ ! -s "$T/out" ] || fail "events before the first: $(cat "$T/out")"
cr --db l.db audit log --case 4 --action view
expect_rc 0
expect_eq "$(wc -l <"$T/out")" 4 "four views of case 4"
expect_out_has "cadmin     4      view     {\"view\": \"case\"}"
expect_eq "$(sql l.db "select details from audit_events order by id desc limit 1")" '{"view": "audit log", "case": 4, "action": "view"}' "the filter recorded"
cr --db l.db audit log --since 2026-02-30
expect_rc 2
expect_err "casereview: audit log: --since must be a date YYYY-MM-DD, not '2026-02-30'"
cr --db l.db audit log --head 1:00
expect_rc 2
expect_err "casereview: audit log: --head is not an option of audit log"
n=$(sql l.db "select count(*) from audit_events")
AS=bjones cr --db l.db audit log
expect_rc 1
expect_err "casereview: audit log needs the admin role; you (bjones) are supervisor"
AS=mkhan cr --db l.db audit log --case 1
expect_rc 1
expect_err "casereview: audit log needs the admin role; you (mkhan) are panel"
expect_eq "$(sql l.db "select count(*) from audit_events")" "$n" "a refusal reads nothing"
# The two notes were written a week on, and the reads after them back at the 1st: a clock
# set back, which verify names (the chain itself is whole).
cr --db l.db audit verify
expect_rc 3
expect_err "casereview: audit event $((total + 1)): its time 2026-01-01T00:00:00Z is before event $total's 2026-01-08T00:00:00Z by 604800 s, more than the 300 s a clock may be set back; the clock was set back or the time was altered"

begin "audit log pages through a large trail"
"$CASEREVIEW" --as cadmin demo --dir d --cases 300 </dev/null >/dev/null 2>&1
# The demo makes a SQLite file (tui/cli/demo.c); on PostgreSQL its trail is
# moved into the database lib.sh gives d/casereview.db, as README's migrate does
# (one more event: 'migrated').
if pg_only "the demo's file moved to PostgreSQL"; then
    pg_conn_for d/casereview.db casereview
    cr_plain --config d/casereview.yaml --as cadmin migrate --from d/casereview.db --to "$PG_CONN"
    expect_rc 0
fi
events=$(sql d/casereview.db "select count(*) from audit_events")
# More than a page (500 events).
[ "$events" -gt 500 ] || fail "the demo has only $events events"
cr_plain --config d/casereview.yaml --db d/casereview.db --as cadmin audit log --format csv
expect_rc 0
expect_eq "$(($(wc -l <"$T/out") - 1))" "$events" "every event over several pages"
expect_eq "$(tail -1 "$T/out" | cut -d, -f1)" "$events" "up to the last"

begin "the demo's trail replays"
cr_plain --config d/casereview.yaml --db d/casereview.db --as cadmin audit verify
expect_rc 0
expect_out "ok: $((events + 1)) events"

# A read-only copy: every reading command works, nothing is written, changes are refused.
readonly_checks() {
    local db=$1 before
    before=$(db_state "$db")
    local note="casereview: $db is a read-only copy: this consultation is not recorded in its audit trail"
    local refused="casereview: $db: a read-only copy of the database (an auditor's evidence copy); nothing can be changed in it or disclosed from it: work on the database itself"
    cr --db "$db" audit verify
    expect_rc 0
    expect_out "ok: $(sql a.db "select count(*) from audit_events") events"
    expect_empty_err
    cr --db "$db" list --format csv
    expect_rc 0
    expect_eq "$(wc -l <"$T/out")" 6 "listed"
    cr --db "$db" stats
    expect_rc 0
    cr --db "$db" show 1
    expect_rc 0
    expect_out_has "R3: a pattern, set out."
    expect_err "$note"
    cr --db "$db" history 1
    expect_rc 0
    expect_err "$note"
    cr --db "$db" audit log --case 1
    expect_rc 0
    expect_err "$note"
    cr --db "$db" audit head
    expect_rc 0
    AS=asmith cr --db "$db" claim 4
    expect_rc 4
    expect_err "$refused"
    AS=bjones cr --db "$db" note 2 "In the copy."
    expect_rc 4
    expect_err "$refused"
    cr --db "$db" export --reason r --recipient x
    expect_rc 4
    expect_err "$refused"
    [ ! -s "$T/out" ] || fail "an export from a read-only copy wrote rows"
    cr --db "$db" import g.csv
    expect_rc 4
    # The workstation says so too, on its first screen.
    # (x: all open cases, where the admin's queue opens on what waits for them, here nothing.)
    cr --db "$db" --size 120x24 --script <(printf 'dump ro-screen.txt\nkeys x <Enter>\nkeys q q\n')
    expect_rc 0
    expect_eq "$(tail -1 ro-screen.txt | sed 's/ *$//')" "$db is a read-only copy: what you open here is not recorded in its audit trail, and nothing can be changed" "the workstation's word"
    expect_err "$note"
    expect_eq "$(db_state "$db")" "$before" "the copy is as it was, with no side files"
}

begin "a read-only copy (chmod 0400) is read and verified, never changed"
# A read-only copy is a file (its mode, its directory's, its user_version, its
# owner): SQLite's.  A copy of a PostgreSQL database is another database.
if sqlite_only "a read-only copy is a file; the four checks of read-only copies"; then
    mkdir ro && cp a.db a.db.key ro/ && chmod 400 ro/a.db ro/a.db.key
    readonly_checks ro/a.db

    begin "a copy in a read-only directory likewise"
    mkdir rodir && cp a.db a.db.key rodir/ && chmod 555 rodir
    readonly_checks rodir/a.db
    chmod 755 rodir

    begin "a read-only copy is read as it is: an older schema is not migrated"
    mkdir old && cp a.db a.db.key old/ && sqlite3 old/a.db "pragma user_version = 4" && chmod 400 old/a.db
    cr --db old/a.db list
    expect_rc 4
    expect_err "casereview: old/a.db: a read-only copy at schema version 4; this casereview reads version 14 and cannot bring a read-only file up to date: make a writable copy and open that once"

    begin "for a user who cannot write the directory, the open is read-only for real"
    # Root writes anything, so the directory's and file's modes alone are what the
    # two checks above rest on; here an ordinary user, for whom SQLite itself could
    # not create the write-ahead log's files, reads and verifies the copy.
    if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null && command -v useradd >/dev/null; then
        u=crro$$
        if useradd --no-create-home --shell /usr/sbin/nologin "$u" 2>/dev/null; then
            trap 'userdel "$u" 2>/dev/null; rm -rf "$T"' EXIT
            chmod 755 "$T"
            mkdir uro && cp a.db a.db.key uro/ && chown "$u" uro/a.db uro/a.db.key
            chmod 600 uro/a.db uro/a.db.key
            chmod 755 uro # root's: the user cannot create files in it
            as_user() {
                runuser -u "$u" -- env CASEREVIEW_NOW="$CASEREVIEW_NOW" CASEREVIEW_CONFIG="$CASEREVIEW_CONFIG" \
                    "$CASEREVIEW" --as "$1" --db uro/a.db "${@:2}" >"$T/out" 2>"$T/err"
                echo $? >"$T/rc"
            }
            as_user cadmin audit verify
            expect_rc 0
            expect_out "ok: $(sql a.db "select count(*) from audit_events") events"
            as_user cadmin show 2
            expect_rc 0
            expect_err "casereview: uro/a.db is a read-only copy: this consultation is not recorded in its audit trail"
            as_user asmith claim 4
            expect_rc 4
            [ ! -e uro/a.db-wal ] && [ ! -e uro/a.db-shm ] || fail "side files were made"
            # The same user in a directory of their own opens it read-write.
            mkdir urw && cp a.db a.db.key urw/ && chown -R "$u" urw && chmod 600 urw/a.db urw/a.db.key
            runuser -u "$u" -- env CASEREVIEW_NOW="$CASEREVIEW_NOW" CASEREVIEW_CONFIG="$CASEREVIEW_CONFIG" \
                "$CASEREVIEW" --as asmith --db urw/a.db claim 4 >"$T/out" 2>"$T/err"
            echo $? >"$T/rc"
            expect_rc 0
            userdel "$u"
            trap 'rm -rf "$T"' EXIT
        else
            echo "note: could not add a user; the non-root read-only open was not tried"
        fi
    else
        echo "note: not root (or no runuser/useradd); the non-root read-only open was not tried"
    fi
fi

begin "an empty file is not made a database by a command that only reads"
: >empty.db
chmod 600 empty.db
cr --db empty.db list
expect_rc 4
# On PostgreSQL the counterpart of an empty file is a database without the schema.
if [ -n "${CASEREVIEW_TEST_PG:-}" ]; then
    expect_err "casereview: $(db_label empty.db): not a casereview database (it has no casereview schema); \`casereview init\` run as its owner (casereview) makes it one"
    expect_eq "$(db_state empty.db)" absent "the schema"
else
    expect_err "casereview: empty.db: the file is empty, not a casereview database; 'casereview init' makes an empty database in it, 'casereview import FILE' one with cases"
    [ ! -s empty.db ] || fail "the empty file was written"
fi
cr --db empty.db init
expect_rc 0

finish
