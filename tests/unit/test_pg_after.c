/*
 * The PostgreSQL engine's figures and after-the-decision methods
 * (core/pg/report.c, after.c; sql/060-report.sql, 070-after.sql) against
 * the SQLite engine's on the same rows.  A SQLite file is built through
 * core's API (imports, claims, decisions, approvals, panel votes, links,
 * follow-ups, quality reviews); its tables' rows are copied into the
 * PostgreSQL database of $CASEREVIEW_TEST_PG_URL as the service role.
 * Then every method's results are written out field by field from both
 * engines and compared: the figures (case_facts now and as at, followed),
 * the timeline of every case, follow-ups, qa rows, approved decisions,
 * allegations by reference; the same writes on both (links, follow-ups,
 * a correction, a quality selection and verdict), as person roles on
 * PostgreSQL, compared again, with the search document following; and the
 * server's refusals of person roles (off the roster, another's name, roles
 * core does not allow, the decider or approver as QA reviewer, panel
 * need-to-know, a declared conflict, any table directly), nothing written.  Run by
 * tests/pg/with-cluster.sh; skipped (77) without CASEREVIEW_TEST_PG_URL.
 */
#include "../../core/pg/pg.h"
#include "internal.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1767225600 /* 2026-01-01T00:00:00Z */
#define DAY 86400

static int64_t now = T0;

static int64_t
test_clock(void *ctx)
{
    (void)ctx;
    return now;
}

static struct cr_config *cfg;
static cr_db *sq;   /* the SQLite file */
static cr_db *pgs;  /* the PostgreSQL database, as the service role */
static PGconn *svc; /* the same, through libpq: the copy and the checks */
static const char *url;
static char dir[64];
static char host[256]; /* PGHOST */

static const char yaml[] = "users:\n"
                           "  - { login: asmith, roles: [reviewer] }\n"
                           "  - { login: rbrown, roles: [reviewer] }\n"
                           "  - { login: qkim, roles: [reviewer] }\n"
                           "  - { login: bjones, roles: [supervisor] }\n"
                           "  - { login: cadmin, roles: [admin] }\n"
                           "panel:\n"
                           "  members:\n"
                           "    - { login: mkhan, kind: independent }\n"
                           "  sign_off: { concur: 1, dissent: 1 }\n"
                           "  outcomes:\n"
                           "    nfa: { panel: false }\n"
                           "    reassess: { panel: false }\n"
                           "    refer: { panel: true }\n"
                           "qa:\n"
                           "  sample_percent: 30\n"
                           "  seed: 2026\n";

/* The roster as the pinned configuration writes it (1 << enum cr_role). */
static const struct {
    const char *login;
    int roles;
} people[] = {{"asmith", 1}, {"rbrown", 1}, {"qkim", 1},
              {"bjones", 2}, {"cadmin", 4}, {"mkhan", 8}};

static void
as(const char *login)
{
    const struct cr_person *p = cr_config_person(cfg, login);
    if (!p)
        fail_msg("no %s on the roster", login);
    cr_db_set_user(sq, cfg, p);
}

static void
act(const char *login, int64_t id, struct cr_request req)
{
    as(login);
    now += 60;
    struct cr_act_result res;
    if (cr_act_id(sq, id, &req, &res) != CR_OK)
        fail_msg("setup: %s %s %lld: %s", login, cr_action_name(req.action), (long long)id,
                 cr_db_errmsg(sq));
}

static void
import(const char *csv, const char *label)
{
    as("cadmin");
    FILE *in = fmemopen((void *)csv, strlen(csv), "rb");
    struct cr_import_result r;
    cr_diags *d = NULL;
    if (cr_import_csv(sq, in, label, 0, &r, &d) != CR_OK)
        fail_msg("setup: import %s: %s", label, cr_db_errmsg(sq));
    cr_diags_free(d);
    fclose(in);
}

#define HEADER                                                                                \
    "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category," \
    "allegation_date,source,original_outcome,summary,linked_refs\n"

static const struct cr_request claim = {.action = CR_ACTION_CLAIM};
static const struct cr_request nfa = {
    .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = "No case to answer."};
static const struct cr_request reassess = {
    .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Reassess."};
static const struct cr_request refer = {.action = CR_ACTION_DECIDE,
                                        .outcome = CR_OUTCOME_REFER,
                                        .vetting_review = true,
                                        .rationale = "Refer."};
static const struct cr_request approve = {.action = CR_ACTION_APPROVE};
static const struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
static const struct cr_request dissent = {
    .action = CR_ACTION_VOTE, .vote = CR_VOTE_DISSENT, .reason = "Not enough."};

/*
 * The SQLite file.  Cases 1-12 (subjects P1-P12) imported on day 0; case 1
 * nfa closed (asmith); case 2 refer with the panel, concurred: closed; case
 * 3 refer, dissented: returned; cases 4-7 nfa and reassess by rbrown and
 * asmith, approved; case 8 awaiting approval; case 9 in review; 10-12
 * flagged.  On day 20 a second import: P1 again (case 13, after case 1),
 * a new allegation on case 10.  Links, follow-ups and quality reviews
 * through core.
 */
static void
build_sqlite(void)
{
    char path[160];
    snprintf(path, sizeof path, "%s/qa.yaml", dir);
    FILE *y = fopen(path, "w");
    assert_non_null(y);
    assert_true(fputs(yaml, y) >= 0 && fclose(y) == 0);
    cr_diags *d = NULL;
    assert_int_equal(cr_config_load(path, &cfg, &d), CR_OK);
    cr_diags_free(d);
    snprintf(path, sizeof path, "%s/a.db", dir);
    assert_int_equal(cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &sq), CR_OK);
    import(HEADER
           "P1,Ash,Tom,officer,PC,North,full,A1,domestic_violence,2019-01-01,complaint,NFA,one,\n"
           "P1,Ash,Tom,officer,PC,North,full,A1b,sexual_offence,2018-05-01,hotline,NFA,one b,\n"
           "P2,Birch,Ann,staff,DS,South,full,A2,sexual_offence,2019-01-02,pnd,NFA,two,"
           "crime:CR/2/24=open;iopc:IOPC-7\n"
           "P3,Cole,Ben,special,PC,West,full,A3,domestic_violence,2019-01-03,colleague,NFA,three,\n"
           "P4,Dale,Cy,officer,Inspector,North,full,A4,domestic_violence,2019-01-04,complaint,NFA,"
           "four,\n"
           "P5,Eve,Di,officer,PC,South,full,A5,sexual_offence,2019-01-05,complaint,NFA,five,\n"
           "P6,Fox,Ed,staff,PC,West,full,A6,domestic_violence,2019-01-06,other,NFA,six,\n"
           "P7,Gale,Fi,officer,DS,North,full,A7,sexual_offence,2019-01-07,complaint,NFA,seven,\n"
           "P8,Hale,Gus,officer,PC,South,full,A8,domestic_violence,2019-01-08,complaint,NFA,eight,"
           "misconduct:MIS-8=closed\n"
           "P9,Ince,Hal,officer,PC,West,full,A9,domestic_violence,2019-01-09,complaint,NFA,nine,\n"
           "P10,Jay,Ida,officer,PC,North,full,A10,domestic_violence,2019-01-10,complaint,NFA,ten,\n"
           "P11,Kay,Jo,officer,PC,South,full,A11,sexual_offence,2019-01-11,complaint,NFA,eleven,\n"
           "P12,Lee,Kim,officer,PC,West,full,A12,domestic_violence,2019-01-12,complaint,NFA,"
           "twelve,\n",
           "one.csv");
    act("asmith", 1, claim);
    act("asmith", 1, nfa);
    act("bjones", 1, approve);
    act("asmith", 2, claim);
    act("asmith", 2, refer);
    act("bjones", 2, approve);
    act("mkhan", 2, concur);
    act("rbrown", 3, claim);
    act("rbrown", 3, refer);
    act("bjones", 3, approve);
    now += 3 * DAY;
    act("mkhan", 3, dissent);
    for (int64_t id = 4; id <= 7; id++) {
        const char *who = id % 2 ? "asmith" : "rbrown";
        act(who, id, claim);
        act(who, id, id <= 5 ? nfa : reassess);
        act("bjones", id, approve);
        now += DAY;
    }
    act("rbrown", 8, claim);
    act("rbrown", 8, reassess);
    act("asmith", 9, claim);
    now = T0 + 20 * DAY;
    import(HEADER
           "P1,Ash,Tom,officer,PC,North,full,A13,sexual_offence,2020-02-01,complaint,NFA,"
           "thirteen,\n"
           "P10,Jay,Ida,officer,PC,North,full,A10b,sexual_offence,2020-02-02,hotline,NFA,ten b,\n",
           "two.csv");
    now += 60;
    as("bjones");
    struct cr_act_result res;
    assert_int_equal(cr_case_link_id(sq, 1, CR_LINK_CRIME, "CR/1/26", "charged", "Seen.", 0, &res),
                     CR_OK);
    now += 60;
    assert_int_equal(cr_case_unlink_id(sq, 2, "IOPC-7", "Closed.", 0, &res), CR_OK);
    now += 60;
    const struct cr_followup_request fu = {CR_FOLLOWUP_RISK_MANAGEMENT, "started", "2026-01-05",
                                           "Restricted duties."};
    assert_int_equal(cr_followup_add_id(sq, 1, &fu, &res), CR_OK);
    now += 60;
    as("cadmin");
    const struct cr_followup_request fu2 = {CR_FOLLOWUP_VETTING, "pending", "2026-01-06", NULL};
    assert_int_equal(cr_followup_add_id(sq, 2, &fu2, &res), CR_OK);
    now += 60;
    as("qkim");
    assert_int_equal(cr_qa_record_id(sq, 4, true, "Sound.", &res), CR_OK);
}

/* Copying */

static PGresult *
svc_q(const char *sql, int n, const char *const *v)
{
    PGresult *r = PQexecParams(svc, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(svc));
    return r;
}

static void
svc_exec(const char *sql)
{
    PGresult *r = PQexec(svc, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(svc));
    PQclear(r);
}

/* Copy a table's rows from the SQLite file: PostgreSQL's stored columns, bytea as hex. */
static void
copy_table(sqlite3 *lite, const char *table)
{
    const char *p[] = {table};
    PGresult *cols = svc_q("SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'casereview' AND table_name = $1 "
                           "AND is_generated = 'NEVER' ORDER BY ordinal_position",
                           1, p);
    int nc = PQntuples(cols);
    assert_true(nc > 0);
    struct cr_buf sel = {0}, ins = {0};
    cr_buf_addf(&sel, "SELECT ");
    cr_buf_addf(&ins, "INSERT INTO casereview.%s (", table);
    for (int i = 0; i < nc; i++) {
        cr_buf_addf(&sel, "%s%s", i ? ", " : "", PQgetvalue(cols, i, 0));
        cr_buf_addf(&ins, "%s%s", i ? ", " : "", PQgetvalue(cols, i, 0));
    }
    cr_buf_addf(&sel, " FROM %s", table);
    cr_buf_addf(&ins, ") OVERRIDING SYSTEM VALUE VALUES (");
    for (int i = 0; i < nc; i++)
        cr_buf_addf(&ins, "%s$%d", i ? ", " : "", i + 1);
    cr_buf_addf(&ins, ")");
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(lite, sel.p, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sel.p, sqlite3_errmsg(lite));
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct pg_args a;
        pg_args_init(&a);
        for (int i = 0; i < nc; i++) {
            if (sqlite3_column_type(s, i) == SQLITE_NULL)
                pg_arg_text(&a, NULL);
            else if (strcmp(PQgetvalue(cols, i, 1), "bytea") == 0)
                pg_arg_bytes(&a, sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i));
            else
                pg_arg_text(&a, strdup((const char *)sqlite3_column_text(s, i)));
        }
        PGresult *r = PQexecParams(svc, ins.p, a.n, NULL, a.v, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fail_msg("%s: %s", ins.p, PQerrorMessage(svc));
        PQclear(r);
        for (int i = 0; i < nc; i++)
            if (!a.own[i] && a.v[i])
                free((char *)a.v[i]);
        pg_args_free(&a);
    }
    sqlite3_finalize(s);
    cr_buf_free(&sel);
    cr_buf_free(&ins);
    PQclear(cols);
}

static void
copy_all(void)
{
    char path[160];
    snprintf(path, sizeof path, "%s/a.db", dir);
    sqlite3 *lite;
    assert_int_equal(sqlite3_open_v2(path, &lite, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    static const char *const tables[] = {
        "imports",      "subjects",
        "cases",        "allegations",
        "notes",        "votes",
        "audit_events", "decisions",
        "approvals",    "superseded_votes",
        "case_links",   "follow_ups",
        "qa",           "case_counts",
        "counters",     "outcome_counts",
        "panel_rounds", "reviewer_outcomes",
    };
    svc_exec("BEGIN");
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        if (strcmp(tables[i], "case_counts") == 0)
            /* The counters as SQLite kept them (rows of 0 too), not as the copy counted them. */
            svc_exec("DELETE FROM casereview.case_counts; DELETE FROM casereview.counters; "
                     "DELETE FROM casereview.outcome_counts; DELETE FROM casereview.panel_rounds; "
                     "DELETE FROM casereview.reviewer_outcomes");
        copy_table(lite, tables[i]);
    }
    static const char *const ids[] = {"imports",   "subjects",   "cases",        "allegations",
                                      "notes",     "votes",      "audit_events", "decisions",
                                      "approvals", "case_links", "follow_ups"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('casereview.%s', 'id'), "
                 "(SELECT max(id) FROM casereview.%s))",
                 ids[i], ids[i]);
        svc_exec(sql);
    }
    svc_exec("INSERT INTO casereview.case_search SELECT id, "
             "casereview.search_vector(subject || ' ' || allegations) FROM "
             "casereview.case_documents");
    for (size_t i = 0; i < sizeof people / sizeof *people; i++) {
        char roles[8];
        snprintf(roles, sizeof roles, "%d", people[i].roles);
        const char *v[] = {people[i].login, roles};
        PQclear(
            svc_q("INSERT INTO casereview.people (login, roles) VALUES ($1, $2::integer)", 2, v));
    }
    svc_exec("INSERT INTO casereview.settings (key, value) VALUES ('test_clock', 'on')");
    /* The chain's head past the copied events, so that new ones follow them. */
    svc_exec("UPDATE casereview.settings SET value = e.id || ':' || encode(e.hash, 'hex') "
             "FROM (SELECT id, hash FROM casereview.audit_events ORDER BY id DESC LIMIT 1) e "
             "WHERE key = 'audit_head'");
    /* The configuration the events name, as pinning keeps it. */
    const char *dv[] = {cfg->digest};
    PQclear(svc_q("INSERT INTO casereview.config_versions (digest, text, adopted_at, adopted_by, "
                  "in_force) VALUES ($1, '\\x00', 0, 'system', 1) ON CONFLICT DO NOTHING",
                  1, dv));
    svc_exec("COMMIT");
    sqlite3_close(lite);
}

/* The people's roles on the cluster (as its superuser), with CONNECT on cr. */
static void
make_roles(void)
{
    char conn[400];
    snprintf(conn, sizeof conn, "postgresql:///cr?host=%s&user=postgres", host);
    PGconn *su = PQconnectdb(conn);
    assert_int_equal(PQstatus(su), CONNECTION_OK);
    const char *logins[] = {"asmith", "rbrown", "qkim", "bjones", "cadmin", "mkhan", "outsider"};
    for (size_t i = 0; i < sizeof logins / sizeof *logins; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN; GRANT CONNECT ON DATABASE cr TO %s",
                 logins[i], logins[i]);
        PGresult *r = PQexec(su, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(su));
        PQclear(r);
    }
    PQfinish(su);
}

/* A handle on the PostgreSQL database as the person login. */
static cr_db *
open_as(const char *login)
{
    char conn[400];
    snprintf(conn, sizeof conn, "postgresql:///cr?host=%s&user=%s", host, login);
    cr_db *h = NULL;
    if (cr_db_open(conn, 0, test_clock, NULL, &h) != CR_OK)
        fail_msg("open as %s: %s", login, h ? cr_db_errmsg(h) : "out of memory");
    /* The person on the roster: the events core writes name them. */
    const struct cr_person *p = cr_config_person(cfg, login);
    if (p)
        cr_db_set_user(h, cfg, p);
    return h;
}

/* Results written out, one line a row, every field */

static enum cr_status
put_count(void *ctx, const struct cr_case_count *c)
{
    cr_buf_addf(ctx, "count %d %d %d %u %lld\n", c->state, c->outcome, c->vetting_review,
                c->categories, (long long)c->n);
    return CR_OK;
}

static enum cr_status
put_fact(void *ctx, const struct cr_case_fact *f)
{
    cr_buf_addf(ctx, "fact %lld %d %d %d %u %s %s %s\n", (long long)f->subject_id, f->state,
                f->outcome, f->vetting_review, f->categories, f->unit, f->rank, f->employment);
    return CR_OK;
}

static enum cr_status
put_reviewer(void *ctx, const struct cr_reviewer_count *r)
{
    cr_buf_addf(ctx, "reviewer %s %d %lld %lld %lld\n", r->login, r->outcome, (long long)r->n,
                (long long)r->finished, (long long)r->returned);
    return CR_OK;
}

static enum cr_status
put_assigned(void *ctx, const struct cr_assigned_count *a)
{
    cr_buf_addf(ctx, "assigned %s %d %lld %lld\n", a->login, a->state, (long long)a->state_since,
                (long long)a->n);
    return CR_OK;
}

#define S(x) ((x) ? (x) : "(null)")

static int
put_followup(void *ctx, const struct cr_followup *f)
{
    cr_buf_addf(ctx, "followup %lld %lld %d %s %s %s %s %lld\n", (long long)f->id,
                (long long)f->case_id, f->stage, S(f->result), S(f->date), S(f->detail),
                S(f->recorded_by), (long long)f->recorded_at);
    return 0;
}

static enum cr_status
put_qa(void *ctx, const struct cr_qa_row *q)
{
    cr_buf_addf(ctx, "qa %lld %d %s %s %d %s %d %s %lld %s %s %s %lld %u\n", (long long)q->case_id,
                q->round, S(q->decider), S(q->approver), q->outcome, S(q->reason), q->draw,
                S(q->config_digest), (long long)q->selected_at, S(q->qa_by), S(q->verdict),
                S(q->qa_reason), (long long)q->qa_at, q->categories);
    return CR_OK;
}

static enum cr_status
put_decision(void *ctx, const struct cr_decision_fact *f)
{
    cr_buf_addf(ctx, "decision %lld %d %s %d %u\n", (long long)f->case_id, f->round, S(f->reviewer),
                f->outcome, f->categories);
    return CR_OK;
}

/* A method's status and message, as a line. */
static void
put_status(struct cr_buf *b, cr_db *h, enum cr_status st)
{
    cr_buf_addf(b, "status %d %s\n", (int)st, st == CR_OK ? "" : cr_db_errmsg(h));
}

/* s without its case_facts parts (each "facts" line to its "status" line); s is freed. */
static char *
without_facts(char *s)
{
    struct cr_buf b = {0};
    bool skipping = false;
    for (char *line = s, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        size_t len = next ? (size_t)(++next - line) : strlen(line);
        if (strncmp(line, "facts ", 6) == 0)
            skipping = true;
        else if (skipping && strncmp(line, "status ", 7) == 0)
            skipping = false;
        else if (!skipping)
            cr_buf_add(&b, line, len);
    }
    free(s);
    return b.p ? b.p : strdup("");
}

/* Every figure method, at times around the fixture's. */
static char *
figures(cr_db *h)
{
    const struct cr_store *e = st_store(h);
    struct cr_buf b = {0};
    put_status(&b, h, e->case_counts(h, put_count, &b));
    put_status(&b, h, e->outcome_counts(h, put_count, &b));
    int64_t subjects, allegations, by[CR_CATEGORY_COUNT];
    put_status(&b, h, e->record_counts(h, &subjects, &allegations, by));
    cr_buf_addf(&b, "records %lld %lld", (long long)subjects, (long long)allegations);
    for (int c = 0; c < CR_CATEGORY_COUNT; c++)
        cr_buf_addf(&b, " %lld", (long long)by[c]);
    cr_buf_addf(&b, "\n");
    const int64_t at[] = {
        0, T0 + 1, T0 + 1800, T0 + 2 * DAY, T0 + 5 * DAY, T0 + 21 * DAY, T0 + 100 * DAY};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++)
        for (int followed = 0; followed < 2; followed++) {
            cr_buf_addf(&b, "facts %lld %d\n", (long long)at[i], followed);
            put_status(&b, h, e->case_facts(h, at[i], followed, put_fact, &b));
        }
    for (int state = 0; state < CR_STATE_COUNT; state++)
        for (int64_t before = T0; before <= T0 + 30 * DAY; before += 3 * DAY) {
            int64_t n = -1;
            put_status(&b, h, e->cases_waiting(h, state, before, before, &n));
            cr_buf_addf(&b, "waiting %d %lld %lld\n", state, (long long)before, (long long)n);
        }
    for (int64_t from = T0 - DAY; from <= T0 + 10 * DAY; from += DAY) {
        int64_t n = -1;
        put_status(&b, h, e->first_decisions(h, from, from + 2 * DAY, &n));
        cr_buf_addf(&b, "first %lld %lld\n", (long long)from, (long long)n);
    }
    put_status(&b, h, e->reviewer_outcomes(h, put_reviewer, &b));
    put_status(&b, h, e->panel_rounds(h, put_reviewer, &b));
    put_status(&b, h, e->assigned_cases(h, put_assigned, &b));
    return b.p;
}

static void
put_timeline(struct cr_buf *b, cr_db *h, int64_t id)
{
    struct cr_timeline t;
    enum cr_status st = st_store(h)->timeline(h, id, &t);
    cr_buf_addf(b, "timeline %lld\n", (long long)id);
    put_status(b, h, st);
    for (size_t i = 0; st == CR_OK && i < t.n_cases; i++) {
        const struct cr_timeline_case *c = &t.cases[i];
        cr_buf_addf(b, "case %lld %d %d %lld %lld %lld %d\n", (long long)c->id, c->state,
                    c->outcome, (long long)c->flagged_at, (long long)c->decided_at,
                    (long long)c->closed_at, c->n_allegations);
    }
    for (size_t i = 0; st == CR_OK && i < t.n_allegations; i++) {
        const struct cr_timeline_allegation *a = &t.allegations[i];
        cr_buf_addf(b, "allegation %lld %s %d %s %d %s\n", (long long)a->case_id, S(a->ref),
                    a->category, S(a->date), a->source, S(a->summary));
    }
    for (size_t i = 0; st == CR_OK && i < t.n_links; i++) {
        const struct cr_link *k = &t.links[i];
        cr_buf_addf(b, "link %lld %d %s %s %s %lld %lld\n", (long long)k->case_id, k->kind,
                    S(k->ref), S(k->status), S(k->added_by), (long long)k->added_at,
                    (long long)k->import_line);
    }
    cr_timeline_free(&t);
}

static const char *const refs[] = {"A1", "A1b", "A2",  "A3",   "A4",  "A5",  "A6",  "A7",
                                   "A8", "A9",  "A10", "A10b", "A11", "A12", "A13", "NOPE"};

/* Everything after the decision that reads: timelines, follow-ups, qa rows, allegations. */
static char *
after(cr_db *h)
{
    const struct cr_store *e = st_store(h);
    struct cr_buf b = {0};
    for (int64_t id = 1; id <= 14; id++)
        put_timeline(&b, h, id);
    for (int64_t id = 0; id <= 3; id++) {
        cr_buf_addf(&b, "followups %lld\n", (long long)id);
        put_status(&b, h, e->followup_scan(h, id, put_followup, &b));
        for (int pending = 0; pending < 2; pending++) {
            cr_buf_addf(&b, "qa %lld %d\n", (long long)id, pending);
            put_status(&b, h, e->qa_rows(h, id, pending, put_qa, &b));
        }
    }
    for (int64_t id = 4; id <= 7; id++)
        put_status(&b, h, e->qa_rows(h, id, false, put_qa, &b));
    put_status(&b, h, e->approved_decisions(h, put_decision, &b));
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
        int64_t id = -1, case_id = -1;
        put_status(&b, h, e->find_allegation(h, refs[i], &id, &case_id));
        cr_buf_addf(&b, "allegation %s %lld %lld\n", refs[i], (long long)id, (long long)case_id);
    }
    return b.p;
}

static void
same(char *sqlite_text, char *pg_text)
{
    assert_non_null(sqlite_text);
    assert_non_null(pg_text);
    assert_string_equal(pg_text, sqlite_text);
    free(sqlite_text);
    free(pg_text);
}

/* A PostgreSQL handle on the service role's connection string, methods written or not. */
static int
setup(void **state)
{
    (void)state;
    url = getenv("CASEREVIEW_TEST_PG_URL");
    const char *pghost = getenv("PGHOST");
    if (!url || !pghost)
        return -1;
    snprintf(host, sizeof host, "%s", pghost);
    pg_allow_incomplete = true;
    snprintf(dir, sizeof dir, "/tmp/test_pg_after.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    build_sqlite();
    if (cr_db_open(url, CR_OPEN_CREATE, test_clock, NULL, &pgs) != CR_OK) {
        fprintf(stderr, "open %s: %s\n", url, pgs ? cr_db_errmsg(pgs) : "out of memory");
        return -1;
    }
    svc = PQconnectdb(url);
    if (PQstatus(svc) != CONNECTION_OK)
        return -1;
    copy_all();
    make_roles();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    cr_db_close(sq);
    cr_db_close(pgs);
    PQfinish(svc);
    cr_config_free(cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The figures, as the service role and as a supervisor, are SQLite's. */
static void
test_figures(void **state)
{
    (void)state;
    char *want = figures(sq);
    if (getenv("PG_AFTER_DUMP"))
        fputs(want, stderr);
    /* The fixture is what the figures are about: every kind of row is there. */
    assert_non_null(strstr(want, "reviewer asmith"));
    assert_non_null(strstr(want, "reviewer rbrown -1 0 1 1")); /* a panel round returned */
    assert_non_null(strstr(want, "assigned rbrown"));
    same(strdup(want), figures(pgs));
    /*
     * A supervisor reads the same figures, but not the cases one by one
     * (case_facts: the admin's report), which the server refuses in core's words.
     */
    cr_db *h = open_as("bjones");
    char *got = figures(h);
    assert_non_null(
        strstr(got, "status 1 report needs the admin role; you (bjones) are supervisor"));
    same(without_facts(want), without_facts(got));
    cr_db_close(h);
}

/* Timelines, follow-ups, qa rows, approved decisions, allegations: SQLite's. */
static void
test_after(void **state)
{
    (void)state;
    char *want = after(sq);
    if (getenv("PG_AFTER_DUMP"))
        fputs(want, stderr);
    assert_non_null(strstr(want, "link 2 0 CR/2/24 open (null)"));    /* imported */
    assert_non_null(strstr(want, "link 1 0 CR/1/26 charged bjones")); /* linked */
    assert_non_null(strstr(want, "status 4 no case 14"));             /* CR_NOT_FOUND */
    assert_non_null(strstr(want, "followup 2 2 2 pending 2026-01-06 (null) cadmin"));
    assert_non_null(strstr(want, "qa 2 1 asmith bjones"));
    assert_non_null(strstr(want, "agree Sound."));
    assert_non_null(strstr(want, "allegation NOPE -1 -1"));
    same(strdup(want), after(pgs));
    cr_db *h = open_as("bjones");
    same(want, after(h));
    cr_db_close(h);
}

/* Whether the case's search document on PostgreSQL holds the words. */
static bool
doc_has(int64_t id, const char *words)
{
    char idt[24];
    snprintf(idt, sizeof idt, "%lld", (long long)id);
    const char *v[] = {idt, words};
    PGresult *r = svc_q("SELECT count(*) FROM casereview.case_search WHERE case_id = $1::bigint "
                        "AND doc @@ plainto_tsquery('casereview.folded', "
                        "casereview.search_words($2))",
                        2, v);
    bool yes = strcmp(PQgetvalue(r, 0, 0), "1") == 0;
    PQclear(r);
    return yes;
}

/* A write on both engines in a transaction of each, at the same second; both statuses equal. */
/* A case's state on PostgreSQL (from outside: the test's own). */
static char *
case_state_pg(int64_t id)
{
    char idt[24];
    snprintf(idt, sizeof idt, "%lld", (long long)id);
    const char *v[] = {idt};
    PGresult *r = svc_q("SELECT state FROM casereview.cases WHERE id = $1::bigint", 1, v);
    char *t = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return t;
}

/* The event core writes beside a change: links and follow-ups in the case's state, the rest none.
 */
static enum cr_status
event_pg(cr_db *db, int64_t cid, const char *ev, const char *state)
{
    bool in_state =
        strcmp(ev, "link") == 0 || strcmp(ev, "unlink") == 0 || strcmp(ev, "follow_up") == 0;
    return cr_audit_append(db, cid, ev, in_state ? state : NULL, in_state ? state : NULL, "{}");
}

/*
 * call on SQLite and as a person on PostgreSQL, each in its own write; on
 * PostgreSQL with the audit event core writes beside it (ev, on case cid,
 * in the case's state; none when ev is NULL): the server takes no change
 * without its event.
 */
#define BOTH(h, ev, cid, call)                                            \
    do {                                                                  \
        now += 60;                                                        \
        cr_db *dbs_[2] = {sq, (h)};                                       \
        enum cr_status st_[2];                                            \
        char *msg_[2];                                                    \
        char *state_ = case_state_pg(cid);                                \
        for (int i_ = 0; i_ < 2; i_++) {                                  \
            cr_db *db_ = dbs_[i_];                                        \
            assert_int_equal(st_begin(db_), CR_OK);                       \
            st_[i_] = st_store(db_)->call;                                \
            if (st_[i_] == CR_OK && i_ == 1 && (ev))                      \
                st_[i_] = event_pg(db_, cid, (ev), state_);               \
            msg_[i_] = strdup(st_[i_] == CR_OK ? "" : cr_db_errmsg(db_)); \
            if (st_[i_] == CR_OK)                                         \
                assert_int_equal(st_commit(db_), CR_OK);                  \
            else                                                          \
                st_rollback(db_);                                         \
        }                                                                 \
        free(state_);                                                     \
        assert_string_equal(msg_[1], msg_[0]);                            \
        assert_int_equal(st_[1], st_[0]);                                 \
        free(msg_[0]);                                                    \
        free(msg_[1]);                                                    \
    } while (0)

/* A case's stored row as text, on either engine (SQL from outside: the check's own). */
static char *
case_row_sqlite(int64_t id)
{
    char path[160];
    snprintf(path, sizeof path, "%s/a.db", dir);
    sqlite3 *lite;
    assert_int_equal(sqlite3_open_v2(path, &lite, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(lite,
                                        "SELECT latest_allegation || ' ' || priority || ' ' || "
                                        "categories FROM cases WHERE id = ?1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, id);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    char *t = strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(lite);
    return t;
}

static char *
case_row_pg(int64_t id)
{
    char idt[24];
    snprintf(idt, sizeof idt, "%lld", (long long)id);
    const char *v[] = {idt};
    PGresult *r = svc_q("SELECT latest_allegation || ' ' || priority || ' ' || categories "
                        "FROM casereview.cases WHERE id = $1::bigint",
                        1, v);
    char *t = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return t;
}

/*
 * The same writes on both engines, as person roles on PostgreSQL: links
 * put, replaced and removed (and one not in force), follow-ups, a
 * correction, a quality selection and its verdict.  Then every read again.
 */
static void
test_round_trips(void **state)
{
    (void)state;
    cr_db *boss = open_as("bjones"), *admin = open_as("cadmin"), *holder = open_as("asmith"),
          *qa = open_as("qkim");
    assert_true(doc_has(2, "IOPC 7") == false);
    assert_true(doc_has(3, "CR/9/26") == false);
    BOTH(boss, "link", 3,
         link_put(dbs_[i_], 3, CR_LINK_CRIME, "CR/9/26", "open", "bjones", "Found."));
    assert_true(doc_has(3, "CR/9/26"));
    BOTH(boss, "link", 3,
         link_put(dbs_[i_], 3, CR_LINK_IOPC, "CR/9/26", "closed", "bjones", "Moved."));
    BOTH(holder, "link", 9, link_put(dbs_[i_], 9, CR_LINK_OTHER, "X-9", "open", "asmith", "Mine."));
    assert_true(doc_has(9, "X-9"));
    BOTH(boss, "unlink", 8, link_remove(dbs_[i_], 8, "MIS-8", "bjones", "Gone."));
    assert_false(doc_has(8, "MIS-8"));
    BOTH(boss, NULL, 8, link_remove(dbs_[i_], 8, "MIS-8", "bjones", "Again.")); /* none in force */
    const struct cr_followup f1 = {.stage = CR_FOLLOWUP_APPEAL,
                                   .result = "dismissed",
                                   .date = "2026-01-21",
                                   .detail = "Appeal heard."};
    BOTH(boss, "follow_up", 4, followup_add(dbs_[i_], 4, &f1, "bjones"));
    const struct cr_followup f2 = {
        .stage = CR_FOLLOWUP_LEFT, .result = "after_decision", .date = "2026-01-22"};
    BOTH(admin, "follow_up", 1, followup_add(dbs_[i_], 1, &f2, "cadmin"));
    /* A correction: the summary, then the date with the case's latest and priority. */
    int64_t aid = 0, case_id = 0;
    assert_int_equal(st_store(admin)->find_allegation(admin, "A12", &aid, &case_id), CR_OK);
    assert_int_equal(case_id, 12);
    assert_false(doc_has(12, "kestrel"));
    BOTH(admin, "correct", 12,
         allegation_set(dbs_[i_], aid, "summary", "Kestrel sighted", "2019-01-12", 7));
    assert_true(doc_has(12, "kestrel"));
    assert_false(doc_has(12, "twelve"));
    BOTH(admin, "correct", 12,
         allegation_set(dbs_[i_], aid, "date", "2019-03-12", "2019-03-12", 9));
    BOTH(admin, "correct", 12, allegation_set(dbs_[i_], aid, "source", "hotline", "2019-03-12", 9));
    BOTH(admin, "correct", 12, allegation_set(dbs_[i_], aid, "colour", "red", "2019-03-12", 9));
    same(case_row_sqlite(12), case_row_pg(12));
    /* Quality: a round approved and not drawn, selected by its approver, then reviewed. */
    struct cr_qa_row q = {.case_id = 6,
                          .round = 1,
                          .decider = "rbrown",
                          .approver = "bjones",
                          .outcome = CR_OUTCOME_REASSESS,
                          .reason = "minimum",
                          .draw = 4242,
                          .config_digest = cfg->digest,
                          .selected_at = now + 60};
    BOTH(boss, "qa_selected", 6, qa_put(dbs_[i_], &q));
    q.qa_by = "qkim";
    q.verdict = "disagree";
    q.qa_reason = "Thin reasons.";
    q.qa_at = now + 60;
    BOTH(qa, "qa", 6, qa_put(dbs_[i_], &q));
    same(figures(sq), figures(pgs));
    same(after(sq), after(pgs));
    cr_db_close(boss);
    cr_db_close(admin);
    cr_db_close(holder);
    cr_db_close(qa);
}

/* A write as login on PostgreSQL: its status, and its message must hold want. */
static void
refused(cr_db *h, enum cr_status st, const char *want)
{
    const char *msg = cr_db_errmsg(h);
    if (st != CR_REFUSED || !strstr(msg, want))
        fail_msg("status %d, message '%s'; wanted refused with '%s'", (int)st, msg, want);
    st_rollback(h);
}

#define WRITE(h, call) (assert_int_equal(st_begin(h), CR_OK), st_store(h)->call)

/* What the server refuses a person, whatever the program would have asked; nothing written. */
static void
test_refusals(void **state)
{
    (void)state;
    char *before = after(pgs);
    char *figs = figures(pgs);
    cr_db *out = open_as("outsider");
    int64_t n = 0;
    refused(out, st_store(out)->first_decisions(out, 0, T0 + 100 * DAY, &n),
            "you connect as outsider, who is not in the pinned roster");
    struct cr_timeline t;
    refused(out, st_store(out)->timeline(out, 1, &t), "not in the pinned roster");
    cr_timeline_free(&t);
    cr_db_close(out);

    cr_db *rev = open_as("rbrown"), *holder = open_as("asmith"), *boss = open_as("bjones"),
          *panel = open_as("mkhan"), *qa = open_as("qkim");
    /* Links: a reviewer who does not hold the case; the panel; in another's name. */
    refused(rev, WRITE(rev, link_put(rev, 9, CR_LINK_CRIME, "CR/0/0", "open", "rbrown", "r")),
            "link needs the reviewer who holds case 9, a supervisor or an admin; you (rbrown)");
    refused(panel, WRITE(panel, link_remove(panel, 2, "CR/2/24", "mkhan", "r")),
            "unlink needs the reviewer who holds case 2");
    refused(holder,
            WRITE(holder, link_put(holder, 9, CR_LINK_CRIME, "CR/0/1", "open", "bjones", "r")),
            "you connect as asmith and may not act as bjones");
    /* Follow-ups: supervisors and admins only. */
    const struct cr_followup f = {
        .stage = CR_FOLLOWUP_VETTING, .result = "withdrawn", .date = "2026-01-30"};
    refused(holder, WRITE(holder, followup_add(holder, 1, &f, "asmith")),
            "follow-up needs the supervisor or admin role; you (asmith) are reviewer");
    /* Corrections: the admin only. */
    refused(boss, WRITE(boss, allegation_set(boss, 1, "summary", "x", "2019-01-01", 0)),
            "correct needs the admin role; you (bjones)");
    /* Quality: no verdict by the decider or the approver, no selection by anyone else. */
    struct cr_qa_row q = {.case_id = 2,
                          .round = 1,
                          .decider = "asmith",
                          .approver = "bjones",
                          .outcome = CR_OUTCOME_REFER,
                          .reason = "sample",
                          .draw = 978,
                          .config_digest = cfg->digest,
                          .qa_by = "asmith",
                          .verdict = "agree",
                          .qa_reason = "Fine."};
    refused(holder, WRITE(holder, qa_put(holder, &q)),
            "qa: you (asmith) took decision 1 on case 2, so may not review it for quality");
    q.qa_by = "bjones";
    refused(boss, WRITE(boss, qa_put(boss, &q)),
            "qa: you (bjones) approved decision 1 on case 2, so may not review it for quality");
    q.qa_by = "asmith";
    q.decider = "qkim"; /* a lie: asmith decided */
    refused(holder, WRITE(holder, qa_put(holder, &q)),
            "qa: you (asmith) took decision 1 on case 2, so may not review it for quality");
    q.decider = "asmith";
    q.qa_by = NULL;
    q.verdict = q.qa_reason = NULL;
    q.case_id = 7;
    q.decider = "asmith";
    q.outcome = CR_OUTCOME_REASSESS;
    refused(qa, WRITE(qa, qa_put(qa, &q)), "you connect as qkim and may not act as bjones");
    q.approver = "qkim";
    refused(qa, WRITE(qa, qa_put(qa, &q)),
            "qa: only the supervisor who approved round 1 of case 7 selects it");
    /* The quality figures: supervisors and the admin. */
    struct cr_buf unread = {0};
    refused(holder, st_store(holder)->approved_decisions(holder, put_decision, &unread),
            "only a supervisor or the admin may read the quality figures; you (asmith)");
    /* The workload: every reviewer's cases, a supervisor's or an admin's to read. */
    refused(holder, st_store(holder)->assigned_cases(holder, put_assigned, &unread),
            "workload needs the supervisor or admin role; you (asmith) have neither");
    /* Another reviewer's outcome mix is not a reviewer's to read, nor the panel's. */
    struct cr_buf mine = {0}, none = {0};
    assert_int_equal(st_store(holder)->reviewer_outcomes(holder, put_reviewer, &mine), CR_OK);
    assert_non_null(mine.p);
    assert_non_null(strstr(mine.p, "reviewer asmith"));
    assert_null(strstr(mine.p, "rbrown"));
    assert_int_equal(st_store(panel)->reviewer_outcomes(panel, put_reviewer, &none), CR_OK);
    assert_null(none.p);
    assert_null(unread.p);
    cr_buf_free(&mine);
    /*
     * Need-to-know and declared conflicts: what the program would not show,
     * nor does psql; one rule (020-case.sql's cr_case_visible): a case kept
     * from the person reads as none (core refuses it by its rule first).
     */
    struct cr_timeline t2;
    assert_int_equal(st_store(panel)->timeline(panel, 1, &t2), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(panel), "no case 1");
    cr_timeline_free(&t2);
    assert_int_equal(st_store(panel)->timeline(panel, 2, &t2), CR_OK);
    assert_int_equal(t2.n_cases, 1);
    cr_timeline_free(&t2);
    svc_exec("UPDATE casereview.people SET conflicts = '{P9}' WHERE login = 'rbrown'");
    assert_int_equal(st_store(rev)->timeline(rev, 9, &t2), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(rev), "no case 9");
    cr_timeline_free(&t2);
    assert_int_equal(st_store(rev)->followup_scan(rev, 9, put_followup, &unread), CR_OK);
    assert_int_equal(WRITE(rev, link_remove(rev, 9, "X-9", "rbrown", "r")), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(rev), "no case 9");
    st_rollback(rev);
    svc_exec("UPDATE casereview.people SET conflicts = '{}' WHERE login = 'rbrown'");
    assert_int_equal(st_store(rev)->timeline(rev, 9, &t2), CR_OK);
    cr_timeline_free(&t2);
    assert_null(unread.p);
    /* No table is a person's to read or write: only the functions. */
    char conn[400];
    snprintf(conn, sizeof conn, "postgresql:///cr?host=%s&user=rbrown", host);
    PGconn *c = PQconnectdb(conn);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    static const char *const direct[] = {
        "SELECT * FROM casereview.qa",
        "UPDATE casereview.case_links SET removed_by = 'rbrown'",
        "INSERT INTO casereview.follow_ups (case_id, stage, result, date, recorded_by, "
        "recorded_at) VALUES (1, 'left', 'before_decision', '2026-01-01', 'rbrown', 0)",
        "SELECT casereview.cr_after_search(1)",
        "SELECT casereview.cr_report_roles()",
        "SELECT casereview.cr_after_not_erased(1, 'x')",
    };
    for (size_t i = 0; i < sizeof direct / sizeof *direct; i++) {
        PGresult *r = PQexec(c, direct[i]);
        const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (!code || strcmp(code, "42501") != 0)
            fail_msg("%s: %s", direct[i], code ? code : "allowed");
        PQclear(r);
    }
    PQfinish(c);
    cr_db_close(rev);
    cr_db_close(holder);
    cr_db_close(boss);
    cr_db_close(panel);
    cr_db_close(qa);
    same(before, after(pgs));
    same(figs, figures(pgs));
}

int
main(void)
{
    if (!getenv("CASEREVIEW_TEST_PG_URL")) {
        printf("CASEREVIEW_TEST_PG_URL is not set (run through tests/pg/with-cluster.sh): "
               "skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_after),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
