/*
 * The queue: cases as rows, a screenful at a time by keyset (never all rows
 * in memory), filtered and sorted as the title says.
 */
#include "screens.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
page_rows(void)
{
    return LINES - 3; /* title, header, status */
}

/* The rows a page of the queue holds: those the screen shows. */
static size_t
screenful(void)
{
    return (size_t)(page_rows() > 0 ? page_rows() : 1);
}

/* Load a screenful after a cursor (load_before reads the one before it). */
static bool
load(struct app *app, struct tui_queue *q, int64_t cursor)
{
    size_t n = screenful();
    enum cr_status st = q->mine ? cr_list_mine_filter_page(app->db, &q->filter, cursor, n, &q->page)
                                : cr_list_page(app->db, &q->filter, cursor, n, &q->page);
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    return true;
}

static int64_t
row_cursor(const struct tui_queue *q, const struct cr_case_row *r)
{
    return q->mine ? r->sortkey : cr_row_cursor(&q->filter, r);
}

/* What the navigation needs of the page (nav.c). */
static void
sync_nav(struct tui_queue *q)
{
    q->nav.lines = (int)q->page.n;
    q->nav.more = q->page.more;
    q->nav.at_top = !q->start;
    q->nav.height = page_rows();
}

/* The cursor just before row r: where a page starting at r begins. */
static void
reload_from(struct app *app, struct tui_queue *q, int64_t start)
{
    q->start = start;
    if (load(app, q, start) && q->nav.sel >= (int)q->page.n)
        q->nav.sel = q->page.n ? (int)q->page.n - 1 : 0;
    sync_nav(q);
}

static void
queue_reload(struct app *app, void *state)
{
    struct tui_queue *q = state;
    if (q->refiltered)
        q->nav.sel = 0;
    reload_from(app, q, q->refiltered ? 0 : q->start);
}

/*
 * The screenful that ends just before the cursor `before`, in one query: the
 * rows before it, read backwards, one more than a screen.  When there are
 * that many, the first is the row just before the screen (the cursor of a
 * forward page over the same rows) and the rest are the screen; when there
 * are fewer, they begin at the top.  Rows follow the screen unless it ends
 * at the end (`before` is INT64_MAX).
 */
static bool
load_before(struct app *app, struct tui_queue *q, int64_t before)
{
    size_t n = screenful();
    enum cr_status st =
        q->mine ? cr_list_mine_filter_page_before(app->db, &q->filter, before, n + 1, &q->page)
                : cr_list_page_before(app->db, &q->filter, before, n + 1, &q->page);
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    q->start = 0;
    if (q->page.n == n + 1) {
        q->start = row_cursor(q, &q->page.rows[0]);
        memmove(q->page.rows, q->page.rows + 1, n * sizeof *q->page.rows);
        q->page.n = n;
    }
    q->page.more = before != INT64_MAX;
    return true;
}

/* The pager: pages of the queue read by keyset, for the navigation. */

static void
go_next_page(struct app *app, void *ctx)
{
    struct tui_queue *q = ctx;
    if (!q->page.more)
        return;
    int64_t start = row_cursor(q, &q->page.rows[q->page.n - 1]);
    q->nav.sel = 0;
    reload_from(app, q, start);
}

static void
go_prev_page(struct app *app, void *ctx, bool select_last)
{
    struct tui_queue *q = ctx;
    if (!q->start || !q->page.n)
        return;
    if (!load_before(app, q, row_cursor(q, &q->page.rows[0]))) {
        sync_nav(q);
        return;
    }
    if (!q->start) {
        /*
         * No more than a screen before: that is the top, its first row selected.
         * Fewer rows than a screen leave room for some of the old screen's: read forwards.
         */
        q->nav.sel = 0;
        if (q->page.n < screenful())
            reload_from(app, q, 0);
        sync_nav(q);
        return;
    }
    q->nav.sel = select_last ? (int)q->page.n - 1 : 0;
    sync_nav(q);
}

static void
go_first(struct app *app, void *ctx)
{
    struct tui_queue *q = ctx;
    q->nav.sel = 0;
    reload_from(app, q, 0);
}

static void
go_last(struct app *app, void *ctx)
{
    struct tui_queue *q = ctx;
    if (load_before(app, q, INT64_MAX))
        q->nav.sel = q->page.n ? (int)q->page.n - 1 : 0;
    sync_nav(q);
}

static const struct tui_pager queue_pager = {go_next_page, go_prev_page, go_first, go_last};

/* A state in the narrow column: core's name, shortened where it is too long for it. */
static const char *const short_state[CR_STATE_COUNT] = {
    [CR_STATE_IN_REVIEW] = "review",
    [CR_STATE_AWAITING_APPROVAL] = "approval",
    [CR_STATE_PANEL_REVIEW] = "panel",
};

static void
filter_title(const struct tui_queue *q, char *out, size_t n)
{
    const struct cr_filter *f = &q->filter;
    size_t used = (size_t)snprintf(out, n, "%s", q->mine ? "waiting for me" : "all cases");
    /* What waits for me is narrowed by the same filters (cr_list_mine_filter_page). */
    if (f->overdue)
        used += (size_t)snprintf(out + used, n - used, ", overdue");
    if (f->state >= 0)
        used += (size_t)snprintf(out + used, n - used, ", %s", cr_state_name(f->state));
    if (f->outcome >= 0)
        used +=
            (size_t)snprintf(out + used, n - used, ", outcome %s",
                             f->outcome < CR_OUTCOME_COUNT ? cr_outcome_name(f->outcome) : "none");
    if (f->category >= 0)
        used += (size_t)snprintf(out + used, n - used, ", %s", cr_category_name(f->category));
    if (f->search)
        used += (size_t)snprintf(out + used, n - used, ", search \"%s\"", f->search);
    if (f->assignee)
        used += (size_t)snprintf(out + used, n - used, ", held by %s", f->assignee);
    /* What waits for me is riskiest first; the rest in the order core lists it. */
    static const char *const order[] = {
        [CR_ORDER_RISKIEST] = ", riskiest first",
        [CR_ORDER_OLDEST] = ", oldest first",
        [CR_ORDER_NEWEST] = ", newest first",
    };
    snprintf(out + used, n - used, "%s", order[q->mine ? CR_ORDER_RISKIEST : cr_list_order(f)]);
}

/* A case's categories by core's short names, in core's order: "DV", "DV+SO". */
static void
categories_cell(unsigned categories, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (int c = 0; c < CR_CATEGORY_COUNT && used < n; c++)
        if (categories & (1u << c))
            used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "+" : "",
                                     cr_category_short(c));
}

/* Column widths: fixed ones, and what is left for the subject and the unit. */
struct layout {
    int id, state, age, subject, rank, unit, cat, n, who;
};

static struct layout
layout_for(int cols, int64_t max_id)
{
    struct layout l = {5, 8, 5, 17, 11, 12, 5, 2, 7};
    /* Room for the largest case number on screen and the selection mark. */
    for (int64_t v = max_id / 10000; v > 0; v /= 10) {
        l.id++;
        l.subject--;
    }
    int fixed = l.id + l.state + l.age + l.subject + l.rank + l.unit + l.cat + l.n + l.who + 8;
    int extra = cols - fixed;
    if (extra > 0) {
        l.subject += extra / 2;
        l.unit += extra - extra / 2;
    }
    return l;
}

static void
queue_draw(struct app *app, void *state)
{
    struct tui_queue *q = state;
    char title[512], line[1024];
    filter_title(q, title, sizeof title);
    snprintf(line, sizeof line, " Queue: %s", title);
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, line, COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));

    int64_t max_id = 0;
    for (size_t i = 0; i < q->page.n; i++)
        if (q->page.rows[i].id > max_id)
            max_id = q->page.rows[i].id;
    struct layout l = layout_for(COLS, max_id);
    snprintf(line, sizeof line, "%*s %-*s %*s %-*s %-*s %-*s %-*s %*s %s", l.id, "CASE", l.state,
             "STATE", l.age, "AGE", l.subject, "SUBJECT", l.rank, "RANK", l.unit, "UNIT", l.cat,
             "CAT", l.n, "N", "WHO");
    tui_put(stdscr, 1, 0, line, COLS, tui_attr(app, CR_SLOT_HEADER));

    int64_t now = cr_db_now(app->db);
    if (!q->page.n)
        tui_put(stdscr, 3, 2, q->mine ? "Nothing waits for you." : "No cases match.", COLS - 2,
                tui_attr(app, CR_SLOT_DIM));
    for (size_t i = 0; i < q->page.n && (int)i < page_rows(); i++) {
        const struct cr_case_row *r = &q->page.rows[i];
        int y = 2 + (int)i;
        bool sel = (int)i == q->nav.sel;
        int base = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        if (sel) {
            attron(base);
            mvhline(y, 0, ' ', COLS);
            attroff(base);
        }
        int x = 0;
        char cell[64];
        /* The selection shows without colour too. */
        snprintf(cell, sizeof cell, "%c%*lld", sel ? '>' : ' ', l.id - 1, (long long)r->id);
        x += tui_put(stdscr, y, x, cell, l.id, base) + 1;
        const char *state_name =
            short_state[r->state] ? short_state[r->state] : cr_state_name(r->state);
        tui_put(stdscr, y, x, state_name, l.state,
                base | (sel ? 0 : tui_attr(app, CR_SLOT_STATE_FLAGGED + r->state)));
        x += l.state + 1;
        bool late = cr_case_overdue(app->cfg, r, now);
        int64_t age = now > r->created_at ? (now - r->created_at) / 86400 : 0;
        snprintf(cell, sizeof cell, "%lldd%s", (long long)age, late ? "!" : "");
        int w = tui_width(cell);
        tui_put(stdscr, y, x + (l.age > w ? l.age - w : 0), cell, l.age,
                base | (late && !sel ? tui_attr(app, CR_SLOT_OVERDUE) : 0));
        x += l.age + 1;
        snprintf(line, sizeof line, "%s, %s", r->surname, r->forenames);
        tui_put(stdscr, y, x, line, l.subject, base);
        x += l.subject + 1;
        tui_put(stdscr, y, x, r->rank, l.rank, base);
        x += l.rank + 1;
        tui_put(stdscr, y, x, r->unit, l.unit, base);
        x += l.unit + 1;
        categories_cell(r->categories, cell, sizeof cell);
        tui_put(stdscr, y, x, cell, l.cat, base);
        x += l.cat + 1;
        snprintf(cell, sizeof cell, "%*d", l.n, r->n_allegations > 99 ? 99 : r->n_allegations);
        tui_put(stdscr, y, x, cell, l.n, base);
        x += l.n + 1;
        tui_put(stdscr, y, x,
                r->quorum_blocked ? "NO QUORUM"
                : r->assignee     ? r->assignee
                                  : "-",
                COLS - x, base);
    }
}

/* The current case: the selected row. */
static void
queue_current(struct app *app, void *state, struct tui_case_ref *c)
{
    struct tui_queue *q = state;
    (void)app;
    const struct cr_case_row *r =
        q->nav.sel >= 0 && q->nav.sel < (int)q->page.n ? &q->page.rows[q->nav.sel] : NULL;
    *c = (struct tui_case_ref){r ? r->id : 0, r ? r->version : 0, false};
}

static struct tui_nav *
queue_nav(struct app *app, void *state)
{
    struct tui_queue *q = state;
    (void)app;
    sync_nav(q);
    return &q->nav;
}

static void
refilter(struct app *app, struct tui_queue *q)
{
    q->nav.sel = 0;
    reload_from(app, q, 0);
}

static int
cycle(int value, int count)
{
    /* -1 (any), 0 .. count-1, then back to any */
    return value + 1 >= count ? -1 : value + 1;
}

/* The filters and the order: each changes what the queue shows, from the top. */
static bool
queue_filter(struct app *app, void *state, int action)
{
    struct tui_queue *q = state;
    struct cr_filter *f = &q->filter;
    switch (action) {
    case TA_FILTER_MINE:
        q->mine = !q->mine;
        break;
    case TA_FILTER_STATE:
        q->mine = false;
        f->state = cycle(f->state, CR_STATE_COUNT);
        break;
    case TA_FILTER_OUTCOME:
        /* Every outcome, then "none" (not decided yet). */
        q->mine = false;
        f->outcome = cycle(f->outcome, CR_OUTCOME_COUNT + 1);
        break;
    case TA_FILTER_CATEGORY:
        q->mine = false;
        f->category = cycle(f->category, CR_CATEGORY_COUNT);
        break;
    case TA_FILTER_CLEAR:
        q->mine = false;
        *f = (struct cr_filter)CR_FILTER_ALL;
        free(q->search);
        q->search = NULL;
        break;
    case TA_SORT:
        f->sort = f->sort == CR_SORT_AGE ? CR_SORT_PRIORITY : CR_SORT_AGE;
        break;
    default:
        return false;
    }
    refilter(app, q);
    return true;
}

static void
queue_close(struct app *app, void *state)
{
    struct tui_queue *q = state;
    (void)app;
    cr_page_free(&q->page);
}

/* The queue's actions, in the order its help lists them. */
static const struct tui_function queue_functions[] = {
    {TA_DOWN, NULL, 0},
    {TA_UP, NULL, 0},
    {TA_PAGE_DOWN, NULL, 0},
    {TA_PAGE_UP, NULL, 0},
    {TA_FIRST, NULL, 0},
    {TA_LAST, NULL, 0},
    {TA_OPEN, NULL, TUI_NEED_CASE}, /* the case screen and the search form: the registry's */
    {TA_SEARCH, NULL, 0},
    {TA_FILTER_MINE, queue_filter, 0},
    {TA_FILTER_STATE, queue_filter, 0},
    {TA_FILTER_OUTCOME, queue_filter, 0},
    {TA_FILTER_CATEGORY, queue_filter, 0},
    {TA_FILTER_CLEAR, queue_filter, 0},
    {TA_SORT, queue_filter, 0},
    {TA_FILTER_MENU, NULL, 0}, /* the filter menu (menu.c) */
    {TA_JUMP, NULL, 0},        /* the prompt (prompt.c); digits too: queue_unbound */
    TUI_CORE_FUNCTIONS         /* claim ... recall: the key table's core actions */
    {TA_DASHBOARD, NULL, 0},
    {TA_REFRESH, NULL, 0},
    {TA_SUSPEND, NULL, 0},
    {TA_HELP, NULL, 0},
    {TA_QUIT, NULL, 0},
    {TA_QUIT_ALL, NULL, 0},
    {TA_NONE, NULL, 0},
};

/* A digit typed on the queue (mutt's 123 Enter): the prompt to open a case, with it typed. */
static bool
queue_unbound(struct app *app, void *state, int action, wint_t ch)
{
    (void)state;
    if (action != TA_NONE || ch < '0' || ch > '9')
        return false;
    struct tui_target t = {.c = app->shared.cur};
    return tui_open(app, TA_JUMP, &t);
}

/* The queue's state is the shared model's queue: other screens read it. */
static void *
queue_open(struct app *app, const struct tui_target *t)
{
    struct tui_queue *q = &app->shared.queue;
    (void)t;
    q->nav.pager = &queue_pager;
    q->nav.ctx = q;
    reload_from(app, q, 0);
    return q;
}

/* Step from the case at cursor to the next or previous one of the queue. */
int64_t
tui_queue_step(struct app *app, int64_t case_id, int direction)
{
    const struct tui_queue *q = &app->shared.queue;
    /* Find the case's cursor: it is on the queue's page, or read it. */
    int64_t cursor = 0;
    bool found = false;
    for (size_t i = 0; i < q->page.n; i++) {
        if (q->page.rows[i].id == case_id) {
            cursor = row_cursor(q, &q->page.rows[i]);
            found = true;
        }
    }
    if (!found) {
        struct cr_case c;
        if (cr_case_reload_id(app->db, case_id, &c) != CR_OK)
            return 0;
        cursor = row_cursor(q, &c.row);
        cr_case_free(&c);
    }
    struct cr_page p = {0};
    enum cr_status st;
    if (direction > 0)
        st = q->mine ? cr_list_mine_filter_page(app->db, &q->filter, cursor, 1, &p)
                     : cr_list_page(app->db, &q->filter, cursor, 1, &p);
    else
        st = q->mine ? cr_list_mine_filter_page_before(app->db, &q->filter, cursor, 1, &p)
                     : cr_list_page_before(app->db, &q->filter, cursor, 1, &p);
    int64_t next = st == CR_OK && p.n ? p.rows[0].id : 0;
    cr_page_free(&p);
    return next;
}

const struct screen_ops queue_screen = {
    .name = "queue",
    .start = true,
    .open = queue_open,
    .functions = queue_functions,
    .draw = queue_draw,
    .nav = queue_nav,
    .current = queue_current,
    .reload = queue_reload,
    .close = queue_close,
    .unbound = queue_unbound,
    .also = &form_screen,
};
