/*
 * Pages of the queue on PostgreSQL: the filtered pages and their counts,
 * what waits for a user, and the export's walk, each one call of the
 * server's functions (sql/030-page.sql), which build the statement, apply
 * need-to-know (core's scope and the server's own for the session) and
 * page by keyset as the SQLite engine's page.c does: the same rows, in
 * the same order, with the same `more`.
 */
#include "../internal.h"
#include "pg.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Page memory (its priv: store.h): one pool for the rows' strings. */
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

/* A text[] literal of the strings (NULL: none), each quoted; NULL when out of memory. */
static char *
text_array(const char *const *v, size_t n)
{
    struct cr_buf b = {0};
    int bad = cr_buf_addc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        bad |= cr_buf_add(&b, i ? ",\"" : "\"", i ? 2 : 1);
        for (const char *s = v[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                bad |= cr_buf_addc(&b, '\\');
            bad |= cr_buf_addc(&b, *s);
        }
        bad |= cr_buf_addc(&b, '"');
    }
    bad |= cr_buf_addc(&b, '}');
    if (bad < 0) {
        cr_buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* Add a text[] argument (kept by the args). */
static void
arg_texts(struct pg_args *a, const char *const *v, size_t n)
{
    char *s = text_array(v, n);
    if (!s) {
        a->nomem = true;
        return;
    }
    pg_arg_text(a, s);
    a->own[a->n - 1] = s;
}

static void
arg_bool(struct pg_args *a, bool v)
{
    pg_arg_text(a, v ? "t" : "f");
}

/* A late cut as three arguments: now, the states and the times before which they are late. */
static void
arg_late(struct pg_args *a, const struct cr_late *late)
{
    if (!late) {
        pg_arg_text(a, NULL);
        pg_arg_text(a, NULL);
        pg_arg_text(a, NULL);
        return;
    }
    const char *names[CR_STATE_COUNT];
    int64_t before[CR_STATE_COUNT];
    size_t n = 0;
    for (int st = 0; st < CR_STATE_COUNT; st++) {
        if (late->before[st] == INT64_MIN)
            continue;
        names[n] = cr_state_name(st);
        before[n++] = late->before[st];
    }
    pg_arg_int(a, late->now);
    arg_texts(a, names, n);
    pg_arg_ints(a, before, n);
}

/* The filter's categories as an integer[] argument (page.c: "c.categories IN (x, both)"). */
static void
arg_category(struct pg_args *a, const struct cr_filter *f)
{
    if (!f || f->category < 0 || f->category >= CR_CATEGORY_COUNT) {
        pg_arg_text(a, NULL);
        return;
    }
    int64_t v[2] = {1u << f->category, CR_CATMASK_DV | CR_CATMASK_SO};
    pg_arg_ints(a, v, 2);
}

/* Core's scope: panel only, the unit kept out, the subjects declared. */
static void
arg_scope(struct pg_args *a, const struct cr_scope *scope)
{
    arg_bool(a, scope->panel_only);
    pg_arg_text(a, scope->unit);
    arg_texts(a, scope->refs, scope->n_refs);
}

/* Each element of a text[] of plain words (votes, kinds) to each(). */
static void
each_word(const char *arr, struct cr_case_row *r,
          void (*each)(struct cr_case_row *r, const char *w, size_t n))
{
    if (!arr || *arr != '{')
        return;
    const char *p = arr + 1;
    while (*p && *p != '}') {
        size_t n = strcspn(p, ",}");
        each(r, p, n);
        p += n;
        if (*p == ',')
            p++;
    }
}

static int
word_parse(const char *w, size_t n, int (*parse)(const char *))
{
    char buf[32];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, w, n);
    buf[n] = '\0';
    return parse(buf);
}

/* A vote of the panel's current round (sq_panel_tally's counts). */
static void
each_vote(struct cr_case_row *r, const char *w, size_t n)
{
    int vote = word_parse(w, n, cr_vote_parse);
    if (vote == CR_VOTE_CONCUR)
        r->panel_concur++;
    else if (vote == CR_VOTE_DISSENT)
        r->panel_dissent++;
}

/* The member kind of a concurring vote. */
static void
each_kind(struct cr_case_row *r, const char *w, size_t n)
{
    int kind = word_parse(w, n, cr_kind_parse);
    if (kind >= 0 && kind < CR_KIND_COUNT)
        r->panel_concur_kind[kind]++;
}

/* Result columns: CASE_ROW's 24, then votes, kinds, my_vote. */
#define COL_VOTES 24
static const int string_cols[] = {10, 11, 12, 13, 14, 15, 16, 17};

/* Fill page from the rows of cr_page/cr_list_mine (limit + 1 asked), in read order. */
static enum cr_status
fill_page(cr_db *db, PGresult *res, size_t limit, bool reverse, struct cr_page *page)
{
    struct page_priv *pp = page->priv;
    if (!pp) {
        pp = calloc(1, sizeof *pp);
        if (!pp)
            return cr_fail(db, CR_NOMEM, "out of memory");
        pp->owned.release = page_release;
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
    size_t got = (size_t)PQntuples(res);
    if (got > limit) {
        page->more = 1;
        got = limit;
    }
    /* The strings first, so that the pool settles before the rows point into it. */
    size_t *offs = malloc((got ? got : 1) * CR_ARRAY_LEN(string_cols) * sizeof *offs);
    if (!offs)
        return cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; i < got; i++) {
        for (size_t c = 0; c < CR_ARRAY_LEN(string_cols); c++) {
            const char *s = pg_text(res, (int)i, string_cols[c]);
            size_t *off = &offs[i * CR_ARRAY_LEN(string_cols) + c];
            *off = s ? pp->pool.len : SIZE_MAX;
            if (s && cr_buf_add(&pp->pool, s, strlen(s) + 1) < 0) {
                free(offs);
                return cr_fail(db, CR_NOMEM, "out of memory");
            }
        }
    }
    for (size_t i = 0; i < got; i++) {
        struct cr_case_row *r = &page->rows[i];
        int row = (int)i;
        memset(r, 0, sizeof *r);
        r->id = pg_int(res, row, 0);
        r->sortkey = pg_int(res, row, 1);
        r->priority = pg_int(res, row, 2);
        r->created_at = pg_int(res, row, 3);
        r->state_since = pg_int(res, row, 4);
        r->state = cr_state_parse(pg_text(res, row, 5));
        r->outcome = cr_outcome_parse(pg_text(res, row, 6));
        r->categories = (unsigned)pg_int(res, row, 7);
        r->n_allegations = (int)pg_int(res, row, 8);
        r->duty = cr_duty_parse(pg_text(res, row, 9));
        r->decided_at = pg_int(res, row, 18);
        r->vetting_review = (int)pg_int(res, row, 19);
        r->quorum_blocked = (int)pg_int(res, row, 20);
        r->version = pg_int(res, row, 21);
        r->clock_shift = pg_int(res, row, 22);
        r->paused_until = pg_int(res, row, 23);
        const char **dst[] = {&r->subject_ref, &r->surname,  &r->forenames,  &r->rank,
                              &r->unit,        &r->assignee, &r->decided_by, &r->approver};
        for (size_t c = 0; c < CR_ARRAY_LEN(string_cols); c++) {
            size_t off = offs[i * CR_ARRAY_LEN(string_cols) + c];
            *dst[c] = off == SIZE_MAX ? NULL : pp->pool.p + off;
        }
        r->panel_my_vote = -1;
        each_word(pg_text(res, row, COL_VOTES), r, each_vote);
        each_word(pg_text(res, row, COL_VOTES + 1), r, each_kind);
        const char *mine = pg_text(res, row, COL_VOTES + 2);
        if (mine)
            r->panel_my_vote = cr_vote_parse(mine);
    }
    free(offs);
    page->n = got;
    if (reverse) {
        /* Read backwards, shown forwards. */
        for (size_t i = 0; i < page->n / 2; i++) {
            struct cr_case_row tmp = page->rows[i];
            page->rows[i] = page->rows[page->n - 1 - i];
            page->rows[page->n - 1 - i] = tmp;
        }
    }
    return CR_OK;
}

static const char page_sql[] =
    "SELECT * FROM casereview.cr_page($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
    "$14, $15, $16, $17, $18, $19, $20)";

/* The words of a filter, or NULL when blank (blank words search nothing). */
static const char *
words_of(const struct cr_filter *f)
{
    return f && f->search && !cr_blank(f->search) ? f->search : NULL;
}

/* cr_page's arguments for a page (count: its count, cap in limit). */
static void
page_args(struct pg_args *a, bool count, const struct cr_filter *f, const struct cr_scope *scope,
          const struct cr_late *late, const char *key, bool down, int64_t cursor, int64_t limit)
{
    arg_bool(a, count);
    pg_arg_text(a, f->state >= 0 ? cr_state_name(f->state) : NULL);
    arg_bool(a, f->open != 0);
    pg_arg_text(a, f->outcome >= 0 && f->outcome < CR_OUTCOME_COUNT ? cr_outcome_name(f->outcome)
                                                                    : NULL);
    arg_bool(a, f->outcome == CR_OUTCOME_COUNT);
    arg_category(a, f);
    pg_arg_text(a, words_of(f));
    pg_arg_text(a, f->assignee);
    pg_arg_text(a, f->unit);
    arg_late(a, late);
    arg_scope(a, scope);
    pg_arg_text(a, key);
    arg_bool(a, down);
    pg_arg_int(a, cursor);
    pg_arg_int(a, limit);
    pg_arg_text(a, scope->viewer);
}

/* The export's pages: cr_page's arguments, the server's need-to-know not applied (an admin's). */
static const char export_sql[] =
    "SELECT * FROM casereview.cr_export_page($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
    "$13, $14, $15, $16, $17, $18, $19, $20)";

/* A page as page() gives it, from the call sql (page_sql or export_sql). */
static enum cr_status
page_fetch(cr_db *db, const char *sql, const struct cr_filter *filter, int64_t cursor, bool reverse,
           size_t limit, const struct cr_scope *scope, const struct cr_late *late,
           struct cr_page *page)
{
    static const struct cr_filter all = CR_FILTER_ALL;
    if (!filter)
        filter = &all;
    bool searching = words_of(filter) != NULL;
    enum cr_list_order by = cr_list_order(filter);
    bool newest = by == CR_ORDER_NEWEST;
    if (searching && newest)
        cursor = INT64_MAX - (cursor < 0 ? 0 : cursor);
    bool down = newest ? !reverse : reverse;
    const char *key = searching ? "search" : by == CR_ORDER_OLDEST ? "id" : "sortkey";
    struct pg_args a;
    pg_args_init(&a);
    page_args(&a, false, filter, scope, late, key, down, cursor, (int64_t)limit + 1);
    enum cr_status st = CR_OK;
    PGresult *res = pg_query(db, "list", sql, &a, &st);
    pg_args_free(&a);
    if (!res) {
        page->n = 0;
        page->more = 0;
        return st;
    }
    st = fill_page(db, res, limit, reverse, page);
    PQclear(res);
    if (st != CR_OK)
        page->n = 0;
    return st;
}

enum cr_status
pg_page(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse, size_t limit,
        const struct cr_scope *scope, const struct cr_late *late, struct cr_page *page)
{
    assert(db && scope && page);
    return page_fetch(db, page_sql, filter, cursor, reverse, limit, scope, late, page);
}

/* *n: the count a call of cr_page or cr_list_mine with count_only gave (its first column). */
static enum cr_status
count_of(cr_db *db, const char *sql, const struct pg_args *a, int64_t *n)
{
    enum cr_status st = CR_OK;
    PGresult *res = pg_query(db, "count", sql, a, &st);
    if (!res)
        return st;
    *n = PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    return CR_OK;
}

enum cr_status
pg_count(cr_db *db, const struct cr_filter *filter, const struct cr_scope *scope,
         const struct cr_late *late, int64_t cap, int64_t *n)
{
    assert(db && scope && n && cap > 0);
    static const struct cr_filter all = CR_FILTER_ALL;
    if (!filter)
        filter = &all;
    *n = 0;
    bool searching = words_of(filter) != NULL;
    enum cr_list_order by = cr_list_order(filter);
    const char *key = searching ? "search" : by == CR_ORDER_OLDEST ? "id" : "sortkey";
    struct pg_args a;
    pg_args_init(&a);
    page_args(&a, true, filter, scope, late, key, false, 0, cap);
    enum cr_status st = count_of(db, page_sql, &a, n);
    pg_args_free(&a);
    return st;
}

/* What waits for a user */

static const char mine_sql[] =
    "SELECT * FROM casereview.cr_list_mine($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
    "$13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)";

/* A list of act names (bits of enum cr_action) as JSON; false for an act no table records. */
static bool
acts_json(unsigned acts, bool this_round, struct cr_buf *j)
{
    bool first = true;
    cr_buf_addc(j, '[');
    for (int a = 0; a < CR_ACTION_COUNT; a++) {
        if (!(acts & (1u << a)))
            continue;
        if (a != CR_ACTION_DECIDE && a != CR_ACTION_APPROVE && a != CR_ACTION_VOTE &&
            (a != CR_ACTION_RETURN || this_round))
            return false;
        cr_buf_addf(j, "%s\"%s\"", first ? "" : ",", cr_action_name(a));
        first = false;
    }
    cr_buf_addc(j, ']');
    return true;
}

/* The queue's clauses as JSON (sql/030-page.sql, cr_page_clause_where). */
static enum cr_status
queue_json(cr_db *db, const struct cr_queue *queue, struct cr_buf *j)
{
    cr_buf_addc(j, '[');
    for (size_t i = 0; i < queue->n; i++) {
        const struct cr_queue_clause *k = &queue->clauses[i];
        cr_buf_addf(j, "%s{\"states\":[", i ? "," : "");
        bool first = true;
        for (int st = 0; st < CR_STATE_COUNT; st++) {
            if (!(k->states & (1u << st)))
                continue;
            cr_buf_addf(j, "%s\"%s\"", first ? "" : ",", cr_state_name(st));
            first = false;
        }
        cr_buf_addf(j,
                    "],\"assigned\":%s,\"quorum_blocked\":%s,\"late\":%s,\"unrouted\":%s,"
                    "\"not_done\":",
                    k->assigned ? "true" : "false", k->quorum_blocked ? "true" : "false",
                    k->late ? "true" : "false", k->unrouted ? "true" : "false");
        bool ok = acts_json(k->not_done, false, j);
        cr_buf_addf(j, ",\"not_done_round\":");
        ok = ok && acts_json(k->not_done_this_round, true, j);
        if (!ok)
            return cr_fail(db, CR_USAGE, "what waits for %s: an act no table records",
                           queue->login);
        cr_buf_addc(j, '}');
    }
    cr_buf_addc(j, ']');
    return j->p ? CR_OK : cr_fail(db, CR_NOMEM, "out of memory");
}

/* cr_list_mine's arguments. */
static void
mine_args(struct pg_args *a, bool count, const char *json, const struct cr_queue *queue,
          const struct cr_scope *scope, bool down, int64_t cursor, int64_t limit)
{
    static const struct cr_filter all = CR_FILTER_ALL;
    const struct cr_filter *f = queue->filter ? queue->filter : &all;
    arg_bool(a, count);
    pg_arg_text(a, json);
    pg_arg_text(a, queue->login);
    arg_late(a, &queue->late);
    pg_arg_text(a, f->state >= 0 && f->state < CR_STATE_COUNT ? cr_state_name(f->state) : NULL);
    pg_arg_text(a, f->outcome >= 0 && f->outcome < CR_OUTCOME_COUNT ? cr_outcome_name(f->outcome)
                                                                    : NULL);
    arg_bool(a, f->outcome == CR_OUTCOME_COUNT);
    arg_category(a, f);
    pg_arg_text(a, words_of(f));
    pg_arg_text(a, f->assignee);
    pg_arg_text(a, f->unit);
    arg_late(a, queue->overdue_late);
    arg_scope(a, scope);
    arg_bool(a, down);
    pg_arg_int(a, cursor);
    pg_arg_int(a, limit);
    pg_arg_text(a, scope->viewer);
}

enum cr_status
pg_list_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope, int64_t after,
             bool reverse, size_t limit, struct cr_page *page)
{
    assert(db && queue && queue->login && queue->n && scope && page);
    struct cr_buf j = {0};
    enum cr_status st = queue_json(db, queue, &j);
    PGresult *res = NULL;
    if (st == CR_OK) {
        struct pg_args a;
        pg_args_init(&a);
        mine_args(&a, false, j.p, queue, scope, reverse, after, (int64_t)limit + 1);
        res = pg_query(db, "list", mine_sql, &a, &st);
        pg_args_free(&a);
    }
    cr_buf_free(&j);
    if (!res) {
        page->n = 0;
        page->more = 0;
        return st;
    }
    st = fill_page(db, res, limit, reverse, page);
    PQclear(res);
    if (st != CR_OK)
        page->n = 0;
    return st;
}

enum cr_status
pg_count_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope, int64_t cap,
              int64_t *n)
{
    assert(db && queue && queue->login && queue->n && scope && n && cap > 0);
    *n = 0;
    struct cr_buf j = {0};
    enum cr_status st = queue_json(db, queue, &j);
    if (st == CR_OK) {
        struct pg_args a;
        pg_args_init(&a);
        mine_args(&a, true, j.p, queue, scope, false, 0, cap);
        st = count_of(db, mine_sql, &a, n);
        pg_args_free(&a);
    }
    cr_buf_free(&j);
    return st;
}

/* Export */

enum cr_status
pg_export_scan(cr_db *db, const struct cr_scope *scope, cr_store_row_fn row, void *ctx,
               int64_t *rows, bool *stopped)
{
    assert(db && scope && row && rows && stopped);
    *rows = 0;
    *stopped = false;
    /*
     * One read snapshot: the rows and the count from the same moment,
     * writers going on.  The export is the admin's disclosure of every case
     * (cr_policy_disclosure_scope): the server checks the role and does not
     * narrow it by its own need-to-know.
     */
    bool began = false;
    enum cr_status st = pg_snapshot_begin(db, &began);
    if (st != CR_OK)
        return st;
    int64_t total = 0;
    PGresult *res = pg_query(db, "export", "SELECT casereview.cr_page_total()", NULL, &st);
    if (res) {
        total = pg_int(res, 0, 0);
        PQclear(res);
    }
    struct cr_filter all = CR_FILTER_ALL;
    struct cr_page page = {0};
    int64_t after = 0, n = 0;
    while (st == CR_OK && !*stopped) {
        st = page_fetch(db, export_sql, &all, after, false, 500, scope, NULL, &page);
        if (st != CR_OK)
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
    pg_snapshot_end(db, began, st == CR_OK);
    *rows = n;
    return st;
}
