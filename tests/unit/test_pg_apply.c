/*
 * The PostgreSQL engine's apply, set_quorum_blocked and rules_put against
 * the SQLite engine's: the same changes (built as workflow.c's plan and
 * settle build them) applied to the same cases on both give the same rows
 * in cases, decisions, approvals, votes, superseded_votes and notes, read
 * back with the same SQL.  On PostgreSQL each change is applied by the
 * person who makes it, connected as their own role, so the server's checks
 * (sql/025-apply.sql) pass every change the workflow allows; and refuse
 * what it does not (a role, a state, separation of duties, another's name,
 * a stale version), writing nothing.
 *
 * Needs CASEREVIEW_TEST_PG_URL and PGHOST (tests/pg/with-cluster.sh);
 * skipped (77) without them.
 */
#include "../../core/pg/pg.h"
#include "internal.h"

#include <libpq-fe.h>
#include <setjmp.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t clock_now = 1767225600;

static int64_t
test_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static const char *url, *pghost;
static char dir[64], sq_path[160];
static PGconn *service; /* the service role, for SQL from outside */

/* Run SQL on PostgreSQL as conn's role; fail the test on an error. */
static void
pq_run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType es = PQresultStatus(r);
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static PGconn *
pq_connect(const char *user)
{
    char info[512];
    snprintf(info, sizeof info, "host=%s dbname=cr user=%s", pghost, user);
    PGconn *c = PQconnectdb(info);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect as %s: %s", user, PQerrorMessage(c));
    PQsetNoticeProcessor(c, NULL, NULL);
    return c;
}

static void
sq_run(const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(sq_path, &s), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(s);
}

/* The rows of a query as text, one line each, fields by '|', NULL as \N. */
static char *
sq_rows(const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(sq_path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(s));
    struct cr_buf b = {0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            cr_buf_addf(&b, "%s%s", i ? "|" : "", t ? (const char *)t : "\\N");
        }
        cr_buf_addc(&b, '\n');
    }
    sqlite3_finalize(st);
    sqlite3_close(s);
    return b.p ? b.p : strdup("");
}

static char *
pq_rows(const char *sql)
{
    PGresult *r = PQexec(service, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(service));
    struct cr_buf b = {0};
    for (int row = 0; row < PQntuples(r); row++) {
        for (int i = 0; i < PQnfields(r); i++)
            cr_buf_addf(&b, "%s%s", i ? "|" : "",
                        PQgetisnull(r, row, i) ? "\\N" : PQgetvalue(r, row, i));
        cr_buf_addc(&b, '\n');
    }
    PQclear(r);
    return b.p ? b.p : strdup("");
}

static const char *const tables[] = {
    "SELECT id, subject_id, state, state_since, created_at, assignee, outcome, vetting_review, "
    "rationale, decided_by, decided_at, round, version, updated_by, updated_at, quorum_blocked, "
    "panel_round, clock_shift, paused_until, paused_at, paused_by, pause_reason, approver "
    "FROM cases ORDER BY id",
    "SELECT id, case_id, round, reviewer, outcome, vetting_review, rationale, decided_at "
    "FROM decisions ORDER BY id",
    "SELECT id, case_id, round, supervisor, approved_at FROM approvals ORDER BY id",
    "SELECT id, case_id, round, member, member_kind, vote, reason, created_at FROM votes "
    "ORDER BY id",
    "SELECT id, vote_id, case_id, round, member, member_kind, vote, reason, created_at, "
    "superseded_at, superseded_by FROM superseded_votes ORDER BY id",
    "SELECT id, case_id, author, created_at, kind, body FROM notes ORDER BY id",
    "SELECT state, outcome, categories, n FROM case_counts ORDER BY 1, 2, 3",
    "SELECT reviewer, finished, returned FROM panel_rounds ORDER BY 1",
};

/* Both engines hold the same rows; the count of rows compared, for a test that cannot pass
 * empty. */
static size_t
same_rows(void)
{
    size_t lines = 0;
    for (size_t i = 0; i < CR_ARRAY_LEN(tables); i++) {
        char *a = sq_rows(tables[i]), *b = pq_rows(tables[i]);
        if (strcmp(a, b) != 0)
            fail_msg("%s\nSQLite:\n%s\nPostgreSQL:\n%s", tables[i], a, b);
        for (const char *p = a; *p; p++)
            lines += *p == '\n';
        free(a);
        free(b);
    }
    return lines;
}

static const char fixture[] =
    "INSERT INTO imports(id, at, label, rows, new_allegations, new_cases) "
    "VALUES (1, 1767225000, 't.csv', 2, 2, 2);"
    "INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, duty_status, "
    "import_id, import_line) VALUES "
    "(1, 'S1', 'Ashgrove', 'Tom', 'officer', 'PC', 'Central West BCU', 'full', 1, 2),"
    "(2, 'S2', 'Brackenridge', 'Ann', 'officer', 'PC', 'East Area BCU', 'full', 1, 3),"
    "(3, 'S3', 'Carrow', 'Jo', 'staff', 'PCSO', 'East Area BCU', 'full', 1, 4);"
    "INSERT INTO cases(id, subject_id, state, state_since, created_at) VALUES "
    "(1, 1, 'flagged', 1767225000, 1767225000), (2, 2, 'flagged', 1767225000, 1767225000),"
    "(3, 3, 'flagged', 1767225000, 1767225000);";

/* The people, by role bits (enum cr_role: reviewer 1, supervisor 2, admin 4, panel 8). */
static const struct {
    const char *login;
    int roles;
    const char *kind; /* a panel member's (enum cr_kind), as the roster gives it */
} people[] = {{"rev1", 1, NULL},          {"rev2", 1, NULL},    {"sup1", 3, NULL},
              {"pan1", 8, "independent"}, {"pan2", 8, "legal"}, {"adm1", 4, NULL},
              {"sup2", 3, NULL}};

/*
 * Each outcome's sign-off as a pin publishes it (pg_config_put): the panel
 * reviews every outcome, two concurrences close it, one of them an
 * independent member's, one dissent returns it.
 */
static const char signoffs[] =
    "INSERT INTO settings(key, value) VALUES ('signoff', '["
    "{\"outcome\": \"nfa\", \"panel\": 1, \"concur\": 2, \"dissent\": 1, "
    "\"require_kinds\": [1, 0, 0], \"blind\": 0}, "
    "{\"outcome\": \"reassess\", \"panel\": 1, \"concur\": 2, \"dissent\": 1, "
    "\"require_kinds\": [1, 0, 0], \"blind\": 0}, "
    "{\"outcome\": \"refer\", \"panel\": 1, \"concur\": 2, \"dissent\": 1, "
    "\"require_kinds\": [1, 0, 0], \"blind\": 0}]')";

static int
setup(void **state)
{
    (void)state;
    url = getenv("CASEREVIEW_TEST_PG_URL");
    pghost = getenv("PGHOST");
    if (!url || !*url || !pghost || !*pghost) {
        printf("CASEREVIEW_TEST_PG_URL or PGHOST unset: skipped (tests/pg/with-cluster.sh)\n");
        exit(77);
    }
    pg_allow_incomplete = true;
    /* PostgreSQL: the schema made by its owner, the roles, the test clock, the cases. */
    cr_db *db;
    if (cr_db_open(url, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        fail_msg("open %s: %s", url, cr_db_errmsg(db));
    PGconn *admin = pq_connect("postgres");
    service = pq_connect("casereview");
    pq_run(service, "SET search_path = casereview");
    pq_run(service, "INSERT INTO settings(key, value) VALUES ('test_clock', 'on')");
    for (size_t i = 0; i < CR_ARRAY_LEN(people); i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN; GRANT CONNECT ON DATABASE cr TO %s",
                 people[i].login, people[i].login);
        pq_run(admin, sql);
        snprintf(sql, sizeof sql,
                 "INSERT INTO people(login, roles, kind) VALUES ('%s', %d, %s%s%s)",
                 people[i].login, people[i].roles, people[i].kind ? "'" : "",
                 people[i].kind ? people[i].kind : "NULL", people[i].kind ? "'" : "");
        pq_run(service, sql);
    }
    pq_run(service, signoffs);
    PQfinish(admin);
    /* rev2 declared a conflict with subject S3 (conflicts.declared). */
    pq_run(service, "UPDATE people SET conflicts = '{S3}' WHERE login = 'rev2'");
    pq_run(service, fixture);
    /* The rules, published as a pin publishes them. */
    assert_int_equal(st_begin(db), CR_OK);
    assert_int_equal(st_rules_put(db), CR_OK);
    assert_int_equal(st_commit(db), CR_OK);
    cr_db_close(db);

    /* SQLite: a new file, the same cases. */
    snprintf(dir, sizeof dir, "/tmp/crpgapply.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(sq_path, sizeof sq_path, "%s/cr.db", dir);
    assert_int_equal(cr_db_open(sq_path, CR_OPEN_CREATE, test_clock, NULL, &db), CR_OK);
    assert_int_equal(st_begin(db), CR_OK);
    assert_int_equal(st_rules_put(db), CR_OK); /* nothing to keep: CR_OK */
    assert_int_equal(st_commit(db), CR_OK);
    cr_db_close(db);
    sq_run(fixture);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    if (service)
        PQfinish(service);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The case as the engines need it: id, version and round, read from SQLite. */
static struct cr_case_state
case_now(int64_t id)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT version, round, state FROM cases WHERE id = %lld",
             (long long)id);
    char *row = sq_rows(sql);
    long long version;
    int round;
    char st[32];
    assert_int_equal(sscanf(row, "%lld|%d|%31[a-z_]", &version, &round, st), 3);
    free(row);
    return (struct cr_case_state){
        .id = id, .version = version, .round = round, .state = cr_state_parse(st)};
}

/* Apply ch to case id on one engine as who; the status, the message in msg. */
static enum cr_status
apply_on(const char *path, const char *who, struct cr_case_state cs, const struct cr_change *ch,
         char *msg, size_t n)
{
    cr_db *db;
    if (cr_db_open(path, 0, test_clock, NULL, &db) != CR_OK)
        fail_msg("open %s as %s: %s", path, who, cr_db_errmsg(db));
    /* The events core writes beside the change name the person (PostgreSQL takes none else). */
    struct cr_person me = {.login = who, .name = who, .kind = -1};
    cr_db_set_user(db, NULL, &me);
    enum cr_status st = st_begin(db);
    if (st == CR_OK)
        st = st_store(db)->apply(db, &cs, ch, who);
    /* With its event, as core appends it in the same transaction. */
    const char *what = ch->action >= 0 ? cr_action_name(ch->action)
                       : ch->pause     ? "pause"
                       : ch->resume    ? "resume"
                                       : NULL;
    if (st == CR_OK && what) {
        const char *before = cr_state_name(cs.state);
        char details[64];
        snprintf(details, sizeof details, "{\"round\": %d}", cs.round);
        st = cr_audit_append(db, cs.id, what, before,
                             ch->state >= 0 ? cr_state_name(ch->state) : before, details);
    }
    if (st == CR_OK)
        st = st_commit(db);
    else
        st_rollback(db);
    snprintf(msg, n, "%s", st == CR_OK ? "ok" : cr_db_errmsg(db));
    cr_db_close(db);
    return st;
}

static const char *
as(const char *who)
{
    static char info[512];
    snprintf(info, sizeof info, "postgresql:///cr?host=%s&user=%s", pghost, who);
    return info;
}

/* The same change on both engines, by who (on PostgreSQL connected as who). */
static void
both(const char *who, int64_t id, struct cr_change ch)
{
    char msg[1024];
    clock_now += 60;
    struct cr_case_state cs = case_now(id);
    if (apply_on(sq_path, who, cs, &ch, msg, sizeof msg) != CR_OK)
        fail_msg("SQLite: %s on case %lld by %s: %s", cr_action_name(ch.action), (long long)id, who,
                 msg);
    if (apply_on(as(who), who, cs, &ch, msg, sizeof msg) != CR_OK)
        fail_msg("PostgreSQL: %s on case %lld by %s: %s", cr_action_name(ch.action), (long long)id,
                 who, msg);
    same_rows();
}

/* On PostgreSQL as who: refused with want, nothing written. */
static void
refused_as(const char *who, int64_t id, int64_t version, struct cr_change ch,
           enum cr_status want_st, const char *want)
{
    char msg[1024];
    char *before = pq_rows("SELECT (SELECT sum(version) FROM cases), (SELECT count(*) FROM "
                           "decisions), (SELECT count(*) FROM approvals), (SELECT count(*) FROM "
                           "votes), (SELECT count(*) FROM notes)");
    struct cr_case_state cs = case_now(id);
    if (version)
        cs.version = version;
    enum cr_status st = apply_on(as(who), who, cs, &ch, msg, sizeof msg);
    if (st != want_st)
        fail_msg("%s on case %lld by %s: status %d, %s; wanted status %d: %s",
                 cr_action_name(ch.action), (long long)id, who, st, msg, want_st, want);
    assert_string_equal(msg, want);
    char *after = pq_rows("SELECT (SELECT sum(version) FROM cases), (SELECT count(*) FROM "
                          "decisions), (SELECT count(*) FROM approvals), (SELECT count(*) FROM "
                          "votes), (SELECT count(*) FROM notes)");
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* The change is refused with want, and nothing is written. */
static void
refused(const char *who, int64_t id, int64_t version, struct cr_change ch, const char *want)
{
    refused_as(who, id, version, ch, CR_REFUSED, want);
}

/* A case kept from who (need-to-know) is refused as one that does not exist: "no case N". */
static void
kept_from(const char *who, int64_t id, struct cr_change ch)
{
    char want[64];
    snprintf(want, sizeof want, "no case %lld", (long long)id);
    refused_as(who, id, 0, ch, CR_NOT_FOUND, want);
}

/* A change of an action, as plan() begins one, with settle's and clock_on_change's parts. */
static struct cr_change
change(int action, int to)
{
    return (struct cr_change){.action = action,
                              .state = to,
                              .quorum_blocked = -1,
                              .panel_round = -1,
                              .bump_version = true,
                              .set_clock = to >= 0,
                              .clock_shift = 0};
}

static struct cr_change
claim(const char *who)
{
    struct cr_change ch = change(CR_ACTION_CLAIM, CR_STATE_IN_REVIEW);
    ch.set_assignee = true;
    ch.assignee = who;
    return ch;
}

static struct cr_change
decide(int outcome, int vetting, const char *why)
{
    struct cr_change ch = change(CR_ACTION_DECIDE, CR_STATE_AWAITING_APPROVAL);
    ch.decide = true;
    ch.outcome = outcome;
    ch.vetting_review = vetting;
    ch.rationale = why;
    ch.quorum_blocked = 0;
    return ch;
}

static struct cr_change
approve(int panel_round)
{
    struct cr_change ch = change(CR_ACTION_APPROVE, CR_STATE_PANEL_REVIEW);
    ch.approve = true;
    ch.quorum_blocked = 0;
    ch.panel_round = panel_round;
    return ch;
}

static struct cr_change
vote(int v, int kind, const char *reason)
{
    struct cr_change ch = change(CR_ACTION_VOTE, -1);
    ch.vote = true;
    ch.vote_value = v;
    ch.member_kind = kind;
    ch.reason = reason;
    ch.quorum_blocked = 0;
    return ch;
}

static void
test_same_rows(void **state)
{
    (void)state;
    assert_true(same_rows() >= 2); /* the two cases, as loaded */

    /* Case 1: claimed, a note, decided, returned, decided again, approved, to the panel. */
    both("rev1", 1, claim("rev1"));
    struct cr_change note = change(CR_ACTION_NOTE, -1);
    note.bump_version = false;
    note.note_body = "Spoke to the PSD: \"no trace\"; Łódź café.";
    both("rev1", 1, note);
    both("rev1", 1, decide(CR_OUTCOME_REFER, 1, "Information considered: the reports."));
    struct cr_change ret = change(CR_ACTION_RETURN, CR_STATE_RETURNED);
    ret.note_kind = "return";
    ret.note_body = "Say which reports.";
    both("sup1", 1, ret);
    both("rev1", 1, decide(CR_OUTCOME_NFA, 0, "The reports of 2019 and 2020, read whole."));
    both("sup1", 1, approve(2));
    both("pan1", 1, vote(CR_VOTE_CONCUR, CR_KIND_INDEPENDENT, NULL));
    /* A dissent returns it, with the panel's note. */
    struct cr_change dis = vote(CR_VOTE_DISSENT, CR_KIND_LEGAL, "Not enough.");
    dis.state = CR_STATE_RETURNED;
    dis.set_clock = true;
    dis.note_kind = "dissent";
    dis.note_author = "panel";
    dis.note_body = "The panel returned decision 2:\n- pan2 (legal): Not enough.";
    both("pan2", 1, dis);

    /* Case 2: assigned by a supervisor, paused, decided, approved, a vote set aside. */
    struct cr_change asg = change(CR_ACTION_ASSIGN, CR_STATE_IN_REVIEW);
    asg.set_assignee = true;
    asg.assignee = "rev2";
    both("sup1", 2, asg);
    struct cr_change pause = change(-1, -1);
    pause.set_clock = true;
    pause.clock_shift = 86400;
    pause.pause = true;
    pause.paused_until = clock_now + 60 + 86400; /* a day from when it is applied (both) */
    pause.pause_reason = "Awaiting the force's records.";
    both("sup1", 2, pause);
    struct cr_change d2 = decide(CR_OUTCOME_REASSESS, 0, "Reassess: the risk is current.");
    d2.clock_shift = pause.paused_until - (clock_now + 60); /* what is left of the pause */
    both("rev2", 2, d2);
    struct cr_change a2 = approve(1);
    a2.clock_shift = pause.paused_until - (clock_now + 60); /* still paused */
    both("sup2", 2, a2);
    /* With pan1 recused only pan2 may vote: two concurrences cannot be had. */
    struct cr_change recuse = vote(CR_VOTE_RECUSE, CR_KIND_INDEPENDENT, "I know the officer.");
    recuse.quorum_blocked = 1;
    both("pan1", 2, recuse);
    cr_db *db;
    char msg[1024];
    /* The quorum flag, set by the service role (a pin or an adoption recomputes it). */
    for (int e = 0; e < 2; e++) {
        assert_int_equal(cr_db_open(e ? url : sq_path, 0, test_clock, NULL, &db), CR_OK);
        assert_int_equal(st_begin(db), CR_OK);
        assert_int_equal(st_store(db)->set_quorum_blocked(db, 2, 1), CR_OK);
        assert_int_equal(st_commit(db), CR_OK);
        cr_db_close(db);
    }
    same_rows();
    struct cr_change rec = change(CR_ACTION_RECONVENE, CR_STATE_PANEL_REVIEW);
    rec.set_clock = false; /* the state stays */
    rec.supersede_votes = true;
    rec.quorum_blocked = 0;
    rec.note_kind = "system";
    rec.note_body = "The panel sits again on decision 1: a new member.\nThe 1 vote cast before "
                    "(recusals included) no longer count; every member may vote.";
    both("adm1", 2, rec);
    /* A person may not set the quorum flag. */
    assert_int_equal(cr_db_open(as("rev1"), 0, test_clock, NULL, &db), CR_OK);
    assert_int_equal(st_begin(db), CR_OK);
    assert_int_equal(st_store(db)->set_quorum_blocked(db, 2, 1), CR_REFUSED);
    snprintf(msg, sizeof msg, "%s", cr_db_errmsg(db));
    st_rollback(db);
    cr_db_close(db);
    assert_string_equal(msg, "you (rev1) may not set the quorum flag of case 2: it is recomputed "
                             "when an admin adopts a configuration");
    assert_true(same_rows() >= 2 + 2 + 3 + 1 + 1 + 4);
}

static void
test_refusals(void **state)
{
    (void)state;
    /* Case 1 is returned (decision 2); rev1 holds it. */
    refused("rev2", 1, 0, decide(CR_OUTCOME_NFA, 0, "Mine now."),
            "decide is for the case's assigned reviewer (rev1)");
    refused("adm1", 1, 0, decide(CR_OUTCOME_NFA, 0, "Mine now."),
            "decide needs the reviewer role; you (adm1) are admin");
    refused("rev1", 1, 0, approve(2), "approve needs the supervisor role; you (rev1) are reviewer");
    refused("sup1", 1, 0, approve(2),
            "approve needs a case that is awaiting_approval; case 1 is returned");
    /* A vetting review goes only with refer, as core says. */
    refused("rev1", 1, 0, decide(CR_OUTCOME_NFA, 1, "With a vetting review."),
            "decide needs an outcome and a rationale; a vetting review goes only with the "
            "outcome refer");
    /* sup2 (reviewer and supervisor) approved case 2: barred from deciding it. */
    struct cr_change c2 = claim("sup2");
    refused("sup2", 2, 0, c2, "claim needs a case that is flagged; case 2 is panel_review");
    /* sup1 (a reviewer too) returned decision 1 of case 1 (a return note, no row of its own). */
    struct cr_change to_sup1 = change(CR_ACTION_ASSIGN, CR_STATE_IN_REVIEW);
    to_sup1.set_assignee = true;
    to_sup1.assignee = "sup1";
    refused("sup2", 1, 0, to_sup1,
            "sup1 returned decision 1 of case 1, so they cannot review it (separation of duties, "
            "across rounds)");
    refused("sup2", 2, 0, vote(CR_VOTE_CONCUR, CR_KIND_INDEPENDENT, NULL),
            "vote needs the panel role; you (sup2) are reviewer or supervisor");
    /*
     * Need-to-know: a panel member alone acts only on cases that went before the panel, and
     * nobody on a case of a subject they declared a conflict with; the server refuses such a
     * case as one that does not exist (core refuses it first, by its rule).
     */
    struct cr_change pnote = change(CR_ACTION_NOTE, -1);
    pnote.bump_version = false;
    pnote.note_body = "A look.";
    kept_from("pan1", 3, pnote);
    /* A declared conflict: rev2 with subject S3 (case 3), whether they claim or are assigned. */
    kept_from("rev2", 3, claim("rev2"));
    struct cr_change to_rev2 = change(CR_ACTION_ASSIGN, CR_STATE_IN_REVIEW);
    to_rev2.set_assignee = true;
    to_rev2.assignee = "rev2";
    refused("sup1", 3, 0, to_rev2,
            "rev2 has a declared conflict of interest with the subject of case 3, so they cannot "
            "review this case");
    both("rev1", 3, claim("rev1"));
    /* Reconvene is only for a case that cannot reach quorum (case 2's flag is 0 again). */
    struct cr_change rec = change(CR_ACTION_RECONVENE, CR_STATE_PANEL_REVIEW);
    rec.set_clock = false;
    rec.supersede_votes = true;
    rec.quorum_blocked = 0;
    rec.note_kind = "system";
    rec.note_body = "Again.";
    refused("adm1", 2, 0, rec,
            "reconvene is only for a case that cannot reach quorum; the panel can still reach it "
            "on case 2, so it goes on voting");
    /* An admin publishes the rules again as they are, never others. */
    struct cr_rule_row rows[CR_ACTION_COUNT];
    cr_workflow_rule_rows(rows);
    cr_db *adb;
    assert_int_equal(cr_db_open(as("adm1"), 0, test_clock, NULL, &adb), CR_OK);
    assert_int_equal(st_begin(adb), CR_OK);
    assert_int_equal(st_store(adb)->rules_put(adb, rows, CR_ACTION_COUNT), CR_OK);
    assert_int_equal(st_commit(adb), CR_OK);
    rows[CR_ACTION_APPROVE].roles |= 1u << CR_ROLE_ADMIN;
    assert_int_equal(st_begin(adb), CR_OK);
    assert_int_equal(st_store(adb)->rules_put(adb, rows, CR_ACTION_COUNT), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(adb),
                        "you (adm1) may publish the workflow's rules only as they are; these "
                        "differ, and new rules come with a new casereview, which the service "
                        "role publishes");
    st_rollback(adb);
    cr_db_close(adb);
    /* Nor a reviewer, even the same rules. */
    assert_int_equal(cr_db_open(as("rev1"), 0, test_clock, NULL, &adb), CR_OK);
    assert_int_equal(st_begin(adb), CR_OK);
    cr_workflow_rule_rows(rows);
    assert_int_equal(st_store(adb)->rules_put(adb, rows, CR_ACTION_COUNT), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(adb),
                        "you (rev1) may not publish the workflow's rules: that is for an admin");
    st_rollback(adb);
    cr_db_close(adb);
    /* A note that is really a decision. */
    struct cr_change sneak = change(CR_ACTION_NOTE, -1);
    sneak.bump_version = false;
    sneak.note_body = "x";
    sneak.decide = true;
    sneak.outcome = CR_OUTCOME_NFA;
    sneak.rationale = "x";
    refused("rev1", 1, 0, sneak, "that change is not what note does to case 1");
    /* In another's name. */
    char msg[1024];
    cr_db *db;
    assert_int_equal(cr_db_open(as("rev2"), 0, test_clock, NULL, &db), CR_OK);
    struct cr_case_state cs = case_now(1);
    struct cr_change n = change(CR_ACTION_NOTE, -1);
    n.bump_version = false;
    n.note_body = "As rev1.";
    assert_int_equal(st_begin(db), CR_OK);
    assert_int_equal(st_store(db)->apply(db, &cs, &n, "rev1"), CR_REFUSED);
    snprintf(msg, sizeof msg, "%s", cr_db_errmsg(db));
    st_rollback(db);
    cr_db_close(db);
    assert_string_equal(msg, "you connect as rev2 and may not act as rev1");
    /* A stale version: core's words (workflow.c, version_seen), from the server. */
    struct cr_case_state now = case_now(1);
    char want[512], when[21];
    char *row = sq_rows("SELECT updated_at FROM cases WHERE id = 1");
    cr_time_format(strtoll(row, NULL, 10), when);
    free(row);
    snprintf(want, sizeof want,
             "case 1 was changed by pan2 at %s (it is now version %lld; you saw version %lld); "
             "look at it again before you act",
             when, (long long)now.version, (long long)now.version - 1);
    refused("rev1", 1, now.version - 1, n, want);
    same_rows();
}

/*
 * The program's own actions (core's cr_act: plan, settle, clock_on_change)
 * on both engines, under one configuration pinned on each (on PostgreSQL
 * by pg_config_put, which publishes the roster's kinds and each outcome's
 * sign-off): the server works out an approval's and a vote's result as
 * core does, so each action is accepted and gives the same state and the
 * same rows as on SQLite.  A database of its own (cr2), and a SQLite file
 * of its own.
 */
static const char program_config[] =
    "theme: default\n"
    "conflicts:\n"
    "  same_unit: true\n"
    "users:\n"
    "  - { login: rev1, roles: [reviewer], unit: \"Central West BCU\" }\n"
    "  - { login: rev2, roles: [reviewer] }\n"
    "  - { login: sup1, roles: [supervisor, reviewer] }\n"
    "  - { login: sup2, roles: [supervisor] }\n"
    "  - { login: adm1, roles: [admin] }\n"
    "panel:\n"
    "  members:\n"
    "    - { login: pan1, kind: independent }\n"
    "    - { login: pan2, kind: legal }\n"
    "  sign_off:\n"
    "    concur: 2\n"
    "    dissent: 1\n"
    "    require_kinds: { independent: 1 }\n"
    "  outcomes:\n"
    "    reassess: { panel: false }\n";

static struct cr_config *program_cfg;
static char program_sq[160];

static cr_db *
program_open(const char *path, const char *who)
{
    cr_db *db;
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        fail_msg("open %s: %s", path, cr_db_errmsg(db));
    const struct cr_person *p = cr_config_person(program_cfg, who);
    assert_non_null(p);
    cr_db_set_user(db, program_cfg, p);
    return db;
}

static const char *
program_pg(const char *who)
{
    static char info[512];
    snprintf(info, sizeof info, "postgresql:///cr2?host=%s&user=%s", pghost, who);
    return info;
}

/* One action by who on case id through core on both engines: the same result and rows. */
static void
program_act(const char *who, int64_t id, struct cr_request req, int want_state)
{
    clock_now += 60;
    int after[2];
    for (int e = 0; e < 2; e++) {
        cr_db *db = program_open(e ? program_pg(who) : program_sq, who);
        struct cr_act_result res;
        if (cr_act_id(db, id, &req, &res) != CR_OK)
            fail_msg("%s: %s on case %lld by %s: %s", e ? "PostgreSQL" : "SQLite",
                     cr_action_name(req.action), (long long)id, who, cr_db_errmsg(db));
        after[e] = res.state_after;
        cr_db_close(db);
    }
    if (after[0] != want_state || after[1] != want_state)
        fail_msg("%s on case %lld by %s: SQLite %s, PostgreSQL %s; wanted %s",
                 cr_action_name(req.action), (long long)id, who, cr_state_name(after[0]),
                 cr_state_name(after[1]), cr_state_name(want_state));
    same_rows();
}

static void
test_program_agrees(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/program.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(program_config, f);
    fclose(f);
    cr_diags *d = NULL;
    if (cr_config_load(path, &program_cfg, &d) != CR_OK)
        fail_msg("%s does not load", path);
    cr_diags_free(d);
    /* PostgreSQL: a database of its own, made and pinned by the service role. */
    PGconn *admin = pq_connect("postgres");
    pq_run(admin, "CREATE DATABASE cr2 OWNER casereview");
    PQfinish(admin);
    char url2[512];
    snprintf(url2, sizeof url2, "postgresql:///cr2?host=%s&user=casereview", pghost);
    snprintf(program_sq, sizeof program_sq, "%s/program.db", dir);
    for (int e = 0; e < 2; e++) {
        cr_db *db = program_open(e ? url2 : program_sq, "adm1");
        if (e) {
            PGconn *s2 = PQconnectdb(url2);
            assert_int_equal(PQstatus(s2), CONNECTION_OK);
            pq_run(s2, "SET search_path = casereview");
            pq_run(s2, "INSERT INTO settings(key, value) VALUES ('test_clock', 'on')");
            pq_run(s2, fixture);
            PQfinish(s2);
        }
        if (cr_config_pin(db) != CR_OK)
            fail_msg("pin: %s", cr_db_errmsg(db));
        cr_db_close(db);
    }
    {
        sqlite3 *s;
        assert_int_equal(sqlite3_open(program_sq, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s, fixture, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(s);
    }
    /* Compare cr2 with program.db from here on. */
    PGconn *saved = service;
    char saved_path[160];
    snprintf(saved_path, sizeof saved_path, "%s", sq_path);
    service = PQconnectdb(url2);
    assert_int_equal(PQstatus(service), CONNECTION_OK);
    pq_run(service, "SET search_path = casereview");
    snprintf(sq_path, sizeof sq_path, "%s", program_sq);
    same_rows();

    const struct cr_request claim_req = {.action = CR_ACTION_CLAIM};
    const struct cr_request approve_req = {.action = CR_ACTION_APPROVE};
    /* Case 1 (nfa): to the panel, a legal member's concurrence keeps it there (no
     * independent member's yet), the independent member's closes it. */
    program_act("rev2", 1, claim_req, CR_STATE_IN_REVIEW);
    program_act("rev2", 1,
                (struct cr_request){.action = CR_ACTION_DECIDE,
                                    .outcome = CR_OUTCOME_NFA,
                                    .rationale = "The reports, read whole."},
                CR_STATE_AWAITING_APPROVAL);
    program_act("sup2", 1, approve_req, CR_STATE_PANEL_REVIEW);
    program_act("pan2", 1, (struct cr_request){.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR},
                CR_STATE_PANEL_REVIEW);
    program_act("pan1", 1, (struct cr_request){.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR},
                CR_STATE_CLOSED);
    /* Case 2 (refer): a dissent returns it, with the panel's note. */
    program_act("rev1", 2, claim_req, CR_STATE_IN_REVIEW);
    program_act("rev1", 2,
                (struct cr_request){.action = CR_ACTION_DECIDE,
                                    .outcome = CR_OUTCOME_REFER,
                                    .vetting_review = 1,
                                    .rationale = "Refer: the risk is current."},
                CR_STATE_AWAITING_APPROVAL);
    program_act("sup1", 2, approve_req, CR_STATE_PANEL_REVIEW);
    program_act("pan1", 2, (struct cr_request){.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR},
                CR_STATE_PANEL_REVIEW);
    program_act("pan2", 2,
                (struct cr_request){
                    .action = CR_ACTION_VOTE, .vote = CR_VOTE_DISSENT, .reason = "Not enough."},
                CR_STATE_RETURNED);
    /* Case 3 (reassess): no panel, the approval closes it; a recusal blocks nothing here. */
    program_act("rev2", 3, claim_req, CR_STATE_IN_REVIEW);
    program_act("rev2", 3,
                (struct cr_request){.action = CR_ACTION_DECIDE,
                                    .outcome = CR_OUTCOME_REASSESS,
                                    .rationale = "Reassess in a year."},
                CR_STATE_AWAITING_APPROVAL);
    program_act("sup2", 3, approve_req, CR_STATE_CLOSED);
    char *notes = pq_rows("SELECT author || ': ' || body FROM notes WHERE kind = 'dissent'");
    assert_string_equal(notes, "panel: The panel returned decision 1:\n- pan2 (legal): Not "
                               "enough.\n");
    free(notes);

    PQfinish(service);
    service = saved;
    snprintf(sq_path, sizeof sq_path, "%s", saved_path);
    cr_config_free(program_cfg);
}

/*
 * With --install (tests/pg/boundary.sh): only make the schema of the
 * database CASEREVIEW_TEST_PG_URL names, as its owner, and publish the
 * workflow's rules, as a pin does; then exit.
 */
static int
install(void)
{
    const char *u = getenv("CASEREVIEW_TEST_PG_URL");
    cr_db *db;
    pg_allow_incomplete = true;
    if (!u || cr_db_open(u, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK) {
        fprintf(stderr, "install: %s\n", u ? cr_db_errmsg(db) : "CASEREVIEW_TEST_PG_URL unset");
        return 1;
    }
    enum cr_status st = st_begin(db);
    if (st == CR_OK && (st = st_rules_put(db)) == CR_OK)
        st = st_commit(db);
    if (st != CR_OK)
        fprintf(stderr, "install: %s\n", cr_db_errmsg(db));
    cr_db_close(db);
    return st == CR_OK ? 0 : 1;
}

/*
 * The server's BLAKE2b (sql/010-base.sql, cr_blake2b) gives what libsodium
 * gives core (crypto_generichash: core/qa.c's draw), on no bytes, part of
 * a block, a block, more than one, and a draw's message ("seed\ncase\nround").
 */
static void
test_blake2b(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    unsigned char msg[300];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 7);
    const size_t lens[] = {0, 3, 127, 128, 129, 256, 300};
    for (size_t k = 0; k < sizeof lens / sizeof *lens + 1; k++) {
        const unsigned char *m = msg;
        size_t n = k < sizeof lens / sizeof *lens ? lens[k] : 0;
        if (k == sizeof lens / sizeof *lens) {
            m = (const unsigned char *)"2026\n7\n1";
            n = strlen((const char *)m);
        }
        unsigned char h[32];
        crypto_generichash(h, sizeof h, m, n, NULL, 0);
        char want[80] = "", hex[2 * sizeof msg + 1] = "";
        for (size_t i = 0; i < sizeof h; i++)
            snprintf(want + 2 * i, 3, "%02x", h[i]);
        strcat(want, "\n");
        for (size_t i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", m[i]);
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "SELECT encode(casereview.cr_blake2b(decode('%s', 'hex'), 32), 'hex')", hex);
        char *got = pq_rows(sql);
        if (strcmp(got, want) != 0)
            fail_msg("BLAKE2b of %zu bytes: the server gives %s, libsodium %s", n, got, want);
        free(got);
    }
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--install") == 0)
        return install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_rows),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_program_agrees),
        cmocka_unit_test(test_blake2b),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
