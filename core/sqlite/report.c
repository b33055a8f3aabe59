/*
 * The figures (see casereview.h): the one count behind `report`, `stats`
 * and the dashboard.  Part of the storage module: every statement here is
 * SQL over the schema of schema.c.
 *
 * Plain figures come from maintained counters (outcome_counts, case_counts,
 * counters, panel_rounds, reviewer_outcomes); people are counted apart from cases by reading
 * only the cases of subjects with more than one case (cases_followed).  A
 * breakdown by category, unit, rank or employment, or the figures as they
 * stood on a past day, read every case.
 */
#include "sqlite.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(CR_STAGE_CONFIRMED == 0 && CR_STAGE_PROPOSED == 1 && CR_STAGE_WITH_PANEL == 2 &&
                   CR_STAGE_RETURNED == 3 && CR_STAGE_UNDECIDED == 4,
               "STAGE_OF below numbers the stages in this order");

/* The stage of a case in a state, numbered as enum cr_stage. */
#define STAGE_OF(state)                                                                            \
    "CASE " state " WHEN 'closed' THEN 0 WHEN 'awaiting_approval' THEN 1 "                         \
    "WHEN 'panel_review' THEN 2 WHEN 'returned' THEN 3 ELSE 4 END"
/* States in which the case's current decision stands (its outcome counts). */
#define DECIDED_STATES "('closed', 'awaiting_approval', 'panel_review', 'returned')"

static int
stage_of(const char *state)
{
    switch (cr_state_parse(state)) {
    case CR_STATE_CLOSED:
        return CR_STAGE_CONFIRMED;
    case CR_STATE_AWAITING_APPROVAL:
        return CR_STAGE_PROPOSED;
    case CR_STATE_PANEL_REVIEW:
        return CR_STAGE_WITH_PANEL;
    case CR_STATE_RETURNED:
        return CR_STAGE_RETURNED;
    default:
        return CR_STAGE_UNDECIDED;
    }
}

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

/*
 * One snapshot for everything read: the figures on a screen add up even
 * while others write.  Nested use (the dashboard reads the stats) shares the
 * outer snapshot.
 */
static enum cr_status
snapshot_begin(cr_db *db, bool *began)
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

static enum cr_status
snapshot_end(cr_db *db, bool began, enum cr_status st)
{
    if (!began)
        return st;
    if (st != CR_OK) {
        sqlite3_exec(sq_sqlite(db), "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    int rc = sqlite3_exec(sq_sqlite(db), "COMMIT", NULL, NULL, NULL);
    return rc == SQLITE_OK ? CR_OK : cr_fail_sql(db, rc, "figures");
}

/* Strings owned by a result, freed together (its priv: store.h). */
struct pool {
    struct cr_store_owned owned;
    char **v;
    size_t n, cap;
};

static const char *
pool_keep(struct pool *p, const unsigned char *s)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        char **v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return NULL;
        p->v = v;
        p->cap = cap;
    }
    char *copy = strdup(s ? (const char *)s : "");
    if (copy)
        p->v[p->n++] = copy;
    return copy;
}

static void
pool_release(struct cr_store_owned *o)
{
    struct pool *p = (struct pool *)o;
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    free(p);
}

static struct pool *
pool_new(void)
{
    struct pool *p = calloc(1, sizeof *p);
    if (p)
        p->owned.release = pool_release;
    return p;
}

/* The report under construction. */
struct build {
    cr_db *db;
    struct cr_report *r;
    struct pool *pool;
    size_t cap;
};

static struct cr_report_row *
add_row(struct build *b, sqlite3_stmt *s, size_t n_keys)
{
    struct cr_report *r = b->r;
    if (r->n_rows == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        struct cr_report_row *v = realloc(r->rows, cap * sizeof *v);
        if (!v)
            return NULL;
        r->rows = v;
        b->cap = cap;
    }
    struct cr_report_row *row = &r->rows[r->n_rows];
    memset(row, 0, sizeof *row);
    for (size_t k = 0; k < n_keys; k++)
        if (!(row->key[k] = pool_keep(b->pool, sqlite3_column_text(s, (int)(2 * k + 1)))))
            return NULL;
    r->n_rows++;
    return row;
}

/* Whether the statement's keys (columns 1, 3, ...) are those of the row. */
static bool
same_keys(sqlite3_stmt *s, const struct cr_report_row *row, size_t n_keys)
{
    for (size_t k = 0; k < n_keys; k++) {
        const unsigned char *v = sqlite3_column_text(s, (int)(2 * k + 1));
        if (strcmp(v ? (const char *)v : "", row->key[k]) != 0)
            return false;
    }
    return true;
}

/* The key of a dimension over the CTE f, and the order its values go in. */
static const char *
dim_key(int dim)
{
    switch (dim) {
    case CR_DIMENSION_OUTCOME:
        return "f.outcome";
    case CR_DIMENSION_CATEGORY:
        return "CASE f.cats WHEN 1 THEN 'domestic_violence' WHEN 2 THEN 'sexual_offence' "
               "WHEN 3 THEN 'both' ELSE 'none' END";
    case CR_DIMENSION_UNIT:
        return "f.unit";
    case CR_DIMENSION_RANK:
        return "f.rank";
    default:
        return "f.employment";
    }
}

static const char *
dim_order(int dim)
{
    switch (dim) {
    case CR_DIMENSION_OUTCOME:
        return "CASE f.outcome WHEN 'nfa' THEN 0 WHEN 'reassess' THEN 1 WHEN 'refer' THEN 2 "
               "ELSE 3 END";
    case CR_DIMENSION_CATEGORY:
        return "(f.cats + 3) % 4";
    case CR_DIMENSION_EMPLOYMENT:
        return "CASE f.employment WHEN 'officer' THEN 0 WHEN 'staff' THEN 1 ELSE 2 END";
    default:
        return "0";
    }
}

/*
 * Each case as it stands now (or, with ?1, as it stood before second ?1):
 * its subject, stage, outcome (none when not decided), refer with vetting
 * review, category bits and the subject's details.  As at a past time the
 * state is the one the case's last audit event before then left it in
 * (flagged when none), the decision the last one taken before then, and the
 * categories those of the allegations imported before then; the subject's
 * unit, rank and employment are today's.
 */
static const char *const source_now[2] = {
    "f AS (SELECT c.subject_id AS subject_id, " STAGE_OF(
        "c.state") " AS stage, "
                   "CASE WHEN c.state IN " DECIDED_STATES
                   " THEN c.outcome ELSE 'none' END AS outcome, "
                   "(c.state IN " DECIDED_STATES
                   " AND c.outcome = 'refer' AND c.vetting_review = 1) AS vr, "
                   "c.categories AS cats, s.unit AS unit, s.rank AS rank, s.employment AS "
                   "employment "
                   "FROM cases c JOIN subjects s ON s.id = c.subject_id",
    ")"};

static const char *const source_as_at[2] = {
    "a AS (SELECT c.id AS id, c.subject_id AS subject_id, "
    "coalesce((SELECT e.state_after FROM audit_events e WHERE e.case_id = c.id AND e.at < ?1 "
    "AND e.state_after IS NOT NULL ORDER BY e.id DESC LIMIT 1), 'flagged') AS state, "
    "(SELECT max(d.round) FROM decisions d WHERE d.case_id = c.id AND d.decided_at < ?1) AS round "
    "FROM cases c WHERE c.created_at < ?1",
    "), "
    "f AS (SELECT a.subject_id AS subject_id, " STAGE_OF(
        "a.state") " AS stage, "
                   "CASE WHEN a.state IN " DECIDED_STATES
                   " THEN coalesce(d.outcome, 'none') ELSE 'none' END "
                   "AS outcome, "
                   "(a.state IN " DECIDED_STATES
                   " AND d.outcome = 'refer' AND d.vetting_review = 1) AS vr, "
                   "(SELECT max(l.category = 'domestic_violence') | (max(l.category = "
                   "'sexual_offence') << 1) "
                   "FROM allegations l JOIN imports i ON i.id = l.import_id WHERE l.case_id = a.id "
                   "AND i.at < ?1) AS cats, s.unit AS unit, s.rank AS rank, s.employment AS "
                   "employment "
                   "FROM a JOIN subjects s ON s.id = a.subject_id "
                   "LEFT JOIN decisions d ON d.case_id = a.id AND d.round = a.round)"};

/* Only the cases of subjects with more than one: where people and cases differ. */
static const char *const followed_only =
    " c.subject_id IN (SELECT subject_id FROM cases WHERE previous_case_id IS NOT NULL)";

/*
 * Count by reading the cases: rows grouped by the query's dimensions (none:
 * only *total), each stage's cases and distinct people, then each group's
 * distinct people over every stage.
 */
static enum cr_status
scan(struct build *b, const struct cr_report_query *q, int64_t as_at, bool followed,
     struct cr_figures *total)
{
    cr_db *db = b->db;
    struct cr_buf cte = {0}, keys = {0}, order = {0};
    enum cr_status st = CR_OK;
    const char *const *src = as_at ? source_as_at : source_now;
    cr_buf_addf(&cte, "WITH %s", src[0]);
    if (followed)
        cr_buf_addf(&cte, " %s%s", as_at ? "AND" : "WHERE", followed_only);
    cr_buf_addf(&cte, "%s", src[1]);
    char *source = cte.p;
    cr_buf_add(&keys, "", 0);
    cr_buf_add(&order, "", 0);
    for (size_t k = 0; k < q->n_by; k++) {
        cr_buf_addf(&keys, "%s AS o%zu, %s AS k%zu, ", dim_order(q->by[k]), k, dim_key(q->by[k]),
                    k);
        cr_buf_addf(&order, "%so%zu, k%zu", k ? ", " : "", k, k);
    }
    struct cr_buf sql = {0};
    sqlite3_stmt *s = NULL;
    if (!source || !keys.p || !order.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }

    /* Each group's stages. */
    cr_buf_addf(&sql,
                "%s SELECT %s f.stage, count(*), count(DISTINCT f.subject_id), sum(f.vr), "
                "count(DISTINCT CASE WHEN f.vr THEN f.subject_id END) FROM f "
                "GROUP BY %s%s f.stage ORDER BY %s%s f.stage",
                source, keys.p, order.p, q->n_by ? "," : "", order.p, q->n_by ? "," : "");
    if (!sql.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = prep(db, sql.p, &s)) != CR_OK)
        goto out;
    if (as_at)
        sqlite3_bind_int64(s, 1, as_at);
    size_t first = b->r->n_rows;
    int more;
    int base = (int)(2 * q->n_by);
    while ((more = next(db, s, &st)) == 1) {
        struct cr_report_row *row = NULL;
        if (q->n_by) {
            row = b->r->n_rows > first ? &b->r->rows[b->r->n_rows - 1] : NULL;
            if (!row || !same_keys(s, row, q->n_by))
                row = add_row(b, s, q->n_by);
            if (!row) {
                st = cr_fail(db, CR_NOMEM, "out of memory");
                goto out;
            }
        }
        struct cr_figures *f = row ? &row->f : total;
        int stage = sqlite3_column_int(s, base);
        if (stage < 0 || stage >= CR_STAGE_COUNT)
            continue;
        f->cases[stage] += sqlite3_column_int64(s, base + 1);
        f->persons[stage] += sqlite3_column_int64(s, base + 2);
        f->vetting_cases[stage] += sqlite3_column_int64(s, base + 3);
        f->vetting_persons[stage] += sqlite3_column_int64(s, base + 4);
        f->total_cases += sqlite3_column_int64(s, base + 1);
    }
    if (more < 0)
        goto out;
    sqlite3_finalize(s);
    s = NULL;

    /* Each group's people, over every stage: a person can be in several. */
    cr_buf_reset(&sql);
    if (q->n_by)
        cr_buf_addf(&sql,
                    "%s SELECT %s count(DISTINCT f.subject_id) FROM f GROUP BY %s ORDER BY %s",
                    source, keys.p, order.p, order.p);
    else
        cr_buf_addf(&sql, "%s SELECT count(DISTINCT f.subject_id) FROM f", source);
    if (!sql.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = prep(db, sql.p, &s)) != CR_OK)
        goto out;
    if (as_at)
        sqlite3_bind_int64(s, 1, as_at);
    size_t i = first;
    while ((more = next(db, s, &st)) == 1) {
        if (!q->n_by) {
            total->total_persons += sqlite3_column_int64(s, 0);
            continue;
        }
        while (i < b->r->n_rows && !same_keys(s, &b->r->rows[i], q->n_by))
            i++;
        if (i < b->r->n_rows)
            b->r->rows[i].f.total_persons += sqlite3_column_int64(s, base);
    }
out:
    sqlite3_finalize(s);
    cr_buf_free(&sql);
    cr_buf_free(&keys);
    cr_buf_free(&order);
    cr_buf_free(&cte);
    return st;
}

/* Add a group's figures into the report's total. */
static void
add_figures(struct cr_figures *to, const struct cr_figures *f, bool persons)
{
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        to->cases[s] += f->cases[s];
        to->vetting_cases[s] += f->vetting_cases[s];
        if (persons) {
            to->persons[s] += f->persons[s];
            to->vetting_persons[s] += f->vetting_persons[s];
        }
    }
    to->total_cases += f->total_cases;
    if (persons)
        to->total_persons += f->total_persons;
}

/* People counted as cases, less what the subjects with several cases add twice. */
static void
discount(struct cr_figures *f, const struct cr_figures *followed)
{
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        f->persons[s] -= followed->cases[s] - followed->persons[s];
        f->vetting_persons[s] -= followed->vetting_cases[s] - followed->vetting_persons[s];
    }
    f->total_persons -= followed->total_cases - followed->total_persons;
}

/*
 * From the counters: cases by state, outcome and vetting review; people as
 * many as cases, then corrected by reading the few subjects with several
 * cases.  Rows by outcome when asked (nfa, reassess, refer, none).
 */
static enum cr_status
from_counters(struct build *b, const struct cr_report_query *q)
{
    cr_db *db = b->db;
    struct cr_figures by[CR_OUTCOME_COUNT + 1];
    memset(by, 0, sizeof by);
    sqlite3_stmt *s;
    enum cr_status st = prep(db,
                             "SELECT state, outcome, vetting_review, n FROM outcome_counts "
                             "WHERE n > 0",
                             &s);
    if (st != CR_OK)
        return st;
    int more;
    while ((more = next(db, s, &st)) == 1) {
        int stage = stage_of((const char *)sqlite3_column_text(s, 0));
        int o = stage == CR_STAGE_UNDECIDED
                    ? CR_OUTCOME_COUNT
                    : cr_outcome_parse((const char *)sqlite3_column_text(s, 1));
        if (o < 0)
            o = CR_OUTCOME_COUNT;
        int64_t n = sqlite3_column_int64(s, 3);
        struct cr_figures *f = &by[o];
        f->cases[stage] += n;
        f->persons[stage] += n;
        if (o == CR_OUTCOME_REFER && sqlite3_column_int(s, 2)) {
            f->vetting_cases[stage] += n;
            f->vetting_persons[stage] += n;
        }
        f->total_cases += n;
        f->total_persons += n;
    }
    sqlite3_finalize(s);
    if (more < 0)
        return st;
    for (int o = 0; o <= CR_OUTCOME_COUNT; o++)
        add_figures(&b->r->total, &by[o], true);

    /* The subjects with several cases, counted both ways. */
    struct cr_report followed = {0};
    struct build fb = {db, &followed, b->pool, 0};
    struct cr_figures followed_total = {0};
    struct cr_report_query fq = *q;
    st = scan(&fb, &fq, 0, true, &followed_total);
    if (st == CR_OK && q->n_by == 0) {
        discount(&b->r->total, &followed_total);
    } else if (st == CR_OK) {
        struct cr_report_query none = {0};
        st = scan(&fb, &none, 0, true, &followed_total);
        discount(&b->r->total, &followed_total);
        for (size_t i = 0; st == CR_OK && i < followed.n_rows; i++) {
            int o = cr_outcome_parse(followed.rows[i].key[0]);
            discount(&by[o >= 0 ? o : CR_OUTCOME_COUNT], &followed.rows[i].f);
        }
        for (int o = 0; st == CR_OK && o <= CR_OUTCOME_COUNT; o++) {
            if (!by[o].total_cases)
                continue;
            struct cr_report *r = b->r;
            if (r->n_rows == b->cap) {
                size_t cap = b->cap ? 2 * b->cap : 8;
                struct cr_report_row *v = realloc(r->rows, cap * sizeof *v);
                if (!v) {
                    st = cr_fail(db, CR_NOMEM, "out of memory");
                    break;
                }
                r->rows = v;
                b->cap = cap;
            }
            struct cr_report_row *row = &r->rows[r->n_rows++];
            memset(row, 0, sizeof *row);
            row->key[0] = o < CR_OUTCOME_COUNT ? cr_outcome_name(o) : "none";
            row->f = by[o];
        }
    }
    free(followed.rows);
    return st;
}

enum cr_status
sq_report(cr_db *db, const struct cr_report_query *q, int64_t as_at, struct cr_report *out)
{
    out->as_at = as_at;
    struct build b = {db, out, pool_new(), 0};
    if (!b.pool)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = b.pool;
    bool began;
    enum cr_status st = snapshot_begin(db, &began);
    if (st != CR_OK)
        return st;
    bool counters =
        !out->as_at && (q->n_by == 0 || (q->n_by == 1 && q->by[0] == CR_DIMENSION_OUTCOME));
    if (counters) {
        st = from_counters(&b, q);
    } else {
        out->scanned = 1;
        st = scan(&b, q, out->as_at, false, &out->total);
        if (st == CR_OK && q->n_by) {
            struct cr_report_query none = {0};
            struct cr_report dummy = {0};
            struct build tb = {db, &dummy, b.pool, 0};
            st = scan(&tb, &none, out->as_at, false, &out->total);
            free(dummy.rows);
        }
    }
    return snapshot_end(db, began, st);
}

/* Counts */

static enum cr_status
stats_read(cr_db *db, struct cr_stats *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    enum cr_status st = prep(db, "SELECT state, categories, n FROM case_counts", &s);
    if (st != CR_OK)
        return st;
    int more;
    while ((more = next(db, s, &st)) == 1) {
        int state = cr_state_parse((const char *)sqlite3_column_text(s, 0));
        unsigned cats = (unsigned)sqlite3_column_int(s, 1);
        int64_t n = sqlite3_column_int64(s, 2);
        out->cases += n;
        if (state >= 0)
            out->by_state[state] += n;
        for (int c = 0; c < CR_CATEGORY_COUNT; c++)
            if (cats & (1u << c))
                out->by_category[c] += n;
        if ((cats & (CR_CATMASK_DV | CR_CATMASK_SO)) == (CR_CATMASK_DV | CR_CATMASK_SO))
            out->both_categories += n;
    }
    sqlite3_finalize(s);
    if (more < 0)
        return st;

    if ((st = prep(db, "SELECT name, n FROM counters", &s)) != CR_OK)
        return st;
    while ((more = next(db, s, &st)) == 1) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        int64_t n = sqlite3_column_int64(s, 1);
        if (strcmp(name, "subjects") == 0) {
            out->subjects = n;
        } else if (strncmp(name, "allegations:", 12) == 0) {
            int c = cr_category_parse(name + 12);
            if (c >= 0)
                out->allegations_by_category[c] = n;
            out->allegations += n;
        }
    }
    sqlite3_finalize(s);
    if (more < 0)
        return st;

    struct cr_report_query q = {1, {CR_DIMENSION_OUTCOME}, NULL};
    struct cr_report r = {.n_by = 1, .by = {CR_DIMENSION_OUTCOME}};
    if ((st = sq_report(db, &q, 0, &r)) == CR_OK) {
        for (size_t i = 0; i < r.n_rows; i++) {
            int o = cr_outcome_parse(r.rows[i].key[0]);
            out->by_outcome[o >= 0 ? o : CR_OUTCOME_COUNT] = r.rows[i].f;
        }
        out->figures = r.total;
    }
    if (r.priv)
        ((struct cr_store_owned *)r.priv)->release(r.priv);
    free(r.rows);
    return st;
}

enum cr_status
sq_stats(cr_db *db, struct cr_stats *out)
{
    bool began;
    enum cr_status st = snapshot_begin(db, &began);
    if (st != CR_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    return snapshot_end(db, began, stats_read(db, out));
}

/* The dashboard */

static struct cr_reviewer_mix *
reviewer(struct cr_dashboard *d, struct pool *p, const unsigned char *login)
{
    for (size_t i = 0; i < d->n_reviewers; i++)
        if (strcmp(d->reviewers[i].login, (const char *)login) == 0)
            return &d->reviewers[i];
    struct cr_reviewer_mix *v = realloc(d->reviewers, (d->n_reviewers + 1) * sizeof *v);
    if (!v)
        return NULL;
    d->reviewers = v;
    struct cr_reviewer_mix *m = &v[d->n_reviewers];
    memset(m, 0, sizeof *m);
    if (!(m->login = pool_keep(p, login)))
        return NULL;
    d->n_reviewers++;
    return m;
}

static enum cr_status
dashboard_read(cr_db *db, const int64_t overdue_before[CR_STATE_COUNT], bool reviewers,
               const char *only, struct cr_dashboard *out, struct pool *pool)
{
    enum cr_status st = stats_read(db, &out->stats);
    if (st != CR_OK)
        return st;
    sqlite3_stmt *s;
    int more;

    /* Overdue: in a state longer than its service level allows. */
    if ((st = prep(db, "SELECT count(*) FROM cases WHERE state = ?1 AND state_since < ?2", &s)) !=
        CR_OK)
        return st;
    for (int state = 0; state < CR_STATE_COUNT; state++) {
        if (overdue_before[state] == INT64_MIN)
            continue;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, cr_state_name(state), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, overdue_before[state]);
        if ((more = next(db, s, &st)) < 0)
            break;
        out->overdue[state] = more ? sqlite3_column_int64(s, 0) : 0;
    }
    sqlite3_finalize(s);
    if (st != CR_OK)
        return st;

    /* Cases never decided: the backlog the weekly rate works through. */
    if ((st = prep(db, "SELECT coalesce(sum(n), 0) FROM outcome_counts WHERE outcome = ''", &s)) !=
        CR_OK)
        return st;
    if ((more = next(db, s, &st)) == 1)
        out->undecided = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (more < 0)
        return st;

    /* First decisions a week from out->week_start (set above), the current week last. */
    if ((st = prep(db,
                   "SELECT (decided_at - ?1) / 604800, count(*) FROM decisions "
                   "WHERE round = 1 AND decided_at >= ?1 GROUP BY 1",
                   &s)) != CR_OK)
        return st;
    sqlite3_bind_int64(s, 1, out->week_start);
    while ((more = next(db, s, &st)) == 1) {
        int64_t w = sqlite3_column_int64(s, 0);
        if (w >= 0 && w < CR_DASHBOARD_WEEKS)
            out->decisions_per_week[w] = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    if (more < 0)
        return st;

    /* Dissent per round: the rounds the panel finished, and of those returned. */
    out->reviewers_shown = reviewers;
    if ((st = prep(db, "SELECT reviewer, finished, returned FROM panel_rounds ORDER BY reviewer",
                   &s)) != CR_OK)
        return st;
    while ((more = next(db, s, &st)) == 1) {
        out->panel_rounds += sqlite3_column_int64(s, 1);
        out->panel_returned += sqlite3_column_int64(s, 2);
    }
    sqlite3_finalize(s);
    if (more < 0 || !out->reviewers_shown)
        return st;

    /* Each reviewer's outcome mix, then the panel's rounds on their decisions. */
    if ((st = prep(db,
                   "SELECT reviewer, outcome, n FROM reviewer_outcomes WHERE n > 0 "
                   "AND (?1 IS NULL OR reviewer = ?1) ORDER BY reviewer",
                   &s)) != CR_OK)
        return st;
    if (only)
        sqlite3_bind_text(s, 1, only, -1, SQLITE_STATIC);
    while ((more = next(db, s, &st)) == 1) {
        struct cr_reviewer_mix *m = reviewer(out, pool, sqlite3_column_text(s, 0));
        if (!m) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            more = -1;
            break;
        }
        int o = cr_outcome_parse((const char *)sqlite3_column_text(s, 1));
        if (o >= 0)
            m->by_outcome[o] += sqlite3_column_int64(s, 2);
        m->decided += sqlite3_column_int64(s, 2);
    }
    sqlite3_finalize(s);
    if (more < 0)
        return st;
    if ((st = prep(db,
                   "SELECT reviewer, finished, returned FROM panel_rounds "
                   "WHERE ?1 IS NULL OR reviewer = ?1 ORDER BY reviewer",
                   &s)) != CR_OK)
        return st;
    if (only)
        sqlite3_bind_text(s, 1, only, -1, SQLITE_STATIC);
    while ((more = next(db, s, &st)) == 1) {
        struct cr_reviewer_mix *m = reviewer(out, pool, sqlite3_column_text(s, 0));
        if (!m) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            more = -1;
            break;
        }
        m->panel_rounds = sqlite3_column_int64(s, 1);
        m->panel_returned = sqlite3_column_int64(s, 2);
    }
    sqlite3_finalize(s);
    return more < 0 ? st : CR_OK;
}

enum cr_status
sq_dashboard(cr_db *db, int64_t now, const int64_t overdue_before[CR_STATE_COUNT],
             bool reviewers, const char *only, struct cr_dashboard *out)
{
    (void)now; /* the cut-offs and out->week_start are set above */
    struct pool *pool = pool_new();
    if (!pool)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = pool;
    bool began;
    enum cr_status st = snapshot_begin(db, &began);
    if (st == CR_OK)
        st = snapshot_end(db, began,
                          dashboard_read(db, overdue_before, reviewers, only, out, pool));
    return st;
}

