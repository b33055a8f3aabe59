/*
 * A supervisor's tools on the command line: `workload` (core's figures,
 * cr_workload_get, the ones the dashboard is to show) and the bulk form of
 * assign, `assign --from LOGIN --to LOGIN` (cr_assign_bulk: every rule is
 * core's, case by case, and all or nothing).
 */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

/* workload */

#define WORKLOAD_OPTIONS(_) _(WORKLOAD_FORMAT, "format", "F", "table (default), csv or json")
CLI_OPTIONS(workload_options, WORKLOAD_OPTIONS);

#define ROW(rec) ((const struct cr_workload_row *)(rec))
#define BOARD(ctx) ((const struct cr_workload *)(ctx))

/* The total's row is the board's own: it names no person. */
static bool
is_total(const void *rec, const void *ctx)
{
    return ctx && rec == &BOARD(ctx)->total;
}

static void
w_name(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = ROW(rec)->name;
    v->absent = !v->s;
}

static void
w_reviewer(const void *rec, const void *ctx, struct emit_value *v)
{
    v->i = ROW(rec)->reviewer != 0;
    v->absent = is_total(rec, ctx);
}

/* Someone holding cases who is not a reviewer on the roster (table: a mark). */
static void
w_left(const void *rec, const void *ctx, struct emit_value *v)
{
    v->i = !ROW(rec)->reviewer && !is_total(rec, ctx);
}

static void
w_state(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ROW(rec)->by_state[v->arg];
}

/* The table's OTHER: open cases neither in review, awaiting approval nor returned. */
static void
w_other(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ROW(rec)->by_state[CR_STATE_FLAGGED] + ROW(rec)->by_state[CR_STATE_PANEL_REVIEW];
}

static void
w_band(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ROW(rec)->by_band[v->arg];
}

static void
w_oldest(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ROW(rec)->oldest;
    v->absent = v->i < 0;
}

static void
w_oldest_shown(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    if (ROW(rec)->oldest < 0)
        emit_printf(v, "-");
    else
        emit_printf(v, "%lldd", (long long)ROW(rec)->oldest);
}

#define STATE_FIELD(name, state)                        \
    {                                                   \
        name, EMIT_INT, 0, w_state, 0, CR_STATE_##state \
    }
#define BAND_FIELD(name, band, flags)          \
    {                                          \
        name, EMIT_INT, 0, w_band, flags, band \
    }

static const struct emit_field workload_fields[] = {
    EMIT_AT("login", EMIT_TEXT, struct cr_workload_row, login),
    EMIT_GET("name", EMIT_TEXT, w_name),
    EMIT_GET("reviewer", EMIT_BOOL, w_reviewer),
    STATE_FIELD("flagged", FLAGGED),
    STATE_FIELD("in_review", IN_REVIEW),
    STATE_FIELD("awaiting_approval", AWAITING_APPROVAL),
    STATE_FIELD("panel_review", PANEL_REVIEW),
    STATE_FIELD("returned", RETURNED),
    EMIT_AT("open", EMIT_INT, struct cr_workload_row, open),
    /* The age bands (core: cr_workload_band_from): 0-6, 7-13, 14-27, 28 days and more. */
    BAND_FIELD("days_0_6", 0, 0),
    BAND_FIELD("days_7_13", 1, 0),
    BAND_FIELD("days_14_27", 2, 0),
    BAND_FIELD("days_28_plus", 3, 0),
    EMIT_GET("oldest_days", EMIT_INT, w_oldest),
    {"left", EMIT_BOOL, 0, w_left, EMIT_TABLE_ONLY, 0},
    {"other", EMIT_INT, 0, w_other, EMIT_TABLE_ONLY, 0},
    EMIT_SHOWN("oldest", w_oldest_shown),
};
static const struct emit_record workload_rec = {
    EMIT_FIELDS(workload_fields),
    "REVIEWER   REVIEW APPROVAL RETURNED OTHER  OPEN  0-6d 7-13d 14-27d 28d+ OLDEST",
    "{login:<10} {in_review:>6} {awaiting_approval:>8} {returned:>8} {other:>5} {open:>5}  "
    "{days_0_6:>4} {days_7_13:>5} {days_14_27:>6} {days_28_plus:>4} {oldest:>6}"
    "[{?left}  (not a reviewer on the roster)]",
};

void
cli_workload_json(struct emit *e, const char *key, const struct cr_workload *w)
{
    /* The total's row is told apart through the getters' context: this workload. */
    const void *ctx = e->ctx;
    e->ctx = w;
    char at[21];
    cr_time_format(w->now, at);
    emit_open(e, key, '{');
    emit_text(e, "at", at);
    emit_open_as(e, "bands", '[', EMIT_INLINE);
    for (int b = 0; b < CR_WORKLOAD_BANDS; b++) {
        char band[24];
        int from = cr_workload_band_from(b);
        if (b + 1 < CR_WORKLOAD_BANDS)
            snprintf(band, sizeof band, "%d-%d", from, cr_workload_band_from(b + 1) - 1);
        else
            snprintf(band, sizeof band, "%d+", from);
        emit_text(e, NULL, band);
    }
    emit_close(e);
    emit_break(e);
    emit_open_as(e, "reviewers", '[', EMIT_LINES_TIGHT);
    for (size_t i = 0; i < w->n_rows; i++)
        emit_object(e, NULL, &workload_rec, &w->rows[i]);
    emit_close(e);
    emit_break(e);
    emit_object(e, "total", &workload_rec, &w->total);
    emit_close(e);
    e->ctx = ctx;
}

int
cmd_workload(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("workload", a->opt[OPT_WORKLOAD_FORMAT], true, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    /* Core records the consultation before the figures come back: nothing is shown unrecorded. */
    struct cr_workload w;
    enum cr_status st = cr_workload_get(db, format_names[fmt], &w);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cr_workload_free(&w);
        cli_end(cli, db);
        return rc;
    }
    struct emit e;
    emit_init(&e, fmt, stdout, &workload_rec, &w);
    if (fmt == FORMAT_JSON) {
        cli_workload_json(&e, NULL, &w);
    } else {
        for (size_t i = 0; i < w.n_rows; i++)
            emit_row(&e, &w.rows[i]);
        emit_row(&e, &w.total);
        emit_end(&e);
    }
    cr_workload_free(&w);
    cli_end(cli, db);
    return cli_flush("workload");
}

/* assign --from LOGIN --to LOGIN */

/* What a bulk assign did: who to whom, and the cases. */
struct moved {
    const char *from, *to;
    const struct cr_bulk_result *r;
};

#define MOVED(rec) ((const struct moved *)(rec))

static void
m_count(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = (int64_t)MOVED(rec)->r->n_cases;
}

static void
m_unseen(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = (int64_t)MOVED(rec)->r->n_unseen;
}

/* The table's words for what moved, core's (cr_bulk_describe): "moved 3 cases from asmith to
 * ejones: cases 4, 7 and 2". */
static void
m_shown(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    const struct moved *m = MOVED(rec);
    const struct cr_bulk_assign q = {.from = m->from, .to = m->to, .state = -1};
    char *s = cr_bulk_describe(&q, m->r);
    if (!s) {
        v->absent = true;
        return;
    }
    v->s = v->owned = s;
}

static const struct emit_field moved_fields[] = {
    EMIT_AT("from", EMIT_TEXT, struct moved, from),
    EMIT_AT("to", EMIT_TEXT, struct moved, to),
    EMIT_GET("moved", EMIT_INT, m_count),
    EMIT_GET("unseen", EMIT_INT, m_unseen),
    EMIT_SHOWN("shown", m_shown),
};
static const struct emit_record moved_rec = {EMIT_FIELDS(moved_fields), NULL, "{shown}"};

int
cli_assign_bulk(struct cli *cli, const struct cli_bulk_assign *b)
{
    enum format fmt;
    int rc = parse_format("assign", b->format, false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!b->from && !b->to)
        return cli_error(EXIT_USAGE, "assign: --state and --limit go with --from LOGIN --to LOGIN");
    if (!b->to)
        return cli_error(EXIT_USAGE,
                         "assign: --from needs --to LOGIN, the reviewer the cases go to");
    if (!b->from)
        return cli_error(EXIT_USAGE,
                         "assign: --to needs --from LOGIN, whose cases move (or give CASE LOGIN)");
    struct cr_bulk_assign q = {.from = b->from, .to = b->to, .state = -1};
    if (b->state && (rc = parse_enum("assign", "state", b->state, cr_state_parse, cr_state_name,
                                     NULL, &q.state)) != EXIT_DONE)
        return rc;
    long long limit = 0;
    if (b->limit &&
        (rc = parse_number("assign", "limit", b->limit, 1, INT64_MAX, &limit)) != EXIT_DONE)
        return rc;
    q.limit = limit;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_bulk_result r;
    enum cr_status st = cr_assign_bulk(db, &q, &r);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        /* Every case that may not go, by its number, each on a line of its own. */
        for (size_t i = 0; i < r.n_refused; i++)
            cli_error(rc, "case %lld: %s", (long long)r.refused[i].case_id, r.refused[i].why);
        cr_bulk_result_free(&r);
        cli_end(cli, db);
        return rc;
    }
    /* The notify command for each case moved (a bulk assign has one notice per case). */
    cli_notify(cli, db);
    struct moved m = {b->from, b->to, &r};
    struct emit e;
    emit_init(&e, fmt, stdout, &moved_rec, NULL);
    if (fmt == FORMAT_JSON) {
        /* {"from", "to", "moved", "unseen", "cases": [numbers, riskiest first]} */
        emit_open(&e, NULL, '{');
        emit_members(&e, &moved_rec, &m);
        emit_open_as(&e, "cases", '[', EMIT_INLINE);
        for (size_t i = 0; i < r.n_cases; i++)
            emit_int(&e, NULL, r.cases[i]);
        emit_close(&e);
        emit_close(&e);
    } else {
        emit_one(&e, &m);
    }
    cr_bulk_result_free(&r);
    cli_end(cli, db);
    return cli_flush("assign");
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template supervise_templates[] = {
    {"the workload", &workload_rec, NULL},
    {"a bulk assign", &moved_rec, NULL},
    {NULL, NULL, NULL},
};
