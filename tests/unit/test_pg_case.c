/*
 * The PostgreSQL engine's case methods (core/pg/case.c, config.c and
 * sql/020-case.sql) against the SQLite engine's: the same database built on
 * both, every method's result compared field by field; and the server as
 * the trust boundary for them: a person's own roster entry, need-to-know
 * (conflicts.same_unit, declared conflicts, a panel member's panel cases),
 * drafts that are each their writer's, no table a person can read, and the
 * roster published with CONNECT when a configuration is pinned.
 *
 * Run by tests/pg/with-cluster.sh (CASEREVIEW_TEST_PG_URL: a fresh
 * database owned by the service role, as that role; PGHOST: the cluster's
 * socket, where the superuser postgres makes the people's roles); skipped
 * (77) without it.  The SQLite database is built through core's API (the
 * import, the workflow's actions) and a few rows written with SQL; since
 * the PostgreSQL engine's import, apply and audit methods are other
 * sections', its tables are filled with the same rows, copied as the
 * service role.
 */
#include "../../core/pg/pg.h"
#include "internal.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t now_value = 1767225600; /* 2026-01-01T00:00:00Z */

static int64_t
test_clock(void *ctx)
{
    (void)ctx;
    return now_value;
}

static char dir[64], lite_path[128];
static const char *pg_url;

/* The server's notices are not the test's to print. */
static void
quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}
static struct cr_config *cfg_a, *cfg_b;
static PGconn *service, *super;

/* Roles are written as bits of enum cr_role in sql/020-case.sql: staff 7, admin 4. */
_Static_assert(((1u << CR_ROLE_REVIEWER) | (1u << CR_ROLE_SUPERVISOR) | (1u << CR_ROLE_ADMIN)) == 7,
               "sql/020-case.sql reads roles & 7 as the staff roles");
_Static_assert((1u << CR_ROLE_ADMIN) == 4, "sql/020-case.sql reads roles & 4 as admin");

/* SQL */

/* Run SQL on the SQLite file from outside, as the sqlite3 shell would. */
static void
lite_exec(const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(lite_path, &s), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(s);
}

/* Run SQL on a connection; fail the test unless it succeeds. */
static void
pq_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType es = PQresultStatus(r);
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

/* The first field of the result of sql, as text ("" when none or NULL), in out. */
static void
pq_value(PGconn *c, const char *sql, char *out, size_t n)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    snprintf(out, n, "%s", PQntuples(r) && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
}

/* Run sql, which must fail with SQLSTATE state; its message in msg. */
static void
pq_fails(PGconn *c, const char *sql, const char *state, char *msg, size_t n)
{
    PGresult *r = PQexec(c, sql);
    const char *got = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (PQresultStatus(r) != PGRES_FATAL_ERROR || !got || strcmp(got, state) != 0)
        fail_msg("%s: wanted SQLSTATE %s, got %s: %s", sql, state, got ? got : "success",
                 PQerrorMessage(c));
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (msg)
        snprintf(msg, n, "%s", m ? m : "");
    PQclear(r);
}

/* A connection string for the database as login (the cluster trusts its socket). */
static void
url_as(const char *login, char *out, size_t n)
{
    snprintf(out, n, "postgresql:///cr?host=%s&user=%s", getenv("PGHOST"), login);
}

static PGconn *
connect_as(const char *login)
{
    char url[512];
    url_as(login, url, sizeof url);
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect as %s: %s", login, PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

/*
 * Copy table's rows from the SQLite file into the PostgreSQL database, as
 * they are (every stored column; blobs as bytea), in id order.
 */
static void
copy_table(sqlite3 *s, const char *table)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_xinfo('%s') WHERE hidden = 0", table);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &q, NULL), SQLITE_OK);
    struct cr_buf cols = {0}, marks = {0};
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        cr_buf_addf(&cols, "%s%s", n ? ", " : "", sqlite3_column_text(q, 0));
        cr_buf_addf(&marks, "%s$%d", n ? ", " : "", n + 1);
        n++;
    }
    sqlite3_finalize(q);
    assert_true(n > 0);
    char select[1024], insert[2048];
    snprintf(select, sizeof select, "SELECT %s FROM %s ORDER BY rowid", cols.p, table);
    snprintf(insert, sizeof insert, "INSERT INTO casereview.%s (%s) VALUES (%s)", table, cols.p,
             marks.p);
    assert_int_equal(sqlite3_prepare_v2(s, select, -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        struct pg_args a;
        pg_args_init(&a);
        for (int i = 0; i < n; i++) {
            switch (sqlite3_column_type(q, i)) {
            case SQLITE_NULL:
                pg_arg_text(&a, NULL);
                break;
            case SQLITE_BLOB:
                pg_arg_bytes(&a, sqlite3_column_blob(q, i), (size_t)sqlite3_column_bytes(q, i));
                break;
            default: {
                /* Kept by the args: the statement's text changes as it steps. */
                char *t = strdup((const char *)sqlite3_column_text(q, i));
                pg_arg_text(&a, t);
                a.own[a.n - 1] = t;
            }
            }
        }
        PGresult *r = PQexecParams(service, insert, a.n, NULL, a.v, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fail_msg("%s: %s", insert, PQerrorMessage(service));
        PQclear(r);
        pg_args_free(&a);
    }
    sqlite3_finalize(q);
    cr_buf_free(&cols);
    cr_buf_free(&marks);
}

/* Handles */

static cr_db *
open_lite(const char *login)
{
    cr_db *db;
    assert_int_equal(cr_db_open(lite_path, CR_OPEN_CREATE, test_clock, NULL, &db), CR_OK);
    const struct cr_person *p = cr_config_person(cfg_a, login);
    assert_non_null(p);
    cr_db_set_user(db, cfg_a, p);
    return db;
}

/* The PostgreSQL database as the service role (login: the roster person the handle acts for). */
static cr_db *
open_pg(const char *url, const struct cr_config *cfg, const char *login)
{
    cr_db *db = NULL;
    enum cr_status st = cr_db_open(url, CR_OPEN_CREATE, test_clock, NULL, &db);
    if (st != CR_OK)
        fail_msg("open %s: %s", url, db ? cr_db_errmsg(db) : "out of memory");
    assert_string_equal(cr_db_engine(db), "postgresql");
    const struct cr_person *p = cr_config_person(cfg, login);
    assert_non_null(p);
    cr_db_set_user(db, cfg, p);
    return db;
}

/* The database as the person login, connected as their own role. */
static cr_db *
open_person(const char *login, const struct cr_config *cfg)
{
    char url[512];
    url_as(login, url, sizeof url);
    return open_pg(url, cfg, login);
}

static void
act_ok(const char *login, const char *key, struct cr_request req)
{
    cr_db *db = open_lite(login);
    struct cr_act_result res;
    if (cr_act(db, key, &req, &res) != CR_OK)
        fail_msg("%s %s as %s: %s", cr_action_name(req.action), key, login, cr_db_errmsg(db));
    cr_db_close(db);
    now_value += 60;
}

static void
put_config(cr_db *db, const struct cr_config *cfg)
{
    assert_int_equal(st_begin(db), CR_OK);
    if (st_config_put(db, cfg) != CR_OK || st_rules_put(db) != CR_OK)
        fail_msg("config_put: %s", cr_db_errmsg(db));
    assert_int_equal(st_commit(db), CR_OK);
}

/* Comparisons, field by field */

static void
same_str(const char *a, const char *b, const char *what)
{
    if (!a || !b) {
        if (a != b)
            fail_msg("%s: %s against %s", what, a ? a : "NULL", b ? b : "NULL");
        return;
    }
    if (strcmp(a, b) != 0)
        fail_msg("%s: '%s' against '%s'", what, a, b);
}

#define SAME_INT(a, b, what)                                                         \
    do {                                                                             \
        if ((int64_t)(a) != (int64_t)(b))                                            \
            fail_msg("%s: %lld against %lld", what, (long long)(a), (long long)(b)); \
    } while (0)

static void
same_row(const struct cr_case_row *a, const struct cr_case_row *b)
{
    SAME_INT(a->id, b->id, "id");
    SAME_INT(a->sortkey, b->sortkey, "sortkey");
    SAME_INT(a->priority, b->priority, "priority");
    SAME_INT(a->created_at, b->created_at, "created_at");
    SAME_INT(a->state_since, b->state_since, "state_since");
    SAME_INT(a->state, b->state, "state");
    SAME_INT(a->outcome, b->outcome, "outcome");
    SAME_INT(a->categories, b->categories, "categories");
    SAME_INT(a->n_allegations, b->n_allegations, "n_allegations");
    SAME_INT(a->duty, b->duty, "duty");
    same_str(a->subject_ref, b->subject_ref, "subject_ref");
    same_str(a->surname, b->surname, "surname");
    same_str(a->forenames, b->forenames, "forenames");
    same_str(a->rank, b->rank, "rank");
    same_str(a->unit, b->unit, "unit");
    same_str(a->assignee, b->assignee, "assignee");
    same_str(a->decided_by, b->decided_by, "decided_by");
    SAME_INT(a->decided_at, b->decided_at, "decided_at");
    SAME_INT(a->vetting_review, b->vetting_review, "vetting_review");
    SAME_INT(a->quorum_blocked, b->quorum_blocked, "quorum_blocked");
    SAME_INT(a->version, b->version, "version");
    SAME_INT(a->clock_shift, b->clock_shift, "clock_shift");
    SAME_INT(a->paused_until, b->paused_until, "paused_until");
    same_str(a->approver, b->approver, "approver");
    SAME_INT(a->panel_concur, b->panel_concur, "panel_concur");
    SAME_INT(a->panel_dissent, b->panel_dissent, "panel_dissent");
    for (int k = 0; k < CR_KIND_COUNT; k++)
        SAME_INT(a->panel_concur_kind[k], b->panel_concur_kind[k], "panel_concur_kind");
    SAME_INT(a->panel_my_vote, b->panel_my_vote, "panel_my_vote");
}

static void
same_votes(const struct cr_vote_row *a, size_t na, const struct cr_vote_row *b, size_t nb)
{
    SAME_INT(na, nb, "votes");
    for (size_t i = 0; i < na; i++) {
        same_str(a[i].member, b[i].member, "vote member");
        SAME_INT(a[i].kind, b[i].kind, "vote kind");
        SAME_INT(a[i].vote, b[i].vote, "vote");
        same_str(a[i].reason, b[i].reason, "vote reason");
        SAME_INT(a[i].at, b[i].at, "vote at");
    }
}

static void
same_case(const struct cr_case *a, const struct cr_case *b)
{
    same_row(&a->row, &b->row);
    SAME_INT(a->previous_case, b->previous_case, "previous_case");
    SAME_INT(a->version, b->version, "version");
    SAME_INT(a->employment, b->employment, "employment");
    SAME_INT(a->vetting, b->vetting, "vetting");
    SAME_INT(a->round, b->round, "round");
    same_str(a->rationale, b->rationale, "rationale");
    same_str(a->approved_by, b->approved_by, "approved_by");
    SAME_INT(a->approved_at, b->approved_at, "approved_at");
    SAME_INT(a->n_allegations, b->n_allegations, "allegations");
    for (size_t i = 0; i < a->n_allegations; i++) {
        const struct cr_allegation *x = &a->allegations[i], *y = &b->allegations[i];
        same_str(x->ref, y->ref, "allegation ref");
        SAME_INT(x->category, y->category, "allegation category");
        same_str(x->date, y->date, "allegation date");
        SAME_INT(x->source, y->source, "allegation source");
        same_str(x->original_outcome, y->original_outcome, "allegation original_outcome");
        same_str(x->summary, y->summary, "allegation summary");
    }
    same_votes(a->votes, a->n_votes, b->votes, b->n_votes);
    SAME_INT(a->votes_hidden, b->votes_hidden, "votes_hidden");
    SAME_INT(a->n_notes, b->n_notes, "notes");
    for (size_t i = 0; i < a->n_notes; i++) {
        same_str(a->notes[i].author, b->notes[i].author, "note author");
        same_str(a->notes[i].kind, b->notes[i].kind, "note kind");
        same_str(a->notes[i].body, b->notes[i].body, "note body");
        SAME_INT(a->notes[i].at, b->notes[i].at, "note at");
    }
    same_str(a->paused_by, b->paused_by, "paused_by");
    same_str(a->pause_reason, b->pause_reason, "pause_reason");
    SAME_INT(a->paused_at, b->paused_at, "paused_at");
}

static void
same_state(const struct cr_case_state *a, const struct cr_case_state *b)
{
    SAME_INT(a->id, b->id, "id");
    SAME_INT(a->version, b->version, "version");
    SAME_INT(a->updated_at, b->updated_at, "updated_at");
    SAME_INT(a->state, b->state, "state");
    SAME_INT(a->outcome, b->outcome, "outcome");
    SAME_INT(a->round, b->round, "round");
    SAME_INT(a->vetting_review, b->vetting_review, "vetting_review");
    SAME_INT(a->panel_round, b->panel_round, "panel_round");
    same_str(a->assignee, b->assignee, "assignee");
    same_str(a->decided_by, b->decided_by, "decided_by");
    same_str(a->updated_by, b->updated_by, "updated_by");
    same_str(a->approved_by, b->approved_by, "approved_by");
    same_str(a->subject_unit, b->subject_unit, "subject_unit");
    same_str(a->subject_ref, b->subject_ref, "subject_ref");
    SAME_INT(a->quorum_blocked, b->quorum_blocked, "quorum_blocked");
    SAME_INT(a->state_since, b->state_since, "state_since");
    SAME_INT(a->clock_shift, b->clock_shift, "clock_shift");
    SAME_INT(a->paused_until, b->paused_until, "paused_until");
    same_str(a->approver, b->approver, "approver");
    SAME_INT(a->erased, b->erased, "erased");
    same_votes(a->votes, a->n_votes, b->votes, b->n_votes);
    SAME_INT(a->n_acts, b->n_acts, "acts");
    for (size_t i = 0; i < a->n_acts; i++) {
        same_str(a->acts[i].login, b->acts[i].login, "act login");
        SAME_INT(a->acts[i].action, b->acts[i].action, "act action");
        SAME_INT(a->acts[i].vote, b->acts[i].vote, "act vote");
        SAME_INT(a->acts[i].round, b->acts[i].round, "act round");
    }
}

static void
same_history(const struct cr_history *a, const struct cr_history *b)
{
    SAME_INT(a->n, b->n, "events");
    for (size_t i = 0; i < a->n; i++) {
        const struct cr_event *x = &a->events[i], *y = &b->events[i];
        SAME_INT(x->id, y->id, "event id");
        SAME_INT(x->at, y->at, "event at");
        same_str(x->actor, y->actor, "event actor");
        SAME_INT(x->case_id, y->case_id, "event case");
        same_str(x->action, y->action, "event action");
        same_str(x->state_before, y->state_before, "event state_before");
        same_str(x->state_after, y->state_after, "event state_after");
        same_str(x->details, y->details, "event details");
        same_str(x->config_digest, y->config_digest, "event config_digest");
        same_str(x->purpose, y->purpose, "event purpose");
        same_str(x->os_login, y->os_login, "event os_login");
        same_str(x->details_digest, y->details_digest, "event details_digest");
    }
}

static void
same_draft(const struct cr_draft *a, const struct cr_draft *b)
{
    SAME_INT(a->action, b->action, "draft action");
    SAME_INT(a->outcome, b->outcome, "draft outcome");
    SAME_INT(a->vetting_review, b->vetting_review, "draft vetting_review");
    SAME_INT(a->vote, b->vote, "draft vote");
    same_str(a->target, b->target, "draft target");
    same_str(a->text, b->text, "draft text");
    SAME_INT(a->case_version, b->case_version, "draft case_version");
    SAME_INT(a->saved_at, b->saved_at, "draft saved_at");
}

static void
same_version(const struct cr_config_version *a, const struct cr_config_version *b)
{
    SAME_INT(a->id, b->id, "config id");
    same_str(a->digest, b->digest, "config digest");
    SAME_INT(a->len, b->len, "config length");
    if (a->len && memcmp(a->text, b->text, a->len) != 0)
        fail_msg("config text differs");
    assert_int_equal(a->text[a->len], '\0');
    assert_int_equal(b->text[b->len], '\0');
    SAME_INT(a->adopted_at, b->adopted_at, "config adopted_at");
    same_str(a->adopted_by, b->adopted_by, "config adopted_by");
    SAME_INT(a->in_force, b->in_force, "config in_force");
}

/* Each method on both engines */

/* case_load on both, compared; the status both gave. */
static enum cr_status
check_load(cr_db *lite, cr_db *pg, int64_t id, bool votes_notes, bool hide)
{
    struct cr_case a, b;
    enum cr_status sa = st_case_load(lite, id, votes_notes, hide, &a);
    enum cr_status sb = st_case_load(pg, id, votes_notes, hide, &b);
    if (sa != sb)
        fail_msg("case_load %lld: %s against %s (%s)", (long long)id, cr_status_text(sa),
                 cr_status_text(sb), cr_db_errmsg(pg));
    if (sa == CR_OK)
        same_case(&a, &b);
    else
        assert_string_equal(cr_db_errmsg(lite), cr_db_errmsg(pg));
    cr_case_free(&a);
    cr_case_free(&b);
    return sa;
}

static enum cr_status
check_state(cr_db *lite, cr_db *pg, int64_t id)
{
    struct cr_case_state a, b;
    enum cr_status sa = st_case_state(lite, id, &a);
    enum cr_status sb = st_case_state(pg, id, &b);
    if (sa != sb)
        fail_msg("case_state %lld: %s against %s (%s)", (long long)id, cr_status_text(sa),
                 cr_status_text(sb), cr_db_errmsg(pg));
    if (sa == CR_OK)
        same_state(&a, &b);
    else
        assert_string_equal(cr_db_errmsg(lite), cr_db_errmsg(pg));
    cr_case_state_free(&a);
    cr_case_state_free(&b);
    return sa;
}

static void
check_history(cr_db *lite, cr_db *pg, int64_t id)
{
    struct cr_history a, b;
    assert_int_equal(st_history(lite, id, &a), CR_OK);
    if (st_history(pg, id, &b) != CR_OK)
        fail_msg("history %lld: %s", (long long)id, cr_db_errmsg(pg));
    same_history(&a, &b);
    cr_history_free(&a);
    cr_history_free(&b);
}

static void
check_find(cr_db *lite, cr_db *pg, int64_t n, const char *ref)
{
    int64_t a1, a2, b1, b2;
    assert_int_equal(st_store(lite)->find_case(lite, n, ref, &a1, &a2), CR_OK);
    if (st_store(pg)->find_case(pg, n, ref, &b1, &b2) != CR_OK)
        fail_msg("find_case: %s", cr_db_errmsg(pg));
    SAME_INT(a1, b1, "find_case by number");
    SAME_INT(a2, b2, "find_case by ref");
}

static void
check_ids(const int64_t *a, size_t na, const int64_t *b, size_t nb, const char *what)
{
    SAME_INT(na, nb, what);
    for (size_t i = 0; i < na; i++)
        SAME_INT(a[i], b[i], what);
}

static void
check_sitting(cr_db *lite, cr_db *pg, int64_t id, const char *const *starts)
{
    int64_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(st_sitting_vote_events(lite, id, starts, &a, &na), CR_OK);
    if (st_sitting_vote_events(pg, id, starts, &b, &nb) != CR_OK)
        fail_msg("sitting_vote_events: %s", cr_db_errmsg(pg));
    check_ids(a, na, b, nb, "sitting_vote_events");
    free(a);
    free(b);
}

static void
check_quorum_cases(cr_db *lite, cr_db *pg)
{
    int64_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(st_quorum_cases(lite, &a, &na), CR_OK);
    assert_int_equal(st_quorum_cases(pg, &b, &nb), CR_OK);
    assert_true(na > 0);
    check_ids(a, na, b, nb, "quorum_cases");
    free(a);
    free(b);
}

static void
check_config(cr_db *lite, cr_db *pg, const char *prefix)
{
    struct cr_config_version a, b;
    enum cr_status sa = st_config_get(lite, prefix, &a);
    enum cr_status sb = st_config_get(pg, prefix, &b);
    SAME_INT(sa, sb, "config_get status");
    if (sa == CR_OK)
        same_version(&a, &b);
    else
        assert_string_equal(cr_db_errmsg(lite), cr_db_errmsg(pg));
    cr_config_version_free(&a);
    cr_config_version_free(&b);
    char da[65], db_[65];
    bool anya, anyb;
    assert_int_equal(st_config_in_force(lite, da, &anya), CR_OK);
    assert_int_equal(st_config_in_force(pg, db_, &anyb), CR_OK);
    SAME_INT(anya, anyb, "config_in_force any");
    assert_string_equal(da, db_);
}

struct texts {
    size_t n;
    int64_t id[8];
    char digest[8][65];
    unsigned char *text[8];
    size_t len[8];
};

static int
keep_config_text(void *ctx, const struct cr_config_text *t)
{
    struct texts *x = ctx;
    assert_true(x->n < 8);
    x->id[x->n] = t->id;
    snprintf(x->digest[x->n], 65, "%s", t->digest);
    x->text[x->n] = malloc(t->len + 1);
    memcpy(x->text[x->n], t->text, t->len);
    x->len[x->n++] = t->len;
    return 0;
}

static void
check_config_texts(cr_db *lite, cr_db *pg, size_t want)
{
    struct texts a = {0}, b = {0};
    assert_int_equal(st_config_texts(lite, keep_config_text, &a), CR_OK);
    assert_int_equal(st_config_texts(pg, keep_config_text, &b), CR_OK);
    SAME_INT(a.n, want, "config versions kept");
    SAME_INT(a.n, b.n, "config_texts");
    for (size_t i = 0; i < a.n; i++) {
        SAME_INT(a.id[i], b.id[i], "config_texts id");
        assert_string_equal(a.digest[i], b.digest[i]);
        SAME_INT(a.len[i], b.len[i], "config_texts length");
        assert_memory_equal(a.text[i], b.text[i], a.len[i]);
        free(a.text[i]);
        free(b.text[i]);
    }
}

/* The database */

/*
 * Four subjects: S1 (Central West BCU, three allegations: two on one date)
 * with a closed case 1 and the case 5 that follows it; S2 in East Area BCU
 * (asmith's unit), case 2, paused; S3 (Central West BCU), case 3, taken
 * twice before the panel through the workflow (recusals, a reconvened
 * sitting, a dissent that returns it, a recall); S4, case 4, returned by
 * its supervisor, with a note and an erasure mark.
 */
static void
build_lite(void)
{
    cr_db *db = open_lite("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "S1,Ashgrove,Tom,officer,PC,Central West BCU,full,A1,domestic_violence,2021-05-01,"
        "complaint,NFA,\"first, \"\"quoted\"\"\"\n"
        "S1,Ashgrove,Tom,officer,PC,Central West BCU,full,A2,sexual_offence,2019-01-01,"
        "hotline,NFA,Łódź café — naïve\n"
        "S1,Ashgrove,Tom,officer,PC,Central West BCU,full,A3,domestic_violence,2021-05-01,"
        "pnd,Words of advice,third on the same date\n"
        "S2,Brackenridge,Ann,staff,Clerk,East Area BCU,restricted,A4,sexual_offence,2020-01-01,"
        "colleague,NFA,two\n"
        "S3,Çelik,Zoë,special,SC,Central West BCU,full,A5,domestic_violence,2018-03-04,"
        "other,Final written warning,three\n"
        "S4,Dunmore,Ivo,officer,DC,Central West BCU,suspended,A6,domestic_violence,2022-02-02,"
        "complaint,NFA,four\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    cr_diags *d = NULL;
    if (cr_import_csv(db, in, "t.csv", 0, &r, &d) != CR_OK)
        fail_msg("import: %s", cr_db_errmsg(db));
    cr_diags_free(d);
    fclose(in);
    cr_db_close(db);
    now_value += 3600;

    const char *why = "Information considered: the reports. Reasons: risk remains.";
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request refer = {.action = CR_ACTION_DECIDE,
                               .outcome = CR_OUTCOME_REFER,
                               .vetting_review = 1,
                               .rationale = why};
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
    struct cr_request recuse = {
        .action = CR_ACTION_VOTE, .vote = CR_VOTE_RECUSE, .reason = "I know the family."};
    struct cr_request dissent = {
        .action = CR_ACTION_VOTE, .vote = CR_VOTE_DISSENT, .reason = "Not enough weight given."};
    /* Case 3: before the panel; both independent members recuse: it cannot reach quorum. */
    act_ok("asmith", "3", claim);
    act_ok("asmith", "3", refer);
    act_ok("bjones", "3", approve);
    act_ok("lpark", "3", concur);
    act_ok("tnash", "3", recuse);
    act_ok("mkhan", "3", recuse);
    act_ok("cadmin", "3",
           (struct cr_request){.action = CR_ACTION_RECONVENE, .reason = "Members replaced."});
    act_ok("mkhan", "3", concur);
    act_ok("rdoe", "3", dissent);
    /* Returned by the dissent: decided again, approved, and recalled once stuck. */
    act_ok("asmith", "3", refer);
    act_ok("bjones", "3", approve);
    act_ok("tnash", "3", recuse);
    act_ok("mkhan", "3", recuse);
    act_ok("ejones", "3",
           (struct cr_request){.action = CR_ACTION_NOTE, .text = "Seen.\nTwo lines."});
    act_ok(
        "fkaur", "3",
        (struct cr_request){.action = CR_ACTION_RECALL, .reason = "Stuck: no independent member."});
    /* Case 4: returned by the supervisor. */
    act_ok("ejones", "4", claim);
    act_ok("ejones", "4",
           (struct cr_request){
               .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = why});
    act_ok("bjones", "4",
           (struct cr_request){.action = CR_ACTION_RETURN, .reason = "Look again at A6."});
    act_ok("ejones", "4", (struct cr_request){.action = CR_ACTION_NOTE, .text = "On it."});
    /* Case 1 closed and followed by case 5; case 2 paused; case 4 marked erased. */
    lite_exec("UPDATE cases SET state = 'closed', outcome = 'nfa', decided_by = 'ejones', "
              "rationale = 'Old.', round = 1 WHERE id = 1;"
              "INSERT INTO cases(subject_id, previous_case_id, state_since, created_at, "
              "priority) VALUES (1, 1, 1767240000, 1767240000, 7);"
              "UPDATE cases SET paused_until = 1767900000, paused_at = 1767230000, "
              "paused_by = 'bjones', pause_reason = 'Awaiting the IOPC.', clock_shift = 86400 "
              "WHERE id = 2;"
              "UPDATE subjects SET vetting_status = 'under_review' WHERE id = 2;"
              "INSERT INTO erasures(case_id, event) VALUES (4, 3);");
}

/* The same rows in the PostgreSQL database, written as the service role. */
static void
copy_to_pg(void)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(lite_path, &s), SQLITE_OK);
    static const char *const tables[] = {
        "imports",  "subjects",  "cases",     "allegations",      "notes",
        "votes",    "decisions", "approvals", "superseded_votes", "audit_events",
        "erasures",
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(tables); i++)
        copy_table(s, tables[i]);
    sqlite3_close(s);
}

/* good.yaml with conflicts.same_unit off, ejones declared conflicted on S1, tnash gone. */
static struct cr_config *
config_b(void)
{
    char path[200], cmd[1024];
    snprintf(path, sizeof path, "%s/b.yaml", dir);
    snprintf(cmd, sizeof cmd,
             "sed -e 's/same_unit: true/same_unit: false\\n  declared:\\n    - { login: ejones, "
             "subject_ref: S1, reason: \"cousin\" }/' -e '/login: tnash/d' %s/config/good.yaml >%s",
             FIXTURES, path);
    assert_int_equal(system(cmd), 0);
    struct cr_config *cfg = NULL;
    cr_diags *d = NULL;
    if (cr_config_load(path, &cfg, &d) != CR_OK)
        fail_msg("%s does not load", path);
    cr_diags_free(d);
    assert_false(cfg->same_unit);
    assert_int_equal(cfg->n_declared, 1);
    assert_null(cr_config_person(cfg, "tnash"));
    return cfg;
}

static int
setup(void **state)
{
    (void)state;
    pg_url = getenv("CASEREVIEW_TEST_PG_URL");
    pg_allow_incomplete = true;
    strcpy(dir, "/tmp/cr-pgcase-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(lite_path, sizeof lite_path, "%s/t.db", dir);
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg_a, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    cfg_b = config_b();
    service = PQconnectdb(pg_url);
    char url[512];
    snprintf(url, sizeof url, "postgresql:///postgres?host=%s&user=postgres", getenv("PGHOST"));
    super = PQconnectdb(url);
    if (PQstatus(service) != CONNECTION_OK || PQstatus(super) != CONNECTION_OK)
        return -1;
    PQsetNoticeProcessor(service, quiet, NULL);
    PQsetNoticeProcessor(super, quiet, NULL);
    /* The people's roles (tnash among them, outsider on no roster), before any pin. */
    static const char *const roles[] = {"asmith", "ejones", "bjones",  "cadmin",
                                        "mkhan",  "tnash",  "outsider"};
    for (size_t i = 0; i < CR_ARRAY_LEN(roles); i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN", roles[i]);
        pq_ok(super, sql);
    }
    /* The schema, installed by the service role, with the tests' clock. */
    cr_db *pg = open_pg(pg_url, cfg_a, "cadmin");
    cr_db_close(pg);
    pq_ok(service, "INSERT INTO casereview.settings(key, value) VALUES ('test_clock', 'on')");
    build_lite();
    copy_to_pg();
    /* The chain's head past the copied events, so that new ones follow them. */
    pq_ok(service, "UPDATE casereview.settings SET value = e.id || ':' || encode(e.hash, 'hex') "
                   "FROM (SELECT id, hash FROM casereview.audit_events ORDER BY id DESC LIMIT 1) e "
                   "WHERE key = 'audit_head'");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    cr_config_free(cfg_a);
    cr_config_free(cfg_b);
    PQfinish(service);
    PQfinish(super);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Tests */

/* The pinned configuration: none, then A, B, and A again (marked, not copied). */
static void
test_config_round_trip(void **state)
{
    (void)state;
    cr_db *lite = open_lite("cadmin"), *pg = open_pg(pg_url, cfg_a, "cadmin");
    check_config(lite, pg, NULL);
    check_config(lite, pg, "0123abcd");
    char has[16];
    pq_value(super, "SELECT has_database_privilege('asmith', 'cr', 'CONNECT')", has, sizeof has);
    assert_string_equal(has, "f");

    put_config(lite, cfg_a);
    put_config(pg, cfg_a);
    check_config(lite, pg, NULL);
    check_config(lite, pg, cfg_a->digest);
    check_config_texts(lite, pg, 1);
    now_value += 86400;
    put_config(lite, cfg_b);
    put_config(pg, cfg_b);
    check_config(lite, pg, NULL);
    char prefix[9];
    memcpy(prefix, cfg_a->digest, 8);
    prefix[8] = '\0';
    check_config(lite, pg, prefix);
    /* Upper case is read as lower case. */
    for (char *p = prefix; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    check_config(lite, pg, prefix);
    check_config_texts(lite, pg, 2);
    /* The roster published with B: tnash is gone from it and from the database. */
    pq_value(service, "SELECT value FROM casereview.settings WHERE key = 'same_unit'", has,
             sizeof has);
    assert_string_equal(has, "off");
    pq_value(super, "SELECT has_database_privilege('tnash', 'cr', 'CONNECT')", has, sizeof has);
    assert_string_equal(has, "f");
    pq_value(super, "SELECT has_database_privilege('ejones', 'cr', 'CONNECT')", has, sizeof has);
    assert_string_equal(has, "t");
    char conflicts[64];
    pq_value(service, "SELECT conflicts FROM casereview.people WHERE login = 'ejones'", conflicts,
             sizeof conflicts);
    assert_string_equal(conflicts, "{S1}");
    now_value += 86400;
    put_config(lite, cfg_a);
    put_config(pg, cfg_a);
    check_config(lite, pg, NULL);
    check_config(lite, pg, cfg_b->digest);
    check_config_texts(lite, pg, 2);
    char roster[512];
    pq_value(service,
             "SELECT string_agg(login || ':' || roles || ':' || coalesce(unit, '-') || ':' || "
             "conflicts::text, ' ' ORDER BY login) FROM casereview.people",
             roster, sizeof roster);
    assert_string_equal(roster, "asmith:1:East Area BCU:{} bjones:2:Professional Standards:{} "
                                "cadmin:4:-:{} ejones:1:Professional Standards:{} "
                                "fkaur:3:Professional Standards:{} lpark:8:-:{} mkhan:8:-:{} "
                                "rdoe:8:-:{} tnash:8:-:{}");
    pq_value(service, "SELECT value FROM casereview.settings WHERE key = 'same_unit'", has,
             sizeof has);
    assert_string_equal(has, "on");
    static const char *const admitted[] = {"asmith", "ejones", "bjones",
                                           "cadmin", "mkhan",  "tnash"};
    for (size_t i = 0; i < CR_ARRAY_LEN(admitted); i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT has_database_privilege('%s', 'cr', 'CONNECT')",
                 admitted[i]);
        pq_value(super, sql, has, sizeof has);
        assert_string_equal(has, "t");
    }
    pq_value(super, "SELECT has_database_privilege('outsider', 'cr', 'CONNECT')", has, sizeof has);
    assert_string_equal(has, "f");
    cr_db_close(lite);
    cr_db_close(pg);
}

/* Every case on both engines, as the service role: the same rows, messages and order. */
static void
test_cases_agree(void **state)
{
    (void)state;
    cr_db *lite = open_lite("cadmin"), *pg = open_pg(pg_url, cfg_a, "cadmin");
    for (int64_t id = 0; id <= 7; id++) {
        bool exists = id >= 1 && id <= 5;
        SAME_INT(check_load(lite, pg, id, false, false), exists ? CR_OK : CR_NOT_FOUND,
                 "case_load");
        check_load(lite, pg, id, true, false);
        check_load(lite, pg, id, true, true);
        SAME_INT(check_state(lite, pg, id), exists ? CR_OK : CR_NOT_FOUND, "case_state");
        check_history(lite, pg, id);
        check_find(lite, pg, id, NULL);
    }
    /* What the cases hold: the comparisons above are not of empty lists. */
    struct cr_case c;
    assert_int_equal(st_case_load(pg, 1, true, false, &c), CR_OK);
    assert_int_equal(c.n_allegations, 3);
    assert_string_equal(c.allegations[0].ref, "A2");
    assert_string_equal(c.allegations[1].ref, "A1");
    assert_string_equal(c.allegations[1].summary, "first, \"quoted\"");
    cr_case_free(&c);
    assert_int_equal(st_case_load(pg, 3, true, false, &c), CR_OK);
    assert_int_equal(c.round, 2);
    assert_int_equal(c.n_votes, 2);
    assert_true(c.n_notes >= 4);
    cr_case_free(&c);
    assert_int_equal(st_case_load(pg, 3, true, true, &c), CR_OK);
    assert_int_equal(c.n_votes, 0);
    assert_int_equal(c.votes_hidden, 2);
    cr_case_free(&c);
    struct cr_case_state cs;
    assert_int_equal(st_case_state(pg, 3, &cs), CR_OK);
    assert_true(cs.n_acts >= 10);
    bool set_aside = false, recall = false;
    for (size_t i = 0; i < cs.n_acts; i++) {
        set_aside |= cs.acts[i].action == CR_ACTION_VOTE && cs.acts[i].round == 1 &&
                     strcmp(cs.acts[i].login, "tnash") == 0;
        recall |= cs.acts[i].action == CR_ACTION_RETURN && cs.acts[i].round == 2;
    }
    assert_true(set_aside && recall);
    cr_case_state_free(&cs);
    assert_int_equal(st_case_state(pg, 4, &cs), CR_OK);
    assert_int_equal(cs.erased, 3);
    cr_case_state_free(&cs);
    struct cr_history h;
    assert_int_equal(st_history(pg, 3, &h), CR_OK);
    assert_true(h.n >= 15);
    cr_history_free(&h);
    /* Subjects: S1's latest case is 5 (following closed case 1). */
    check_find(lite, pg, 0, "S1");
    check_find(lite, pg, 3, "S3");
    check_find(lite, pg, 0, "S9");
    check_find(lite, pg, 0, "");
    check_find(lite, pg, 2, "S2");
    int64_t n, ref;
    assert_int_equal(st_store(pg)->find_case(pg, 0, "S1", &n, &ref), CR_OK);
    assert_int_equal(ref, 5);
    /* The quorum's reads. */
    static const char *const starts[] = {"approve", "reconvene", NULL};
    static const char *const none[] = {NULL};
    static const char *const odd[] = {"a\"b", "c\\d", "e,f", NULL};
    for (int64_t id = 1; id <= 6; id++) {
        check_sitting(lite, pg, id, starts);
        check_sitting(lite, pg, id, none);
        check_sitting(lite, pg, id, odd);
    }
    lite_exec("UPDATE cases SET quorum_blocked = 1 WHERE id = 4");
    pq_ok(service, "UPDATE casereview.cases SET quorum_blocked = 1 WHERE id = 4");
    check_quorum_cases(lite, pg);
    cr_db_close(lite);
    cr_db_close(pg);
}

/* Drafts round trip on both engines: bytes, long text, replacing, deleting. */
static void
test_drafts_agree(void **state)
{
    (void)state;
    cr_db *lite = open_lite("asmith"), *pg = open_pg(pg_url, cfg_a, "asmith");
    size_t long_len = 100000;
    char *long_text = malloc(long_len + 1);
    for (size_t i = 0; i < long_len; i++)
        long_text[i] = "abc\xc3\xa9\n\t \"'\\{}"[i % 13];
    long_text[long_len - 1] = 'z';
    long_text[long_len] = '\0';
    const struct cr_draft drafts[] = {
        {.action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "Łódź — “quoted” ✓\r\n"},
        {.action = CR_ACTION_DECIDE,
         .outcome = CR_OUTCOME_REFER,
         .vetting_review = 1,
         .vote = -1,
         .text = long_text,
         .case_version = 3},
        {.action = CR_ACTION_VOTE, .outcome = -1, .vote = CR_VOTE_DISSENT, .text = NULL},
        {.action = CR_ACTION_ASSIGN, .outcome = -1, .vote = -1, .target = "ejones", .text = ""},
        {.action = CR_ACTION_RETURN, .outcome = -1, .vote = -1, .text = "\\x00 not a byte"},
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(drafts); i++) {
        now_value += 7;
        for (int e = 0; e < 2; e++) {
            cr_db *db = e ? pg : lite;
            assert_int_equal(st_begin(db), CR_OK);
            if (st_draft_put(db, 1, &drafts[i]) != CR_OK)
                fail_msg("draft_put: %s", cr_db_errmsg(db));
            assert_int_equal(st_commit(db), CR_OK);
        }
    }
    for (size_t i = 0; i < CR_ARRAY_LEN(drafts); i++) {
        struct cr_draft a, b;
        assert_int_equal(st_draft_get(lite, 1, drafts[i].action, &a), CR_OK);
        assert_int_equal(st_draft_get(pg, 1, drafts[i].action, &b), CR_OK);
        same_draft(&a, &b);
        assert_string_equal(b.text, drafts[i].text ? drafts[i].text : "");
        cr_draft_free(&a);
        cr_draft_free(&b);
    }
    /* Replaced, then deleted: then none, with the same message. */
    struct cr_draft again = drafts[0];
    again.text = "second";
    for (int e = 0; e < 2; e++) {
        cr_db *db = e ? pg : lite;
        assert_int_equal(st_begin(db), CR_OK);
        assert_int_equal(st_draft_put(db, 1, &again), CR_OK);
        assert_int_equal(st_draft_delete(db, 1, CR_ACTION_VOTE), CR_OK);
        assert_int_equal(st_draft_delete(db, 1, CR_ACTION_RECONVENE), CR_OK);
        assert_int_equal(st_commit(db), CR_OK);
    }
    struct cr_draft a, b;
    assert_int_equal(st_draft_get(lite, 1, CR_ACTION_NOTE, &a), CR_OK);
    assert_int_equal(st_draft_get(pg, 1, CR_ACTION_NOTE, &b), CR_OK);
    same_draft(&a, &b);
    assert_string_equal(b.text, "second");
    cr_draft_free(&a);
    cr_draft_free(&b);
    for (int e = 0; e < 2; e++) {
        cr_db *db = e ? pg : lite;
        assert_int_equal(st_draft_get(db, 1, CR_ACTION_VOTE, &a), CR_NOT_FOUND);
        assert_string_equal(cr_db_errmsg(db), "you (asmith) have no saved draft of vote on case 1");
        cr_draft_free(&a);
        assert_int_equal(st_draft_get(db, 3, CR_ACTION_NOTE, &a), CR_NOT_FOUND);
        assert_string_equal(cr_db_errmsg(db), "you (asmith) have no saved draft of note on case 3");
        cr_draft_free(&a);
    }
    /* The text is kept as bytes (bytea), exactly. */
    char len[32];
    pq_value(service,
             "SELECT octet_length(text) FROM casereview.drafts WHERE case_id = 1 AND "
             "login = 'asmith' AND action = 'decide'",
             len, sizeof len);
    assert_int_equal(atol(len), (long)long_len);
    free(long_text);
    cr_db_close(lite);
    cr_db_close(pg);
}

/* A person reads only what need-to-know gives them; what it keeps from them does not exist. */
static void
test_need_to_know(void **state)
{
    (void)state;
    cr_db *lite = open_lite("cadmin"), *service_db = open_pg(pg_url, cfg_a, "cadmin");
    put_config(service_db, cfg_a); /* same_unit on */
    cr_db_close(service_db);
    cr_db *as = open_person("asmith", cfg_a);
    /* Case 2's subject is in asmith's unit: for her it is not there. */
    struct cr_case c;
    assert_int_equal(st_case_load(as, 2, true, false, &c), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(as), "no case 2");
    cr_case_free(&c);
    /*
     * The workflow's view: only what core's refusal reads (core refuses it by
     * its rule, conflicts.same_unit here, and records the refusal), nothing
     * of the case: it is with the panel, read as flagged, version 0.
     */
    struct cr_case_state cs;
    assert_int_equal(st_case_state(as, 2, &cs), CR_OK);
    assert_int_equal(cs.id, 2);
    assert_int_equal(cs.version, 0);
    assert_true(cs.state == CR_STATE_FLAGGED || cs.state == CR_STATE_CLOSED);
    assert_null(cs.assignee);
    assert_null(cs.decided_by);
    assert_null(cs.approved_by);
    assert_null(cs.subject_ref);
    assert_non_null(cs.subject_unit);
    assert_int_equal(cs.n_votes + cs.n_acts, 0);
    cr_case_state_free(&cs);
    /* Through psql the case's content is SQLSTATE CR002, the words of a case that is not there. */
    PGconn *c2 = connect_as("asmith");
    static const char *const calls[] = {
        "SELECT * FROM casereview.cr_case_load(2)",
        "SELECT * FROM casereview.cr_case_lists(2, true, false)",
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(calls); i++) {
        char msg[128];
        pq_fails(c2, calls[i], "CR002", msg, sizeof msg);
        assert_string_equal(msg, "no case 2");
    }
    char found[64];
    pq_value(c2, "SELECT count(*) FROM casereview.cr_history(2)", found, sizeof found);
    assert_string_equal(found, "0");
    pq_value(c2, "SELECT count(*) FROM casereview.cr_history(3)", found, sizeof found);
    assert_string_not_equal(found, "0");
    pq_value(c2, "SELECT count(*) FROM casereview.cr_case_state_lists(2)", found, sizeof found);
    assert_string_equal(found, "0");
    /* Found, as the SQLite engine finds it, for core to refuse. */
    pq_value(c2, "SELECT id || ' ' || id_of_ref FROM casereview.cr_find_case(2, 'S2')", found,
             sizeof found);
    assert_string_equal(found, "2 2");
    PQfinish(c2);
    struct cr_history h;
    assert_int_equal(st_history(as, 2, &h), CR_OK);
    assert_int_equal(h.n, 0);
    cr_history_free(&h);
    int64_t n, ref;
    assert_int_equal(st_store(as)->find_case(as, 2, "S2", &n, &ref), CR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ref, 2);
    struct cr_draft d = {.action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "x"};
    assert_int_equal(st_begin(as), CR_OK);
    assert_int_equal(st_draft_put(as, 2, &d), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(as), "no case 2");
    st_rollback(as);
    /* The cases she may see are as the SQLite engine gives them. */
    assert_int_equal(check_load(lite, as, 1, true, false), CR_OK);
    assert_int_equal(check_load(lite, as, 3, true, true), CR_OK);
    assert_int_equal(check_state(lite, as, 3), CR_OK);
    check_history(lite, as, 3);
    check_find(lite, as, 1, "S1");
    check_load(lite, as, 99, false, false);
    int64_t *ids;
    size_t count;
    assert_int_equal(st_quorum_cases(as, &ids, &count), CR_OK);
    for (size_t i = 0; i < count; i++)
        assert_true(ids[i] != 2);
    free(ids);
    cr_db_close(as);

    /* mkhan is on the panel alone: case 1 never went before it, case 3 did. */
    cr_db *mk = open_person("mkhan", cfg_a);
    assert_int_equal(st_case_load(mk, 1, false, false, &c), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(mk), "no case 1");
    cr_case_free(&c);
    assert_int_equal(st_case_state(mk, 5, &cs), CR_OK);
    assert_int_equal(cs.panel_round, 0);
    assert_null(cs.subject_unit);
    assert_null(cs.assignee);
    cr_case_state_free(&cs);
    assert_int_equal(st_store(mk)->find_case(mk, 1, "S1", &n, &ref), CR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(check_load(lite, mk, 3, true, false), CR_OK);
    assert_int_equal(check_state(lite, mk, 3), CR_OK);
    static const char *const starts[] = {"approve", "reconvene", NULL};
    check_sitting(lite, mk, 3, starts);
    cr_db_close(mk);

    /* Under B: same_unit off (asmith sees case 2), ejones declared conflicted on S1. */
    service_db = open_pg(pg_url, cfg_b, "cadmin");
    put_config(service_db, cfg_b);
    cr_db_close(service_db);
    as = open_person("asmith", cfg_b);
    assert_int_equal(check_load(lite, as, 2, true, false), CR_OK);
    cr_db_close(as);
    cr_db *ej = open_person("ejones", cfg_b);
    assert_int_equal(st_case_load(ej, 5, false, false, &c), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(ej), "no case 5");
    cr_case_free(&c);
    assert_int_equal(st_store(ej)->find_case(ej, 1, "S1", &n, &ref), CR_OK);
    assert_int_equal(n, 1); /* found, for core to refuse by its rule */
    assert_int_equal(check_load(lite, ej, 2, false, false), CR_OK);
    cr_db_close(ej);
    service_db = open_pg(pg_url, cfg_a, "cadmin");
    put_config(service_db, cfg_a);
    cr_db_close(service_db);
    cr_db_close(lite);
}

/* A person's drafts are their own; no table is theirs to read; only an admin pins. */
static void
test_person_limits(void **state)
{
    (void)state;
    cr_db *as = open_person("asmith", cfg_a);
    struct cr_draft d = {.action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "mine"};
    assert_int_equal(st_begin(as), CR_OK);
    assert_int_equal(st_draft_put(as, 3, &d), CR_OK);
    /* With its event, as core writes it: the server takes no change without. */
    struct cr_case_state cs3;
    assert_int_equal(st_case_state(as, 3, &cs3), CR_OK);
    if (cr_audit_append(as, 3, "draft_save", cr_state_name(cs3.state), cr_state_name(cs3.state),
                        "{}") != CR_OK)
        fail_msg("draft_save: %s", cr_db_errmsg(as));
    cr_case_state_free(&cs3);
    assert_int_equal(st_commit(as), CR_OK);
    /* Through the engine, another's login is refused. */
    struct cr_draft got;
    assert_int_equal(st_store(as)->draft_get(as, "ejones", 1, CR_ACTION_NOTE, &got), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(as), "you connect as asmith and may not act as ejones");
    cr_draft_free(&got);
    cr_db_close(as);

    cr_db *ej = open_person("ejones", cfg_a);
    assert_int_equal(st_draft_get(ej, 3, CR_ACTION_NOTE, &got), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(ej), "you (ejones) have no saved draft of note on case 3");
    cr_draft_free(&got);
    cr_db_close(ej);

    /* Through psql, no more. */
    PGconn *c = connect_as("ejones");
    char msg[512];
    pq_fails(c, "SELECT * FROM casereview.cr_draft_get('asmith', 3, 'note')", "CR403", msg,
             sizeof msg);
    assert_string_equal(msg, "you connect as ejones and may not act as asmith");
    pq_fails(c,
             "SELECT casereview.cr_draft_put('asmith', 3, 'note', NULL, 0, NULL, NULL, "
             "'\\x00', 1)",
             "CR403", NULL, 0);
    pq_fails(c, "SELECT casereview.cr_draft_delete('asmith', 3, 'note')", "CR403", NULL, 0);
    char left[16];
    pq_value(service,
             "SELECT convert_from(text, 'UTF8') FROM casereview.drafts WHERE login = 'asmith' "
             "AND case_id = 3",
             left, sizeof left);
    assert_string_equal(left, "mine");
    static const char *const tables[] = {
        "cases", "subjects",     "drafts",   "people",          "votes",
        "notes", "audit_events", "settings", "config_versions", "allegations"};
    for (size_t i = 0; i < CR_ARRAY_LEN(tables); i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM casereview.%s", tables[i]);
        pq_fails(c, sql, "42501", msg, sizeof msg);
        char want[128];
        snprintf(want, sizeof want, "permission denied for table %s", tables[i]);
        assert_string_equal(msg, want);
    }
    pq_fails(c, "UPDATE casereview.cases SET state = 'closed'", "42501", NULL, 0);
    /* The helpers are not the public's to call. */
    pq_fails(c, "SELECT casereview.cr_case_scope()", "42501", NULL, 0);
    pq_fails(c, "SELECT casereview.cr_case_visible(2)", "42501", NULL, 0);
    /* Pinning is the admin's (and the service role's). */
    pq_fails(c, "SELECT casereview.cr_config_put('x', '\\x00', 'ejones', false, '[]')", "CR403",
             msg, sizeof msg);
    assert_string_equal(msg, "config adopt needs the admin role; you (ejones) are not an admin "
                             "of the configuration in force");
    PQfinish(c);
    cr_db *ad = open_person("cadmin", cfg_a);
    /* An admin names themselves, no one else. */
    assert_int_equal(st_begin(ad), CR_OK);
    assert_int_equal(st_store(ad)->config_put(ad, cfg_b, "bjones"), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(ad), "you connect as cadmin and may not act as bjones");
    st_rollback(ad);
    now_value += 60;
    /* An admin puts a configuration in force only by adopting it (the adoption recorded). */
    if (cr_config_adopt(ad, cfg_b) != CR_OK)
        fail_msg("adopt B: %s", cr_db_errmsg(ad));
    struct cr_config_version v;
    assert_int_equal(st_config_get(ad, NULL, &v), CR_OK);
    assert_string_equal(v.digest, cfg_b->digest);
    assert_string_equal(v.adopted_by, "cadmin");
    cr_config_version_free(&v);
    if (cr_config_adopt(ad, cfg_a) != CR_OK)
        fail_msg("adopt A: %s", cr_db_errmsg(ad));
    cr_db_close(ad);

    /* Someone not on the roster reads nothing, though they may connect. */
    pq_ok(super, "GRANT CONNECT ON DATABASE cr TO outsider");
    c = connect_as("outsider");
    pq_fails(c, "SELECT * FROM casereview.cr_case_load(1)", "CR403", msg, sizeof msg);
    assert_string_equal(
        msg, "you connect as outsider, who is not in the pinned roster of this database");
    pq_fails(c, "SELECT * FROM casereview.cr_find_case(0, NULL)", "CR403", NULL, 0);
    pq_fails(c, "SELECT * FROM casereview.cr_quorum_cases()", "CR403", NULL, 0);
    pq_fails(c, "SELECT * FROM casereview.cr_config_get(NULL)", "CR403", NULL, 0);
    pq_fails(c, "SELECT * FROM casereview.cr_history(1)", "CR403", NULL, 0);
    PQfinish(c);
    pq_ok(super, "REVOKE CONNECT ON DATABASE cr FROM outsider");
}

int
main(void)
{
    if (!getenv("CASEREVIEW_TEST_PG_URL") || !getenv("PGHOST")) {
        printf("CASEREVIEW_TEST_PG_URL is not set: run through tests/pg/with-cluster.sh\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_round_trip), cmocka_unit_test(test_cases_agree),
        cmocka_unit_test(test_drafts_agree),      cmocka_unit_test(test_need_to_know),
        cmocka_unit_test(test_person_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
