/*
 * Pages of the queue: keyset paging over the filtered cases the user may see
 * (visibility_where), what waits for a user, and the export's walk over
 * every case.
 */
#include "sqlite.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Queue pages */

/* Page memory (its priv: store.h): rows, and one pool for their strings. */
struct page_priv {
    struct cr_store_owned owned;
    struct cr_buf pool;
    size_t cap;
};

static void
page_release(struct cr_store_owned *o)
{
    struct page_priv *pp = (struct page_priv *)o;
    cr_buf_free(&pp->pool);
    free(pp);
}

static int
pool_add(struct cr_buf *pool, const unsigned char *s, size_t *off)
{
    if (!s) {
        *off = SIZE_MAX;
        return 0;
    }
    *off = pool->len;
    return cr_buf_add(pool, (const char *)s, strlen((const char *)s) + 1);
}

/* The columns of a case row that are not strings. */
void
read_case_numbers(sqlite3_stmt *s, struct cr_case_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->sortkey = sqlite3_column_int64(s, 1);
    r->priority = sqlite3_column_int64(s, 2);
    r->created_at = sqlite3_column_int64(s, 3);
    r->state_since = sqlite3_column_int64(s, 4);
    r->state = cr_state_parse((const char *)sqlite3_column_text(s, 5));
    r->outcome = cr_outcome_parse((const char *)sqlite3_column_text(s, 6));
    r->categories = (unsigned)sqlite3_column_int(s, 7);
    r->n_allegations = sqlite3_column_int(s, 8);
    r->duty = cr_duty_parse((const char *)sqlite3_column_text(s, 9));
    r->decided_at = sqlite3_column_int64(s, 18);
    r->vetting_review = sqlite3_column_int(s, 19);
    r->quorum_blocked = sqlite3_column_int(s, 20);
    r->version = sqlite3_column_int64(s, 21);
    r->clock_shift = sqlite3_column_int64(s, 22);
    r->paused_until = sqlite3_column_int64(s, 23);
    r->panel_my_vote = -1;
}

enum cr_status
sq_panel_tally(cr_db *db, const char *viewer, struct cr_case_row *rows, size_t n)
{
    struct cr_buf sql = {0};
    size_t with_panel = 0;
    for (size_t i = 0; i < n; i++) {
        rows[i].panel_concur = rows[i].panel_dissent = 0;
        memset(rows[i].panel_concur_kind, 0, sizeof rows[i].panel_concur_kind);
        rows[i].panel_my_vote = -1;
        if (rows[i].state != CR_STATE_PANEL_REVIEW)
            continue;
        cr_buf_addf(&sql, "%s%lld", with_panel++ ? ", " : "", (long long)rows[i].id);
    }
    if (!with_panel)
        return CR_OK;
    /* The case numbers are core's integers, written in; the viewer's login is bound. */
    struct cr_buf q = {0};
    cr_buf_addf(&q,
                "SELECT v.case_id, v.vote, v.member_kind, v.member = ?1 FROM votes v "
                "JOIN cases c ON c.id = v.case_id AND v.round = c.round "
                "WHERE v.case_id IN (%s)",
                sql.p ? sql.p : "");
    cr_buf_free(&sql);
    if (!q.p)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, q.p, &st);
    cr_buf_free(&q);
    if (!s)
        return st;
    if (viewer)
        sqlite3_bind_text(s, 1, viewer, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        int vote = cr_vote_parse((const char *)sqlite3_column_text(s, 1));
        int kind = cr_kind_parse((const char *)sqlite3_column_text(s, 2));
        for (size_t i = 0; i < n; i++) {
            struct cr_case_row *r = &rows[i];
            if (r->id != id)
                continue;
            if (vote == CR_VOTE_CONCUR) {
                r->panel_concur++;
                if (kind >= 0)
                    r->panel_concur_kind[kind]++;
            } else if (vote == CR_VOTE_DISSENT) {
                r->panel_dissent++;
            }
            if (sqlite3_column_int(s, 3))
                r->panel_my_vote = vote;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "panel progress");
}

/* Read one case row into r; string offsets go in offs until the pool settles. */
static int
read_case_row(sqlite3_stmt *s, struct cr_case_row *r, struct cr_buf *pool,
              size_t offs[CASE_ROW_STRINGS])
{
    read_case_numbers(s, r);
    for (int i = 0; i < CASE_ROW_STRINGS; i++)
        if (pool_add(pool, sqlite3_column_text(s, 10 + i), &offs[i]) < 0)
            return -1;
    return 0;
}

static void
fix_case_row(struct cr_case_row *r, const char *base, const size_t offs[CASE_ROW_STRINGS])
{
    const char **dst[CASE_ROW_STRINGS] = {&r->subject_ref, &r->surname, &r->forenames,
                                          &r->rank,        &r->unit,    &r->assignee,
                                          &r->decided_by,  &r->approver};
    for (int i = 0; i < CASE_ROW_STRINGS; i++)
        *dst[i] = offs[i] == SIZE_MAX ? NULL : base + offs[i];
}

/*
 * Need-to-know in every list of cases (the queue, search, `list`, what
 * waits for me, the export): the conditions, on cases c and subjects s,
 * that apply the scope policy.c computed (store.h): none of a unit's
 * subjects (conflicts.same_unit), none of the subjects declared
 * (conflicts.declared) and, for a panel member with no other role, none
 * that never went before the panel.  Each is a test on the row the keyset
 * scan is at, so paging stays keyset; the panel's has its own partial index
 * (cases_panel_queue).  The parameters are numbered past the filter's
 * (?6 the unit, ?7... the subjects), bound by bind_visibility: a named one
 * would take the next free number, which a filter's own ?3 or ?4, written
 * after it, could then be (the LIMIT read a unit: "datatype mismatch").
 */
#define SCOPE_UNIT_PARAM 6
static void
visibility_where(const struct cr_scope *scope, struct cr_buf *sql)
{
    assert(scope && sql);
    if (scope->panel_only)
        cr_buf_addf(sql, " AND c.panel_round > 0");
    if (scope->unit)
        cr_buf_addf(sql, " AND s.unit IS NOT ?%d", SCOPE_UNIT_PARAM);
    for (size_t i = 0; i < scope->n_refs; i++)
        cr_buf_addf(sql, "%s?%zu", i ? ", " : " AND s.ref NOT IN (", SCOPE_UNIT_PARAM + 1 + i);
    if (scope->n_refs)
        cr_buf_addc(sql, ')');
}

static void
bind_visibility(const struct cr_scope *scope, sqlite3_stmt *s)
{
    assert(scope && s);
    if (scope->unit)
        sqlite3_bind_text(s, SCOPE_UNIT_PARAM, scope->unit, -1, SQLITE_STATIC);
    for (size_t r = 0; r < scope->n_refs; r++)
        sqlite3_bind_text(s, SCOPE_UNIT_PARAM + 1 + (int)r, scope->refs[r], -1, SQLITE_STATIC);
}

/*
 * " AND (...)": the cases late admits (internal.h), for the overdue filter
 * and the escalated clause.  Its times are written into the statement as
 * numbers (they are core's, never a user's text), so the parameters keep
 * their numbers.
 */
static void
late_where(const struct cr_late *late, struct cr_buf *sql)
{
    cr_buf_addf(sql, " AND coalesce(c.paused_until, 0) <= %lld AND (", (long long)late->now);
    bool any = false;
    for (int st = 0; st < CR_STATE_COUNT; st++) {
        if (late->before[st] == INT64_MIN)
            continue;
        cr_buf_addf(sql, "%s(c.state = '%s' AND c.state_since + c.clock_shift < %lld)",
                    any ? " OR " : "", cr_state_name(st), (long long)late->before[st]);
        any = true;
    }
    cr_buf_addf(sql, "%s)", any ? "" : "0");
}

/* The number of the parameter past visibility_where's: the words of a search with phrases. */
static int
words_param(const struct cr_scope *scope)
{
    return SCOPE_UNIT_PARAM + 1 + (int)scope->n_refs;
}

/* The number of the parameter past words_param's: the assignee filter's login. */
static int
assignee_param(const struct cr_scope *scope)
{
    return words_param(scope) + 1;
}

/* The number of the parameter past assignee_param's: the unit filter's unit. */
static int
unit_param(const struct cr_scope *scope)
{
    return assignee_param(scope) + 1;
}

/*
 * The conditions every list and count ends with, after its own: need-to-know
 * (visibility_where), the open cases a login holds (filter->assignee: those
 * cr_workload_get counts for them), the subject's unit (filter->unit, an
 * exact match) and, when phrases, that each word of
 * several tokens stands whole in one field of the case: the subject's
 * reference, surname or forenames, or an allegation's reference or summary,
 * one a row, so that no word is found across two (as no phrase crossed the
 * columns of the index before version 7).  Tests on the row the scan is at:
 * paging stays keyset.  filter may be NULL.
 */
static void
scope_where(const struct cr_filter *filter, const struct cr_scope *scope, bool phrases,
            struct cr_buf *sql)
{
    visibility_where(scope, sql);
    if (filter && filter->assignee)
        cr_buf_addf(sql, " AND c.assignee = ?%d AND c.state <> 'closed'", assignee_param(scope));
    if (filter && filter->unit)
        cr_buf_addf(sql, " AND s.unit = ?%d", unit_param(scope));
    if (phrases)
        cr_buf_addf(sql,
                    " AND (SELECT cr_phrases(?%d, t) FROM (SELECT s.ref AS t UNION ALL "
                    "SELECT s.surname UNION ALL SELECT s.forenames UNION ALL "
                    "SELECT a.ref FROM allegations a WHERE a.case_id = c.id UNION ALL "
                    "SELECT a.summary FROM allegations a WHERE a.case_id = c.id UNION ALL "
                    "SELECT k.ref FROM case_links k WHERE k.case_id = c.id "
                    "AND k.removed_by IS NULL))",
                    words_param(scope));
}

/*
 * Fill a page from a query of CASE_ROW_COLUMNS whose parameters are
 * ?1 the cursor, ?2, ?3 and ?5 texts (bound when not NULL), ?4 the limit,
 * from ?6 those of visibility_where, then words (words_param, when not NULL),
 * then the assignee (assignee_param, when not NULL), then the unit
 * (unit_param, when not NULL).
 */
static enum cr_status
page_query(cr_db *db, const char *sql, int64_t after, const char *p2, const char *p3,
           const char *p5, const char *words, const char *assignee, const char *unit, size_t limit,
           const struct cr_scope *scope, struct cr_page *page, bool reverse)
{
    assert(db && sql && scope && page);
    struct page_priv *pp = page->priv;
    if (!pp) {
        pp = calloc(1, sizeof *pp);
        if (pp)
            pp->owned.release = page_release;
        if (!pp)
            return cr_fail(db, CR_NOMEM, "out of memory");
        page->priv = pp;
    }
    cr_buf_reset(&pp->pool);
    page->n = 0;
    page->more = 0;
    if (limit > pp->cap) {
        struct cr_case_row *rows = realloc(page->rows, limit * sizeof *rows);
        if (!rows)
            return cr_fail(db, CR_NOMEM, "out of memory");
        page->rows = rows;
        pp->cap = limit;
    }
    size_t *offs = malloc((limit ? limit : 1) * CASE_ROW_STRINGS * sizeof *offs);
    if (!offs)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, sql, &st);
    if (!s) {
        free(offs);
        return st;
    }
    sqlite3_bind_int64(s, 1, after);
    if (p2)
        sqlite3_bind_text(s, 2, p2, -1, SQLITE_STATIC);
    if (p3)
        sqlite3_bind_text(s, 3, p3, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (int64_t)limit + 1);
    if (p5)
        sqlite3_bind_text(s, 5, p5, -1, SQLITE_STATIC);
    bind_visibility(scope, s);
    if (words)
        sqlite3_bind_text(s, words_param(scope), words, -1, SQLITE_STATIC);
    if (assignee)
        sqlite3_bind_text(s, assignee_param(scope), assignee, -1, SQLITE_STATIC);
    if (unit)
        sqlite3_bind_text(s, unit_param(scope), unit, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (page->n == limit) {
            page->more = 1;
            break;
        }
        if (read_case_row(s, &page->rows[page->n], &pp->pool, offs + page->n * CASE_ROW_STRINGS) <
            0) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            break;
        }
        page->n++;
    }
    if (st == CR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "list");
    sqlite3_reset(s);
    for (size_t i = 0; i < page->n; i++)
        fix_case_row(&page->rows[i], pp->pool.p, offs + i * CASE_ROW_STRINGS);
    free(offs);
    if (st == CR_OK)
        st = sq_panel_tally(db, scope->viewer, page->rows, page->n);
    if (st != CR_OK)
        page->n = 0;
    if (reverse) {
        /* Read backwards, shown forwards. */
        for (size_t i = 0; i < page->n / 2; i++) {
            struct cr_case_row t = page->rows[i];
            page->rows[i] = page->rows[page->n - 1 - i];
            page->rows[page->n - 1 - i] = t;
        }
    }
    return st;
}

struct query_words {
    struct cr_buf *q;
    size_t tokens;
};

/* Each token a required term, quoted so that nothing in it is FTS5 syntax. */
static int
add_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)start, (void)end;
    struct query_words *w = ctx;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK; /* a synonym at the same place: unicode61 makes none */
    int bad = w->tokens++ ? cr_buf_addc(w->q, ' ') : 0;
    bad |= cr_buf_addc(w->q, '"');
    for (int i = 0; i < n; i++) {
        if (token[i] == '"')
            bad |= cr_buf_addc(w->q, '"');
        bad |= cr_buf_addc(w->q, token[i]);
    }
    bad |= cr_buf_addc(w->q, '"');
    return bad ? SQLITE_NOMEM : SQLITE_OK;
}

/*
 * The words a user typed as an FTS5 query for case_search: every token of
 * every word required, anywhere in the case's document; a word ending in
 * `*` makes its last token a prefix.  detail=none knows no phrases, so a
 * word of several tokens ("AL2021-0000001") asks for each of them, and
 * *phrases says there is one: the query then keeps only the cases where
 * its tokens stand together (phrase.c).  Returns the number of tokens
 * (0: the words hold none), or -1 with *st set.
 */
static long
search_query(cr_db *db, const char *text, struct cr_buf *q, bool *phrases, enum cr_status *st)
{
    fts5_tokenizer tk;
    Fts5Tokenizer *tok = NULL;
    int rc = sq_search_tokenizer(sq(db)->sql, &tk, &tok);
    if (rc != SQLITE_OK) {
        *st = cr_fail(db, CR_DB, "search: the full-text tokenizer '%s' is missing (%s)",
                      SQ_SEARCH_TOKENIZER, sqlite3_errstr(rc));
        return -1;
    }
    *phrases = false;
    struct query_words w = {q, 0};
    const char *p = text, *start;
    for (size_t len; rc == SQLITE_OK && (len = sq_search_word(&p, &start)) > 0;) {
        size_t before = w.tokens;
        rc = tk.xTokenize(tok, &w, FTS5_TOKENIZE_QUERY, start, (int)len, add_token);
        if (w.tokens - before >= 2)
            *phrases = true;
        if (rc == SQLITE_OK && start[len - 1] == '*' && w.tokens > before &&
            cr_buf_addc(q, '*') < 0)
            rc = SQLITE_NOMEM;
    }
    tk.xDelete(tok);
    if (rc != SQLITE_OK) {
        *st = rc == SQLITE_NOMEM ? cr_fail(db, CR_NOMEM, "out of memory")
                                 : cr_fail_sql(db, rc, "search");
        return -1;
    }
    return (long)w.tokens;
}

/*
 * The statement of a page of the filtered queue (cols: the columns it
 * reads; with count, no order), and what it binds: *words the search's
 * FTS5 query (in q), *phrases whether its words need phrase.c's test.
 * *none: the words hold nothing to find (nothing to read).
 */
static enum cr_status
page_sql(cr_db *db, const struct cr_filter *filter, bool down, const struct cr_scope *scope,
         const struct cr_late *late, bool count, struct cr_buf *sql, struct cr_buf *q,
         bool *phrases, bool *none)
{
    bool searching = filter->search && !cr_blank(filter->search);
    enum cr_list_order by = cr_list_order(filter);
    const char *key = searching ? "f.rowid" : by == CR_ORDER_OLDEST ? "c.id" : "c.sortkey";
    const char *cols = count ? "1" : CASE_ROW_COLUMNS;
    enum cr_status st = CR_OK;
    *phrases = *none = false;
    if (searching && search_query(db, filter->search, q, phrases, &st) <= 0) {
        /* Words with no token in them (punctuation alone) find nothing. */
        *none = true;
        return st;
    }
    /* One statement per filter shape, so that each uses its index. */
    if (searching)
        cr_buf_addf(sql,
                    "SELECT %s FROM case_search f "
                    "JOIN cases c ON c.id = f.rowid JOIN subjects s ON s.id = c.subject_id "
                    "WHERE case_search MATCH ?5 AND f.rowid %s ?1",
                    cols, down ? "<" : ">");
    else
        cr_buf_addf(sql,
                    "SELECT %s FROM cases c JOIN subjects s ON s.id = "
                    "c.subject_id WHERE %s %s ?1",
                    cols, key, down ? "<" : ">");
    if (filter->state >= 0)
        cr_buf_addf(sql, " AND c.state = ?2");
    else if (filter->open)
        cr_buf_addf(sql, " AND c.state <> 'closed'");
    if (filter->outcome >= 0)
        cr_buf_addf(sql, filter->outcome == CR_OUTCOME_COUNT ? " AND c.outcome IS NULL"
                                                             : " AND c.outcome = ?3");
    if (filter->category >= 0 && filter->category < CR_CATEGORY_COUNT)
        cr_buf_addf(sql, " AND c.categories IN (%u, %u)", 1u << filter->category,
                    CR_CATMASK_DV | CR_CATMASK_SO);
    if (late)
        late_where(late, sql);
    scope_where(filter, scope, *phrases, sql);
    if (count)
        cr_buf_addf(sql, " LIMIT ?4");
    else
        cr_buf_addf(sql, " ORDER BY %s%s LIMIT ?4", key, down ? " DESC" : "");
    return sql->p ? CR_OK : cr_fail(db, CR_NOMEM, "out of memory");
}

/*
 * A page of the filtered queue, of the cases scope admits.  A search reads
 * case_search in case order, newest first (the cursor is INT64_MAX - id,
 * growing along the page as every cursor does) or, sorted by age, oldest
 * first (the cursor is the id): the index is the outer loop and its rowid
 * the keyset, the filters and need-to-know are conditions
 * on the joined row, so a page reads its own matches and stops.
 */
enum cr_status
sq_page(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse, size_t limit,
        const struct cr_scope *scope, const struct cr_late *late, struct cr_page *page)
{
    assert(db && scope && page);
    static const struct cr_filter all = CR_FILTER_ALL;
    if (!filter)
        filter = &all;
    /* Blank words search nothing: all cases, by case number (cr_list_order). */
    bool searching = filter->search && !cr_blank(filter->search);
    bool newest = cr_list_order(filter) == CR_ORDER_NEWEST;
    /* Newest first, the cursor as a case id: a page after it holds the cases below that id. */
    if (searching && newest)
        cursor = INT64_MAX - (cursor < 0 ? 0 : cursor);
    /* Whether the key is read downwards: a page before the cursor, or a newest first page after. */
    bool down = newest ? !reverse : reverse;
    struct cr_buf sql = {0}, q = {0};
    bool phrases, none;
    enum cr_status st = page_sql(db, filter, down, scope, late, false, &sql, &q, &phrases, &none);
    if (st != CR_OK || none) {
        cr_buf_free(&sql);
        cr_buf_free(&q);
        page->n = 0;
        page->more = 0;
        return st;
    }
    const char *state = filter->state >= 0 ? cr_state_name(filter->state) : NULL;
    const char *outcome = filter->outcome >= 0 && filter->outcome < CR_OUTCOME_COUNT
                              ? cr_outcome_name(filter->outcome)
                              : NULL;
    st = page_query(db, sql.p, cursor, state, outcome, searching ? q.p : NULL,
                    phrases ? filter->search : NULL, filter->assignee, filter->unit, limit, scope,
                    page, reverse);
    cr_buf_free(&sql);
    cr_buf_free(&q);
    return st;
}

/* *n: the rows of a query of page_query's parameters (?4 the cap), counted by SQLite. */
static enum cr_status
count_query(cr_db *db, const char *inner, const char *p2, const char *p3, const char *p5,
            const char *words, const char *assignee, const char *unit, int64_t cap,
            const struct cr_scope *scope, int64_t *n)
{
    struct cr_buf sql = {0};
    cr_buf_addf(&sql, "SELECT count(*) FROM (%s)", inner);
    if (!sql.p)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, sql.p, &st);
    cr_buf_free(&sql);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, 0);
    if (p2)
        sqlite3_bind_text(s, 2, p2, -1, SQLITE_STATIC);
    if (p3)
        sqlite3_bind_text(s, 3, p3, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, cap);
    if (p5)
        sqlite3_bind_text(s, 5, p5, -1, SQLITE_STATIC);
    bind_visibility(scope, s);
    if (words)
        sqlite3_bind_text(s, words_param(scope), words, -1, SQLITE_STATIC);
    if (assignee)
        sqlite3_bind_text(s, assignee_param(scope), assignee, -1, SQLITE_STATIC);
    if (unit)
        sqlite3_bind_text(s, unit_param(scope), unit, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    else
        st = cr_fail_sql(db, rc, "count");
    sqlite3_reset(s);
    return st;
}

enum cr_status
sq_count(cr_db *db, const struct cr_filter *filter, const struct cr_scope *scope,
         const struct cr_late *late, int64_t cap, int64_t *n)
{
    assert(db && scope && n && cap > 0);
    static const struct cr_filter all = CR_FILTER_ALL;
    if (!filter)
        filter = &all;
    *n = 0;
    bool searching = filter->search && !cr_blank(filter->search);
    struct cr_buf sql = {0}, q = {0};
    bool phrases, none;
    /* From the first row on: a key above 0, or (newest first) below the largest. */
    enum cr_status st = page_sql(db, filter, false, scope, late, true, &sql, &q, &phrases, &none);
    if (st == CR_OK && !none) {
        const char *state = filter->state >= 0 ? cr_state_name(filter->state) : NULL;
        const char *outcome = filter->outcome >= 0 && filter->outcome < CR_OUTCOME_COUNT
                                  ? cr_outcome_name(filter->outcome)
                                  : NULL;
        st = count_query(db, sql.p, state, outcome, searching ? q.p : NULL,
                         phrases ? filter->search : NULL, filter->assignee, filter->unit, cap,
                         scope, n);
    }
    cr_buf_free(&sql);
    cr_buf_free(&q);
    return st;
}

enum cr_status
sq_data_version(cr_db *db, int64_t *version)
{
    enum cr_status st = CR_OK;
    *version = sql_query_int(db, "PRAGMA data_version", &st);
    return st;
}

/* What waits for a user */

/*
 * " AND NOT EXISTS (...)": login (?2) did not do action on the case (in its
 * current round when this_round).  False for an act no table records.
 */
static bool
not_done_where(int action, bool this_round, struct cr_buf *where)
{
    const char *table, *who, *also = "";
    switch (action) {
    case CR_ACTION_DECIDE:
        table = "decisions d", who = "d.reviewer";
        break;
    case CR_ACTION_APPROVE:
        table = "approvals a", who = "a.supervisor";
        break;
    case CR_ACTION_VOTE:
        table = "votes v", who = "v.member";
        break;
    case CR_ACTION_RETURN:
        /* A return is kept as its audit event only, which names no round column. */
        if (this_round)
            return false;
        table = "audit_events e", who = "e.actor", also = " AND e.action = 'return'";
        break;
    default:
        return false;
    }
    char alias = table[strlen(table) - 1];
    cr_buf_addf(where, " AND NOT EXISTS (SELECT 1 FROM %s WHERE %c.case_id = c.id", table, alias);
    if (this_round)
        cr_buf_addf(where, " AND %c.round = c.round", alias);
    cr_buf_addf(where, "%s AND %s = ?2)", also, who);
    return true;
}

/* One clause of a queue (internal.h) as a condition on cases c; false: one it cannot say. */
static bool
clause_where(const struct cr_queue_clause *k, const struct cr_late *late, struct cr_buf *where)
{
    cr_buf_addc(where, '(');
    if (k->assigned)
        cr_buf_addf(where, "c.assignee = ?2 AND ");
    int n = 0;
    for (int st = 0; st < CR_STATE_COUNT; st++)
        n += (k->states >> st) & 1;
    if (n == 0)
        cr_buf_addf(where, "0");
    const char *before = n == 1 ? "c.state = " : "c.state IN (";
    for (int st = 0; st < CR_STATE_COUNT; st++) {
        if (k->states & (1u << st)) {
            cr_buf_addf(where, "%s'%s'", before, cr_state_name(st));
            before = ", ";
        }
    }
    if (n > 1)
        cr_buf_addc(where, ')');
    if (k->quorum_blocked)
        cr_buf_addf(where, " AND c.quorum_blocked = 1");
    if (k->late)
        late_where(late, where);
    if (k->unrouted)
        cr_buf_addf(where, " AND (c.approver IS NULL OR c.approver = ?2)");
    for (int a = 0; a < CR_ACTION_COUNT; a++)
        if ((k->not_done & (1u << a)) && !not_done_where(a, false, where))
            return false;
    for (int a = 0; a < CR_ACTION_COUNT; a++)
        if ((k->not_done_this_round & (1u << a)) && !not_done_where(a, true, where))
            return false;
    cr_buf_addc(where, ')');
    return true;
}

/*
 * The statement of what waits for queue->login, narrowed by queue->filter
 * when set (cr_list_mine_filter_page): with count, "1" a row and no order.
 * Its words' FTS5 query goes to q and *phrases says whether they need
 * phrase.c's test; *none: the words hold nothing to find.
 */
static enum cr_status
mine_sql(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope, bool reverse,
         bool count, struct cr_buf *sql, struct cr_buf *q, bool *phrases, bool *none)
{
    const struct cr_filter *f = queue->filter;
    bool searching = f && f->search && !cr_blank(f->search);
    enum cr_status st = CR_OK;
    *phrases = *none = false;
    if (searching && search_query(db, f->search, q, phrases, &st) <= 0) {
        *none = true;
        return st;
    }
    struct cr_buf where = {0};
    for (size_t i = 0; i < queue->n; i++) {
        if (i)
            cr_buf_addf(&where, " OR ");
        if (!clause_where(&queue->clauses[i], &queue->late, &where)) {
            cr_buf_free(&where);
            return cr_fail(db, CR_USAGE, "what waits for %s: an act no table records",
                           queue->login);
        }
    }
    cr_buf_addf(sql,
                "SELECT %s FROM cases c JOIN subjects s ON s.id = c.subject_id "
                "WHERE c.sortkey %s ?1 AND (%s)",
                count ? "1" : CASE_ROW_COLUMNS, reverse ? "<" : ">", where.p ? where.p : "0");
    /* The filter: core's own names and numbers written in, the user's words bound (?5). */
    if (f && f->state >= 0 && f->state < CR_STATE_COUNT)
        cr_buf_addf(sql, " AND c.state = '%s'", cr_state_name(f->state));
    if (f && f->outcome >= 0 && f->outcome < CR_OUTCOME_COUNT)
        cr_buf_addf(sql, " AND c.outcome = '%s'", cr_outcome_name(f->outcome));
    else if (f && f->outcome == CR_OUTCOME_COUNT)
        cr_buf_addf(sql, " AND c.outcome IS NULL");
    if (f && f->category >= 0 && f->category < CR_CATEGORY_COUNT)
        cr_buf_addf(sql, " AND c.categories IN (%u, %u)", 1u << f->category,
                    CR_CATMASK_DV | CR_CATMASK_SO);
    if (queue->overdue_late)
        late_where(queue->overdue_late, sql);
    if (searching)
        cr_buf_addf(sql, " AND c.id IN (SELECT rowid FROM case_search WHERE case_search MATCH ?5)");
    scope_where(f, scope, *phrases, sql);
    if (count)
        cr_buf_addf(sql, " LIMIT ?4");
    else
        cr_buf_addf(sql, " ORDER BY c.sortkey%s LIMIT ?4", reverse ? " DESC" : "");
    bool nomem = !where.p || !sql->p || (searching && !q->p);
    cr_buf_free(&where);
    return nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

enum cr_status
sq_list_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope, int64_t after,
             bool reverse, size_t limit, struct cr_page *page)
{
    assert(db && queue && queue->login && queue->n && scope && page);
    struct cr_buf sql = {0}, q = {0};
    bool phrases, none;
    enum cr_status st = mine_sql(db, queue, scope, reverse, false, &sql, &q, &phrases, &none);
    if (st == CR_OK && none) {
        page->n = 0;
        page->more = 0;
    } else if (st == CR_OK) {
        st = page_query(db, sql.p, after, queue->login, NULL, q.p,
                        phrases ? queue->filter->search : NULL,
                        queue->filter ? queue->filter->assignee : NULL,
                        queue->filter ? queue->filter->unit : NULL, limit, scope, page, reverse);
    }
    cr_buf_free(&sql);
    cr_buf_free(&q);
    return st;
}

enum cr_status
sq_count_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope, int64_t cap,
              int64_t *n)
{
    assert(db && queue && queue->login && queue->n && scope && n && cap > 0);
    *n = 0;
    struct cr_buf sql = {0}, q = {0};
    bool phrases, none;
    enum cr_status st = mine_sql(db, queue, scope, false, true, &sql, &q, &phrases, &none);
    if (st == CR_OK && !none)
        st = count_query(db, sql.p, queue->login, NULL, q.p, phrases ? queue->filter->search : NULL,
                         queue->filter ? queue->filter->assignee : NULL,
                         queue->filter ? queue->filter->unit : NULL, cap, scope, n);
    cr_buf_free(&sql);
    cr_buf_free(&q);
    return st;
}

/* Export */

enum cr_status
sq_export(cr_db *db, const struct cr_scope *scope,
          int (*row)(void *ctx, const struct cr_case_row *r), void *ctx, int64_t *rows,
          bool *stopped)
{
    assert(db && scope && row && rows && stopped);
    *rows = 0;
    *stopped = false;
    /*
     * A deferred transaction takes no lock until its first read, and then
     * only a snapshot: in WAL mode others' actions commit meanwhile, so a
     * reader that stops the rows (a pager left open) blocks nobody.
     */
    enum cr_status st = sql_exec(db, "BEGIN", "export");
    if (st != CR_OK)
        return st;
    /* The count comes from the counters, in the same snapshot as the rows. */
    int64_t total = sql_query_int(db, "SELECT coalesce(sum(n), 0) FROM case_counts", &st);
    struct cr_filter all = CR_FILTER_ALL;
    struct cr_page page = {0};
    int64_t after = 0, n = 0;
    while (st == CR_OK && !*stopped) {
        if ((st = sq_page(db, &all, after, false, 500, scope, NULL, &page)) != CR_OK)
            break;
        for (size_t i = 0; i < page.n && !*stopped; i++) {
            if (row(ctx, &page.rows[i]) != 0)
                *stopped = true;
            else
                n++;
        }
        if (!page.more)
            break;
        after = page.rows[page.n - 1].sortkey;
    }
    if (page.priv)
        page_release(page.priv);
    free(page.rows);
    /* Every case read must be every case counted, when the scope keeps none out. */
    bool every_case = !scope->panel_only && !scope->unit && !scope->n_refs;
    if (st == CR_OK && !*stopped && every_case && n != total)
        st = cr_fail(db, CR_DB, "export: %lld rows read but the counters say %lld", (long long)n,
                     (long long)total);
    sq_rollback(db); /* nothing was written: ending the snapshot is all */
    *rows = n;
    return st;
}
