/*
 * The figures' counts on PostgreSQL (store.h, "The figures"; the SQLite
 * engine's core/sqlite/report.c): each method one call of a server
 * function of sql/060-report.sql, its rows converted as SQLite's are, in
 * the same order.  The server reads the counters its triggers keep
 * (001-tables.sql) and refuses anyone not on the pinned roster.
 */
#include "pg.h"

#include <assert.h>
#include <string.h>

/* Call sql (args a) for its rows; NULL with *st set on failure. */
static PGresult *
rows(cr_db *db, const char *sql, const struct pg_args *a, enum cr_status *st)
{
    return pg_query(db, "figures", sql, a, st);
}

/* An outcome column: -1 for none (NULL or ''), as SQLite's report.c. */
static int
outcome_at(const PGresult *r, int row, int col)
{
    const char *s = pg_text(r, row, col);
    return s ? cr_outcome_parse(s) : -1;
}

static const char *
text_at(const PGresult *r, int row, int col)
{
    const char *s = pg_text(r, row, col);
    return s ? s : "";
}

/* A counter of cases (state, outcome, categories or vetting_review, n) to each(). */
static enum cr_status
counts(cr_db *db, const char *sql, bool vetting, cr_store_count_fn each, void *ctx)
{
    assert(each);
    enum cr_status st = CR_OK;
    PGresult *r = rows(db, sql, NULL, &st);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n && st == CR_OK; i++) {
        struct cr_case_count c = {
            .state = cr_state_parse(text_at(r, i, 0)),
            .outcome = outcome_at(r, i, 1),
            .n = pg_int(r, i, 3),
        };
        if (vetting)
            c.vetting_review = pg_int(r, i, 2) != 0;
        else
            c.categories = (unsigned)pg_int(r, i, 2);
        st = each(ctx, &c);
    }
    PQclear(r);
    return st;
}

enum cr_status
pg_case_counts(cr_db *db, cr_store_count_fn each, void *ctx)
{
    return counts(db, "SELECT * FROM casereview.cr_case_counts()", false, each, ctx);
}

enum cr_status
pg_outcome_counts(cr_db *db, cr_store_count_fn each, void *ctx)
{
    return counts(db, "SELECT * FROM casereview.cr_outcome_counts()", true, each, ctx);
}

enum cr_status
pg_record_counts(cr_db *db, int64_t *subjects, int64_t *allegations,
                 int64_t by_category[CR_CATEGORY_COUNT])
{
    *subjects = *allegations = 0;
    memset(by_category, 0, CR_CATEGORY_COUNT * sizeof *by_category);
    enum cr_status st = CR_OK;
    PGresult *r = rows(db, "SELECT * FROM casereview.cr_record_counts()", NULL, &st);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        const char *name = text_at(r, i, 0);
        int64_t v = pg_int(r, i, 1);
        if (strcmp(name, "subjects") == 0) {
            *subjects = v;
        } else if (strncmp(name, "allegations:", 12) == 0) {
            int c = cr_category_parse(name + 12);
            if (c >= 0)
                by_category[c] = v;
            *allegations += v;
        }
    }
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_case_facts(cr_db *db, int64_t as_at, bool followed, cr_store_fact_fn each, void *ctx)
{
    assert(each);
    assert(as_at >= 0);
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, as_at);
    pg_arg_text(&a, followed ? "true" : "false");
    enum cr_status st = CR_OK;
    PGresult *r =
        rows(db, "SELECT * FROM casereview.cr_case_facts($1::bigint, $2::boolean)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n && st == CR_OK; i++) {
        struct cr_case_fact f = {
            .subject_id = pg_int(r, i, 0),
            .state = cr_state_parse(text_at(r, i, 1)),
            .outcome = outcome_at(r, i, 2),
            .vetting_review = pg_int(r, i, 3) != 0,
            .categories = (unsigned)pg_int(r, i, 4),
            .unit = text_at(r, i, 5),
            .rank = text_at(r, i, 6),
            .employment = text_at(r, i, 7),
        };
        st = each(ctx, &f);
    }
    PQclear(r);
    return st;
}

/* One count from a function of integer (or text) arguments. */
static enum cr_status
count_of(cr_db *db, const char *sql, const struct pg_args *a, int64_t *n)
{
    *n = 0;
    enum cr_status st = CR_OK;
    PGresult *r = rows(db, sql, a, &st);
    if (!r)
        return st;
    if (PQntuples(r) == 1)
        *n = pg_int(r, 0, 0);
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_cases_waiting(cr_db *db, int state, int64_t since_before, int64_t now, int64_t *n)
{
    assert(state >= 0 && state < CR_STATE_COUNT);
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, cr_state_name(state));
    pg_arg_int(&a, since_before);
    pg_arg_int(&a, now);
    enum cr_status st =
        count_of(db, "SELECT casereview.cr_cases_waiting($1::text, $2::bigint, $3::bigint)", &a, n);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_first_decisions(cr_db *db, int64_t from, int64_t to, int64_t *n)
{
    assert(from <= to);
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, from);
    pg_arg_int(&a, to);
    enum cr_status st =
        count_of(db, "SELECT casereview.cr_first_decisions($1::bigint, $2::bigint)", &a, n);
    pg_args_free(&a);
    return st;
}

/* A per-reviewer counter to each(). */
static enum cr_status
reviewer_rows(cr_db *db, const char *sql, bool rounds, cr_store_reviewer_fn each, void *ctx)
{
    assert(each);
    enum cr_status st = CR_OK;
    PGresult *r = rows(db, sql, NULL, &st);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n && st == CR_OK; i++) {
        struct cr_reviewer_count c = {.login = text_at(r, i, 0), .outcome = -1};
        if (rounds) {
            c.finished = pg_int(r, i, 1);
            c.returned = pg_int(r, i, 2);
        } else {
            c.outcome = outcome_at(r, i, 1);
            c.n = pg_int(r, i, 2);
        }
        st = each(ctx, &c);
    }
    PQclear(r);
    return st;
}

enum cr_status
pg_reviewer_outcomes(cr_db *db, cr_store_reviewer_fn each, void *ctx)
{
    return reviewer_rows(db, "SELECT * FROM casereview.cr_reviewer_outcomes()", false, each, ctx);
}

enum cr_status
pg_panel_rounds(cr_db *db, cr_store_reviewer_fn each, void *ctx)
{
    return reviewer_rows(db, "SELECT * FROM casereview.cr_panel_rounds()", true, each, ctx);
}

enum cr_status
pg_assigned_cases(cr_db *db, cr_store_assigned_fn each, void *ctx)
{
    assert(each);
    enum cr_status st = CR_OK;
    PGresult *r = rows(db, "SELECT * FROM casereview.cr_assigned_cases()", NULL, &st);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n && st == CR_OK; i++) {
        struct cr_assigned_count c = {
            .login = text_at(r, i, 0),
            .state = cr_state_parse(text_at(r, i, 1)),
            .state_since = pg_int(r, i, 2),
            .n = pg_int(r, i, 3),
        };
        st = each(ctx, &c);
    }
    PQclear(r);
    return st;
}
