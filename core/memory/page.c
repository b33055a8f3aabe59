/*
 * Pages of the queue, in memory: the filtered cases the user may see in
 * keyset order, what waits for a user, and the export's walk over every
 * case; as core/sqlite/page.c gives them.
 */
#include "engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/*
 * Need-to-know in every list of cases, as the SQLite engine's
 * visibility_where: the scope policy.c computed (store.h), applied as it is.
 * Not the cases of the scope's unit (SQL's "s.unit IS NOT ?": a subject
 * with no unit is not kept out) nor of its subjects, and when panel_only,
 * only the cases that went before the panel.
 */
static bool
visible(const struct cr_scope *scope, const struct mem_case *c, const struct mem_subject *s)
{
    assert(scope && c);
    if (scope->panel_only && c->panel_round <= 0)
        return false;
    if (scope->unit && s && s->unit && strcmp(s->unit, scope->unit) == 0)
        return false;
    for (size_t i = 0; s && i < scope->n_refs; i++)
        if (strcmp(scope->refs[i], s->ref) == 0)
            return false;
    return true;
}

/* What a page is filled from: the case, its key, and whether it belongs. */
typedef bool (*case_test)(cr_db *db, const struct mem_data *d, const struct mem_case *c,
                          const struct mem_subject *s, const void *arg);

struct candidate {
    int64_t key;
    const struct mem_case *c;
};

static int
by_key(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

/*
 * Fill page with up to limit rows past the cursor (before it when reverse,
 * read nearest first and shown forwards), ordered by key (the sortkey, the
 * id, or newest first INT64_MAX - id), of the cases test() lets through.
 */
static enum cr_status
fill(cr_db *db, enum cr_list_order by, int64_t cursor, bool reverse, size_t limit,
     const struct cr_scope *scope, case_test test, const void *arg, struct cr_page *page)
{
    assert(db && scope && test && page);
    const struct mem_data *d = mem_data(db);
    if (page->priv) {
        struct cr_store_owned *o = page->priv;
        o->release(o);
        page->priv = NULL;
    }
    page->n = 0;
    page->more = 0;
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    page->priv = l;
    struct candidate *cand = NULL;
    size_t n = 0;
    const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++) {
        const struct mem_case *c = &cases[i];
        int64_t key = by == CR_ORDER_NEWEST   ? INT64_MAX - c->id
                      : by == CR_ORDER_OLDEST ? c->id
                                              : mem_sortkey(c);
        if (reverse ? key >= cursor : key <= cursor)
            continue;
        const struct mem_subject *s = mem_subject_of(d, c);
        if (!test(db, d, c, s, arg) || !visible(scope, c, s))
            continue;
        struct candidate *x = mem_grow((void **)&cand, &n, sizeof *x);
        if (!x) {
            free(cand);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        x->key = key;
        x->c = c;
    }
    if (n)
        qsort(cand, n, sizeof *cand, by_key);
    size_t take = n < limit ? n : limit;
    page->more = n > limit;
    struct cr_case_row *rows = realloc(page->rows, (limit ? limit : 1) * sizeof *rows);
    if (!rows) {
        free(cand);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    page->rows = rows;
    for (size_t i = 0; i < take; i++) {
        /* Reverse: the nearest before the cursor, then shown in order. */
        const struct mem_case *c = reverse ? cand[n - take + i].c : cand[i].c;
        struct cr_case_row *r = &rows[i];
        mem_case_row(d, c, r);
        const char **str[] = {&r->subject_ref, &r->surname,  &r->forenames,  &r->rank,
                              &r->unit,        &r->assignee, &r->decided_by, &r->approver};
        for (size_t k = 0; k < CR_ARRAY_LEN(str); k++)
            *str[k] = cr_strings_keep(l, *str[k]);
    }
    page->n = take;
    mem_panel_tally(db, scope->viewer, rows, take);
    free(cand);
    if (l->nomem) {
        page->n = 0;
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    return CR_OK;
}

void
mem_panel_tally(cr_db *db, const char *viewer, struct cr_case_row *rows, size_t n)
{
    const struct mem_data *d = mem_data(db);
    size_t with_panel = 0;
    for (size_t i = 0; i < n; i++) {
        rows[i].panel_concur = rows[i].panel_dissent = 0;
        memset(rows[i].panel_concur_kind, 0, sizeof rows[i].panel_concur_kind);
        rows[i].panel_my_vote = -1;
        with_panel += rows[i].state == CR_STATE_PANEL_REVIEW;
    }
    if (!with_panel)
        return;
    const struct mem_vote *v = MEM_ROWS(d, MEM_VOTES, struct mem_vote);
    for (size_t j = 0; j < MEM_N(d, MEM_VOTES); j++) {
        for (size_t i = 0; i < n; i++) {
            struct cr_case_row *r = &rows[i];
            if (r->state != CR_STATE_PANEL_REVIEW || r->id != v[j].case_id)
                continue;
            const struct mem_case *c = mem_find(d, MEM_CASES, r->id);
            if (!c || v[j].round != c->round)
                continue;
            if (v[j].vote == CR_VOTE_CONCUR) {
                r->panel_concur++;
                if (v[j].member_kind >= 0 && v[j].member_kind < CR_KIND_COUNT)
                    r->panel_concur_kind[v[j].member_kind]++;
            } else if (v[j].vote == CR_VOTE_DISSENT) {
                r->panel_dissent++;
            }
            if (viewer && strcmp(v[j].member, viewer) == 0)
                r->panel_my_vote = v[j].vote;
        }
    }
}

/* Whether late (internal.h) admits the case, as the SQLite engine's late_where. */
static bool
late_admits(const struct cr_late *late, const struct mem_case *c)
{
    if (c->state < 0 || c->state >= CR_STATE_COUNT || late->before[c->state] == INT64_MIN)
        return false;
    return c->state_since + c->clock_shift < late->before[c->state] && c->paused_until <= late->now;
}

struct page_test {
    const struct cr_filter *filter;
    const struct cr_late *late;
};

static bool
filter_test(cr_db *db, const struct mem_data *d, const struct mem_case *c,
            const struct mem_subject *s, const void *arg)
{
    (void)db;
    const struct page_test *t = arg;
    const struct cr_filter *f = t->filter;
    if (t->late && !late_admits(t->late, c))
        return false;
    if (f->state >= 0 && c->state != f->state)
        return false;
    if (f->state < 0 && f->open && c->state == CR_STATE_CLOSED)
        return false;
    if (f->outcome >= 0 &&
        (f->outcome == CR_OUTCOME_COUNT ? c->outcome >= 0 : c->outcome != f->outcome))
        return false;
    if (f->category >= 0 && f->category < CR_CATEGORY_COUNT) {
        unsigned cat = mem_categories(c);
        if (cat != (1u << f->category) && cat != (CR_CATMASK_DV | CR_CATMASK_SO))
            return false;
    }
    if (f->search && *f->search && !cr_blank(f->search) && !mem_search_matches(d, c, s, f->search))
        return false;
    /* The open cases the login holds, as the SQLite engine's assignee condition. */
    if (f->assignee &&
        (c->state == CR_STATE_CLOSED || !c->assignee || strcmp(c->assignee, f->assignee) != 0))
        return false;
    /* The subject's unit, exactly, as the SQLite engine's "s.unit = ?". */
    if (f->unit && !(s && s->unit && strcmp(s->unit, f->unit) == 0))
        return false;
    return true;
}

enum cr_status
mem_page(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse, size_t limit,
         const struct cr_scope *scope, const struct cr_late *late, struct cr_page *page)
{
    assert(db && scope && page);
    static const struct cr_filter all = CR_FILTER_ALL;
    const struct page_test t = {filter ? filter : &all, late};
    return fill(db, cr_list_order(t.filter), cursor, reverse, limit, scope, filter_test, &t, page);
}

/* What waits for a user */

/* Whether login decided the case: in round (or any round when round < 0). */
static bool
decided_by(const struct mem_data *d, int64_t case_id, const char *login, int round)
{
    const struct mem_decision *x = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    for (size_t i = 0; i < MEM_N(d, MEM_DECISIONS); i++)
        if (x[i].case_id == case_id && (round < 0 || x[i].round == round) &&
            strcmp(x[i].reviewer, login) == 0)
            return true;
    return false;
}

/* Whether login voted on the case: in round (or any round when round < 0). */
static bool
voted(const struct mem_data *d, int64_t case_id, const char *login, int round)
{
    const struct mem_vote *x = MEM_ROWS(d, MEM_VOTES, struct mem_vote);
    for (size_t i = 0; i < MEM_N(d, MEM_VOTES); i++)
        if (x[i].case_id == case_id && (round < 0 || x[i].round == round) &&
            strcmp(x[i].member, login) == 0)
            return true;
    return false;
}

/* Whether login approved the case: in round (or any round when round < 0). */
static bool
approved(const struct mem_data *d, int64_t case_id, const char *login, int round)
{
    const struct mem_approval *a = MEM_ROWS(d, MEM_APPROVALS, struct mem_approval);
    for (size_t i = 0; i < MEM_N(d, MEM_APPROVALS); i++)
        if (a[i].case_id == case_id && (round < 0 || a[i].round == round) &&
            strcmp(a[i].supervisor, login) == 0)
            return true;
    return false;
}

/* Whether login returned the case, in any round (a return is kept as its audit event). */
static bool
returned(const struct mem_data *d, int64_t case_id, const char *login)
{
    const struct mem_event *e = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; i < MEM_N(d, MEM_AUDIT_EVENTS); i++)
        if (e[i].case_id == case_id && strcmp(e[i].action, "return") == 0 &&
            strcmp(e[i].actor, login) == 0)
            return true;
    return false;
}

/* Whether login did action on the case (in round, or any round when round < 0). */
static bool
done(const struct mem_data *d, int action, const struct mem_case *c, const char *login, int round)
{
    switch (action) {
    case CR_ACTION_DECIDE:
        return decided_by(d, c->id, login, round);
    case CR_ACTION_APPROVE:
        return approved(d, c->id, login, round);
    case CR_ACTION_VOTE:
        return voted(d, c->id, login, round);
    case CR_ACTION_RETURN:
        return returned(d, c->id, login);
    default:
        return false;
    }
}

/* Whether the clause of a queue (internal.h) admits the case, as the SQLite engine's SQL. */
static bool
clause_admits(const struct mem_data *d, const struct cr_queue_clause *k, const struct mem_case *c,
              const char *login, const struct cr_late *late)
{
    if (c->state < 0 || c->state >= CR_STATE_COUNT || !(k->states & (1u << c->state)))
        return false;
    if (k->assigned && !(c->assignee && strcmp(c->assignee, login) == 0))
        return false;
    if (k->quorum_blocked && !c->quorum_blocked)
        return false;
    if (k->late && !late_admits(late, c))
        return false;
    if (k->unrouted && c->approver && strcmp(c->approver, login) != 0)
        return false;
    for (int a = 0; a < CR_ACTION_COUNT; a++) {
        if ((k->not_done & (1u << a)) && done(d, a, c, login, -1))
            return false;
        if ((k->not_done_this_round & (1u << a)) && done(d, a, c, login, c->round))
            return false;
    }
    return true;
}

static bool
queue_test(cr_db *db, const struct mem_data *d, const struct mem_case *c,
           const struct mem_subject *s, const void *arg)
{
    const struct cr_queue *q = arg;
    bool admitted = false;
    for (size_t i = 0; i < q->n && !admitted; i++)
        admitted = clause_admits(d, &q->clauses[i], c, q->login, &q->late);
    /* Narrowed by the queue's filter, as a page applies it (its sort aside). */
    const struct page_test t = {q->filter, q->overdue_late};
    return admitted && (!q->filter || filter_test(db, d, c, s, &t));
}

enum cr_status
mem_list_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope, int64_t cursor,
              bool reverse, size_t limit, struct cr_page *page)
{
    assert(db && queue && queue->login && queue->n && scope && page);
    return fill(db, CR_ORDER_RISKIEST, cursor, reverse, limit, scope, queue_test, queue, page);
}

/* Counts */

/* *n: the cases test() lets through that scope admits, at most cap (store.h, count). */
static enum cr_status
count_cases(cr_db *db, const struct cr_scope *scope, case_test test, const void *arg, int64_t cap,
            int64_t *n)
{
    const struct mem_data *d = mem_data(db);
    const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    *n = 0;
    for (size_t i = 0; i < MEM_N(d, MEM_CASES) && *n < cap; i++) {
        const struct mem_subject *s = mem_subject_of(d, &cases[i]);
        if (test(db, d, &cases[i], s, arg) && visible(scope, &cases[i], s))
            ++*n;
    }
    return CR_OK;
}

enum cr_status
mem_count(cr_db *db, const struct cr_filter *filter, const struct cr_scope *scope,
          const struct cr_late *late, int64_t cap, int64_t *n)
{
    assert(db && scope && n && cap > 0);
    static const struct cr_filter all = CR_FILTER_ALL;
    const struct page_test t = {filter ? filter : &all, late};
    return count_cases(db, scope, filter_test, &t, cap, n);
}

enum cr_status
mem_count_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope, int64_t cap,
               int64_t *n)
{
    assert(db && queue && queue->login && queue->n && scope && n && cap > 0);
    return count_cases(db, scope, queue_test, queue, cap, n);
}

/* Export */

static bool
every(cr_db *db, const struct mem_data *d, const struct mem_case *c, const struct mem_subject *s,
      const void *arg)
{
    (void)db, (void)d, (void)c, (void)s, (void)arg;
    return true;
}

enum cr_status
mem_export_scan(cr_db *db, const struct cr_scope *scope, cr_store_row_fn row, void *ctx,
                int64_t *rows, bool *stopped)
{
    assert(db && scope && row && rows && stopped);
    *rows = 0;
    *stopped = false;
    /*
     * Pages of 500 in turn, riskiest first.  Other handles of this process
     * write only when they are called, and a write transaction of another
     * handle is not seen (mem_data): each page reads what was committed.
     */
    struct cr_page page = {0};
    int64_t after = 0, n = 0;
    enum cr_status st = CR_OK;
    while (!*stopped) {
        if ((st = fill(db, CR_ORDER_RISKIEST, after, false, 500, scope, every, NULL, &page)) !=
            CR_OK)
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
        ((struct cr_store_owned *)page.priv)->release(page.priv);
    free(page.rows);
    *rows = n;
    return st;
}
