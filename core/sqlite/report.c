/*
 * The figures' counts (store.h, "The figures"): what `report`, `stats` and
 * the dashboard are made from.  Part of the storage module: every statement
 * here is SQL over the schema of schema.c.  It only counts and reads; what
 * the numbers mean is core/report.c's.
 *
 * Plain counts come from maintained counters (case_counts, outcome_counts,
 * counters, panel_rounds, reviewer_outcomes); case_facts reads the cases,
 * all of them, or only those of subjects with more than one case
 * (cases_followed), or as they stood on a past day (from the audit trail).
 */
#include "sqlite.h"

#include <assert.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Statements: every one prepared, stepped and finalised here, every error an error. */

static enum cr_status
prep(cr_db *db, const char *sql, sqlite3_stmt **s)
{
    int rc = sqlite3_prepare_v2(sq_sqlite(db), sql, -1, s, NULL);
    if (rc != SQLITE_OK) {
        *s = NULL;
        return cr_fail_sql(db, rc, "figures");
    }
    return CR_OK;
}

/* SQLITE_ROW: 1; done: 0; an error: -1 with the handle's message set in *st. */
static int
next(cr_db *db, sqlite3_stmt *s, enum cr_status *st)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    *st = cr_fail_sql(db, rc, "figures");
    return -1;
}

static const char *
text(sqlite3_stmt *s, int col)
{
    const unsigned char *v = sqlite3_column_text(s, col);
    return v ? (const char *)v : "";
}

/* An outcome column: -1 for none (NULL or ''). */
static int
outcome(sqlite3_stmt *s, int col)
{
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return -1;
    return cr_outcome_parse(text(s, col));
}

enum cr_status
sq_snapshot_begin(cr_db *db, bool *began)
{
    *began = false;
    if (!sqlite3_get_autocommit(sq_sqlite(db)))
        return CR_OK;
    int rc = sqlite3_exec(sq_sqlite(db), "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "figures");
    *began = true;
    return CR_OK;
}

enum cr_status
sq_snapshot_end(cr_db *db, bool began, bool ok)
{
    if (!began)
        return CR_OK;
    if (!ok) {
        sqlite3_exec(sq_sqlite(db), "ROLLBACK", NULL, NULL, NULL);
        return CR_OK;
    }
    int rc = sqlite3_exec(sq_sqlite(db), "COMMIT", NULL, NULL, NULL);
    return rc == SQLITE_OK ? CR_OK : cr_fail_sql(db, rc, "figures");
}

/* Read a counter of cases, each row's columns in the order of *cols, to each(). */
static enum cr_status
counts(cr_db *db, const char *sql, bool vetting, cr_store_count_fn each, void *ctx)
{
    assert(each);
    sqlite3_stmt *s;
    enum cr_status st = prep(db, sql, &s);
    if (st != CR_OK)
        return st;
    int more;
    while ((more = next(db, s, &st)) == 1) {
        struct cr_case_count c = {
            .state = cr_state_parse(text(s, 0)),
            .outcome = outcome(s, 1),
            .n = sqlite3_column_int64(s, 3),
        };
        if (vetting)
            c.vetting_review = sqlite3_column_int(s, 2) != 0;
        else
            c.categories = (unsigned)sqlite3_column_int(s, 2);
        if ((st = each(ctx, &c)) != CR_OK)
            break;
    }
    sqlite3_finalize(s);
    return st;
}

enum cr_status
sq_case_counts(cr_db *db, cr_store_count_fn each, void *ctx)
{
    return counts(db, "SELECT state, outcome, categories, n FROM case_counts", false, each, ctx);
}

enum cr_status
sq_outcome_counts(cr_db *db, cr_store_count_fn each, void *ctx)
{
    return counts(db, "SELECT state, outcome, vetting_review, n FROM outcome_counts WHERE n > 0",
                  true, each, ctx);
}

enum cr_status
sq_record_counts(cr_db *db, int64_t *subjects, int64_t *allegations,
                 int64_t by_category[CR_CATEGORY_COUNT])
{
    *subjects = *allegations = 0;
    memset(by_category, 0, CR_CATEGORY_COUNT * sizeof *by_category);
    sqlite3_stmt *s;
    enum cr_status st = prep(db, "SELECT name, n FROM counters", &s);
    if (st != CR_OK)
        return st;
    int more;
    while ((more = next(db, s, &st)) == 1) {
        const char *name = text(s, 0);
        int64_t n = sqlite3_column_int64(s, 1);
        if (strcmp(name, "subjects") == 0) {
            *subjects = n;
        } else if (strncmp(name, "allegations:", 12) == 0) {
            int c = cr_category_parse(name + 12);
            if (c >= 0)
                by_category[c] = n;
            *allegations += n;
        }
    }
    sqlite3_finalize(s);
    return st;
}

/* Only the cases of subjects with more than one: where people and cases differ. */
#define FOLLOWED "c.subject_id IN (SELECT subject_id FROM cases WHERE previous_case_id IS NOT NULL)"

/* Each case now: subject, state, decision, categories, the subject's details. */
#define FACTS_NOW                                                                               \
    "SELECT c.subject_id, c.state, c.outcome, c.vetting_review, c.categories, s.unit, s.rank, " \
    "s.employment FROM cases c JOIN subjects s ON s.id = c.subject_id"

/*
 * Each case as it stood before second ?1: the state the case's last audit
 * event before then left it in (flagged when none), the decision of the
 * highest round taken before then, the categories of the allegations
 * imported before then; the subject's details are today's.
 */
#define FACTS_AS_AT(where)                                                                       \
    "WITH a AS (SELECT c.id AS id, c.subject_id AS subject_id, "                                 \
    "coalesce((SELECT e.state_after FROM audit_events e WHERE e.case_id = c.id AND e.at < ?1 "   \
    "AND e.state_after IS NOT NULL ORDER BY e.id DESC LIMIT 1), 'flagged') AS state, "           \
    "(SELECT max(d.round) FROM decisions d WHERE d.case_id = c.id AND d.decided_at < ?1) AS "    \
    "round "                                                                                     \
    "FROM cases c WHERE c.created_at < ?1" where ") "                                            \
    "SELECT a.subject_id, a.state, d.outcome, d.vetting_review, "                                \
    "(SELECT max(l.category = 'domestic_violence') | (max(l.category = 'sexual_offence') << 1) " \
    "FROM allegations l JOIN imports i ON i.id = l.import_id WHERE l.case_id = a.id "            \
    "AND i.at < ?1), s.unit, s.rank, s.employment "                                              \
    "FROM a JOIN subjects s ON s.id = a.subject_id "                                             \
    "LEFT JOIN decisions d ON d.case_id = a.id AND d.round = a.round"

enum cr_status
sq_case_facts(cr_db *db, int64_t as_at, bool followed, cr_store_fact_fn each, void *ctx)
{
    assert(each);
    assert(as_at >= 0);
    const char *sql = as_at ? (followed ? FACTS_AS_AT(" AND " FOLLOWED) : FACTS_AS_AT(""))
                            : (followed ? FACTS_NOW " WHERE " FOLLOWED : FACTS_NOW);
    sqlite3_stmt *s;
    enum cr_status st = prep(db, sql, &s);
    if (st != CR_OK)
        return st;
    if (as_at)
        sqlite3_bind_int64(s, 1, as_at);
    int more;
    while ((more = next(db, s, &st)) == 1) {
        struct cr_case_fact f = {
            .subject_id = sqlite3_column_int64(s, 0),
            .state = cr_state_parse(text(s, 1)),
            .outcome = outcome(s, 2),
            .vetting_review = sqlite3_column_int(s, 3) != 0,
            .categories = (unsigned)sqlite3_column_int(s, 4),
            .unit = text(s, 5),
            .rank = text(s, 6),
            .employment = text(s, 7),
        };
        if ((st = each(ctx, &f)) != CR_OK)
            break;
    }
    sqlite3_finalize(s);
    return st;
}

/* One count(*) with two integer parameters. */
static enum cr_status
count_of(cr_db *db, const char *sql, int64_t a, int64_t b, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *s;
    enum cr_status st = prep(db, sql, &s);
    if (st != CR_OK)
        return st;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    if (next(db, s, &st) == 1)
        *n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return st;
}

enum cr_status
sq_cases_waiting(cr_db *db, int state, int64_t since_before, int64_t now, int64_t *n)
{
    assert(state >= 0 && state < CR_STATE_COUNT);
    *n = 0;
    sqlite3_stmt *s;
    enum cr_status st =
        /* clock_shift is never negative: the range on state_since still bounds the read. */
        prep(db,
             "SELECT count(*) FROM cases WHERE state = ?1 AND state_since < ?2 AND "
             "state_since + clock_shift < ?2 AND coalesce(paused_until, 0) <= ?3",
             &s);
    if (st != CR_OK)
        return st;
    sqlite3_bind_text(s, 1, cr_state_name(state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, since_before);
    sqlite3_bind_int64(s, 3, now);
    if (next(db, s, &st) == 1)
        *n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return st;
}

enum cr_status
sq_first_decisions(cr_db *db, int64_t from, int64_t to, int64_t *n)
{
    assert(from <= to);
    return count_of(db,
                    "SELECT count(*) FROM decisions WHERE round = 1 AND decided_at >= ?1 "
                    "AND decided_at < ?2",
                    from, to, n);
}

/* Read a per-reviewer counter to each(). */
static enum cr_status
reviewer_rows(cr_db *db, const char *sql, bool rounds, cr_store_reviewer_fn each, void *ctx)
{
    assert(each);
    sqlite3_stmt *s;
    enum cr_status st = prep(db, sql, &s);
    if (st != CR_OK)
        return st;
    int more;
    while ((more = next(db, s, &st)) == 1) {
        struct cr_reviewer_count r = {.login = text(s, 0), .outcome = -1};
        if (rounds) {
            r.finished = sqlite3_column_int64(s, 1);
            r.returned = sqlite3_column_int64(s, 2);
        } else {
            r.outcome = outcome(s, 1);
            r.n = sqlite3_column_int64(s, 2);
        }
        if ((st = each(ctx, &r)) != CR_OK)
            break;
    }
    sqlite3_finalize(s);
    return st;
}

enum cr_status
sq_reviewer_outcomes(cr_db *db, cr_store_reviewer_fn each, void *ctx)
{
    return reviewer_rows(db,
                         "SELECT reviewer, outcome, n FROM reviewer_outcomes WHERE n > 0 "
                         "ORDER BY reviewer",
                         false, each, ctx);
}

enum cr_status
sq_panel_rounds(cr_db *db, cr_store_reviewer_fn each, void *ctx)
{
    return reviewer_rows(db,
                         "SELECT reviewer, finished, returned FROM panel_rounds ORDER BY reviewer",
                         true, each, ctx);
}

/*
 * The workload's reading (store.h, assigned_cases): the open cases someone
 * holds, grouped by assignee, state and the second they entered it.  The
 * open cases are found by state (cases_state, cases_state_since); the closed
 * ones, most of a finished review, are never read.
 */
enum cr_status
sq_assigned_cases(cr_db *db, cr_store_assigned_fn each, void *ctx)
{
    assert(each);
    sqlite3_stmt *s;
    enum cr_status st =
        prep(db,
             "SELECT assignee, state, state_since, count(*) FROM cases "
             "WHERE state IN ('flagged', 'in_review', 'awaiting_approval', 'panel_review', "
             "'returned') AND assignee IS NOT NULL "
             "GROUP BY assignee, state, state_since",
             &s);
    if (st != CR_OK)
        return st;
    int more;
    while ((more = next(db, s, &st)) == 1) {
        struct cr_assigned_count a = {
            .login = text(s, 0),
            .state = cr_state_parse(text(s, 1)),
            .state_since = sqlite3_column_int64(s, 2),
            .n = sqlite3_column_int64(s, 3),
        };
        if ((st = each(ctx, &a)) != CR_OK)
            break;
    }
    sqlite3_finalize(s);
    return st;
}
