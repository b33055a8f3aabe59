/*
 * Views of the queue for the workstation: where each person lands (what
 * waits for them, then for a reviewer the flagged cases) and the counts
 * its title shows, cheap at a million cases (cases.h).
 */
#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE (st_store(db))

/* The flagged cases, riskiest first: the landing view's second part. */
static const struct cr_filter flagged_filter = {
    .state = CR_STATE_FLAGGED, .outcome = -1, .category = -1, .sort = CR_SORT_PRIORITY};

/*
 * A landing page's memory (its priv): the two parts as read, whose strings
 * the rows point into, and where the second part begins.
 */
struct landing_priv {
    struct cr_store_owned owned;
    struct cr_page mine, flagged;
    size_t split;
};

static void
landing_release(struct cr_store_owned *o)
{
    struct landing_priv *lp = (struct landing_priv *)o;
    cr_page_free(&lp->mine);
    cr_page_free(&lp->flagged);
    free(lp);
}

void
cr_page_forget_landing(struct cr_page *page)
{
    const struct cr_store_owned *o = page ? page->priv : NULL;
    if (o && o->release == landing_release)
        cr_page_free(page);
}

int
cr_landing_has_flagged(const cr_db *db)
{
    const struct cr_person *me = db ? st_user(db) : NULL;
    return me && cr_person_has(me, CR_ROLE_REVIEWER);
}

/* The page's landing memory, made when the page held another list's (or nothing). */
static struct landing_priv *
landing_of(cr_db *db, struct cr_page *page)
{
    struct cr_store_owned *o = page->priv;
    if (o && o->release == landing_release)
        return (struct landing_priv *)o;
    cr_page_free(page);
    struct landing_priv *lp = calloc(1, sizeof *lp);
    if (!lp) {
        cr_fail(db, CR_NOMEM, "out of memory");
        return NULL;
    }
    lp->owned.release = landing_release;
    page->priv = lp;
    return lp;
}

/* page's rows: a's, then b's (either may be NULL); *split: where b's begin. */
static enum cr_status
landing_join(cr_db *db, struct cr_page *page, const struct cr_page *a, const struct cr_page *b)
{
    struct landing_priv *lp = page->priv;
    size_t na = a ? a->n : 0, nb = b ? b->n : 0;
    struct cr_case_row *rows = realloc(page->rows, (na + nb ? na + nb : 1) * sizeof *rows);
    if (!rows)
        return cr_fail(db, CR_NOMEM, "out of memory");
    page->rows = rows;
    if (na)
        memcpy(rows, a->rows, na * sizeof *rows);
    if (nb)
        memcpy(rows + na, b->rows, nb * sizeof *rows);
    page->n = na + nb;
    lp->split = na;
    return CR_OK;
}

static enum cr_status
landing(cr_db *db, int64_t cursor, bool reverse, size_t limit, struct cr_page *page)
{
    if (!db)
        return CR_USAGE;
    if (!page)
        return cr_fail(db, CR_USAGE, "a list needs a page to fill");
    if (limit > CR_PAGE_MAX)
        return cr_fail(db, CR_USAGE, "a page holds at most %d rows, not %zu", CR_PAGE_MAX, limit);
    struct landing_priv *lp = landing_of(db, page);
    if (!lp)
        return CR_NOMEM;
    page->n = 0;
    page->more = 0;
    lp->split = 0;
    bool flagged = cr_landing_has_flagged(db);
    enum cr_status st;
    if (!reverse && cursor < CR_LANDING_FLAGGED) {
        /* In the first part: what waits for me, then the flagged cases from their top. */
        if ((st = cr_list_mine_page(db, cursor, limit, &lp->mine)) != CR_OK)
            return st;
        if (lp->mine.more || !flagged) {
            page->more = lp->mine.more;
            return landing_join(db, page, &lp->mine, NULL);
        }
        if (lp->mine.n == limit) {
            /* A full page of mine: more follow if a flagged case does. */
            if ((st = cr_list_page(db, &flagged_filter, 0, 1, &lp->flagged)) != CR_OK)
                return st;
            page->more = lp->flagged.n > 0;
            return landing_join(db, page, &lp->mine, NULL);
        }
        if ((st = cr_list_page(db, &flagged_filter, 0, limit - lp->mine.n, &lp->flagged)) != CR_OK)
            return st;
        page->more = lp->flagged.more;
        return landing_join(db, page, &lp->mine, &lp->flagged);
    }
    if (!reverse) {
        if ((st = cr_list_page(db, &flagged_filter, cursor - CR_LANDING_FLAGGED, limit,
                               &lp->flagged)) != CR_OK)
            return st;
        page->more = lp->flagged.more;
        return landing_join(db, page, NULL, &lp->flagged);
    }
    if (cursor > CR_LANDING_FLAGGED && flagged) {
        /* Before a row of the second part (or the end): its rows, then the first part's last. */
        int64_t before = cursor == INT64_MAX ? INT64_MAX : cursor - CR_LANDING_FLAGGED;
        if ((st = cr_list_page_before(db, &flagged_filter, before, limit, &lp->flagged)) != CR_OK)
            return st;
        if (lp->flagged.n == limit) {
            page->more = 1;
            return landing_join(db, page, NULL, &lp->flagged);
        }
        if ((st = cr_list_mine_page_before(db, INT64_MAX, limit - lp->flagged.n, &lp->mine)) !=
            CR_OK)
            return st;
        page->more = lp->mine.more;
        return landing_join(db, page, &lp->mine, &lp->flagged);
    }
    if ((st = cr_list_mine_page_before(db, cursor > CR_LANDING_FLAGGED ? INT64_MAX : cursor, limit,
                                       &lp->mine)) != CR_OK)
        return st;
    page->more = lp->mine.more;
    return landing_join(db, page, &lp->mine, NULL);
}

enum cr_status
cr_list_landing_page(cr_db *db, int64_t after, size_t limit, struct cr_page *page)
{
    return landing(db, after, false, limit, page);
}

enum cr_status
cr_list_landing_page_before(cr_db *db, int64_t before, size_t limit, struct cr_page *page)
{
    return landing(db, before, true, limit, page);
}

int64_t
cr_landing_cursor(const struct cr_page *page, size_t i)
{
    assert(page && i < page->n);
    const struct cr_store_owned *o = page->priv;
    bool second =
        o && o->release == landing_release && i >= ((const struct landing_priv *)o)->split;
    return (second ? CR_LANDING_FLAGGED : 0) + page->rows[i].sortkey;
}

void
cr_page_drop_first(struct cr_page *page)
{
    if (!page || !page->n)
        return;
    memmove(page->rows, page->rows + 1, (page->n - 1) * sizeof *page->rows);
    page->n--;
    struct cr_store_owned *o = page->priv;
    if (o && o->release == landing_release && ((struct landing_priv *)o)->split > 0)
        ((struct landing_priv *)o)->split--;
}

int64_t
cr_landing_row_cursor(const cr_db *db, const struct cr_case_row *row)
{
    bool second = cr_landing_has_flagged(db) && row->state == CR_STATE_FLAGGED && !row->assignee;
    return (second ? CR_LANDING_FLAGGED : 0) + row->sortkey;
}

/* Counts */

struct counter_sum {
    const struct cr_filter *f;
    int64_t n;
};

static enum cr_status
counter_add(void *ctx, const struct cr_case_count *c)
{
    struct counter_sum *sum = ctx;
    const struct cr_filter *f = sum->f;
    if (f->state >= 0 ? c->state != f->state : f->open && c->state == CR_STATE_CLOSED)
        return CR_OK;
    if (f->outcome >= 0 &&
        (f->outcome == CR_OUTCOME_COUNT ? c->outcome >= 0 : c->outcome != f->outcome))
        return CR_OK;
    if (f->category >= 0 && f->category < CR_CATEGORY_COUNT &&
        c->categories != (1u << f->category) && c->categories != (CR_CATMASK_DV | CR_CATMASK_SO))
        return CR_OK;
    sum->n += c->n;
    return CR_OK;
}

/*
 * Whether the counters can answer: no words, no clock, no assignee nor
 * unit (the counters know neither), and nothing kept from the user.
 */
static bool
counters_answer(const struct cr_filter *f, const struct cr_scope *scope)
{
    return !(f->search && !cr_blank(f->search)) && !f->overdue && !f->assignee && !f->unit &&
           !scope->panel_only && !scope->unit && !scope->n_refs;
}

/* *n and *exact of a count read up to the cap (the engine reads one more to know). */
static void
capped(int64_t read, int64_t *n, int *exact)
{
    *exact = read <= CR_COUNT_CAP;
    *n = *exact ? read : CR_COUNT_CAP;
}

enum cr_status
cr_count_cases(cr_db *db, const struct cr_filter *filter, int64_t *n, int *exact)
{
    if (!db)
        return CR_USAGE;
    if (!n || !exact)
        return cr_fail(db, CR_USAGE, "a count needs somewhere to put it");
    static const struct cr_filter all = CR_FILTER_ALL;
    if (!filter)
        filter = &all;
    *n = 0;
    *exact = 1;
    struct cr_scope scope;
    enum cr_status st = cr_policy_scope(db, &scope);
    if (st == CR_OK && counters_answer(filter, &scope)) {
        struct counter_sum sum = {filter, 0};
        st = ENGINE->case_counts(db, counter_add, &sum);
        *n = sum.n;
    } else if (st == CR_OK) {
        struct cr_late late;
        if (filter->overdue)
            cr_late_cut(st_config(db), cr_db_now(db), 0, &late);
        int64_t read = 0;
        st = ENGINE->count(db, filter, &scope, filter->overdue ? &late : NULL, CR_COUNT_CAP + 1,
                           &read);
        capped(read, n, exact);
    }
    cr_scope_free(&scope);
    return st;
}

enum cr_status
cr_count_mine(cr_db *db, int64_t *n, int *exact)
{
    return cr_count_mine_filter(db, NULL, n, exact);
}

enum cr_status
cr_count_mine_filter(cr_db *db, const struct cr_filter *filter, int64_t *n, int *exact)
{
    if (!db)
        return CR_USAGE;
    if (!n || !exact)
        return cr_fail(db, CR_USAGE, "a count needs somewhere to put it");
    *n = 0;
    *exact = 1;
    struct cr_scope scope;
    enum cr_status st = cr_policy_scope(db, &scope);
    if (st == CR_OK) {
        struct cr_queue queue;
        struct cr_late late;
        cr_queue_of_user(db, &queue);
        queue.filter = filter;
        if (filter && filter->overdue) {
            cr_late_cut(st_config(db), cr_db_now(db), 0, &late);
            queue.overdue_late = &late;
        }
        int64_t read = 0;
        /* Nothing waits for someone whose roles have no queue: no engine is asked. */
        if (queue.n)
            st = ENGINE->count_mine(db, &queue, &scope, CR_COUNT_CAP + 1, &read);
        capped(read, n, exact);
    }
    cr_scope_free(&scope);
    return st;
}

enum cr_status
cr_count_landing(cr_db *db, int64_t *n, int *exact)
{
    enum cr_status st = cr_count_mine(db, n, exact);
    if (st != CR_OK || !cr_landing_has_flagged(db))
        return st;
    int64_t more;
    int more_exact;
    if ((st = cr_count_cases(db, &flagged_filter, &more, &more_exact)) != CR_OK)
        return st;
    capped(*n + more + (*exact && more_exact ? 0 : CR_COUNT_CAP + 1), n, exact);
    return CR_OK;
}
